import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import type { Problem } from '@ecs-endpoints/contract';
import { describeError } from '../api/errors.ts';

/** The backend's problems (and a failure to reach the backend), each with what to do about it. */
export function ProblemsBanner({
  problems,
  loadError,
  onRetry,
}: {
  problems: Problem[];
  loadError?: unknown;
  onRetry: () => void;
}) {
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...problems].sort((a, b) => order[a.severity] - order[b.severity]);
  const err = loadError === undefined ? undefined : describeError(loadError);
  if (sorted.length === 0 && !err) return null;
  return (
    <Stack spacing={1} component="section" aria-label="Problems">
      {err && (
        <Alert
          severity="error"
          action={
            <Button color="inherit" size="small" onClick={onRetry}>
              Retry
            </Button>
          }
        >
          <AlertTitle>{err.message}</AlertTitle>
          {err.remedy}
        </Alert>
      )}
      {sorted.map((p) => (
        <Alert key={p.id} severity={p.severity} data-problem={p.id}>
          {p.remedy ? <AlertTitle>{p.message}</AlertTitle> : p.message}
          {p.remedy}
        </Alert>
      ))}
    </Stack>
  );
}
