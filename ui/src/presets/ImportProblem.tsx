import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { ApiRequestError, describeError } from '../api/errors.ts';
import { monoFont } from '../common/Mono.tsx';

export interface Issue {
  path: string;
  message: string;
}

/** The list of issues in a preset file: where (a dotted path into the file) and what. */
export function IssueList({ issues }: { issues: Issue[] }) {
  if (issues.length === 0) return null;
  return (
    <Box component="ul" sx={{ m: 0, mt: 1, pl: 2.5 }} aria-label="Issues">
      {issues.map((i, n) => (
        <li key={`${i.path}-${n}`}>
          <Typography variant="body2" component="span">
            <Box component="code" sx={{ fontFamily: monoFont, fontSize: '0.8125rem', fontWeight: 600 }}>
              {i.path || '(the whole file)'}
            </Box>
            : {i.message}
          </Typography>
        </li>
      ))}
    </Box>
  );
}

/** Why a preset file was refused: the message, what to do, and each issue with its path. */
export function ImportProblem({ error, title, onClose }: { error: unknown; title?: string; onClose?: () => void }) {
  const { message, remedy } = describeError(error);
  const issues = error instanceof ApiRequestError ? error.issues : [];
  return (
    <Alert severity="error" {...(onClose ? { onClose } : {})} aria-label={title ?? 'The preset file was not imported'} sx={{ '& .MuiAlert-message': { minWidth: 0 } }}>
      <AlertTitle>{title ?? 'The preset file was not imported'}</AlertTitle>
      <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
        {message}
      </Typography>
      <IssueList issues={issues} />
      {remedy && (
        <Typography variant="body2" sx={{ mt: 1, overflowWrap: 'anywhere' }}>
          {remedy}
        </Typography>
      )}
    </Alert>
  );
}
