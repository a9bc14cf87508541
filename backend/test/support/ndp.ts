/**
 * Hand-built IPv6 neighbor discovery frames (RFC 4861), sent and watched from a container's network
 * namespace with a raw packet socket: what an attacker with CAP_NET_RAW sends from its own bridge
 * port. The frames are built here; Debian's python3 (run with nsenter, like the other host programs
 * in netns.ts) only writes them to, or reads them from, the interface: node has no packet sockets.
 */
import { spawn } from 'node:child_process';
import { parseIpv6 } from '../../src/ipv6.ts';
import { runInNetns } from './netns.ts';

const PYTHON = '/usr/bin/python3';

function ip6Bytes(ip: string): Buffer {
  const n = parseIpv6(ip);
  if (n === undefined) throw new Error(`not an IPv6 address: ${ip}`);
  return Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
}

const macBytes = (mac: string) => Buffer.from(mac.replace(/:/g, ''), 'hex');

/** The multicast MAC of an IPv6 multicast address: 33:33 and its last 32 bits. */
function multicastMac(ip: string): Buffer {
  return Buffer.concat([Buffer.from([0x33, 0x33]), ip6Bytes(ip).subarray(12)]);
}

/** The solicited-node multicast address of an address: ff02::1:ff and its last 24 bits. */
export function solicitedNode(ip: string): string {
  const b = ip6Bytes(ip);
  return `ff02::1:ff${b.subarray(13, 14).toString('hex')}:${b.subarray(14).toString('hex')}`;
}

/** An Ethernet frame with an IPv6 packet carrying this ICMPv6 message (its checksum filled in). */
function icmpv6Frame(o: { srcMac: string; src: string; dst: string; message: Buffer }): Buffer {
  const src = ip6Bytes(o.src);
  const dst = ip6Bytes(o.dst);
  const msg = Buffer.from(o.message);
  const pseudo = Buffer.concat([src, dst, Buffer.from([0, 0, msg.length >> 8, msg.length & 255, 0, 0, 0, 58]), msg]);
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += (pseudo[i]! << 8) | (pseudo[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  msg.writeUInt16BE(~sum & 0xffff, 2);
  // Version 6, payload length, next header ICMPv6 (58), hop limit 255 (neighbor discovery demands it).
  const ipHeader = Buffer.concat([Buffer.from([0x60, 0, 0, 0, msg.length >> 8, msg.length & 255, 58, 255]), src, dst]);
  return Buffer.concat([multicastMac(o.dst), macBytes(o.srcMac), Buffer.from([0x86, 0xdd]), ipHeader, msg]);
}

/**
 * An unsolicited neighbor advertisement to all nodes with the Override flag: "`target` is at
 * `lladdr`", which makes every neighbor that knows `target` send its traffic for it there.
 */
export function neighborAdvert(o: { srcMac: string; src: string; target: string; lladdr: string }): Buffer {
  const message = Buffer.concat([
    Buffer.from([136, 0, 0, 0, 0x20, 0, 0, 0]), // type, code, checksum, flags (O)
    ip6Bytes(o.target),
    Buffer.from([2, 1]), // option: target link-layer address, 8 bytes
    macBytes(o.lladdr),
  ]);
  return icmpv6Frame({ srcMac: o.srcMac, src: o.src, dst: 'ff02::1', message });
}

/** A duplicate address detection probe: a solicitation from :: for `target` ("I am about to take it"). */
export function dadProbe(o: { srcMac: string; target: string }): Buffer {
  const message = Buffer.concat([Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]), ip6Bytes(o.target)]);
  return icmpv6Frame({ srcMac: o.srcMac, src: '::', dst: solicitedNode(o.target), message });
}

/**
 * A router advertisement to all nodes from a link-local `src`: "I am a default router for 30
 * minutes", which makes neighbours that accept advertisements route off-network IPv6 through it.
 */
export function routerAdvert(o: { srcMac: string; src: string }): Buffer {
  const message = Buffer.concat([
    // type, code, checksum, hop limit 64, no flags, router lifetime 1800 s, reachable time, retrans timer
    Buffer.from([134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from([1, 1]), // option: source link-layer address, 8 bytes
    macBytes(o.srcMac),
  ]);
  return icmpv6Frame({ srcMac: o.srcMac, src: o.src, dst: 'ff02::1', message });
}

const SEND = 'import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind((sys.argv[1],0))\nfor f in sys.argv[2:]: s.send(bytes.fromhex(f))\n';

/** Write frames to an interface of the namespace of `pid`, as they are. */
export async function sendFrames(pid: number, iface: string, frames: Buffer[]): Promise<void> {
  const r = await runInNetns(pid, [PYTHON, '-c', SEND, iface, ...frames.map((f) => f.toString('hex'))], {});
  if (r.code !== 0) throw new Error(`sending frames from ${pid} failed: ${r.stderr.trim()}`);
}

/*
 * Reads IPv6 frames arriving at the interface; prints "ready" once listening, then the first
 * ICMPv6 message of `type` whose target is argv[3] ("-": any) (its source address, in hex), or
 * "none" when `ms` pass without one.
 */
const WATCH = `
import socket,sys,time
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(0x86dd))
s.bind((sys.argv[1],0))
want=int(sys.argv[2]); target=bytes.fromhex(sys.argv[3]) if sys.argv[3]!="-" else b""; end=time.time()+int(sys.argv[4])/1000
print("ready",flush=True)
while True:
  left=end-time.time()
  if left<=0: print("none",flush=True); break
  s.settimeout(left)
  try: f=s.recv(2048)
  except socket.timeout: continue
  if len(f)>=14+40+24 and f[14+6]==58 and f[54]==want and (not target or f[62:78]==target):
    print("seen",f[22:38].hex(),flush=True); break
`;

/**
 * Watch the interface of `pid`'s namespace for a neighbor discovery message (134 router
 * advertisement, 135 solicitation, 136 advertisement; about `target`, or any when undefined)
 * while `act` runs: resolves with its source address (hex), or undefined if none arrived within
 * `ms` of `act` starting.
 */
export function watchNeighborMessage(pid: number, iface: string, type: 134 | 135 | 136, target: string | undefined, ms: number, act: () => Promise<void>): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', PYTHON, '-c', WATCH, iface, String(type), target === undefined ? '-' : ip6Bytes(target).toString('hex'), String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let acted = false;
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!acted && out.includes('ready\n')) {
        acted = true;
        act().catch((e: Error) => { child.kill('SIGKILL'); reject(e); });
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seen = /seen ([0-9a-f]{32})/.exec(out);
      if (seen) resolve(seen[1]);
      else if (out.includes('none')) resolve(undefined);
      else reject(new Error(`the watcher in ${pid} exited ${code}: ${err.trim() || out.trim()}`));
    });
  });
}
