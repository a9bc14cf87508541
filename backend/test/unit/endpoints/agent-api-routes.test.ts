/**
 * The agent API under ECS_AGENT_URI over an in-memory model: task scale-in protection (GET and
 * PUT only, the agent's decoding order and error shapes). Fault injection: fault-routes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ProtectionStore } from '../../../src/endpoints/protection.ts';
import { BOGUS, JSON_TYPE, OUTSIDER, SOLO, WEB, plane, rateHeaders, wire } from './plane-fixture.ts';

const json = (status: number, body: string) => ({ status, body, headers: { 'Content-Type': JSON_TYPE, ...rateHeaders() } });

describe('task protection (/api/<id>/task-protection/v1/state)', () => {
  it('reports, protects until the expiry and clears, in the store the plane exposes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ProtectionStore(() => now);
    const p = plane({ protection: store });
    expect(p.dp.protection).toBe(store);
    const url = `/api/${p.endpoint(WEB)}/task-protection/v1/state`;
    const arn = p.entry(WEB).task.arn;
    const off = `{"protection":{"ExpirationDate":null,"ProtectionEnabled":false,"TaskArn":"${arn}"}}`;
    const get = await p.call(url);
    expect(wire(get)).toEqual(json(200, off));
    expect(get.meta).toEqual({ kind: 'protection', containerId: WEB.id, error: undefined });
    const on = `{"protection":{"ExpirationDate":"2026-01-01T00:10:00Z","ProtectionEnabled":true,"TaskArn":"${arn}"}}`;
    expect(wire(await p.call(url, OUTSIDER, { method: 'PUT', body: '{"ProtectionEnabled":true,"ExpiresInMinutes":10}' }))).toEqual(json(200, on));
    expect(wire(await p.call(url))).toEqual(json(200, on));
    now += 11 * 60_000;
    expect(wire(await p.call(url))).toEqual(json(200, off));
  });

  it('answers each failure with the agent\'s status and body, in the agent\'s order', async () => {
    const p = plane({ noRole: ['solo'] });
    const url = `/api/${p.endpoint(SOLO)}/task-protection/v1/state`;
    const unknown = `/api/${BOGUS}/task-protection/v1/state`;
    const arn = p.entry(SOLO).task.arn;
    const decode = '{"error":{"Code":"InvalidParameterException","Message":"UpdateTaskProtection: failed to decode request"}}';
    // The body is decoded before the task is looked up.
    expect(wire(await p.call(unknown, OUTSIDER, { method: 'PUT', body: '{"ProtectionEnabled":"yes"}' }))).toEqual(json(400, decode));
    expect(wire(await p.call(url, OUTSIDER, { method: 'PUT', body: '' }))).toEqual(json(400, decode));
    const nf = await p.call(unknown);
    expect(wire(nf)).toEqual(json(404, '{"error":{"Code":"ResourceNotFoundException","Message":"Failed to find a task for the request"}}'));
    expect(nf.meta).toEqual({ kind: 'protection', containerId: undefined, error: nf.body });
    expect(wire(await p.call(url, OUTSIDER, { method: 'PUT', body: '{"expiresInMinutes":5}' }))).toEqual(
      json(400, `{"error":{"Arn":"${arn}","Code":"InvalidParameterException","Message":"Invalid request: does not contain 'ProtectionEnabled' field"}}`),
    );
    expect(wire(await p.call(url))).toEqual(json(403, `{"error":{"Arn":"${arn}","Code":"AccessDeniedException","Message":"Invalid Request: no task IAM role credentials available for task"}}`));
  });

  it('any other method is a 405 with an empty body, known id or not', async () => {
    const p = plane();
    for (const id of [p.endpoint(WEB), BOGUS]) {
      for (const method of ['POST', 'DELETE', 'HEAD', 'PATCH']) {
        const r = await p.call(`/api/${id}/task-protection/v1/state`, OUTSIDER, { method, body: '{}' });
        expect(wire(r), `${method} ${id}`).toEqual({ status: 405, body: '', headers: rateHeaders() });
        expect(r.meta.kind).toBe('protection');
      }
    }
    expect((await p.call(`/api/${p.endpoint(WEB)}/task-protection/v1/state`, OUTSIDER, { method: 'POST' })).meta.containerId).toBe(WEB.id);
  });
});
