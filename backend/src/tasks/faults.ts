/*
 * Network faults a task with enableFaultInjection may ask for (the agent's fault routes under
 * ECS_AGENT_URI): validated requests, as the data plane hands them to the docker room that applies
 * them in the task's network namespace. Pure data.
 */

export type FaultType = 'network-blackhole-port' | 'network-latency' | 'network-packet-loss';
export type FaultAction = 'start' | 'stop' | 'status';

export interface BlackholeRequest {
  port: number;
  protocol: 'tcp' | 'udp';
  trafficType: 'ingress' | 'egress';
  sourcesToFilter: string[];
}

export interface LatencyRequest {
  delayMs: bigint;
  jitterMs: bigint;
  sources: string[];
  sourcesToFilter: string[];
  flowsPercent: number;
}

export interface PacketLossRequest {
  lossPercent: number;
  sources: string[];
  sourcesToFilter: string[];
  flowsPercent: number;
}

export type FaultOp =
  | { type: 'network-blackhole-port'; action: FaultAction; request: BlackholeRequest }
  | { type: 'network-latency'; action: 'start'; request: LatencyRequest }
  | { type: 'network-packet-loss'; action: 'start'; request: PacketLossRequest }
  | { type: 'network-latency' | 'network-packet-loss'; action: 'stop' | 'status' };

/** The task's network namespace: the container that holds it, and its main process on the host. */
export interface FaultTarget {
  taskArn: string;
  ownerId: string;
  pid: number;
}

/** What applying (or checking) a fault came to; the data plane turns it into the agent's answer. */
export type FaultOutcome =
  | { status: 'running' | 'not-running' | 'stopped' }
  | { conflict: 'network-latency' | 'network-packet-loss' }
  /** The agent's 500s: `timeout` past its 5 s, else "internal error"; `reason` is for the request log. */
  | { failed: 'timeout' | 'error'; reason: string };

export interface FaultInjector {
  apply(target: FaultTarget, op: FaultOp): Promise<FaultOutcome>;
}
