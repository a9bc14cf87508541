import { describe, expect, it } from 'vitest';
import { act, screen, within } from '@testing-library/react';
import { request } from '../test/fixtures.ts';
import { StreamingFakeTransport } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';

async function openRequests(prepare: (t: StreamingFakeTransport) => void = () => {}) {
  const t = new StreamingFakeTransport();
  prepare(t);
  const r = renderApp(t);
  await r.user.click(screen.getByRole('tab', { name: 'Requests' }));
  return { t, ...r };
}

function bodyRows(): HTMLElement[] {
  const table = screen.getByRole('table', { name: 'Endpoint requests' });
  return within(table).getAllByRole('row').slice(1);
}

describe('request log', () => {
  it('explains what will appear when there are no calls', async () => {
    await openRequests();
    expect(await screen.findByRole('heading', { name: 'No endpoint calls yet' })).toBeInTheDocument();
    expect(screen.getByText(/Every call a container in ECS mode makes to 169.254.170.2/)).toBeInTheDocument();
  });

  it('shows calls newest first, live, with status, latency, kind and source name', async () => {
    const { t } = await openRequests((t) => {
      t.requests = [request(1), request(2, { path: '/v4/abc/task', kind: 'metadata', status: 200, latencyMs: 12.4, sourceId: undefined })];
    });
    await screen.findByRole('table', { name: 'Endpoint requests' });
    expect(bodyRows()).toHaveLength(2);
    expect(within(bodyRows()[0]!).getByText('/v4/abc/task')).toBeInTheDocument();
    expect(within(bodyRows()[0]!).getByText('12 ms')).toBeInTheDocument();
    expect(within(bodyRows()[1]!).getByText('fake')).toBeInTheDocument();
    expect(within(bodyRows()[1]!).getByText('1.5 ms')).toBeInTheDocument();

    act(() => t.emit({ type: 'request', entry: request(3, { status: 500, path: '/v2/credentials/<redacted>', error: 'STS timed out' }) }));
    expect(bodyRows()).toHaveLength(3);
    expect(within(bodyRows()[0]!).getByText('500')).toBeInTheDocument();
    expect(within(bodyRows()[0]!).getByText('STS timed out')).toBeInTheDocument();
  });

  it('filters by kind and by container', async () => {
    const { user } = await openRequests((t) => {
      t.requests = [
        request(1),
        request(2, { kind: 'metadata', path: '/v4/x/task' }),
        request(3, { containerId: 'c2', containerName: 'worker', path: '/v2/credentials/w' }),
      ];
    });
    await screen.findByRole('table', { name: 'Endpoint requests' });
    await user.click(screen.getByRole('combobox', { name: /^Kind/ }));
    await user.click(await screen.findByRole('option', { name: 'metadata' }));
    expect(bodyRows()).toHaveLength(1);
    expect(within(bodyRows()[0]!).getByText('/v4/x/task')).toBeInTheDocument();

    await user.click(screen.getByRole('combobox', { name: /^Kind/ }));
    await user.click(await screen.findByRole('option', { name: 'All kinds' }));
    await user.click(screen.getByRole('combobox', { name: /^Container/ }));
    await user.click(await screen.findByRole('option', { name: 'worker' }));
    expect(bodyRows()).toHaveLength(1);
    expect(within(bodyRows()[0]!).getByText('/v2/credentials/w')).toBeInTheDocument();
  });

  it('pause freezes the view; resume shows what arrived meanwhile', async () => {
    const { t, user } = await openRequests((t) => {
      t.requests = [request(1)];
    });
    await screen.findByRole('table', { name: 'Endpoint requests' });
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    act(() => t.emit({ type: 'request', entry: request(2) }));
    expect(bodyRows()).toHaveLength(1);
    const resume = screen.getByRole('button', { name: 'Resume (1 new)' });
    expect(resume).toHaveAttribute('aria-pressed', 'true');
    await user.click(resume);
    expect(bodyRows()).toHaveLength(2);
  });

  it('clear view hides what was there and keeps showing new calls', async () => {
    const { t, user } = await openRequests((t) => {
      t.requests = [request(1), request(2)];
    });
    await screen.findByRole('table', { name: 'Endpoint requests' });
    await user.click(screen.getByRole('button', { name: 'Clear view' }));
    expect(screen.getByText('View cleared: new calls will appear here.')).toBeInTheDocument();
    act(() => t.emit({ type: 'request', entry: request(3, { path: '/v3/after' }) }));
    expect(bodyRows()).toHaveLength(1);
    expect(within(bodyRows()[0]!).getByText('/v3/after')).toBeInTheDocument();
  });
});
