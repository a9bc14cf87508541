/** Control API paths of the network faults active in tasks (docs/api.md, "Faults"). */
export const FAULTS_API = {
  faults: '/api/faults',
  /** A task by its id (the last part of its ARN) or its full ARN. */
  task: (task: string) => `/api/faults/${encodeURIComponent(task)}`,
  fault: (task: string, fault: string) => `/api/faults/${encodeURIComponent(task)}/${encodeURIComponent(fault)}`,
} as const;

export type FaultType = 'network-blackhole-port' | 'network-latency' | 'network-packet-loss';

/**
 * A fault running in a task's network namespace, with its start request's parameters as the
 * agent's fault API names them. `id` is `network-latency`, `network-packet-loss`, or
 * `network-blackhole-port-<TrafficType>-<Protocol>-<Port>` (several ports may be blackholed at once).
 */
export type FaultView = { id: string; startedAt: string } & (
  | {
      type: 'network-blackhole-port';
      request: { Port: number; Protocol: 'tcp' | 'udp'; TrafficType: 'ingress' | 'egress'; SourcesToFilter: string[] };
    }
  | {
      type: 'network-latency';
      request: { DelayMilliseconds: number; JitterMilliseconds: number; Sources: string[]; SourcesToFilter: string[]; FlowsPercent: number };
    }
  | {
      type: 'network-packet-loss';
      request: { LossPercent: number; Sources: string[]; SourcesToFilter: string[]; FlowsPercent: number };
    }
);

/** A task's active faults (GET /api/faults lists the tasks that have any). */
export interface TaskFaultsView {
  /** The last part of its ARN. */
  taskId: string;
  taskArn: string;
  family: string;
  revision: string;
  /** The names of its containers. */
  containers: string[];
  faults: FaultView[];
}
