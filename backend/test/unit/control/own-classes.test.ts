/**
 * The control server's own request and response classes: express finds each request and response
 * already on its prototype, so it never swaps the prototype of an object node made (which left the
 * data plane's node internals megamorphic, issue 13), and express's helpers still work.
 */
import { createServer, IncomingMessage, request, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ownClasses } from '../../../src/control/own-classes.ts';
import { onCleanup } from './helpers.ts';

async function serve(app: express.Express, withOwn: boolean): Promise<string> {
  const server: Server = withOwn ? createServer(ownClasses(app), app) : createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    })
      .on('error', reject)
      .end();
  });
}

/** An app that reports each request's and response's prototype as node made it and as its route sees it. */
function probe(): { app: express.Express; seen: { created: [object, object]; routed: [object, object] }[] } {
  const app = express();
  const seen: { created: [object, object]; routed: [object, object] }[] = [];
  let created: [object, object] | undefined;
  type Handle = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  const withHandle = app as unknown as { handle: Handle };
  const handle = withHandle.handle.bind(app);
  // What node hands express: its prototype before express runs.
  withHandle.handle = (req, res, next) => {
    created = [Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object];
    handle(req, res, next);
  };
  app.get('/x/:id', (req, res) => {
    seen.push({ created: created!, routed: [Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object] });
    res.status(201).json({ id: req.params.id, q: req.query.q, host: req.hostname });
  });
  return { app, seen };
}

describe("the control server's own request and response classes", () => {
  it('leave every prototype as node made it, and express still answers with its helpers', async () => {
    const { app, seen } = probe();
    const url = await serve(app, true);
    const r = await get(`${url}/x/abc?q=1`);
    expect(r.status).toBe(201);
    expect(r.type).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toEqual({ id: 'abc', q: '1', host: '127.0.0.1' });
    expect(seen).toHaveLength(1);
    const { created, routed } = seen[0]!;
    // Compared by identity (printing a prototype would run express's getters without a request).
    expect(routed[0] === created[0], 'the request kept its prototype').toBe(true);
    expect(routed[1] === created[1], 'the response kept its prototype').toBe(true);
    expect(created[0] === IncomingMessage.prototype, "node made the request with the control server's own class").toBe(false);
    expect(created[0] instanceof IncomingMessage && created[1] instanceof ServerResponse).toBe(true);
  });

  it('(without them, express swaps both prototypes: what the test above rules out)', async () => {
    const { app, seen } = probe();
    const url = await serve(app, false);
    expect((await get(`${url}/x/abc`)).status).toBe(201);
    expect(seen).toHaveLength(1);
    const { created, routed } = seen[0]!;
    expect(created[0] === IncomingMessage.prototype).toBe(true);
    expect(routed[0] === created[0]).toBe(false);
    expect(routed[1] === created[1]).toBe(false);
  });
});
