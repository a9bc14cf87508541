/**
 * A task run with its service's Service Connect configuration and Cloud Map registration: the
 * client aliases and the registry's name resolve to the task from another container on the
 * managed network, its v4 task metadata carries ServiceName, an alias whose port differs from the
 * container port is reported, a name another container holds is refused with its name, and a
 * portName no portMapping has is a 400 naming the field.
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, TaskRunView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import { controlClient, type ControlClient } from '../../../e2e/support/control-client.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';
import { BUSYBOX, exec, httpFrom, removeAll, runContainer, uniqueName } from '../support/docker.ts';

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
let client: Docker.Container;
const runs: string[] = [];

type J = Record<string, unknown>;
/** awsvpc publishes the task's ports on the host's loopback: a port no other test file uses. */
const PORT = 20000 + Math.floor(Math.random() * 9000);

function ordersTask(family: string, extra: J): J {
  return {
    taskDefinition: {
      family,
      networkMode: 'awsvpc',
      containerDefinitions: [
        {
          name: 'web',
          image: BUSYBOX,
          command: ['sh', '-c', `mkdir -p /www && echo orders-web > /www/index.html && exec httpd -f -p ${PORT} -h /www`],
          portMappings: [{ containerPort: PORT, name: 'http' }],
          stopTimeout: 2,
        },
      ],
    },
    baseSource: 'fake',
    ...extra,
  };
}

async function resolvesTo(name: string): Promise<string | undefined> {
  const r = await exec(client.id, ['nslookup', name]);
  return r.code === 0 ? /Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(r.stdout.split(/Name:/)[1] ?? '')?.[1] : undefined;
}

beforeAll(async () => {
  tb = await startTestBackend({ ECS_ENDPOINTS_PAUSE_IMAGE: 'ecs-endpoints-test/pause:latest' });
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
  client = await runContainer({ name: uniqueName('sd-client'), network: tb.network });
}, 120_000);

afterAll(async () => {
  for (const id of runs) await api.call('DELETE', `/api/tasks/${id}`).catch(() => undefined);
  await cs?.close();
  await removeAll([client]);
  await tb?.cleanup();
});

describe('Service Connect and Cloud Map names for task runs', () => {
  let run: TaskRunView;

  it('client aliases and the registry name resolve to the task; ServiceName is in its metadata', async () => {
    const r = await api.call<TaskRunView>('POST', '/api/tasks', ordersTask(uniqueName('orders'), {
      serviceName: 'orders',
      serviceConnect: { namespace: 'local', services: [{ portName: 'http', discoveryName: 'orders', clientAliases: [{ port: 80, dnsName: 'orders' }, { port: PORT }] }] },
      serviceRegistries: [{ name: 'orders-api', namespace: 'shop', registryArn: 'arn:aws:servicediscovery:us-east-1:111122223333:service/srv-abc' }],
    }));
    expect(r.status, r.text).toBe(201);
    runs.push(r.body.id);
    expect(r.body.discoveryNames).toEqual(['orders', 'orders.local', 'orders-api.shop']);
    expect(r.body.serviceName).toBe('orders');
    expect(r.body.warnings).toContain(
      `serviceConnect: the client alias orders:80 is not forwarded to web's port ${PORT} locally (no Service Connect proxy runs here); call orders:${PORT}, or make the alias port the container port.`,
    );
    run = await eventually(async () => {
      const t = (await api.call<TaskRunView>('GET', `/api/tasks/${r.body.id}`)).body;
      return t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED' ? t : undefined;
    }, 30_000, 'the task RUNNING');
    expect(run.lastStatus, run.stoppedReason).toBe('RUNNING');
    const ip = await resolvesTo('orders.local');
    expect(ip).toMatch(/^169\.254\./);
    expect(await resolvesTo('orders')).toBe(ip);
    expect(await resolvesTo('orders-api.shop')).toBe(ip);
    const page = await eventually(async () => {
      const res = await httpFrom(client.id, `http://${ip}:${PORT}/`);
      return res.status === 200 ? res.body : undefined;
    }, 10_000, 'the web container answering');
    expect(page.trim()).toBe('orders-web');
    const web = run.containers.find((c) => c.name === 'web')!;
    const meta = JSON.parse((await httpFrom(web.dockerId!, `http://${tb.address}/v4/task`)).body) as { ServiceName?: string };
    expect(meta.ServiceName).toBe('orders');
  }, 60_000);

  it('a name another container holds is refused with its name; another task of the same service shares it', async () => {
    const pauseName = (await eventually(() => [...tb.backend.index.all()].find((c) => c.labels['ecs-endpoints.run'] === run.id && c.labels['ecs-endpoints.internal'] === 'pause'), 5000, 'the pause container')).name;
    const r = await api.call<ApiError>('POST', '/api/tasks', ordersTask(uniqueName('other'), { serviceRegistries: [{ name: 'orders', namespace: 'local' }] }));
    expect(r.status, r.text).toBe(409);
    expect(r.body.error).toBe(`The discovery name "orders.local" is already taken on the managed network by "${pauseName}".`);
    const same = await api.call<TaskRunView>('POST', '/api/tasks', ordersTask(uniqueName('orders'), { serviceName: 'orders', serviceRegistries: [{ name: 'orders', namespace: 'local' }] }));
    expect(same.status, same.text).toBe(201);
    runs.push(same.body.id);
  });

  it('a portName that no portMappings entry has is a 400 naming the field', async () => {
    const r = await api.call<ApiError>('POST', '/api/tasks', ordersTask(uniqueName('bad'), { serviceConnect: { namespace: 'local', services: [{ portName: 'grpc' }] } }));
    expect(r.status, r.text).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'serviceConnect.services.0.portName', message: 'no portMappings entry is named "grpc" (named: http)' }]);
  });
});
