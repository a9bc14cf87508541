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
});
