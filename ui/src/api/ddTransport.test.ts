import { describe, expect, it, vi } from 'vitest';
import type { v1 } from '@docker/extension-api-client-types';
import { ApiRequestError } from './errors.ts';
import { createDockerDesktopTransport, fromServiceError } from './ddTransport.ts';

function fakeClient(request: (config: unknown) => Promise<unknown>) {
  const toast = { success: vi.fn(), warning: vi.fn(), error: vi.fn() };
  const client = {
    extension: { vm: { service: { request: vi.fn(request) } } },
    desktopUI: { toast },
  };
  return { client: client as unknown as v1.DockerDesktopClient, request: client.extension.vm.service.request, toast };
}

describe('Docker Desktop transport', () => {
  it('does not touch Docker Desktop until the first request', async () => {
    const getClient = vi.fn(() => {
      throw new Error('Are you using this extension in a browser?');
    });
    const t = createDockerDesktopTransport(getClient);
    expect(getClient).not.toHaveBeenCalled();
    await expect(t.request('GET', '/api/status')).rejects.toThrow(/browser/);
  });

  it('sends url, method, headers and data through vm.service.request', async () => {
    const { client, request } = fakeClient(async () => ({ ok: true }));
    const t = createDockerDesktopTransport(() => client);
    await expect(t.request('PUT', '/api/containers/c1/source', { sourceId: null })).resolves.toEqual({ ok: true });
    expect(request).toHaveBeenCalledWith({
      url: '/api/containers/c1/source',
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      data: { sourceId: null },
    });
  });

  it('maps a ServiceError whose message is the ApiError JSON', async () => {
    const { client } = fakeClient(async () => {
      throw {
        name: 'ServiceError',
        statusCode: 409,
        message: JSON.stringify({ error: 'Address pool exhausted.', remedy: 'Disable ECS mode on a container you no longer use.' }),
      };
    });
    const t = createDockerDesktopTransport(() => client);
    const e = (await t.request('POST', '/api/containers/c1/ecs', { enabled: true }).catch((x: unknown) => x)) as ApiRequestError;
    expect(e).toBeInstanceOf(ApiRequestError);
    expect(e.status).toBe(409);
    expect(e.message).toBe('Address pool exhausted.');
    expect(e.remedy).toBe('Disable ECS mode on a container you no longer use.');
  });

  it('maps a ServiceError that carries the parsed body as data, with issues', () => {
    const e = fromServiceError({
      name: 'ServiceError',
      statusCode: 400,
      message: 'Request failed with status code 400',
      data: { error: 'Invalid source.', issues: [{ path: 'profile', message: 'Name the AWS profile.' }] },
    });
    expect(e.status).toBe(400);
    expect(e.message).toBe('Invalid source.');
    expect(e.issues).toEqual([{ path: 'profile', message: 'Name the AWS profile.' }]);
  });

  it('keeps a plain ServiceError message readable and adds a remedy', () => {
    const e = fromServiceError({ name: 'ServiceError', statusCode: 500, message: 'socket hang up' });
    expect(e.status).toBe(500);
    expect(e.message).toContain('socket hang up');
    expect(e.remedy).toMatch(/restart/i);
  });

  it('shows errors as Docker Desktop toasts too', () => {
    const { client, toast } = fakeClient(async () => undefined);
    const t = createDockerDesktopTransport(() => client);
    t.toastError?.('Something failed. Do this.');
    expect(toast.error).toHaveBeenCalledWith('Something failed. Do this.');
  });

  it('opens pages (the SSO sign-in) in the host\'s browser with host.openExternal', () => {
    const openExternal = vi.fn();
    const client = { host: { openExternal } } as unknown as v1.DockerDesktopClient;
    createDockerDesktopTransport(() => client).openExternal('https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH');
    expect(openExternal).toHaveBeenCalledWith('https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH');
  });
});

describe('the host script, inside Docker Desktop', () => {
  function withHost(platform: string, exec: (cmd: string, args: string[]) => Promise<unknown>) {
    const client = {
      extension: { vm: { service: { request: vi.fn(async () => ({ profiles: 2 })) } }, host: { cli: { exec: vi.fn(exec) } } },
      host: { platform },
      desktopUI: { toast: { success: vi.fn(), warning: vi.fn(), error: vi.fn() } },
    };
    return { client: client as unknown as v1.DockerDesktopClient, exec: client.extension.host.cli.exec, request: client.extension.vm.service.request };
  }
  const printed = { version: 1, os: 'darwin', home: '/Users/me' };

  it('runs aws-paths.sh on macOS and Linux, aws-paths.cmd on Windows, and returns what it printed', async () => {
    for (const [platform, script] of [['darwin', 'aws-paths.sh'], ['linux', 'aws-paths.sh'], ['win32', 'aws-paths.cmd']] as const) {
      const { client, exec } = withHost(platform, async () => ({ parseJsonObject: () => printed }));
      await expect(createDockerDesktopTransport(() => client).hostAwsPaths!()).resolves.toEqual(printed);
      expect(exec).toHaveBeenCalledWith(script, []);
    }
  });

  it('the client sends it to the backend as PUT /api/host/aws', async () => {
    const { createApiClient } = await import('./client.ts');
    const { client, request } = withHost('darwin', async () => ({ parseJsonObject: () => printed }));
    await expect(createApiClient(createDockerDesktopTransport(() => client)).syncHostAws()).resolves.toEqual({ profiles: 2 });
    expect(request).toHaveBeenCalledWith({ url: '/api/host/aws', method: 'PUT', headers: { 'Content-Type': 'application/json' }, data: printed });
  });

  it('a script that fails rejects, and nothing is sent', async () => {
    const { client, request } = withHost('linux', async () => {
      throw { stderr: 'sh: cannot run', code: 1 };
    });
    const { createApiClient } = await import('./client.ts');
    await expect(createApiClient(createDockerDesktopTransport(() => client)).syncHostAws()).rejects.toBeDefined();
    expect(request).not.toHaveBeenCalled();
  });
});
