import { isIPv6 } from 'node:net';
import type { BlackholeRequest, LatencyRequest, PacketLossRequest } from '../../tasks/faults.ts';

/*
 * The commands that inject, check and remove faults inside a task's network namespace, as the
 * agent runs them (ecs-agent tmds/handlers/fault/v1/handlers): iptables chains for a blackholed
 * port, a tc prio/netem hierarchy for latency and packet loss. Pure: a runner executes them.
 * Kernels without netem/prio (some CI VMs) get packet loss from iptables' statistic match instead.
 */

/** One command; `mayFail`: its failure does not stop the batch (the agent ignores ip6tables failures). */
export interface Cmd {
  argv: string[];
  mayFail?: boolean;
}

const WAIT = ['-w', '5'];
const PRIOMAP = ['priomap', ...Array<string>(16).fill('2')];
/** The agent's chain name: <trafficType>-<protocol>-<port>. */
export const BLACKHOLE_CHAIN = /^(ingress|egress)-(tcp|udp)-\d{1,5}$/;
/** Packet loss where the kernel has no netem (this emulator's own chain). */
export const LOSS_CHAIN = 'ecs-packet-loss';

const families = [
  { tool: 'iptables', all: '0.0.0.0/0', v6: false },
  { tool: 'ip6tables', all: '::/0', v6: true },
] as const;
const isV6 = (s: string) => isIPv6(s.split('/')[0]!);

export function blackholeChain(r: BlackholeRequest): string {
  return `${r.trafficType}-${r.protocol}-${r.port}`;
}

/** Exits 0 when the fault's DROP rule exists (IPv4 only, as the agent checks). */
export function blackholeCheck(r: BlackholeRequest): Cmd {
  return { argv: ['iptables', ...WAIT, '-C', blackholeChain(r), '-p', r.protocol, '--dport', String(r.port), '-j', 'DROP'], mayFail: true };
}

export function blackholeStart(r: BlackholeRequest): Cmd[] {
  const chain = blackholeChain(r);
  const hook = r.trafficType === 'egress' ? 'OUTPUT' : 'INPUT';
  const cmds: Cmd[] = [];
  for (const f of families) {
    const add = (argv: string[]) => cmds.push({ argv: [f.tool, ...WAIT, ...argv], mayFail: f.v6 });
    add(['-N', chain]);
    for (const s of r.sourcesToFilter.filter((s) => isV6(s) === f.v6)) add(['-A', chain, '-p', r.protocol, '-d', s, '--dport', String(r.port), '-j', 'ACCEPT']);
    add(['-A', chain, '-p', r.protocol, '-d', f.all, '--dport', String(r.port), '-j', 'DROP']);
    add(['-I', hook, '-j', chain]);
  }
  return cmds;
}

export function blackholeStop(r: BlackholeRequest): Cmd[] {
  return chainRemoval(blackholeChain(r), r.trafficType === 'egress' ? 'OUTPUT' : 'INPUT');
}

/** Flush, unhook and delete a chain, IPv4 then IPv6 (whose failures do not count). */
export function chainRemoval(chain: string, hook: string, v4MayFail = false): Cmd[] {
  return families.flatMap((f) =>
    [['-F', chain], ['-D', hook, '-j', chain], ['-X', chain]].map((a) => ({ argv: [f.tool, ...WAIT, ...a], mayFail: f.v6 || v4MayFail })),
  );
}

/** Interfaces, qdiscs and IPv4 chains of the namespace: what check and clear-up read. */
export const INSPECT: Cmd[] = [
  { argv: ['ip', '-j', 'link', 'show'] },
  { argv: ['tc', '-j', 'qdisc', 'show'] },
  { argv: ['iptables', ...WAIT, '-S'] },
];

/** A tc id's minor number, as tc writes it (hexadecimal). */
const hex = (n: number) => n.toString(16);

/** The agent's three-layer prio hierarchy (100 bands, so FlowsPercent can pick flows) with netem on `flows` of them. */
function netemHierarchy(dev: string, flows: number, netem: string[], sources: string[], sourcesToFilter: string[]): Cmd[] {
  const tc = (...a: string[]): Cmd => ({ argv: ['tc', ...a] });
  const cmds: Cmd[] = [tc('qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'prio', ...PRIOMAP), tc('qdisc', 'add', 'dev', dev, 'parent', '1:1', 'handle', '10:', 'prio', 'bands', '10', ...PRIOMAP)];
  for (let i = 0; i < 10; i++) cmds.push(tc('qdisc', 'add', 'dev', dev, 'parent', `10:${hex(i + 1)}`, 'handle', `${100 + i}:`, 'prio', 'bands', '10', ...PRIOMAP));
  for (let i = 0; i < flows; i++) {
    cmds.push(tc('qdisc', 'add', 'dev', dev, 'parent', `${100 + Math.floor(i / 10)}:${hex((i % 10) + 1)}`, 'handle', `${200 + i}:`, 'netem', ...netem));
  }
  const match = (ip: string) => (isV6(ip) ? 'ip6' : 'ip');
  for (const s of sourcesToFilter) cmds.push(tc('filter', 'add', 'dev', dev, 'protocol', 'all', 'parent', '1:0', 'prio', '1', 'u32', 'match', match(s), 'dst', s, 'flowid', '1:3'));
  for (const s of sources) cmds.push(tc('filter', 'add', 'dev', dev, 'protocol', 'all', 'parent', '1:0', 'prio', '2', 'u32', 'match', match(s), 'dst', s, 'flowid', '1:1'));
  const hash = ['prio', '2', 'flow', 'hash', 'keys', 'src,dst,proto,proto-src,proto-dst', 'divisor', '10', 'baseclass'];
  cmds.push(tc('filter', 'add', 'dev', dev, 'protocol', 'all', 'parent', '10:', 'handle', '1', ...hash, '10:1'));
  for (let i = 0; i < 10; i++) cmds.push(tc('filter', 'add', 'dev', dev, 'protocol', 'all', 'parent', `${100 + i}:`, 'handle', String(i + 1), ...hash, `${100 + i}:1`));
  return cmds;
}

export function latencyStart(devs: string[], r: LatencyRequest): Cmd[] {
  return devs.flatMap((d) => netemHierarchy(d, r.flowsPercent, ['delay', `${r.delayMs}ms`, `${r.jitterMs}ms`], r.sources, r.sourcesToFilter));
}

export function packetLossStart(devs: string[], r: PacketLossRequest): Cmd[] {
  return devs.flatMap((d) => netemHierarchy(d, r.flowsPercent, ['loss', `${r.lossPercent}%`], r.sources, r.sourcesToFilter));
}

/** The agent's removal of the hierarchy, per interface. */
export function tcStop(devs: string[]): Cmd[] {
  return devs.flatMap((d) => [{ argv: ['tc', 'qdisc', 'del', 'dev', d, 'parent', '1:1', 'handle', '10:'] }, { argv: ['tc', 'qdisc', 'del', 'dev', d, 'root', 'handle', '1:', 'prio'] }]);
}

/**
 * Packet loss without netem: egress packets to `sources` (not to `sourcesToFilter`) dropped at
 * random with the loss probability. FlowsPercent scales the probability: chosen per packet, not per flow.
 */
export function iptablesLossStart(r: PacketLossRequest): Cmd[] {
  const p = (r.lossPercent / 100) * (r.flowsPercent / 100);
  const random = p >= 1 ? [] : ['-m', 'statistic', '--mode', 'random', '--probability', p.toFixed(4)];
  const cmds: Cmd[] = [];
  for (const f of families) {
    const add = (argv: string[]) => cmds.push({ argv: [f.tool, ...WAIT, ...argv], mayFail: f.v6 });
    add(['-N', LOSS_CHAIN]);
    for (const s of r.sourcesToFilter.filter((s) => isV6(s) === f.v6)) add(['-A', LOSS_CHAIN, '-d', s, '-j', 'RETURN']);
    for (const s of r.sources.filter((s) => isV6(s) === f.v6)) add(['-A', LOSS_CHAIN, '-d', s, ...random, '-j', 'DROP']);
    add(['-I', 'OUTPUT', '-j', LOSS_CHAIN]);
  }
  return cmds;
}
