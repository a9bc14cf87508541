import { useCallback, useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import DialogActions from '@mui/material/DialogActions';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ContainerView, FaultView, SourceView, TaskRunView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { monoFont } from '../common/Mono.tsx';
import { relativeTime } from '../common/format.ts';
import { FaultChips } from '../faults/FaultChips.tsx';
import { RunTaskDialog } from './RunTaskDialog.tsx';

const STATUS_COLOR: Record<string, 'success' | 'warning' | 'error' | 'default' | 'info'> = {
  RUNNING: 'success',
  PROVISIONING: 'info',
  PENDING: 'info',
  PULLING: 'info',
  CREATED: 'default',
  DEPROVISIONING: 'warning',
  STOPPED: 'default',
};

/** The task runs, refreshed every `pollMs` while the tab is shown (runs change by themselves). */
function useTasks(active: boolean, pollMs: number) {
  const { client, notifyError } = useApi();
  const [tasks, setTasks] = useState<TaskRunView[]>();
  const reload = useCallback(async () => {
    try {
      setTasks(await client.listTasks());
    } catch (e) {
      notifyError(e, 'Could not load the tasks');
    }
  }, [client, notifyError]);
  useEffect(() => {
    if (!active) return;
    void reload();
    const t = setInterval(() => void reload(), pollMs);
    return () => clearInterval(t);
  }, [active, pollMs, reload]);
  return { tasks, reload };
}

function LogsDialog({ task, container, onClose }: { task: TaskRunView; container: string; onClose: () => void }) {
  const { client, notifyError } = useApi();
  const [logs, setLogs] = useState<string>();
  useEffect(() => {
    client.taskLogs(task.id, container).then(
      (l) => setLogs(l.logs),
      (e: unknown) => notifyError(e, 'Could not read the logs'),
    );
  }, [client, notifyError, task.id, container]);
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth aria-labelledby="task-logs-title">
      <DialogTitle id="task-logs-title">
        Logs of {container} ({task.family}:{task.revision})
      </DialogTitle>
      <DialogContent>
        <Box component="pre" sx={{ fontFamily: monoFont, fontSize: 12, whiteSpace: 'pre-wrap', m: 0 }} aria-label="Container logs">
          {logs === undefined ? 'Loading…' : logs || '(no output yet)'}
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

/** The network faults running in a run's task: its containers' rows (the live containers list) carry them. */
function faultsOf(task: TaskRunView, containers: ContainerView[] | undefined): { taskArn: string; faults: FaultView[] } | undefined {
  const ids = new Set(task.containers.map((c) => c.dockerId).filter(Boolean));
  const row = containers?.find((c) => ids.has(c.id) && c.task?.faults?.length);
  return row?.task?.faults ? { taskArn: row.task.arn, faults: row.task.faults } : undefined;
}

function TaskCard({ task, faults, onChanged, onFaultsChanged }: {
  task: TaskRunView;
  faults: { taskArn: string; faults: FaultView[] } | undefined;
  onChanged: () => Promise<void>;
  onFaultsChanged: () => void;
}) {
  const { client, notifyError } = useApi();
  const [busy, setBusy] = useState(false);
  const [logsOf, setLogsOf] = useState<string>();
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      notifyError(e, `Could not ${what} the task`);
    } finally {
      setBusy(false);
      await onChanged();
    }
  };
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-label={`Task ${task.family}:${task.revision} ${task.id}`}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
        <Typography variant="h3" component="h3" sx={{ fontSize: 16 }}>
          {task.family}:{task.revision}
        </Typography>
        <Chip size="small" label={task.lastStatus} color={STATUS_COLOR[task.lastStatus] ?? 'default'} aria-label={`Task status ${task.lastStatus}`} />
        <Typography variant="body2" color="text.secondary" sx={{ fontFamily: monoFont }}>
          {task.id.slice(0, 12)} · {task.networkMode} · role from {task.baseSource} · {relativeTime(task.createdAt)}
        </Typography>
        <Box sx={{ flex: 1 }} />
        {task.lastStatus !== 'STOPPED' ? (
          <Button size="small" variant="outlined" disabled={busy || task.desiredStatus === 'STOPPED'} onClick={() => void act('stop', () => client.stopTask(task.id))}>
            Stop
          </Button>
        ) : (
          <>
            <Button size="small" variant="outlined" disabled={busy} onClick={() => void act('run', () => client.runTaskAgain(task.id))}>
              Run again
            </Button>
            <Button size="small" disabled={busy} onClick={() => void act('remove', () => client.removeTask(task.id))}>
              Remove
            </Button>
          </>
        )}
      </Stack>
      {faults && <FaultChips taskArn={faults.taskArn} faults={faults.faults} onStopped={onFaultsChanged} />}
      {task.stoppedReason && (
        <Alert severity={task.stopCode === 'UserInitiated' ? 'info' : 'warning'} sx={{ mt: 1 }}>
          {task.stoppedReason}
        </Alert>
      )}
      {task.warnings.map((w) => (
        <Typography key={w} variant="body2" color="warning.main">
          {w}
        </Typography>
      ))}
      <Table size="small" sx={{ mt: 1 }} aria-label={`Containers of ${task.family}`}>
        <TableHead>
          <TableRow>
            <TableCell>Container</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Details</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {task.containers.map((c) => (
            <TableRow key={c.name}>
              <TableCell>
                {c.name}
                {c.essential ? '' : ' (not essential)'}
              </TableCell>
              <TableCell>
                <Chip size="small" variant="outlined" label={c.status} color={STATUS_COLOR[c.status] ?? 'default'} />
              </TableCell>
              <TableCell sx={{ color: 'text.secondary' }}>
                {[c.health && c.health !== 'UNKNOWN' ? c.health.toLowerCase() : '', c.exitCode !== undefined ? `exit code ${c.exitCode}` : '', c.waitingFor ? `waiting for ${c.waitingFor}` : '', c.reason ?? '']
                  .filter(Boolean)
                  .join(' · ')}
              </TableCell>
              <TableCell align="right">
                <Button size="small" disabled={!c.dockerId} onClick={() => setLogsOf(c.name)} aria-label={`Logs of ${c.name}`}>
                  Logs
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {logsOf && <LogsDialog task={task} container={logsOf} onClose={() => setLogsOf(undefined)} />}
    </Paper>
  );
}

/** Run task definitions as ECS would, watch their containers come up in order, read logs, stop. */
export function TasksView({ active, sources, containers, onFaultsChanged = () => {}, pollMs = 1500 }: {
  active: boolean;
  sources: SourceView[] | undefined;
  /** The live containers list: the rows of a run's containers carry its task's running faults. */
  containers?: ContainerView[] | undefined;
  onFaultsChanged?: () => void;
  pollMs?: number;
}) {
  const { client } = useApi();
  const { tasks, reload } = useTasks(active, pollMs);
  const [open, setOpen] = useState(false);
  const validate = useCallback((d: unknown) => client.validateTask(d), [client]);
  return (
    <Box>
      <Stack direction="row" sx={{ alignItems: 'center', mb: 2 }} spacing={2}>
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
          Run the task definitions you deploy, as the ECS agent would: awsvpc, dependsOn, health checks, essential containers, the task role and secrets.
          From a terminal or CI: <code>npx ecs-endpoints run-task --task-definition td.json --wait</code>.
        </Typography>
        <Button variant="contained" onClick={() => setOpen(true)}>
          Run a task definition
        </Button>
      </Stack>
      {tasks !== undefined && tasks.length === 0 && <Alert severity="info">No tasks yet. Run a task definition to start one.</Alert>}
      <Stack spacing={2}>
        {(tasks ?? []).map((t) => (
          <TaskCard key={t.id} task={t} faults={faultsOf(t, containers)} onChanged={reload} onFaultsChanged={onFaultsChanged} />
        ))}
      </Stack>
      <RunTaskDialog
        open={open}
        onClose={() => setOpen(false)}
        sources={sources ?? []}
        validate={validate}
        describe={(ref, source) => client.describeTask(ref, source)}
        run={async (input) => {
          const t = await client.runTask(input);
          await reload();
          return t;
        }}
      />
    </Box>
  );
}
