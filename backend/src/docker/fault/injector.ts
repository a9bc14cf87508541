import { log } from '../../log.ts';
import type { FaultInjector, FaultOp, FaultOutcome, FaultTarget } from '../../tasks/faults.ts';
import {
  BLACKHOLE_CHAIN, INSPECT, LOSS_CHAIN, blackholeCheck, blackholeStart, blackholeStop, chainRemoval, iptablesLossStart, latencyStart,
  packetLossStart, tcStop, type Cmd,
} from './commands.ts';
import type { BatchResult } from './exec.ts';
import type { NamespaceRunner } from './runners.ts';

/** The agent's bound on one request's commands. */
const TIMEOUT_MS = 5000;
/** The agent's port for tasks: an egress blackhole of it keeps the endpoint reachable. */
const PORT_FOR_TASKS = 80;

/** What a namespace holds, read from `ip -j link`, `tc -j qdisc` and `iptables -S`. */
interface NsState {
  devs: string[];
  latency: boolean;
  /** `tc`: the agent's netem loss; `iptables`: this emulator's fallback chain. */
  loss?: 'tc' | 'iptables';
  /** The root qdisc is the agent's prio 1: on these interfaces. */
  tcRoots: string[];
  blackholeChains: string[];
}

type TcStart = Extract<FaultOp, { type: 'network-latency'; action: 'start' } | { type: 'network-packet-loss'; action: 'start' }>;

class Failed extends Error {
  constructor(
    readonly timedOut: boolean,
    reason: string,
  ) {
    super(reason);
  }
}

function describe(r: BatchResult): string {
  const f = r.failed;
  return f ? `${f.argv.join(' ')} exited with ${f.code}: ${f.out.trim().split('\n')[0]}` : 'timed out';
}

export function parseState(link: string, qdiscs: string, rules: string): NsState {
  const devs = (JSON.parse(link) as { ifname: string }[]).map((l) => l.ifname).filter((n) => n !== 'lo');
  const q = JSON.parse(qdiscs) as { kind: string; handle?: string; parent?: string; root?: boolean; dev: string; options?: Record<string, unknown> }[];
  // As the agent checks: netem under band 100:1 (there is always at least one netem band).
  const netem = q.filter((x) => x.kind === 'netem' && x.parent === '100:1' && x.options);
  const tcLoss = netem.some((x) => x.options!['loss-random'] !== undefined);
  const chains = [...rules.matchAll(/^-N (\S+)$/gm)].map((m) => m[1]!);
  return {
    devs,
    latency: netem.length > 0 && !tcLoss,
    loss: tcLoss ? 'tc' : chains.includes(LOSS_CHAIN) ? 'iptables' : undefined,
    tcRoots: q.filter((x) => x.root && x.kind === 'prio' && x.handle === '1:').map((x) => x.dev),
    blackholeChains: chains.filter((c) => BLACKHOLE_CHAIN.test(c)),
  };
}

/**
 * Applies the agent's fault operations in a task's network namespace, one request at a time per
 * namespace (the agent's per-namespace lock), within the agent's 5 s.
 */
export class NetworkFaults implements FaultInjector {
  private locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly runner: NamespaceRunner,
    /** The endpoint address (the agent's 169.254.170.2). */
    private readonly endpointAddress: string,
  ) {}

  apply(target: FaultTarget, op: FaultOp): Promise<FaultOutcome> {
    return this.locked(target.ownerId, async () => {
      const deadline = Date.now() + TIMEOUT_MS;
      try {
        return await this.decide(target, op, deadline);
      } catch (err) {
        const reason = (err as Error).message;
        log.warn('fault injection failed', { taskArn: target.taskArn, fault: `${op.action} ${op.type}`, reason });
        return { failed: err instanceof Failed && err.timedOut ? 'timeout' : 'error', reason };
      }
    });
  }

  /** Removes every fault of ours from the namespace (leftovers, a task no longer marked). */
  clear(target: FaultTarget): Promise<void> {
    return this.locked(target.ownerId, async () => {
      const deadline = Date.now() + TIMEOUT_MS;
      const s = await this.inspect(target, deadline);
      const cmds: Cmd[] = [
        ...s.tcRoots.map((d) => ({ argv: ['tc', 'qdisc', 'del', 'dev', d, 'root'] })),
        ...(s.loss === 'iptables' ? chainRemoval(LOSS_CHAIN, 'OUTPUT', true) : []),
        ...s.blackholeChains.flatMap((c) => chainRemoval(c, c.startsWith('egress') ? 'OUTPUT' : 'INPUT', true)),
      ];
      if (cmds.length) await this.run(target, cmds, deadline);
    });
  }

  private async decide(target: FaultTarget, op: FaultOp, deadline: number): Promise<FaultOutcome> {
    if (op.type === 'network-blackhole-port') {
      const r = { ...op.request };
      if (r.trafficType === 'egress' && r.port === PORT_FOR_TASKS && !r.sourcesToFilter.includes(this.endpointAddress)) {
        r.sourcesToFilter = [...r.sourcesToFilter, this.endpointAddress];
      }
      const check = await this.run(target, [blackholeCheck(r)], deadline);
      const running = check.results[0]?.code === 0;
      if (op.action === 'status') return { status: running ? 'running' : 'not-running' };
      if (op.action === 'start' && !running) await this.run(target, blackholeStart(r), deadline);
      if (op.action === 'stop' && running) await this.run(target, blackholeStop(r), deadline);
      return { status: op.action === 'start' ? 'running' : 'stopped' };
    }
    const s = await this.inspect(target, deadline);
    const mine = op.type === 'network-latency' ? s.latency : Boolean(s.loss);
    if (op.action === 'status') return { status: mine ? 'running' : 'not-running' };
    if (op.action === 'stop') {
      if (mine) await this.run(target, [...tcStop(s.tcRoots), ...(s.loss === 'iptables' && op.type === 'network-packet-loss' ? chainRemoval(LOSS_CHAIN, 'OUTPUT') : [])], deadline);
      return { status: 'stopped' };
    }
    if (s.latency) return { conflict: 'network-latency' };
    if (s.loss) return { conflict: 'network-packet-loss' };
    await this.start(target, op as TcStart, s.devs, deadline);
    return { status: 'running' };
  }

  private async start(target: FaultTarget, op: TcStart, devs: string[], deadline: number): Promise<void> {
    const cmds = op.type === 'network-latency' ? latencyStart(devs, op.request) : packetLossStart(devs, op.request);
    const r = await this.runner.run(target, cmds, deadline - Date.now());
    if (!r.failed && !r.timedOut) return;
    // Take a half-built hierarchy down again, so status and a retry see a clean interface.
    await this.runner.run(target, devs.map((d) => ({ argv: ['tc', 'qdisc', 'del', 'dev', d, 'root'], mayFail: true })), Math.max(1000, deadline - Date.now()));
    const noNetem = /qdisc kind is unknown|unknown qdisc/i.test(r.failed?.out ?? '');
    if (op.type === 'network-packet-loss' && noNetem) {
      await this.run(target, iptablesLossStart(op.request), deadline);
      return;
    }
    throw new Failed(Boolean(r.timedOut), noNetem ? `this kernel has no netem/prio queueing disciplines (${describe(r)})` : describe(r));
  }

  private async inspect(target: FaultTarget, deadline: number): Promise<NsState> {
    const r = await this.run(target, INSPECT, deadline);
    return parseState(r.results[0]!.out, r.results[1]!.out, r.results[2]!.out);
  }

  private async run(target: FaultTarget, cmds: Cmd[], deadline: number): Promise<BatchResult> {
    const r = await this.runner.run(target, cmds, deadline - Date.now());
    if (r.timedOut || r.failed) throw new Failed(Boolean(r.timedOut), describe(r));
    return r;
  }

  private async locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }
}
