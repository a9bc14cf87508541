import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Switch from '@mui/material/Switch';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ContainerView } from '@ecs-endpoints/contract';

/** The ECS mode switch of one container, with why it can't be switched on and what is in progress. */
export function EcsToggle({
  container: c,
  pending,
  onToggle,
}: {
  container: ContainerView;
  /** The state being applied, while the API works. */
  pending: boolean | undefined;
  onToggle: (c: ContainerView, enabled: boolean) => void;
}) {
  const busy = pending !== undefined;
  const checked = pending ?? c.ecs.enabled;
  const blocked = !c.ecs.canEnable && !c.ecs.enabled;
  const reasonId = `ecs-reason-${c.id}`;
  const sw = (
    <Switch
      checked={checked}
      disabled={busy || blocked}
      onChange={(e) => onToggle(c, e.target.checked)}
      inputProps={{
        role: 'switch',
        'aria-label': `ECS mode for ${c.name}`,
        ...(blocked && c.ecs.reason ? { 'aria-describedby': reasonId } : {}),
      }}
    />
  );
  return (
    <Box sx={{ minWidth: 140, maxWidth: 190 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
        {blocked && c.ecs.reason ? (
          <Tooltip title={c.ecs.reason}>
            <span>{sw}</span>
          </Tooltip>
        ) : (
          sw
        )}
        {busy && (
          <CircularProgress size={16} aria-label={pending ? `Enabling ECS mode for ${c.name}` : `Disabling ECS mode for ${c.name}`} />
        )}
      </Box>
      {c.ecs.auto && (
        <Tooltip title="Put in ECS mode by the ecs-endpoints.enable / ecs-endpoints.preset label or a compose networks: entry">
          <Chip size="small" label="via label/compose" variant="outlined" tabIndex={0} sx={{ height: 20, fontSize: 11, mb: 0.25 }} />
        </Tooltip>
      )}
      {blocked && c.ecs.reason && (
        <Typography id={reasonId} variant="caption" color="text.secondary" component="div" sx={{ lineHeight: 1.3 }}>
          {c.ecs.reason}
        </Typography>
      )}
      {c.ecs.enabled && !c.ecs.hasEnvironment && !busy && (
        <Typography variant="caption" component="div" sx={(t) => ({ lineHeight: 1.3, color: t.palette.mode === "dark" ? t.palette.warning.light : t.palette.warning.dark })}>
          No ECS environment: the SDKs won’t find the endpoints
        </Typography>
      )}
    </Box>
  );
}
