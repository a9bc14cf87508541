import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import { FakeTransport, StreamingFakeTransport } from '../test/fakeTransport.ts';
import { container, status } from '../test/fixtures.ts';
import { createApiClient } from './client.ts';
import { useLiveData, type LiveData } from './useLiveData.ts';

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
});
