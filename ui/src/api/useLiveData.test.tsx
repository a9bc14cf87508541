import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import { FakeTransport, StreamingFakeTransport } from '../test/fakeTransport.ts';
import { container, status } from '../test/fixtures.ts';
import { createApiClient } from './client.ts';
import { ApiRequestError } from './errors.ts';
import { RESUBSCRIBE_MS, useLiveData, type LiveData } from './useLiveData.ts';

function Probe({ t, interval, onData }: { t: FakeTransport; interval?: number; onData: (d: LiveData) => void }) {
  const data = useLiveData(createApiClientOnce(t), interval);
  onData(data);
  return <div data-testid="names">{(data.containers ?? []).map((c) => c.name).join(',')}</div>;
}
const clients = new WeakMap<FakeTransport, ReturnType<typeof createApiClient>>();
function createApiClientOnce(t: FakeTransport) {
  let c = clients.get(t);
  if (!c) clients.set(t, (c = createApiClient(t)));
  return c;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('useLiveData', () => {
  it('polls containers, requests and status while visible (Docker Desktop)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const t = new FakeTransport();
    t.containers = [container('a')];
    let last: LiveData | undefined;
    render(<Probe t={t} interval={2000} onData={(d) => (last = d)} />);
    await waitFor(() => expect(screen.getByTestId('names')).toHaveTextContent('a'));
    expect(last?.mode).toBe('polling');
    const first = t.calls.length;
    expect(t.calls.map((c) => c.path)).toEqual(expect.arrayContaining(['/api/status', '/api/containers', '/api/requests?limit=200', '/api/sources']));

    t.containers = [container('a'), container('b')];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(screen.getByTestId('names')).toHaveTextContent('a,b');
    const polled = t.calls.slice(first).map((c) => c.path);
    expect(polled).toEqual(expect.arrayContaining(['/api/status', '/api/containers', '/api/requests?limit=200']));
  });

  it('does not poll while the tab is hidden', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const t = new FakeTransport();
    render(<Probe t={t} interval={2000} onData={() => {}} />);
    await waitFor(() => expect(t.calls.length).toBeGreaterThan(0));
    const spy = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    const before = t.calls.length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(6000);
    });
    expect(t.calls.length).toBe(before);
    spy.mockRestore();
  });

  it('applies server-sent events and takes a fresh snapshot after a reconnect (browser)', async () => {
    const t = new StreamingFakeTransport();
    t.containers = [container('a')];
    let last: LiveData | undefined;
    render(<Probe t={t} onData={(d) => (last = d)} />);
    await waitFor(() => expect(screen.getByTestId('names')).toHaveTextContent('a'));
    expect(last?.mode).toBe('events');
    expect(t.subscribers).toBe(1);

    act(() => t.emit({ type: 'containers', containers: [container('x'), container('y')] }));
    expect(screen.getByTestId('names')).toHaveTextContent('x,y');
    act(() => t.emit({ type: 'status', status: status({ region: 'eu-west-1' }) }));
    expect(last?.status?.region).toBe('eu-west-1');

    act(() => t.setState('open'));
    const before = t.calls.length;
    act(() => t.setState('connecting'));
    expect(last?.connection).toBe('connecting');
    t.containers = [container('z')];
    act(() => t.setState('open'));
    await waitFor(() => expect(screen.getByTestId('names')).toHaveTextContent('z'));
    expect(t.calls.length).toBeGreaterThan(before);
  });

  it('reports a failed load and clears it on the next good one', async () => {
    const t = new StreamingFakeTransport();
    let fail = true;
    t.on('GET', '/api/status', () => {
      if (fail) throw new Error('down');
      return status();
    });
    let last: LiveData | undefined;
    render(<Probe t={t} onData={(d) => (last = d)} />);
    await waitFor(() => expect(last?.error).toBeInstanceOf(Error));
    fail = false;
    await act(async () => {
      await last?.refresh();
    });
    expect(last?.error).toBeUndefined();
  });

  it('loads presets and applies presets events', async () => {
    const t = new StreamingFakeTransport();
    t.presets = { presets: [{ name: 'orders', match: { composeService: 'orders' }, origin: 'imported', matchedContainers: [] }] };
    let last: LiveData | undefined;
    render(<Probe t={t} onData={(d) => (last = d)} />);
    await waitFor(() => expect(last?.presets?.presets.map((p) => p.name)).toEqual(['orders']));
    expect(t.callsTo('GET', '/api/presets')).toHaveLength(1);
    act(() => t.emit({ type: 'presets', presets: { presets: [], file: { path: '/repo/p.json', error: 'bad' } } }));
    expect(last?.presets).toEqual({ presets: [], file: { path: '/repo/p.json', error: 'bad' } });
  });

  it('opens the live stream again when the browser gave up on it but the backend answers', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const t = new StreamingFakeTransport();
    let last: LiveData | undefined;
    render(<Probe t={t} onData={(d) => (last = d)} />);
    await waitFor(() => expect(last?.status).toBeDefined());
    act(() => t.setState('open'));
    const probes = t.callsTo('GET', '/api/status').length;
    act(() => t.setState('error'));
    await waitFor(() => expect(t.subscribers).toBe(0));
    expect(t.callsTo('GET', '/api/status')).toHaveLength(probes + 1);
    expect(last?.restarted).toBe(false);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(RESUBSCRIBE_MS);
    });
    expect(t.subscribers).toBe(1);
    // Open again: a fresh snapshot, since events were missed.
    const before = t.calls.length;
    act(() => t.setState('open'));
    await waitFor(() => expect(t.calls.length).toBeGreaterThan(before));
    expect(last?.connection).toBe('open');
  });

  it('stops the live stream for good when the backend refuses the token (restarted)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const t = new StreamingFakeTransport();
    let last: LiveData | undefined;
    render(<Probe t={t} onData={(d) => (last = d)} />);
    await waitFor(() => expect(last?.status).toBeDefined());
    t.on('GET', '/api/status', () => {
      throw new ApiRequestError(403, { error: 'The control token is wrong or from an earlier run.' });
    });
    act(() => t.setState('error'));
    await waitFor(() => expect(last?.restarted).toBe(true));
    expect(t.subscribers).toBe(0);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(RESUBSCRIBE_MS * 3);
    });
    expect(t.subscribers).toBe(0);
  });
});
