import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import WarningIcon from '@mui/icons-material/Warning';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import type { StatusView } from '@ecs-endpoints/contract';
import { endpointHealth } from './health.ts';

const LABEL = { healthy: 'healthy', degraded: 'problems', down: 'not serving', unknown: 'checking…' } as const;

export function StatusChip({ status, unreachable }: { status: StatusView | undefined; unreachable: boolean }) {
  const health = endpointHealth(status, unreachable);
  const address = status?.endpoint.address ?? '169.254.170.2';
  const icon =
    health === 'healthy' ? (
      <CheckCircleIcon />
    ) : health === 'degraded' ? (
      <WarningIcon />
    ) : health === 'down' ? (
      <ErrorIcon />
    ) : (
      <HourglassEmptyIcon />
    );
  const color = health === 'healthy' ? 'success' : health === 'degraded' ? 'warning' : health === 'down' ? 'error' : 'default';
  const details = status ? (
    <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: 'auto auto', columnGap: 1.5, rowGap: 0.25 }}>
      <dt>Endpoint</dt>
      <dd style={{ margin: 0 }}>
        {address} ports {status.endpoint.ports.metadata}, {status.endpoint.ports.agent}, {status.endpoint.ports.introspection}
        {status.endpoint.listening ? '' : ' (not listening)'}
      </dd>
      <dt>Network</dt>
      <dd style={{ margin: 0 }}>
        {status.network.name} {status.network.subnet}
        {status.network.ipv6Subnet ? ` and ${status.network.ipv6Subnet}` : ''}
        {status.network.ready ? '' : ' (not ready)'}
      </dd>
      <dt>Id-less forms</dt>
      <dd style={{ margin: 0 }}>
        {status.addressGuard.state === 'enforced'
          ? '/creds, /role/… answered: addresses bound to their containers'
          : status.addressGuard.state === 'starting'
            ? 'waiting for the address guard'
            : 'refused: addresses cannot be protected here (use /v2/credentials/<id>)'}
      </dd>
      <dt>Docker</dt>
      <dd style={{ margin: 0 }}>{status.docker.connected ? `connected${status.docker.version ? `, ${status.docker.version}` : ''}` : 'not connected'}</dd>
      <dt>Region</dt>
      <dd style={{ margin: 0 }}>{status.region}</dd>
      <dt>Backend</dt>
      <dd style={{ margin: 0 }}>
        {status.version} ({status.topology} topology)
      </dd>
    </Box>
  ) : (
    <Typography variant="body2">{unreachable ? 'The backend cannot be reached.' : 'Waiting for the backend…'}</Typography>
  );
  return (
    <Tooltip title={details} arrow>
      <Chip
        icon={icon}
        color={color}
        variant="outlined"
        tabIndex={0}
        label={`Endpoint ${address}: ${LABEL[health]}`}
        data-health={health}
        sx={{ fontWeight: 500, maxWidth: '100%' }}
      />
    </Tooltip>
  );
}
