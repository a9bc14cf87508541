import { isIP } from 'node:net';
import type { BlackholeRequest, FaultType, LatencyRequest, PacketLossRequest } from '../tasks/faults.ts';
import { GoDecodeError, goDecode, goKind, type GoValue } from './go-decode.ts';

/*
 * The fault-injection request bodies (ecs-agent tmds/handlers/fault/v1/types): Go's decoding into
 * the agent's structs (keys case-insensitive, unknown keys ignored, the first type error wins) and
 * the agent's ValidateRequest, with its messages.
 */

/** The agent's 400 for a body it cannot decode or validate: the message is its `Error`. */
export class FaultRequestError extends Error {}

type Kind = 'uint16' | 'uint64' | 'int' | 'string' | '[]*string';
const STRUCT: Record<FaultType, { name: string; fields: Record<string, Kind> }> = {
  'network-blackhole-port': { name: 'NetworkBlackholePortRequest', fields: { Port: 'uint16', Protocol: 'string', TrafficType: 'string', SourcesToFilter: '[]*string' } },
  'network-latency': {
    name: 'NetworkLatencyRequest',
    fields: { DelayMilliseconds: 'uint64', JitterMilliseconds: 'uint64', Sources: '[]*string', SourcesToFilter: '[]*string', FlowsPercent: 'int' },
  },
  'network-packet-loss': { name: 'NetworkPacketLossRequest', fields: { LossPercent: 'uint64', Sources: '[]*string', SourcesToFilter: '[]*string', FlowsPercent: 'int' } },
};

const RANGES: Record<'uint16' | 'uint64' | 'int', [bigint, bigint]> = {
  uint16: [0n, 65535n],
  uint64: [0n, 2n ** 64n - 1n],
  int: [-(2n ** 63n), 2n ** 63n - 1n],
};

type Decoded = Record<string, bigint | string | (string | null)[] | undefined>;

/** json.Unmarshal of one field's value; undefined for null (a nil pointer or slice). */
function field(v: GoValue, kind: Kind, where: string, errors: string[]): Decoded[string] {
  const refuse = (value: string, type: string) => void errors.push(`json: cannot unmarshal ${value} into Go struct field ${where} of type ${type}`);
  if (v.t === 'null') return undefined;
  if (kind === 'string') return v.t === 'string' ? v.v : refuse(goKind(v), 'string');
  if (kind === '[]*string') {
    if (v.t !== 'array') return refuse(goKind(v), '[]*string');
    return v.items.map((item) => (item.t === 'null' ? null : item.t === 'string' ? item.v : (refuse(goKind(item), 'string'), null)));
  }
  if (v.t !== 'number') return refuse(goKind(v), kind);
  const [min, max] = RANGES[kind];
  if (!/^-?\d+$/.test(v.raw) || (kind !== 'int' && v.raw.startsWith('-'))) return refuse(`number ${v.raw}`, kind);
  const n = BigInt(v.raw);
  return n < min || n > max ? refuse(`number ${v.raw}`, kind) : n;
}

function decode(type: FaultType, body: string): Decoded {
  let v: GoValue;
  try {
    v = goDecode(body);
  } catch (err) {
    if (err instanceof GoDecodeError) throw new FaultRequestError(err.eof ? 'required request body is missing' : err.message);
    throw err;
  }
  const { name, fields } = STRUCT[type];
  const out: Decoded = {};
  if (v.t === 'null') return out;
  if (v.t !== 'object') throw new FaultRequestError(`json: cannot unmarshal ${goKind(v)} into Go value of type types.${name}`);
  const errors: string[] = [];
  for (const [key, value] of v.entries) {
    // Go prefers the exact name, else any that matches without regard to case.
    const f = key in fields ? key : Object.keys(fields).find((k) => k.toLowerCase() === key.toLowerCase());
    if (f) out[f] = field(value, fields[f]!, `${name}.${f}`, errors);
  }
  if (errors.length) throw new FaultRequestError(errors[0]!);
  return out;
}

const missing = (f: string) => new FaultRequestError(`required parameter ${f} is missing`);
const invalid = (value: string, f: string) => new FaultRequestError(`invalid value ${value} for parameter ${f}`);

/** An IPv4/IPv6 address or CIDR block, as the agent's utils accept them. */
export function isIpOrCidr(s: string): boolean {
  if (isIP(s)) return true;
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const [ip, bits] = [s.slice(0, slash), s.slice(slash + 1)];
  const family = isIP(ip);
  return family !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function sources(list: Decoded[string], f: string): string[] {
  const out = ((list as (string | null)[] | undefined) ?? []).map((s) => s ?? '');
  for (const s of out) if (!isIpOrCidr(s)) throw invalid(s, f);
  return out;
}

function flows(d: Decoded): number {
  if (d.FlowsPercent === undefined) return 100;
  const n = d.FlowsPercent as bigint;
  if (n <= 0n || n > 100n) throw invalid(String(n), 'flowsPercent');
  return Number(n);
}

export function blackholeRequest(body: string): BlackholeRequest {
  const d = decode('network-blackhole-port', body);
  if (d.Port === undefined) throw missing('Port');
  if (!d.Protocol) throw missing('Protocol');
  if (!d.TrafficType) throw missing('TrafficType');
  if (d.Protocol !== 'tcp' && d.Protocol !== 'udp') throw invalid(d.Protocol as string, 'Protocol');
  if (d.TrafficType !== 'ingress' && d.TrafficType !== 'egress') throw invalid(d.TrafficType as string, 'TrafficType');
  return { port: Number(d.Port), protocol: d.Protocol, trafficType: d.TrafficType, sourcesToFilter: sources(d.SourcesToFilter, 'SourcesToFilter') };
}

export function latencyRequest(body: string): LatencyRequest {
  const d = decode('network-latency', body);
  if (d.DelayMilliseconds === undefined) throw missing('DelayMilliseconds');
  if (d.JitterMilliseconds === undefined) throw missing('JitterMilliseconds');
  const [delayMs, jitterMs] = [d.DelayMilliseconds as bigint, d.JitterMilliseconds as bigint];
  if (delayMs === 0n && jitterMs === 0n) throw new FaultRequestError('required either DelayMilliseconds or JitterMilliseconds to be non-zero');
  if (!(d.Sources as unknown[] | undefined)?.length) throw missing('Sources');
  return { delayMs, jitterMs, sources: sources(d.Sources, 'Sources'), sourcesToFilter: sources(d.SourcesToFilter, 'SourcesToFilter'), flowsPercent: flows(d) };
}

export function packetLossRequest(body: string): PacketLossRequest {
  const d = decode('network-packet-loss', body);
  if (d.LossPercent === undefined) throw missing('LossPercent');
  const loss = d.LossPercent as bigint;
  // The agent prints it through int(): values past 2^63 wrap.
  if (loss < 1n || loss > 100n) throw invalid(BigInt.asIntN(64, loss).toString(), 'LossPercent');
  if (!(d.Sources as unknown[] | undefined)?.length) throw missing('Sources');
  return { lossPercent: Number(loss), sources: sources(d.Sources, 'Sources'), sourcesToFilter: sources(d.SourcesToFilter, 'SourcesToFilter'), flowsPercent: flows(d) };
}
