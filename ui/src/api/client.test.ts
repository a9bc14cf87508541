import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTransport } from '../test/fakeTransport.ts';
import { container } from '../test/fixtures.ts';
import { createApiClient, createDefaultTransport, isInsideDockerDesktop } from './client.ts';

describe('API client', () => {
  it('uses the contract paths and methods', async () => {
    const t = new FakeTransport();
    t.on('POST', /\/ecs$/, () => ({ container: container('a') }))
      .on('PUT', /\/source$/, () => ({}))
      .on('POST', /\/test$/, () => ({ ok: true }))
      .on('DELETE', /\/api\/sources\//, () => undefined)
      .on('PUT', /\/api\/sources\//, () => ({}))
      .on('POST', '/api/sources', () => ({}));
    const api = createApiClient(t);
    await api.setEcsMode('a/b', { enabled: true });
    await api.assignSource('c1', null);
    await api.testSource('s1');
    await api.deleteSource('s1');
    await api.createSource({ type: 'fake', name: 'f' });
    await api.updateSource('s1', { type: 'fake', name: 'g' });
    await api.listRequests(50);
    expect(t.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/api/containers/a%2Fb/ecs', { enabled: true }],
      ['PUT', '/api/containers/c1/source', { sourceId: null }],
      ['POST', '/api/sources/s1/test', undefined],
      ['DELETE', '/api/sources/s1', undefined],
      ['POST', '/api/sources', { type: 'fake', name: 'f' }],
      ['PUT', '/api/sources/s1', { type: 'fake', name: 'g' }],
      ['GET', '/api/requests?limit=50', undefined],
    ]);
  });

  it('accepts a list or an object wrapping it', async () => {
    const t = new FakeTransport();
    t.on('GET', '/api/containers', () => ({ containers: [container('a')] }));
    const api = createApiClient(t);
    expect((await api.listContainers()).map((c) => c.name)).toEqual(['a']);
    t.on('GET', '/api/containers', () => ({ nope: 1 }));
    await expect(api.listContainers()).rejects.toThrow(/containers list was expected/);
  });
});

describe('transport choice', () => {
  afterEach(() => {
    delete (window as unknown as { ddClient?: unknown }).ddClient;
    document.head.querySelectorAll('meta[name="ecs-endpoints-token"]').forEach((m) => m.remove());
    vi.unstubAllGlobals();
  });

  it('uses vm.service inside Docker Desktop', () => {
    (window as unknown as { ddClient: unknown }).ddClient = {};
    expect(isInsideDockerDesktop()).toBe(true);
    expect(createDefaultTransport().kind).toBe('docker-desktop');
  });

  it('uses fetch with the page token in a browser', async () => {
    const meta = document.createElement('meta');
    meta.name = 'ecs-endpoints-token';
    meta.content = 'page-token';
    document.head.append(meta);
    const fetchMock = vi.fn(async () => new Response('[]', { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const t = createDefaultTransport();
    expect(t.kind).toBe('browser');
    await t.request('GET', '/api/containers');
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)['X-ECS-Endpoints-Token']).toBe('page-token');
  });
});
