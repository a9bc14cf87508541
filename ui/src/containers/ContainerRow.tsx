import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ContainerState, ContainerView, SourceView } from '@ecs-endpoints/contract';
import { httpStatusColor, relativeTime, shortId } from '../common/format.ts';
import { Mono } from '../common/Mono.tsx';
import { EcsToggle } from './EcsToggle.tsx';
import { SourceSelect } from './SourceSelect.tsx';

const STATE_COLOR: Record<ContainerState, 'success' | 'warning' | 'error' | 'default'> = {
  running: 'success',
  paused: 'warning',
  restarting: 'warning',
  created: 'default',
  removing: 'default',
  exited: 'default',
  dead: 'error',
};

const dash = (
  <Typography variant="body2" color="text.secondary" component="span" aria-label="none">
    —
  </Typography>
);

export interface RowHandlers {
  onToggle: (c: ContainerView, enabled: boolean) => void;
  onAssign: (c: ContainerView, sourceId: string | null) => void;
}

export function ContainerRow({
  container: c,
  sources,
  defaultSourceId,
  pendingEcs,
  pendingSource,
  now,
  onToggle,
  onAssign,
}: {
  container: ContainerView;
  sources: SourceView[] | undefined;
  defaultSourceId: string | undefined;
  pendingEcs: boolean | undefined;
  pendingSource: string | null | undefined;
  now: number;
} & RowHandlers) {
  return (
    <TableRow hover data-container-id={c.id} aria-busy={pendingEcs !== undefined || pendingSource !== undefined}>
      <TableCell
        component="th"
        scope="row"
        sx={{ position: 'sticky', left: 0, zIndex: 1, bgcolor: 'background.paper', maxWidth: 220 }}
      >
        <Typography variant="body2" sx={{ fontWeight: 500, overflowWrap: 'anywhere' }}>
          {c.name}
        </Typography>
        <Typography variant="caption" color="text.secondary" component="div">
          <Mono title={c.id}>{shortId(c.id)}</Mono>
        </Typography>
      </TableCell>
      <TableCell sx={{ maxWidth: 220 }}>
        <Typography variant="body2" noWrap title={c.image}>
          {c.image}
        </Typography>
      </TableCell>
      <TableCell sx={{ maxWidth: 180 }}>
        {c.compose ? (
          <>
            <Typography variant="body2" noWrap title={c.compose.project}>
              {c.compose.project}
            </Typography>
            <Typography variant="caption" color="text.secondary" component="div" noWrap title={c.compose.service}>
              {c.compose.service}
            </Typography>
          </>
        ) : (
          dash
        )}
      </TableCell>
      <TableCell>
        <Tooltip title={c.status}>
          <Chip size="small" label={c.state} color={STATE_COLOR[c.state]} variant="outlined" tabIndex={0} />
        </Tooltip>
      </TableCell>
      <TableCell>
        <EcsToggle container={c} pending={pendingEcs} onToggle={onToggle} />
      </TableCell>
      <TableCell>
        <SourceSelect
          container={c}
          sources={sources}
          defaultSourceId={defaultSourceId}
          pendingValue={pendingSource}
          busy={pendingSource !== undefined}
          onChange={(id) => onAssign(c, id)}
        />
      </TableCell>
      <TableCell>{c.ecs.address ? <Mono>{c.ecs.address}</Mono> : dash}</TableCell>
      <TableCell sx={{ maxWidth: 180 }}>
        {c.task ? (
          <Typography variant="body2" noWrap title={c.task.arn}>
            {c.task.family}
            <Typography component="span" variant="body2" color="text.secondary">
              :{c.task.revision}
            </Typography>
          </Typography>
        ) : (
          dash
        )}
      </TableCell>
      <TableCell sx={{ minWidth: 150, maxWidth: 240 }}>
        {c.lastCall ? (
          <Box>
            <Typography variant="body2" title={c.lastCall.at}>
              {relativeTime(c.lastCall.at, now)}
            </Typography>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.75, minWidth: 0 }}>
              <Typography variant="caption" color="text.secondary" noWrap title={c.lastCall.path} sx={{ minWidth: 0 }}>
                <Mono>{c.lastCall.path}</Mono>
              </Typography>
              <Chip size="small" label={c.lastCall.status} color={httpStatusColor(c.lastCall.status)} sx={{ height: 18, fontSize: 11 }} />
            </Box>
          </Box>
        ) : (
          <Typography variant="body2" color="text.secondary">
            never
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}
