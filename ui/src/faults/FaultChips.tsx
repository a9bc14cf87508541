import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import WarningIcon from '@mui/icons-material/Warning';
import type { FaultView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { relativeTime } from '../common/format.ts';

/** What a fault does, in a few words: "Blackhole tcp/443 egress", "Packet loss 30%", "Latency 100±10 ms". */
export function faultLabel(f: FaultView): string {
  switch (f.type) {
    case 'network-blackhole-port':
      return `Blackhole ${f.request.Protocol}/${f.request.Port} ${f.request.TrafficType}`;
    case 'network-packet-loss':
      return `Packet loss ${f.request.LossPercent}%`;
    case 'network-latency': {
      const { DelayMilliseconds: delay, JitterMilliseconds: jitter } = f.request;
      return `Latency ${delay}${jitter ? `±${jitter}` : ''} ms`;
    }
  }
}

/** The rest of its parameters, for the chip's tooltip. */
function faultDetails(f: FaultView): string {
  const parts = [`Started ${relativeTime(f.startedAt)} through the task's fault injection endpoint.`];
  if (f.type !== 'network-blackhole-port') {
    parts.push(`To ${f.request.Sources.join(', ')}.`);
    if (f.request.FlowsPercent < 100) parts.push(`${f.request.FlowsPercent}% of flows.`);
  }
  if (f.request.SourcesToFilter.length) parts.push(`Except ${f.request.SourcesToFilter.join(', ')}.`);
  return parts.join(' ');
}

/** The task id: the last part of its ARN. */
const taskIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * A task's running network faults, each a warning chip with a Stop button (the agent's stop, in
 * the task's namespace). `onStopped` reloads what the page shows (live clients get it anyway).
 */
export function FaultChips({ taskArn, faults, onStopped }: { taskArn: string; faults: FaultView[] | undefined; onStopped?: () => void }) {
  const { client, notifyError } = useApi();
  const [stopping, setStopping] = useState<Record<string, boolean>>({});
  if (!faults?.length) return null;
  const stop = async (f: FaultView, label: string) => {
    setStopping((s) => ({ ...s, [f.id]: true }));
    try {
      await client.stopFault(taskIdOf(taskArn), f.id);
      onStopped?.();
    } catch (e) {
      notifyError(e, `Could not stop the fault “${label}”`);
    } finally {
      setStopping(({ [f.id]: _done, ...rest }) => rest);
    }
  };
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 0.5, mt: 0.5 }} role="list" aria-label="Running faults">
      {faults.map((f) => {
        const label = faultLabel(f);
        return (
          <Box key={f.id} role="listitem" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
            <Tooltip title={faultDetails(f)}>
              <Chip size="small" color="warning" icon={<WarningIcon />} label={label} tabIndex={0} sx={{ whiteSpace: 'nowrap' }} />
            </Tooltip>
            <Button
              size="small"
              color="warning"
              disabled={stopping[f.id] === true}
              onClick={() => void stop(f, label)}
              aria-label={`Stop ${label}`}
              sx={{ minWidth: 0, py: 0, px: 0.75 }}
            >
              {stopping[f.id] ? 'Stopping…' : 'Stop'}
            </Button>
          </Box>
        );
      })}
    </Box>
  );
}
