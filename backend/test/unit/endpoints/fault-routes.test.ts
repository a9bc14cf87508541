/**
 * The agent's fault-injection routes over an in-memory model, with a recording injector: the
 * agent's order (decode, validate, find the task, enabled, one namespace), its 400/404/409/500
 * bodies, its Go decoding errors, and its second limiter (0.2/s, burst 1, per IP and path).
 */
import { describe, expect, it } from 'vitest';
import { Throttle } from '../../../src/endpoints/throttle.ts';
import type { FaultInjector, FaultOp, FaultOutcome, FaultTarget } from '../../../src/tasks/faults.ts';
import { ALL, BOGUS, JSON_TYPE, OUTSIDER, TEXT_TYPE, WEB, WORKER, plane, rateHeaders, rec, wire } from './plane-fixture.ts';

const id = (c: string) => c.repeat(64);
const FAULTY = { 'ecs-endpoints.task': 'chaos', 'ecs-endpoints.fault-injection': 'true' };
const PAUSE = rec({ id: id('1'), name: 'chaos-pause', ip: '169.254.170.140', labels: FAULTY, pid: 4242 });
const APP = rec({ id: id('2'), name: 'chaos-app', ip: '', labels: FAULTY, networkMode: `container:${id('1')}`, networks: [] });
/** Marked, but its two containers each have their own namespace: the agent's bridge mode. */
const BR1 = rec({ id: id('3'), name: 'br-1', ip: '169.254.170.141', labels: { 'ecs-endpoints.task': 'br', 'ecs-endpoints.fault-injection': 'true' } });
const BR2 = rec({ id: id('4'), name: 'br-2', ip: '169.254.170.142', labels: { 'ecs-endpoints.task': 'br' } });
const RECORDS = [...ALL, PAUSE, APP, BR1, BR2];

/** Both limiters' headers: the data plane's first, the fault route's own second. */
const twice = (limit = '1000.00') => Object.fromEntries(Object.entries(rateHeaders()).map(([k, v]) => [k, [v, k === 'X-Rate-Limit-Limit' ? limit : v]]));
const json = (status: number, body: string, limit?: string) => ({ status, body, headers: { 'Content-Type': JSON_TYPE, ...twice(limit) } });

function recorder(outcome: (op: FaultOp) => FaultOutcome = () => ({ status: 'running' })) {
  const calls: { target: FaultTarget; op: FaultOp }[] = [];
  const faults: FaultInjector = { apply: async (target, op) => (calls.push({ target, op }), outcome(op)) };
  return { calls, faults };
}

const post = (p: ReturnType<typeof plane>, path: string, body?: string, from = OUTSIDER) => p.call(path, from, { method: 'POST', body });
const BLACKHOLE = '{"Port":8080,"Protocol":"tcp","TrafficType":"egress"}';

describe('fault injection routes', () => {
  it('applies a marked task\'s faults in its one namespace and answers {"Status"}', async () => {
    const r = recorder((op) => ({ status: op.action === 'stop' ? 'stopped' : 'running' }));
    const p = plane({ records: RECORDS, faults: r.faults });
    const base = `/api/${p.endpoint(APP)}/fault/v1`;
    const arn = p.entry(APP).task.arn;
    expect(p.entry(APP).task.faultInjection).toBe(true);
    const res = await post(p, `${base}/network-blackhole-port/start`, BLACKHOLE);
    expect(wire(res)).toEqual(json(200, '{"Status":"running"}'));
    expect(res.meta).toEqual({ kind: 'fault', containerId: APP.id, sourceId: undefined, error: undefined });
    expect(r.calls[0]).toEqual({
      target: { taskArn: arn, ownerId: PAUSE.id, pid: 4242 },
      op: { type: 'network-blackhole-port', action: 'start', request: { port: 8080, protocol: 'tcp', trafficType: 'egress', sourcesToFilter: [] } },
    });
    // Latency and packet-loss stop/status read no body at all.
    expect(wire(await post(p, `${base}/network-latency/stop`, 'not json'))).toEqual(json(200, '{"Status":"stopped"}'));
    expect(r.calls[1]!.op).toEqual({ type: 'network-latency', action: 'stop' });
    await post(p, `${base}/network-packet-loss/start`, '{"lossPercent":100,"sources":["10.0.0.0/8"],"flowsPercent":50}');
    expect(r.calls[2]!.op).toEqual({ type: 'network-packet-loss', action: 'start', request: { lossPercent: 100, sources: ['10.0.0.0/8'], sourcesToFilter: [], flowsPercent: 50 } });
    await post(p, `${base}/network-latency/start`, '{"DelayMilliseconds":200,"JitterMilliseconds":0,"Sources":["1.2.3.4"],"SourcesToFilter":["::1"],"Unknown":1}');
    expect(r.calls[3]!.op).toEqual({ type: 'network-latency', action: 'start', request: { delayMs: 200n, jitterMs: 0n, sources: ['1.2.3.4'], sourcesToFilter: ['::1'], flowsPercent: 100 } });
  });

  it('answers conflicts, failures and timeouts as the agent does', async () => {
    const outcomes: FaultOutcome[] = [
      { conflict: 'network-packet-loss' },
      { conflict: 'network-latency' },
      { failed: 'error', reason: 'tc qdisc add … exited with 2: Error: Specified qdisc kind is unknown.' },
      { failed: 'timeout', reason: 'timed out' },
    ];
    const r = recorder(() => outcomes.shift()!);
    const p = plane({ records: RECORDS, faults: r.faults });
    const base = `/api/${p.endpoint(PAUSE)}/fault/v1`;
    const latency = '{"DelayMilliseconds":100,"JitterMilliseconds":10,"Sources":["0.0.0.0/0"]}';
    expect(wire(await post(p, `${base}/network-latency/start`, latency))).toEqual(json(409, '{"Error":"There is already one network packet loss fault running"}'));
    expect(wire(await post(p, `${base}/network-packet-loss/start`, '{"LossPercent":5,"Sources":["0.0.0.0/0"]}'))).toEqual(json(409, '{"Error":"There is already one network latency fault running"}'));
    const failed = await post(p, `${base}/network-latency/status`);
    expect(wire(failed)).toEqual(json(500, '{"Error":"internal error"}'));
    expect(failed.meta.error).toMatch(/qdisc kind is unknown/);
    expect(wire(await post(p, `${base}/network-blackhole-port/status`, BLACKHOLE))).toEqual(json(500, '{"Error":"check status network-blackhole-port: request timed out"}'));
  });

  it('refuses unmarked tasks, unknown ids and bridge-mode tasks with the agent\'s errors, after checking the body', async () => {
    const r = recorder();
    const p = plane({ records: RECORDS, faults: r.faults });
    const arn = p.entry(WEB).task.arn;
    for (const fault of ['network-blackhole-port', 'network-latency', 'network-packet-loss']) {
      const body = fault === 'network-blackhole-port' ? BLACKHOLE : fault === 'network-latency' ? '{"DelayMilliseconds":1,"JitterMilliseconds":0,"Sources":["1.1.1.1"]}' : '{"LossPercent":1,"Sources":["1.1.1.1"]}';
      for (const action of ['start', 'stop', 'status']) {
        const res = await post(p, `/api/${p.endpoint(WEB)}/fault/v1/${fault}/${action}`, body);
        expect(wire(res), `${fault}/${action}`).toEqual(json(400, `{"Error":"enableFaultInjection is not enabled for task: ${arn}"}`));
        expect(res.meta).toMatchObject({ kind: 'fault', containerId: WEB.id });
      }
    }
    const unknown = await post(p, `/api/${BOGUS}/fault/v1/network-latency/status`);
    expect(wire(unknown)).toEqual(json(404, `{"Error":"unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${BOGUS}"}`));
    // The body is validated before the task is looked up.
    expect(wire(await post(p, `/api/${BOGUS}/fault/v1/network-blackhole-port/start`, '{}'))).toEqual(json(400, '{"Error":"required parameter Port is missing"}'));
    expect(wire(await post(p, `/api/${p.endpoint(BR2)}/fault/v1/network-latency/status`))).toEqual(json(400, '{"Error":"bridge mode is not supported. Please use either host or awsvpc mode."}'));
    expect(r.calls).toEqual([]);
  });

  it('decodes and validates bodies as Go and the agent do', async () => {
    const r = recorder();
    const p = plane({ records: RECORDS, faults: r.faults });
    const bh = `/api/${p.endpoint(PAUSE)}/fault/v1/network-blackhole-port/start`;
    const lat = `/api/${p.endpoint(PAUSE)}/fault/v1/network-latency/start`;
    const loss = `/api/${p.endpoint(PAUSE)}/fault/v1/network-packet-loss/start`;
    const cases: [string, string | undefined, string][] = [
      [bh, undefined, 'required request body is missing'],
      [bh, '  \n', 'required request body is missing'],
      [bh, '{"Port":80,', 'unexpected EOF'],
      [bh, '{Port:80}', "invalid character 'P' looking for beginning of object key string"],
      [bh, 'x', "invalid character 'x' looking for beginning of value"],
      [bh, '{"Port" 80}', "invalid character '8' after object key"],
      [bh, '{"Port":80 "Protocol":"tcp"}', "invalid character '\"' after object key:value pair"],
      [bh, '[1]', 'json: cannot unmarshal array into Go value of type types.NetworkBlackholePortRequest'],
      [bh, '{"Port":"80","Protocol":5}', 'json: cannot unmarshal string into Go struct field NetworkBlackholePortRequest.Port of type uint16'],
      [bh, '{"Port":70000}', 'json: cannot unmarshal number 70000 into Go struct field NetworkBlackholePortRequest.Port of type uint16'],
      [bh, '{"Port":80.5}', 'json: cannot unmarshal number 80.5 into Go struct field NetworkBlackholePortRequest.Port of type uint16'],
      [bh, '{"Port":80}', 'required parameter Protocol is missing'],
      [bh, '{"Port":80,"Protocol":""}', 'required parameter Protocol is missing'],
      [bh, '{"Port":80,"Protocol":"tcp"}', 'required parameter TrafficType is missing'],
      [bh, '{"Port":80,"Protocol":"icmp","TrafficType":"egress"}', 'invalid value icmp for parameter Protocol'],
      [bh, '{"Port":80,"Protocol":"tcp","TrafficType":"both"}', 'invalid value both for parameter TrafficType'],
      [bh, '{"Port":80,"Protocol":"tcp","TrafficType":"egress","SourcesToFilter":["10.0.0.300"]}', 'invalid value 10.0.0.300 for parameter SourcesToFilter'],
      [bh, '{"Port":80,"Protocol":"tcp","TrafficType":"egress","SourcesToFilter":[7]}', 'json: cannot unmarshal number into Go struct field NetworkBlackholePortRequest.SourcesToFilter of type string'],
      [lat, '{"DelayMilliseconds":10}', 'required parameter JitterMilliseconds is missing'],
      [lat, '{"DelayMilliseconds":0,"JitterMilliseconds":0}', 'required either DelayMilliseconds or JitterMilliseconds to be non-zero'],
      [lat, '{"DelayMilliseconds":-1,"JitterMilliseconds":0}', 'json: cannot unmarshal number -1 into Go struct field NetworkLatencyRequest.DelayMilliseconds of type uint64'],
      [lat, '{"DelayMilliseconds":10,"JitterMilliseconds":0,"Sources":[]}', 'required parameter Sources is missing'],
      [lat, '{"DelayMilliseconds":10,"JitterMilliseconds":0,"Sources":["1.1.1.1/33"]}', 'invalid value 1.1.1.1/33 for parameter Sources'],
      [lat, '{"DelayMilliseconds":10,"JitterMilliseconds":0,"Sources":["1.1.1.1"],"FlowsPercent":0}', 'invalid value 0 for parameter flowsPercent'],
      [loss, '{"LossPercent":0,"Sources":["1.1.1.1"]}', 'invalid value 0 for parameter LossPercent'],
      [loss, '{"LossPercent":101}', 'invalid value 101 for parameter LossPercent'],
      [loss, '{"LossPercent":50,"Sources":["1.1.1.1"],"FlowsPercent":101}', 'invalid value 101 for parameter flowsPercent'],
    ];
    for (const [path, body, error] of cases) {
      const res = await post(p, path, body);
      expect(wire(res), `${body}`).toEqual(json(400, JSON.stringify({ Error: error })));
    }
    expect(r.calls).toEqual([]);
    // Trailing data after the first value is not read (Go's Decoder).
    expect((await post(p, bh, `${BLACKHOLE} trailing`)).status).toBe(200);
  });

  it('has its own limiter: one request per 5 s per caller and path, with its message and both header sets', async () => {
    let now = 0;
    const r = recorder();
    const p = plane({ records: RECORDS, faults: r.faults, faultThrottle: new Throttle(0.2, 1, () => now) });
    const status = `/api/${p.endpoint(PAUSE)}/fault/v1/network-latency/status`;
    expect((await post(p, status)).status).toBe(200);
    const refused = await post(p, status);
    expect(wire(refused)).toEqual({ status: 429, body: 'You have reached maximum request limit', headers: { 'Content-Type': TEXT_TYPE, ...twice('0.20') } });
    // Another path, or another caller, has its own bucket; the first path refills after 5 s.
    expect((await post(p, `/api/${p.endpoint(PAUSE)}/fault/v1/network-packet-loss/status`)).status).toBe(200);
    expect((await post(p, status, undefined, '169.254.170.77')).status).toBe(200);
    now += 4900;
    expect((await post(p, status)).status).toBe(429);
    now += 200;
    expect((await post(p, status)).status).toBe(200);
    // A wrong method is answered by the router before the limiter: 405, no token taken.
    expect(wire(await p.call(status, OUTSIDER, { method: 'GET' }))).toEqual({ status: 405, body: '', headers: rateHeaders() });
  });

  it('task metadata v4 says FaultInjectionEnabled for marked tasks only', async () => {
    const p = plane({ records: RECORDS });
    const task = async (r: typeof WEB) => JSON.parse((await p.call(`/v4/${p.endpoint(r)}/task`)).body) as { FaultInjectionEnabled: boolean };
    expect((await task(APP)).FaultInjectionEnabled).toBe(true);
    expect((await task(WORKER)).FaultInjectionEnabled).toBe(false);
  });
});
