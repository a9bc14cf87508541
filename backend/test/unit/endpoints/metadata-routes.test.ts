/**
 * The metadata and stats routes over an in-memory model: v2 by the caller's address and by Docker
 * id; v3 and v4 by endpoint id, by container name and in the id-less forms. Bodies are the
 * renderer's for the right container, task and version; every error body is the agent's.
 */
import { describe, expect, it } from 'vitest';
import { goJson } from '../../../src/gojson.ts';
import { renderContainer, renderTask, type Version } from '../../../src/endpoints/render.ts';
import type { ContainerRecord } from '../../../src/tasks/types.ts';
import { BLOG_WEB, BOGUS, JSON_TYPE, OUTSIDER, SOLO, WEB, WORKER, ipOf, plane, rateHeaders, rec, render, wire } from './plane-fixture.ts';

function bodies(p: ReturnType<typeof plane>) {
  return {
    container: (r: ContainerRecord, v: Version) => goJson(renderContainer(p.entry(r).task, p.entry(r).container, v, render)),
    task: (r: ContainerRecord, v: Version, tags = false) => goJson(renderTask(p.entry(r).task, v, tags, render)),
  };
}

const json = (status: number, body: string, ip = OUTSIDER) => ({ status, body, headers: { 'Content-Type': JSON_TYPE, ...rateHeaders(ip) } });

describe('v2: the caller by its source address', () => {
  it('serves the caller\'s task, with tags on the WithTags paths, with or without a trailing slash', async () => {
    const p = plane();
    const b = bodies(p);
    for (const [url, tags] of [['/v2/metadata', false], ['/v2/metadata/', false], ['/v2/metadataWithTags', true], ['/v2/metadataWithTags/', true]] as const) {
      const r = await p.call(url, WORKER);
      expect(wire(r), url).toEqual(json(200, b.task(WORKER, 'v2', tags), ipOf(WORKER)));
      expect(r.meta).toEqual({ kind: 'metadata', containerId: WORKER.id });
    }
  });

  it('serves the task\'s stats, null for a container without a sample', async () => {
    const p = plane();
    for (const url of ['/v2/stats', '/v2/stats/']) {
      const r = await p.call(url, WEB);
      expect(wire(r)).toEqual(json(200, `{"${WEB.id}":{"v":3},"${WORKER.id}":null}`, ipOf(WEB)));
      expect(r.meta).toEqual({ kind: 'stats', containerId: WEB.id });
    }
  });

  it('serves a container\'s stats only within the caller\'s task', async () => {
    const p = plane();
    expect(wire(await p.call(`/v2/stats/${WEB.id}`, WORKER))).toEqual(json(200, '{"v":3}', ipOf(WORKER)));
    expect(wire(await p.call(`/v2/stats/${WORKER.id}`, WEB))).toEqual(json(200, 'null', ipOf(WEB)));
    const r = await p.call(`/v2/stats/${SOLO.id}`, WEB);
    expect(wire(r)).toEqual(json(400, `"Unable to get container stats for: ${SOLO.id}"`, ipOf(WEB)));
    expect(r.meta).toEqual({ kind: 'stats', containerId: WEB.id, error: 'no stats' });
    // In the caller's own task but not tracked (not running).
    expect(wire(await p.call(`/v2/stats/${SOLO.id}`, SOLO))).toEqual(json(400, `"Unable to get container stats for: ${SOLO.id}"`, ipOf(SOLO)));
    expect(wire(await p.call('/v2/stats/a/b', WEB))).toEqual(json(400, '"Unable to get container stats for: a/b"', ipOf(WEB)));
  });

  it('cannot associate an address that is no container in ECS mode', async () => {
    const p = plane();
    const body = `"Unable to get task arn from request: unable to associate '${OUTSIDER}' with task"`;
    for (const url of ['/v2/metadata', '/v2/metadataWithTags/', '/v2/stats', `/v2/stats/${WEB.id}`]) {
      const r = await p.call(url);
      expect(wire(r), url).toEqual(json(400, body));
      expect(r.meta).toEqual({ kind: url.includes('stats') ? 'stats' : 'metadata', containerId: undefined, error: 'caller not in ECS mode' });
    }
  });

  it('serves any container by Docker id, to anyone, and names an unknown one', async () => {
    const p = plane();
    expect(wire(await p.call(`/v2/metadata/${SOLO.id}`))).toEqual(json(200, bodies(p).container(SOLO, 'v2')));
    const r = await p.call('/v2/metadata/taskWithTags', WEB);
    expect(wire(r)).toEqual(json(400, '"Unable to generate metadata for container \'taskWithTags\'"', ipOf(WEB)));
    expect(r.meta).toEqual({ kind: 'metadata', containerId: WEB.id, error: 'unknown container' });
    expect(wire(await p.call('/v2/metadata/x/', WEB))).toEqual(json(400, '"Unable to generate metadata for container \'x/\'"', ipOf(WEB)));
  });
});

describe('v3 and v4 by endpoint id', () => {
  it('serve the container, its task (with tags) and stats in each version\'s shape', async () => {
    const p = plane();
    const b = bodies(p);
    for (const v of ['v3', 'v4'] as const) {
      const base = `/${v}/${p.endpoint(WEB)}`;
      expect(wire(await p.call(base)), base).toEqual(json(200, b.container(WEB, v)));
      expect(wire(await p.call(`${base}/task`))).toEqual(json(200, b.task(WEB, v)));
      expect(wire(await p.call(`${base}/taskWithTags`))).toEqual(json(200, b.task(WEB, v, true)));
      expect(wire(await p.call(`${base}/stats`))).toEqual(json(200, v === 'v4' ? '{"v":4}' : '{"v":3}'));
      // No sample yet: the agent's nil pointer, {} in v4 and null before.
      expect(wire(await p.call(`/${v}/${p.endpoint(WORKER)}/stats`))).toEqual(json(200, v === 'v4' ? '{}' : 'null'));
      expect(wire(await p.call(`${base}/task/stats`))).toEqual(json(200, `{"${WEB.id}":${v === 'v4' ? '{"v":4}' : '{"v":3}'},"${WORKER.id}":${v === 'v4' ? '{}' : 'null'}}`));
    }
    expect((await p.call(`/v4/${p.endpoint(WEB)}/task`)).meta).toEqual({ kind: 'metadata', containerId: WEB.id });
    expect((await p.call(`/v4/${p.endpoint(WEB)}/task/stats`)).meta).toEqual({ kind: 'stats', containerId: WEB.id });
  });

  it('task bodies carry PullStartedAt/PullStoppedAt (the first creation) after Limits in every version', async () => {
    const p = plane();
    const calls = { v2: ['/v2/metadata', WEB] as const, v3: [`/v3/${p.endpoint(WEB)}/task`, OUTSIDER] as const, v4: [`/v4/${p.endpoint(WEB)}/task`, OUTSIDER] as const };
    const first = [WEB.created, WORKER.created].sort()[0];
    for (const [v, [url, from]] of Object.entries(calls)) {
      const t = JSON.parse((await p.call(url, from)).body) as Record<string, unknown>;
      const keys = Object.keys(t);
      expect(t.PullStartedAt, v).toBe(first);
      expect(t.PullStoppedAt, v).toBe(first);
      expect(t, v).not.toHaveProperty('ExecutionStoppedAt');
      // The zone ID is v4's last key; v2 and v3 have no such field.
      if (v === 'v4') expect([keys.at(-1), t.AvailabilityZoneID]).toEqual(['AvailabilityZoneID', 'euw1-az1']);
      else expect(t, v).not.toHaveProperty('AvailabilityZoneID');
      expect(keys.slice(keys.indexOf('KnownStatus') + 1, keys.indexOf('AvailabilityZone') + 1), v).toEqual(
        [...(v === 'v4' ? [] : ['Containers']), 'PullStartedAt', 'PullStoppedAt', 'AvailabilityZone'],
      );
    }
  });

  it('a bridge container on a dual-stack network: its IPv6 address in v4 only (the v3 handler never copies it)', async () => {
    const dual = rec({ id: '9'.repeat(64), name: 'dual', ip: '169.254.170.140' });
    dual.networks[0]!.ipv6 = 'fd00:ec5::8';
    const p = plane({ records: [dual] });
    const v4 = JSON.parse((await p.call(`/v4/${p.endpoint(dual)}`)).body);
    const v3 = JSON.parse((await p.call(`/v3/${p.endpoint(dual)}`)).body);
    expect(v4.Networks).toEqual([{ NetworkMode: 'ecs-endpoints', IPv4Addresses: ['169.254.170.140'], IPv6Addresses: ['fd00:ec5::8'] }]);
    expect(v3.Networks).toEqual([{ NetworkMode: 'ecs-endpoints', IPv4Addresses: ['169.254.170.140'] }]);
  });

  it('an awsvpc-style task on a dual-stack network: IPv6Addresses in v3 and v4, and v4\'s IPv6SubnetCIDRBlock as the agent makes it for a dual-stack ENI (its first address in a /64)', async () => {
    const pause = rec({ id: '7'.repeat(64), name: 'pause6', ip: '169.254.170.150' });
    pause.networks[0]!.ipv6 = 'fdec:5170::1:2:0:8';
    const side = rec({ id: '6'.repeat(64), name: 'side6', ip: '', networkMode: `container:${pause.id}`, networks: [] });
    const p = plane({ records: [pause, side] });
    const v4 = JSON.parse((await p.call(`/v4/${p.endpoint(pause)}`)).body);
    const v3 = JSON.parse((await p.call(`/v3/${p.endpoint(pause)}`)).body);
    expect(v4.Networks).toEqual([{
      NetworkMode: 'awsvpc', IPv4Addresses: ['169.254.170.150'], IPv6Addresses: ['fdec:5170::1:2:0:8'], AttachmentIndex: 0, MACAddress: '02:42:00:00:00:01',
      IPv4SubnetCIDRBlock: '169.254.170.0/24', IPv6SubnetCIDRBlock: 'fdec:5170::/64', PrivateDNSName: 'ip-169-254-170-150.eu-west-1.compute.internal', SubnetGatewayIpv4Address: '169.254.170.1/24',
    }]);
    // The agent's key order (spec §6.4).
    expect(Object.keys(v4.Networks[0])).toEqual(['NetworkMode', 'IPv4Addresses', 'IPv6Addresses', 'AttachmentIndex', 'MACAddress', 'IPv4SubnetCIDRBlock', 'IPv6SubnetCIDRBlock', 'PrivateDNSName', 'SubnetGatewayIpv4Address']);
    expect(v3.Networks).toEqual([{ NetworkMode: 'awsvpc', IPv4Addresses: ['169.254.170.150'], IPv6Addresses: ['fdec:5170::1:2:0:8'] }]);
  });

  it('a container that is not running has no stats: 500 in v4, 400 in v3', async () => {
    const p = plane();
    const e = p.endpoint(SOLO);
    const body = `"Unable to get container stats for: ${SOLO.id}"`;
    const r = await p.call(`/v4/${e}/stats`);
    expect(wire(r)).toEqual(json(500, body));
    expect(r.meta).toEqual({ kind: 'stats', containerId: SOLO.id, error: 'container not running' });
    expect(wire(await p.call(`/v3/${e}/stats`))).toEqual(json(400, body));
    expect(wire(await p.call(`/v4/${e}/task/stats`))).toEqual(json(200, `{"${SOLO.id}":{}}`));
  });

  it('an unknown endpoint id gets each handler\'s own status and message', async () => {
    const p = plane();
    const container = (V: string, h: string, id = BOGUS) => `"${V} ${h} handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${id}"`;
    const task = (V: string, h: string, id = BOGUS) => `"${V} ${h} handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${id}"`;
    const cases: [string, number, string, string][] = [
      [`/v4/${BOGUS}`, 404, container('V4', 'container metadata'), 'metadata'],
      ['/v4/', 404, container('V4', 'container metadata', ''), 'metadata'],
      [`/v4/${BOGUS}/task`, 404, task('V4', 'task metadata'), 'metadata'],
      [`/v4/${BOGUS}/taskWithTags`, 404, task('V4', 'task metadata'), 'metadata'],
      [`/v4/${BOGUS}/stats`, 404, task('V4', 'container stats'), 'stats'],
      [`/v4/${BOGUS}/task/stats`, 404, task('V4', 'task stats'), 'stats'],
      [`/v4/${BOGUS}/associations/gpu`, 400, container('V4', 'container associations'), 'metadata'],
      [`/v4/${BOGUS}/associations/gpu/a/b`, 400, container('V4', 'container associations'), 'metadata'],
      [`/v3/${BOGUS}`, 500, container('V3', 'container metadata'), 'metadata'],
      ['/v3/', 500, container('V3', 'container metadata', ''), 'metadata'],
      [`/v3/${BOGUS}/task`, 500, task('V3', 'task metadata'), 'metadata'],
      [`/v3/${BOGUS}/taskWithTags`, 500, task('V3', 'task metadata'), 'metadata'],
      [`/v3/${BOGUS}/stats`, 400, task('V3', 'container stats'), 'stats'],
      [`/v3/${BOGUS}/task/stats`, 400, task('V3', 'task stats'), 'stats'],
      [`/v3/${BOGUS}/associations/gpu`, 400, container('V3', 'container associations'), 'metadata'],
      // Not an id-less form: "containers" without a name is an endpoint id like any other.
      ['/v4/containers', 404, container('V4', 'container metadata', 'containers'), 'metadata'],
    ];
    for (const [url, status, body, kind] of cases) {
      const r = await p.call(url, WEB);
      expect(wire(r), url).toEqual(json(status, body, ipOf(WEB)));
      expect(r.meta, url).toEqual({ kind, error: 'unknown endpoint id' });
    }
  });

  it('associations: none exist locally, so the list is empty and any named one is a 400', async () => {
    const p = plane();
    for (const v of ['v3', 'v4']) {
      const base = `/${v}/${p.endpoint(SOLO)}/associations`;
      expect(wire(await p.call(`${base}/gpu`))).toEqual(json(200, '{"Associations":[]}'));
      const r = await p.call(`${base}/gpu/accelerator-1`);
      expect(r.status).toBe(400);
      expect(r.body).toMatch(new RegExp(`^"${v.toUpperCase()} container associations handler: unable to get association '[^']*' of type 'gpu' for container '${SOLO.id}'"$`));
      expect(r.meta).toMatchObject({ kind: 'metadata', containerId: SOLO.id, error: 'no such association' });
    }
  });
});

describe('v3 and v4 without an endpoint id', () => {
  it('/v4, /v4/task, /v4/taskWithTags, /v4/stats and /v4/task/stats answer for the caller at the source address', async () => {
    const p = plane();
    const b = bodies(p);
    for (const v of ['v3', 'v4'] as const) {
      expect(wire(await p.call(`/${v}`, WEB))).toEqual(json(200, b.container(WEB, v), ipOf(WEB)));
      expect(wire(await p.call(`/${v}/task`, WEB))).toEqual(json(200, b.task(WEB, v), ipOf(WEB)));
      expect(wire(await p.call(`/${v}/taskWithTags`, WEB))).toEqual(json(200, b.task(WEB, v, true), ipOf(WEB)));
      expect(wire(await p.call(`/${v}/stats`, WORKER))).toEqual(json(200, v === 'v4' ? '{}' : 'null', ipOf(WORKER)));
      expect((await p.call(`/${v}/task/stats`, WEB)).body).toBe((await p.call(`/${v}/${p.endpoint(WEB)}/task/stats`)).body);
    }
  });

  it('an unknown caller is named by its address in the unknown-id message', async () => {
    const p = plane();
    const cases: [string, number, string][] = [
      ['/v4', 404, `"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v4/task', 404, `"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v4/stats', 404, `"V4 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v4/task/stats', 404, `"V4 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v3', 500, `"V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v3/taskWithTags', 500, `"V3 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${OUTSIDER}"`],
      ['/v3/stats', 400, `"V3 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${OUTSIDER}"`],
    ];
    for (const [url, status, body] of cases) expect(wire(await p.call(url)), url).toEqual(json(status, body));
  });

  it('a word that is some container\'s endpoint id is that id, not the id-less form', async () => {
    const odd = rec({ id: '9'.repeat(64), name: 'odd', ip: '169.254.170.140' });
    const p = plane({ records: [WEB, WORKER, odd], endpointIds: { [odd.id]: 'stats' } });
    const b = bodies(p);
    expect(wire(await p.call('/v4/stats', WEB))).toEqual(json(200, b.container(odd, 'v4'), ipOf(WEB)));
    expect(wire(await p.call('/v4/stats/task', WEB))).toEqual(json(200, b.task(odd, 'v4'), ipOf(WEB)));
    expect(wire(await p.call('/v4/stats/stats', WEB))).toEqual(json(500, `"Unable to get container stats for: ${odd.id}"`, ipOf(WEB)));
    expect(wire(await p.call('/v4/stats/associations/gpu', WEB))).toEqual(json(200, '{"Associations":[]}', ipOf(WEB)));
    // The other words are still id-less.
    expect(wire(await p.call('/v4/task', WEB))).toEqual(json(200, b.task(WEB, 'v4'), ipOf(WEB)));
  });
});

describe('v3 and v4 by container name (/v4/containers/<name>)', () => {
  it('serves a unique name to anyone, by ECS name or Docker name, escaped or not', async () => {
    const p = plane();
    const b = bodies(p);
    expect(wire(await p.call('/v4/containers/worker'))).toEqual(json(200, b.container(WORKER, 'v4')));
    expect(wire(await p.call('/v4/containers/shop-worker-1/task'))).toEqual(json(200, b.task(WORKER, 'v4')));
    expect(wire(await p.call('/v3/containers/sh%6Fp-worker-1/stats'))).toEqual(json(200, 'null'));
    expect(wire(await p.call('/v4/containers/solo/task/stats'))).toEqual(json(200, `{"${SOLO.id}":{}}`));
    expect(wire(await p.call('/v4/containers/solo/associations/gpu'))).toEqual(json(200, '{"Associations":[]}'));
  });

  it('a name two tasks share is the caller\'s own; to anyone else it is unknown', async () => {
    const p = plane();
    const b = bodies(p);
    expect(wire(await p.call('/v4/containers/web/task', WEB))).toEqual(json(200, b.task(WEB, 'v4'), ipOf(WEB)));
    expect(wire(await p.call('/v4/containers/web/task', BLOG_WEB))).toEqual(json(200, b.task(BLOG_WEB, 'v4'), ipOf(BLOG_WEB)));
    expect(wire(await p.call('/v4/containers/web/task', SOLO))).toEqual(
      json(404, '"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: web"', ipOf(SOLO)),
    );
  });

  it('an unknown name is named (decoded) in the unknown-id message', async () => {
    const p = plane();
    expect(wire(await p.call('/v4/containers/no%20pe/stats'))).toEqual(
      json(404, '"V4 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: no pe"'),
    );
    expect(wire(await p.call('/v3/containers/nope'))).toEqual(
      json(500, '"V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: nope"'),
    );
  });
});
