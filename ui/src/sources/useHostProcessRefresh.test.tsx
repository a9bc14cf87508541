import { renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { v1 } from '@docker/extension-api-client-types';
import type { HostProcessView } from '@ecs-endpoints/contract';
import { createApiClient } from '../api/client.ts';
import { createDockerDesktopTransport } from '../api/ddTransport.ts';
import { createFetchTransport } from '../api/fetchTransport.ts';
import { useHostProcessRefresh } from './useHostProcessRefresh.ts';

const SECRET = 'host-secret-0123456789abcdefSECRET';
const CREDS = { Version: 1, AccessKeyId: 'ASIAHOSTPROCESS00001', SecretAccessKey: SECRET, SessionToken: 'tok', Expiration: '2099-01-01T00:00:00Z' };

interface Put {
  profile: string;
  body: unknown;
}

/**
 * A fake Docker Desktop: the backend's GET/PUT /api/host/aws/processes over vm.service.request
 * (the list comes from `views`, what was PUT is recorded), and host.cli.exec running `exec`.
 */
function fakeDesktop(views: () => HostProcessView[], exec: (cmd: string, args: string[]) => Promise<unknown>, platform = 'darwin', refuse?: (body: unknown) => string | undefined) {
  const puts: Put[] = [];
  const request = vi.fn(async (cfg: { url: string; method: string; data?: unknown }) => {
    if (cfg.method === 'GET' && cfg.url === '/api/host/aws/processes') return views();
    const m = /^\/api\/host\/aws\/processes\/(.+)$/.exec(cfg.url);
    if (cfg.method === 'PUT' && m) {
      const why = refuse?.(cfg.data);
      if (why) throw { statusCode: 400, message: JSON.stringify({ error: why }) };
      puts.push({ profile: decodeURIComponent(m[1]!), body: cfg.data });
      return { profile: m[1], state: 'fresh', due: false };
    }
    throw { statusCode: 404, message: '{"error":"no such route"}' };
  });
  const client = {
    extension: { vm: { service: { request } }, host: { cli: { exec: vi.fn(exec) } } },
    host: { platform },
    desktopUI: { toast: { success: vi.fn(), warning: vi.fn(), error: vi.fn() } },
  };
  const api = createApiClient(createDockerDesktopTransport(() => client as unknown as v1.DockerDesktopClient));
  return { api, puts, exec: client.extension.host.cli.exec, request };
}

const view = (profile: string, due: boolean): HostProcessView => ({ profile, state: due ? 'missing' : 'fresh', due });
const printed = (stdout: string) => async () => ({ stdout, stderr: '' });

afterEach(() => vi.restoreAllMocks());

describe('useHostProcessRefresh (Docker Desktop, dashboard open)', () => {
  it('runs the host script for the due profiles only, and hands the backend what it printed', async () => {
    const { api, puts, exec } = fakeDesktop(() => [view('proc', true), view('fresh', false)], printed(JSON.stringify(CREDS)));
    const logs = ['log', 'info', 'warn', 'error', 'debug'].map((k) => vi.spyOn(console, k as 'log'));
    renderHook(() => useHostProcessRefresh(api, 60_000));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(exec).toHaveBeenCalledTimes(1);
    expect(exec).toHaveBeenCalledWith('aws-credential-process.sh', ['proc']);
    expect(puts[0]).toEqual({ profile: 'proc', body: CREDS });
    for (const spy of logs) for (const call of spy.mock.calls) expect(JSON.stringify(call)).not.toContain(SECRET);
  });

  it('on Windows runs the .cmd', async () => {
    const { api, puts, exec } = fakeDesktop(() => [view('proc', true)], printed(JSON.stringify(CREDS)), 'win32');
    renderHook(() => useHostProcessRefresh(api, 60_000));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(exec).toHaveBeenCalledWith('aws-credential-process.cmd', ['proc']);
  });

  it("a failed script: the backend gets its one stderr line, never its stdout", async () => {
    const { api, puts } = fakeDesktop(
      () => [view('proc', true)],
      async () => {
        throw { stdout: JSON.stringify(CREDS), stderr: 'some noise\naws-credential-process: the credential_process of profile "proc" failed (exit 3): expired\n', code: 1 };
      },
    );
    renderHook(() => useHostProcessRefresh(api, 60_000));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toEqual({ profile: 'proc', body: { error: 'aws-credential-process: the credential_process of profile "proc" failed (exit 3): expired' } });
  });

  it('output that is not credentials, or that the backend refuses, is sent as a failure without repeating it', async () => {
    const bad = fakeDesktop(() => [view('proc', true)], printed(`not json ${SECRET}`));
    renderHook(() => useHostProcessRefresh(bad.api, 60_000));
    await waitFor(() => expect(bad.puts).toHaveLength(1));
    expect(bad.puts[0]!.body).toEqual({ error: 'The credential_process of profile "proc" did not print credentials JSON.' });

    const refused = fakeDesktop(() => [view('old', true)], printed(JSON.stringify({ ...CREDS, Version: 2 })), 'linux', (b) =>
      (b as { Version?: number }).Version === 2 ? 'The credential_process output is not valid: Version: Version must be 1.' : undefined,
    );
    renderHook(() => useHostProcessRefresh(refused.api, 60_000));
    await waitFor(() => expect(refused.puts).toHaveLength(1));
    expect(refused.puts[0]).toEqual({ profile: 'old', body: { error: 'The credential_process output is not valid: Version: Version must be 1.' } });
  });

  it('asks again every interval, and never runs one profile twice at once (a program may wait for the person)', async () => {
    let due = false;
    let release: (v: unknown) => void = () => undefined;
    const { api, exec, request, puts } = fakeDesktop(() => [view('slow', true), view('later', due)], async (_cmd, args) => {
      if (args[0] === 'slow') return new Promise((r) => (release = r));
      return { stdout: JSON.stringify(CREDS) };
    });
    renderHook(() => useHostProcessRefresh(api, 30));
    const gets = () => request.mock.calls.filter(([c]) => (c as { method: string }).method === 'GET').length;
    await waitFor(() => expect(gets()).toBeGreaterThanOrEqual(4));
    expect(exec).toHaveBeenCalledTimes(1);
    due = true;
    await waitFor(() => expect(puts.map((p) => p.profile)).toContain('later'));
    release({ stdout: JSON.stringify(CREDS) });
    await waitFor(() => expect(puts.map((p) => p.profile)).toContain('slow'));
  });

  it('stops when the dashboard closes (unmount)', async () => {
    vi.useFakeTimers();
    const { api, request } = fakeDesktop(() => [], printed(''));
    const { unmount } = renderHook(() => useHostProcessRefresh(api, 20));
    await vi.advanceTimersByTimeAsync(50);
    const n = request.mock.calls.length;
    expect(n).toBeGreaterThanOrEqual(3);
    unmount();
    await vi.advanceTimersByTimeAsync(500);
    expect(request.mock.calls.length).toBe(n);
    vi.useRealTimers();
  });

  it('does nothing in a browser (the backend runs credential_process itself)', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    renderHook(() => useHostProcessRefresh(createApiClient(createFetchTransport({})), 10));
    await vi.advanceTimersByTimeAsync(500);
    expect(fetch).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
});
