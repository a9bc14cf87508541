import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ContainerState, ContainerView, SourceView } from '@ecs-endpoints/contract';
import { httpStatusColor, relativeTime, shortId } from '../common/format.ts';
import { Mono } from '../common/Mono.tsx';
import { FaultChips } from '../faults/FaultChips.tsx';
import { DiscoveryNamesCell } from './DiscoveryNames.tsx';
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
  onEditNames: (c: ContainerView) => void;
  /** A fault of its task was stopped here. */
  onFaultsChanged: () => void;
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
  onEditNames,
  onFaultsChanged,
}: {
  container: ContainerView;
  sources: SourceView[] | undefined;
  defaultSourceId: string | undefined;
  pendingEcs: boolean | undefined;
  pendingSource: string | null | undefined;
  now: number;
} & RowHandlers) {
  const nameCell = (
    <TableCell
      component="th"
      scope="row"
      sx={{ position: 'sticky', left: 0, zIndex: 1, bgcolor: 'background.paper', minWidth: 150, maxWidth: 220 }}
    >
      <Typography variant="body2" sx={{ fontWeight: 500, wordBreak: 'break-word' }}>
        {c.name}
      </Typography>
      <Typography variant="caption" color="text.secondary" component="div">
        <Mono title={c.id}>{shortId(c.id)}</Mono>
      </Typography>
    </TableCell>
  );
  return (
    <TableRow
      hover
      data-container-id={c.id}
      aria-busy={pendingEcs !== undefined || pendingSource !== undefined}
      sx={(t) => ({
        // The sticky name cell has its own background: give it the row's hover tint too.
        '&:hover > th': { backgroundImage: `linear-gradient(${t.palette.action.hover}, ${t.palette.action.hover})` },
      })}
    >
      {nameCell}
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
      <TableCell sx={{ minWidth: 130 }}>
        {c.lastCall ? (
          <Box>
            <Typography variant="body2" title={c.lastCall.at}>
              {relativeTime(c.lastCall.at, now)}
            </Typography>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}>
              <Typography
                variant="caption"
                color="text.secondary"
                title={c.lastCall.path}
                sx={{ display: 'block', maxWidth: 120, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
              >
                <Mono>{c.lastCall.path}</Mono>
              </Typography>
              <Chip size="small" label={c.lastCall.status} color={httpStatusColor(c.lastCall.status)} variant="outlined" sx={{ height: 18, fontSize: 11 }} />
            </Box>
          </Box>
        ) : (
          <Typography variant="body2" color="text.secondary">
            never
          </Typography>
        )}
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{c.ecs.address ? <Mono>{c.ecs.address}</Mono> : dash}</TableCell>
      <TableCell>
        <DiscoveryNamesCell container={c} onEdit={onEditNames} />
      </TableCell>
      <TableCell>
        {c.task ? (
          <>
            <Typography variant="body2" title={c.task.arn} sx={{ display: 'block', maxWidth: 160, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
              {c.task.family}
              <Typography component="span" variant="body2" color="text.secondary">
                :{c.task.revision}
              </Typography>
            </Typography>
            <FaultChips taskArn={c.task.arn} faults={c.task.faults} onStopped={onFaultsChanged} />
          </>
        ) : (
          dash
        )}
      </TableCell>
      <TableCell>
        <Typography variant="body2" title={c.image} sx={{ display: 'block', maxWidth: 170, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
          {c.image}
        </Typography>
      </TableCell>
      <TableCell>
        {c.compose ? (
          <Box sx={{ maxWidth: 150 }}>
            <Typography variant="body2" noWrap title={c.compose.project}>
              {c.compose.project}
            </Typography>
            <Typography variant="caption" color="text.secondary" component="div" noWrap title={c.compose.service}>
              {c.compose.service}
            </Typography>
          </Box>
        ) : (
          dash
        )}
      </TableCell>
    </TableRow>
  );
}
