/**
 * Applying the anti-spoofing rules where the bridge lives: in the host's network namespace, with
 * the host's process table. The backend runs this in-process in the host topology (as root), and
 * in the container topology a short-lived privileged helper container runs it (helper-main.ts).
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { guardScript, removeScript, type PortBinding } from './nft.ts';

/** An address to protect: with its owner's process and MAC, or neither for one no container may claim. */
export interface GuardTarget {
  ip: string;
  /** A process in the owner's network namespace (the container's main process). */
  pid?: number;
  mac?: string;
}

export interface GuardPlan {
  table: string;
  /**
   * Tables of ours (this prefix) to keep: those of Docker networks that still exist. The others
   * were left by a backend that was killed, and go in the same transaction.
   */
  prune?: { prefix: string; keep: string[] };
  /** The bridge device (br-<network id>); ports found elsewhere are not bound. */
  bridge: string;
  targets: GuardTarget[];
}

export interface GuardOutcome {
  bound: Required<PortBinding>[];
  /** Addresses that could not be bound to a port, and why. */
  unresolved: { ip: string; reason: string }[];
}

async function text(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

/**
 * The host-side veth of the container interface with this MAC: the container's own sysfs (seen
 * through /proc/<pid>/root) gives the interface's peer index, the host's sysfs the veth with it.
 */
export async function portOf(pid: number, mac: string, bridge: string, sys = '/sys', proc = '/proc', bridgePorts = bridgePortsByIndex(bridge, sys)): Promise<string> {
  const inner = `${proc}/${pid}/root/sys/class/net`;
  let peer: string | undefined;
  for (const ifc of await readdir(inner)) {
    if ((await text(`${inner}/${ifc}/address`).catch(() => '')).toLowerCase() === mac.toLowerCase()) {
      peer = await text(`${inner}/${ifc}/iflink`);
      break;
    }
  }
  if (!peer) throw new Error(`no interface with MAC ${mac} in the container's network namespace`);
  const port = (await bridgePorts).get(peer);
  if (port) return port;
  // Not one of the bridge's ports: find where it is, to say so.
  for (const ifc of await readdir(`${sys}/class/net`)) {
    if ((await text(`${sys}/class/net/${ifc}/ifindex`).catch(() => '')) !== peer) continue;
    const master = basename(await readlink(`${sys}/class/net/${ifc}/master`).catch(() => ''));
    if (master !== bridge) throw new Error(`its host interface ${ifc} is on ${master || 'no bridge'}, not ${bridge}`);
    return ifc;
  }
  throw new Error(`no host interface with index ${peer}`);
}

/**
 * The bridge's ports by interface index, read once for a whole apply: with hundreds of containers
 * on the machine, scanning every host interface for each container took most of a start (issue 13).
 */
export async function bridgePortsByIndex(bridge: string, sys = '/sys'): Promise<Map<string, string>> {
  const names = await readdir(`${sys}/class/net/${bridge}/brif`).catch(() => [] as string[]);
  const entries = await Promise.all(names.map(async (n) => [await text(`${sys}/class/net/${n}/ifindex`).catch(() => ''), n] as const));
  return new Map(entries.filter(([index]) => index !== ''));
}

/** The names of the bridge family's tables. */
export async function listBridgeTables(): Promise<string[]> {
  const out = await nft(['list', 'tables', 'bridge'], '');
  return [...out.matchAll(/^table bridge (\S+)$/gm)].map((m) => m[1]!);
}

export async function runNft(script: string): Promise<void> {
  await nft(['-f', '-'], script);
}

function nft(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', args, { timeout: 10_000 }, (err, out, stderr) => {
      if (!err) return resolve(out);
      const code = (err as NodeJS.ErrnoException).code;
      reject(new Error(code === 'ENOENT' ? 'the nft command is not installed (Debian/Ubuntu: apt-get install nftables)' : `nft: ${stderr.trim().split('\n')[0] || err.message}`));
    });
    // nft may exit before reading its input (an error): its exit is what the callback reports.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export async function applyGuard(plan: GuardPlan): Promise<GuardOutcome> {
  const out: GuardOutcome = { bound: [], unresolved: [] };
  const bindings: PortBinding[] = [];
  // A dual-stack container has two addresses on one port: look it up once.
  const ports = new Map<string, Promise<string>>();
  const byIndex = bridgePortsByIndex(plan.bridge);
  const port = (pid: number, mac: string) => {
    const key = `${pid} ${mac.toLowerCase()}`;
    if (!ports.has(key)) ports.set(key, portOf(pid, mac, plan.bridge, '/sys', '/proc', byIndex));
    return ports.get(key)!;
  };
  await Promise.all(
    plan.targets.map(async (t) => {
      if (t.pid === undefined || t.mac === undefined) return void bindings.push({ ip: t.ip });
      try {
        const b = { ip: t.ip, port: await port(t.pid, t.mac), mac: t.mac.toLowerCase() };
        bindings.push(b);
        out.bound.push(b);
      } catch (err) {
        // Not protected rather than cut off: its own traffic must flow; the data plane does not
        // trust its address for the id-less credential forms either.
        out.unresolved.push({ ip: t.ip, reason: (err as Error).message });
      }
    }),
  );
  const bridgePorts = await readdir(`/sys/class/net/${plan.bridge}/brif`).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the bridge ${plan.bridge} of the network is not on this machine (${err.code ?? err.message})`);
  });
  let script = guardScript(plan.table, bindings, bridgePorts);
  if (plan.prune) {
    const { prefix, keep } = plan.prune;
    const stale = (await listBridgeTables()).filter((t) => t.startsWith(prefix) && t !== plan.table && !keep.includes(t));
    script = stale.map((t) => `delete table bridge ${t}\n`).join('') + script;
  }
  await runNft(script);
  return out;
}

export function removeGuard(table: string): Promise<void> {
  return runNft(removeScript(table));
}
