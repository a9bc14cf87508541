import { useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import ClearAllIcon from '@mui/icons-material/ClearAll';
import type { RequestKind, RequestLogEntry, SourceView } from '@ecs-endpoints/contract';
import { CodeSnippet } from '../common/CodeSnippet.tsx';
import { clockTime, httpStatusColor } from '../common/format.ts';
import { Mono } from '../common/Mono.tsx';

const KINDS: RequestKind[] = ['credentials', 'metadata', 'stats', 'protection', 'fault', 'introspection', 'other'];
const ALL = '__all__';

function containerKey(e: RequestLogEntry): string {
  return e.containerId ?? `ip:${e.callerIp}`;
}
function containerLabel(e: RequestLogEntry): string {
  return e.containerName ?? (e.containerId ? e.containerId.slice(0, 12) : `unknown (${e.callerIp})`);
}

export function RequestsView({
  requests,
  sources,
  address = '169.254.170.2',
}: {
  requests: RequestLogEntry[];
  sources: SourceView[] | undefined;
  address?: string | undefined;
}) {
  const [container, setContainer] = useState(ALL);
  const [kind, setKind] = useState<string>(ALL);
  /** While paused, the view shows entries up to this id. */
  const [pausedAt, setPausedAt] = useState<number | null>(null);
  /** The view hides entries up to this id. */
  const [clearedUpTo, setClearedUpTo] = useState(0);

  const newestId = requests.reduce((m, e) => Math.max(m, e.id), 0);
  const inView = useMemo(
    () => requests.filter((e) => e.id > clearedUpTo && (pausedAt === null || e.id <= pausedAt)).sort((a, b) => b.id - a.id),
    [requests, clearedUpTo, pausedAt],
  );
  const shown = inView.filter((e) => (container === ALL || containerKey(e) === container) && (kind === ALL || e.kind === kind));
  const waiting = pausedAt === null ? 0 : requests.filter((e) => e.id > pausedAt && e.id > clearedUpTo).length;

  const containerOptions = useMemo(() => {
    const m = new Map<string, string>();
    for (const e of requests) m.set(containerKey(e), containerLabel(e));
    return [...m.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  }, [requests]);

  const sourceName = (id: string | undefined) => (id ? (sources?.find((s) => s.id === id)?.name ?? id) : undefined);

  if (requests.length === 0) {
    return (
      <Paper variant="outlined" sx={{ p: 3 }} component="section" aria-labelledby="no-requests-title">
        <Typography id="no-requests-title" variant="h3" component="h2" gutterBottom>
          No endpoint calls yet
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 880, mb: 2 }}>
          Every call a container in ECS mode makes to {address} (the AWS SDK fetching credentials, an agent reading task
          metadata or stats) appears here as it happens, with its status, latency and the credential source that answered.
          To try it, run this inside a container in ECS mode:
        </Typography>
        <Box sx={{ maxWidth: 720 }}>
          <CodeSnippet
            title="Ask for credentials from inside a container"
            code={`wget -qO- "http://${address}$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"\n# or: curl -s "$ECS_CONTAINER_METADATA_URI_V4/task"`}
          />
        </Box>
      </Paper>
    );
  }

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <TextField select size="small" label="Container" value={container} onChange={(e) => setContainer(e.target.value)} sx={{ minWidth: 200 }}>
          <MenuItem value={ALL}>All containers</MenuItem>
          {containerOptions.map(([key, label]) => (
            <MenuItem key={key} value={key}>
              {label}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label="Kind" value={kind} onChange={(e) => setKind(e.target.value)} sx={{ minWidth: 160 }}>
          <MenuItem value={ALL}>All kinds</MenuItem>
          {KINDS.map((k) => (
            <MenuItem key={k} value={k}>
              {k}
            </MenuItem>
          ))}
        </TextField>
        <Button
          variant="outlined"
          aria-pressed={pausedAt !== null}
          startIcon={pausedAt === null ? <PauseIcon /> : <PlayArrowIcon />}
          onClick={() => setPausedAt(pausedAt === null ? newestId : null)}
        >
          {pausedAt === null ? 'Pause' : waiting > 0 ? `Resume (${waiting} new)` : 'Resume'}
        </Button>
        <Button variant="outlined" startIcon={<ClearAllIcon />} onClick={() => setClearedUpTo(newestId)} disabled={inView.length === 0}>
          Clear view
        </Button>
        <Typography variant="body2" color="text.secondary" sx={{ ml: 'auto' }} aria-live="polite">
          {pausedAt !== null ? 'Paused · ' : ''}
          {shown.length} of {inView.length} calls
        </Typography>
      </Box>

      <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Endpoint requests" sx={{ minWidth: 960 }}>
          <TableHead>
            <TableRow>
              <TableCell>Time</TableCell>
              <TableCell>Container</TableCell>
              <TableCell>Method</TableCell>
              <TableCell>Path</TableCell>
              <TableCell>Status</TableCell>
              <TableCell align="right">Latency</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Source</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.map((e) => (
              <TableRow key={e.id} hover data-request-id={e.id}>
                <TableCell sx={{ whiteSpace: 'nowrap' }} title={e.time}>
                  <Mono>{clockTime(e.time)}</Mono>
                </TableCell>
                <TableCell sx={{ maxWidth: 200 }}>
                  <Typography variant="body2" noWrap title={e.containerName ?? e.callerIp}>
                    {containerLabel(e)}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Mono>{e.method}</Mono>
                </TableCell>
                <TableCell sx={{ maxWidth: 360 }}>
                  <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                    <Mono>{e.path}</Mono>
                  </Typography>
                  {e.error && (
                    <Typography variant="caption" color="error" component="div">
                      {e.error}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  <Tooltip title={e.error ?? ''}>
                    <Chip size="small" label={e.status} color={httpStatusColor(e.status)} variant="outlined" />
                  </Tooltip>
                </TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  {e.latencyMs < 10 ? e.latencyMs.toFixed(1) : Math.round(e.latencyMs)} ms
                </TableCell>
                <TableCell>{e.kind}</TableCell>
                <TableCell>{sourceName(e.sourceId) ?? <Typography variant="body2" color="text.secondary" component="span">—</Typography>}</TableCell>
              </TableRow>
            ))}
            {shown.length === 0 && (
              <TableRow>
                <TableCell colSpan={8}>
                  <Typography variant="body2" color="text.secondary" sx={{ py: 2, textAlign: 'center' }}>
                    {inView.length === 0 ? 'View cleared: new calls will appear here.' : 'No call matches these filters.'}
                  </Typography>
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}
