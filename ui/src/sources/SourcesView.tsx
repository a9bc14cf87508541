import { Fragment, useState } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import EditOutlinedIcon from '@mui/icons-material/EditOutlined';
import type { ContainerView, SourceTestResult, SourceView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/errors.ts';
import { Mono } from '../common/Mono.tsx';
import { ProfilesTable } from './ProfilesTable.tsx';
import { SourceFormDialog } from './SourceFormDialog.tsx';
import { TYPE_LABELS } from './sourceForm.ts';

type TestState = { running: true } | { running: false; result: SourceTestResult };

function TestResult({ source, result, onClose }: { source: SourceView; result: SourceTestResult; onClose: () => void }) {
  if (result.ok) {
    return (
      <Alert severity="success" onClose={onClose} aria-label={`Test result for ${source.name}`}>
        <AlertTitle>{source.name} works</AlertTitle>
        <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.25 }}>
          <dt>Account</dt>
          <dd style={{ margin: 0 }}>
            <Mono>{result.account ?? 'unknown'}</Mono>
          </dd>
          <dt>ARN</dt>
          <dd style={{ margin: 0, overflowWrap: 'anywhere' }}>
            <Mono>{result.arn ?? 'unknown'}</Mono>
          </dd>
          {result.expiration && (
            <>
              <dt>Expires</dt>
              <dd style={{ margin: 0 }}>{new Date(result.expiration).toLocaleString()}</dd>
            </>
          )}
        </Box>
      </Alert>
    );
  }
  return (
    <Alert severity="error" onClose={onClose} aria-label={`Test result for ${source.name}`}>
      <AlertTitle>{result.error ?? `${source.name} did not return credentials.`}</AlertTitle>
      {result.remedy}
    </Alert>
  );
}

export function SourcesView({
  sources,
  containers,
  defaultSourceId,
  onChanged,
  loadFailed = false,
}: {
  sources: SourceView[] | undefined;
  containers: ContainerView[] | undefined;
  defaultSourceId: string | undefined;
  onChanged: () => Promise<void> | void;
  loadFailed?: boolean;
}) {
  const { client, notifyError, notifySuccess } = useApi();
  const [form, setForm] = useState<{ open: boolean; source?: SourceView | undefined }>({ open: false });
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [toDelete, setToDelete] = useState<SourceView | null>(null);
  const [deleting, setDeleting] = useState(false);

  const containerName = (id: string) => containers?.find((c) => c.id === id)?.name ?? id.slice(0, 12);

  const runTest = async (s: SourceView) => {
    setTests((t) => ({ ...t, [s.id]: { running: true } }));
    let result: SourceTestResult;
    try {
      result = await client.testSource(s.id);
    } catch (e) {
      const { message, remedy } = describeError(e);
      result = { ok: false, error: message, ...(remedy ? { remedy } : {}) };
    }
    setTests((t) => ({ ...t, [s.id]: { running: false, result } }));
  };

  const confirmDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    try {
      await client.deleteSource(toDelete.id);
      notifySuccess(`Deleted ${toDelete.name}.`);
      setToDelete(null);
      await onChanged();
    } catch (e) {
      notifyError(e, `Could not delete ${toDelete.name}`);
    } finally {
      setDeleting(false);
    }
  };

  const deleteCount = toDelete?.assignedTo.length ?? 0;

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" color="text.secondary" sx={{ flex: '1 1 360px', maxWidth: 760 }}>
          A source is where a container’s task-role credentials come from. Each container in ECS mode uses the source
          assigned to it, else its preset’s, else the default source.
        </Typography>
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setForm({ open: true })} sx={{ ml: 'auto' }}>
          Add source
        </Button>
      </Box>

      {sources === undefined && loadFailed ? (
        <Typography variant="body2" color="text.secondary" sx={{ p: 3 }}>
          Sources will appear here once the backend answers (see the message above).
        </Typography>
      ) : sources === undefined ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, p: 3 }} role="status">
          <CircularProgress size={20} />
          <Typography variant="body2">Loading sources…</Typography>
        </Box>
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Credential sources" sx={{ minWidth: 760 }}>
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>Summary</TableCell>
                <TableCell>Used by</TableCell>
                <TableCell align="right">Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {sources.map((s) => {
                const test = tests[s.id];
                const used = s.assignedTo.length;
                return (
                  <Fragment key={s.id}>
                    <TableRow data-source-id={s.id}>
                      <TableCell component="th" scope="row">
                        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
                          <Typography variant="body2" sx={{ fontWeight: 500 }}>
                            {s.name}
                          </Typography>
                          {s.id === defaultSourceId && <Chip size="small" color="primary" variant="outlined" label="default" />}
                          {s.builtIn && <Chip size="small" variant="outlined" label="built-in" />}
                        </Box>
                      </TableCell>
                      <TableCell sx={{ whiteSpace: 'nowrap' }}>{TYPE_LABELS[s.type] ?? s.type}</TableCell>
                      <TableCell sx={{ maxWidth: 360 }}>
                        <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                          {s.summary}
                        </Typography>
                      </TableCell>
                      <TableCell>
                        {used === 0 ? (
                          <Typography variant="body2" color="text.secondary">
                            no container
                          </Typography>
                        ) : (
                          <Tooltip title={s.assignedTo.map(containerName).join(', ')}>
                            <Typography variant="body2" tabIndex={0} component="span">
                              {used} container{used === 1 ? '' : 's'}
                            </Typography>
                          </Tooltip>
                        )}
                      </TableCell>
                      <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                        <Button
                          size="small"
                          variant="outlined"
                          onClick={() => void runTest(s)}
                          disabled={test?.running === true}
                          startIcon={test?.running ? <CircularProgress size={14} color="inherit" /> : undefined}
                          aria-describedby={`source-name-${s.id}`}
                        >
                          Test
                        </Button>
                        <span id={`source-name-${s.id}`} hidden>
                          {s.name}
                        </span>
                        <Box component="span" sx={{ display: 'inline-flex', justifyContent: 'flex-end', width: 76, ml: 1, verticalAlign: 'middle' }}>
                          {s.builtIn ? (
                            <Tooltip title="Built-in sources cannot be edited or deleted">
                              <Typography component="span" variant="caption" color="text.secondary" tabIndex={0} sx={{ pr: 1 }}>
                                built-in
                              </Typography>
                            </Tooltip>
                          ) : (
                            <>
                              <Tooltip title="Edit">
                                <IconButton size="small" aria-label={`Edit ${s.name}`} onClick={() => setForm({ open: true, source: s })}>
                                  <EditOutlinedIcon fontSize="small" />
                                </IconButton>
                              </Tooltip>
                              <Tooltip title="Delete">
                                <IconButton size="small" aria-label={`Delete ${s.name}`} onClick={() => setToDelete(s)}>
                                  <DeleteOutlineIcon fontSize="small" />
                                </IconButton>
                              </Tooltip>
                            </>
                          )}
                        </Box>
                      </TableCell>
                    </TableRow>
                    {test && !test.running && (
                      <TableRow>
                        <TableCell colSpan={5} sx={{ py: 1 }}>
                          <TestResult
                            source={s}
                            result={test.result}
                            onClose={() =>
                              setTests(({ [s.id]: _gone, ...rest }) => rest)
                            }
                          />
                        </TableCell>
                      </TableRow>
                    )}
                  </Fragment>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      )}

      <Typography variant="h3" component="h2" sx={{ mt: 1 }}>
        Your AWS profiles
      </Typography>
      <ProfilesTable refreshKey={sources} />

      <SourceFormDialog
        open={form.open}
        source={form.source}
        sources={sources ?? []}
        onClose={() => setForm({ open: false })}
        onSaved={(saved) => {
          setForm({ open: false });
          notifySuccess(saved ? `Saved ${saved.name}.` : 'Saved.');
          void onChanged();
        }}
      />

      <Dialog open={toDelete !== null} onClose={() => setToDelete(null)} aria-labelledby="delete-source-title">
        <DialogTitle id="delete-source-title">Delete source {toDelete?.name}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            {deleteCount > 0
              ? `${deleteCount} container${deleteCount === 1 ? ' is' : 's are'} assigned to it; ${deleteCount === 1 ? 'it' : 'they'} will use ${deleteCount === 1 ? 'its' : 'their'} preset’s source or the default source instead.`
              : 'No container is assigned to it.'}
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setToDelete(null)} disabled={deleting}>
            Cancel
          </Button>
          <Button color="error" variant="contained" onClick={() => void confirmDelete()} disabled={deleting}>
            Delete
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
