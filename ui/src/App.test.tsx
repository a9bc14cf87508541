import { describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import { ApiRequestError } from './api/errors.ts';
import { FakeTransport, StreamingFakeTransport } from './test/fakeTransport.ts';
import { status } from './test/fixtures.ts';
import { renderApp } from './test/render.tsx';

describe('app shell', () => {
  it('has the title, a healthy endpoint chip and five keyboard-reachable tabs', async () => {
    const t = new FakeTransport();
    const { user } = renderApp(t);
    expect(screen.getByRole('heading', { level: 1, name: 'ECS Endpoints' })).toBeInTheDocument();
    expect(await screen.findByText('Endpoint 169.254.170.2: healthy')).toBeInTheDocument();
    const tabs = screen.getAllByRole('tab').map((x) => x.textContent);
    expect(tabs).toEqual(['Containers', 'Tasks', 'Sources', 'Presets', 'Requests']);
    expect(screen.getByRole('tab', { name: 'Containers' })).toHaveAttribute('aria-selected', 'true');

    screen.getByRole('tab', { name: 'Containers' }).focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Tasks' })).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Sources' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('tab', { name: 'Sources' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel', { name: 'Sources' })).toBeVisible();
  });

  it('lists the backend problems with their remedies, errors first', async () => {
    const t = new FakeTransport();
    t.status = status({
      problems: [
        { id: 'region', severity: 'info', message: 'No region configured; using us-east-1.' },
        {
          id: 'net',
          severity: 'error',
          message: 'The subnet 169.254.170.0/24 is taken by network ecs-local.',
          remedy: 'Remove it with docker network rm ecs-local, then restart ECS Endpoints.',
        },
      ],
    });
    renderApp(t);
    const banner = await screen.findByRole('region', { name: 'Problems' });
    const alerts = within(banner).getAllByRole('alert');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toHaveTextContent('The subnet 169.254.170.0/24 is taken by network ecs-local.');
    expect(alerts[0]).toHaveTextContent('Remove it with docker network rm ecs-local, then restart ECS Endpoints.');
    expect(alerts[1]).toHaveTextContent('No region configured; using us-east-1.');
    expect(screen.getByText('Endpoint 169.254.170.2: problems')).toBeInTheDocument();
  });

  it('shows the network\'s subnets in the endpoint chip\'s details, the IPv6 one when dual-stack', async () => {
    const t = new FakeTransport();
    const s = status();
    t.status = { ...s, network: { ...s.network, ipv6Subnet: 'fdec:5170::/64' } };
    const { user } = renderApp(t);
    await user.hover(await screen.findByText('Endpoint 169.254.170.2: healthy'));
    expect(await screen.findByText('ecs-endpoints 169.254.170.0/24 and fdec:5170::/64')).toBeInTheDocument();
  });

  it('says when the endpoint is not serving', async () => {
    const t = new FakeTransport();
    const s = status();
    t.status = { ...s, endpoint: { ...s.endpoint, listening: false } };
    renderApp(t);
    expect(await screen.findByText('Endpoint 169.254.170.2: not serving')).toBeInTheDocument();
  });

  it('shows an unreachable backend with a remedy and retries on demand', async () => {
    const t = new FakeTransport();
    let down = true;
    const guard = () => {
      if (down) throw new ApiRequestError(0, { error: 'Cannot reach the ECS Endpoints backend.', remedy: 'Start it again and reload.' });
    };
    t.on('GET', '/api/status', () => (guard(), t.status));
    t.on('GET', '/api/containers', () => (guard(), t.containers));
    const { user } = renderApp(t);
    const banner = await screen.findByRole('region', { name: 'Problems' });
    expect(banner).toHaveTextContent('Cannot reach the ECS Endpoints backend.');
    expect(banner).toHaveTextContent('Start it again and reload.');
    expect(screen.getByText('Endpoint 169.254.170.2: not serving')).toBeInTheDocument();
    expect(screen.getByText(/Containers will appear here once the backend answers/)).toBeInTheDocument();
    expect(screen.queryByText('Loading containers…')).not.toBeInTheDocument();
    down = false;
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Problems' })).not.toBeInTheDocument());
    expect(screen.getByText('Endpoint 169.254.170.2: healthy')).toBeInTheDocument();
  });

  it('after a standalone restart (the token is refused), asks for a reload instead of reconnecting forever', async () => {
    const t = new StreamingFakeTransport();
    const reload = vi.fn();
    const { user } = renderApp(t, 60_000, reload);
    expect(await screen.findByText('Endpoint 169.254.170.2: healthy')).toBeInTheDocument();
    act(() => t.setState('open'));

    // The backend goes away: the stream reconnects and the status probe cannot reach it.
    t.on('GET', '/api/status', () => {
      throw new ApiRequestError(0, { error: 'Cannot reach the ECS Endpoints backend.' });
    });
    act(() => t.setState('connecting'));
    expect(await screen.findByText('reconnecting…')).toBeInTheDocument();
    await waitFor(() => expect(t.callsTo('GET', '/api/status').length).toBeGreaterThanOrEqual(2));
    expect(screen.queryByRole('alert', { name: 'Backend restarted' })).not.toBeInTheDocument();

    // It is back with a new token: the stream is refused, and so is the probe.
    t.on('GET', '/api/status', () => {
      throw new ApiRequestError(403, { error: 'The control token is wrong or from an earlier run.', remedy: 'Reload the page.' });
    });
    const probes = t.callsTo('GET', '/api/status').length;
    act(() => t.setState('error'));
    const banner = await screen.findByRole('alert', { name: 'Backend restarted' });
    expect(t.callsTo('GET', '/api/status').length).toBe(probes + 1);
    expect(banner).toHaveTextContent('ECS Endpoints restarted: reload this page to reconnect.');
    expect(screen.queryByText('reconnecting…')).not.toBeInTheDocument();
    // The live stream is given up: nothing left to reconnect.
    expect(t.subscribers).toBe(0);
    expect(reload).not.toHaveBeenCalled();
    await user.click(within(banner).getByRole('button', { name: 'Reload' }));
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('shows the restart banner when a load is refused for the token', async () => {
    const t = new StreamingFakeTransport();
    t.on('GET', '/api/containers', () => {
      throw new ApiRequestError(401, { error: 'This request has no control token.' });
    });
    renderApp(t);
    expect(await screen.findByRole('alert', { name: 'Backend restarted' })).toBeInTheDocument();
    // Not also as a load error with a Retry that cannot help.
    expect(screen.queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();
  });
});
