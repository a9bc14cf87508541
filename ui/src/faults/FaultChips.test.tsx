import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import type { FaultView, TaskRunView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { container } from '../test/fixtures.ts';
import { FakeTransport, deferred } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';
import { faultLabel } from './FaultChips.tsx';

const TASK_ID = 'c'.repeat(32);
const ARN = `arn:aws:ecs:us-east-1:000000000000:task/default/${TASK_ID}`;
const STARTED = new Date(Date.now() - 120_000).toISOString();
const BLACKHOLE: FaultView = { id: 'network-blackhole-port-egress-tcp-443', type: 'network-blackhole-port', startedAt: STARTED, request: { Port: 443, Protocol: 'tcp', TrafficType: 'egress', SourcesToFilter: [] } };
const LOSS: FaultView = { id: 'network-packet-loss', type: 'network-packet-loss', startedAt: STARTED, request: { LossPercent: 30, Sources: ['0.0.0.0/0'], SourcesToFilter: ['10.0.0.5'], FlowsPercent: 50 } };
const LATENCY: FaultView = { id: 'network-latency', type: 'network-latency', startedAt: STARTED, request: { DelayMilliseconds: 100, JitterMilliseconds: 10, Sources: ['0.0.0.0/0'], SourcesToFilter: [], FlowsPercent: 100 } };

/** A task with a pause container and an app, whose rows carry the task's faults; DELETE stops them as the backend would. */
function setup(faults: FaultView[]) {
  const t = new FakeTransport();
  let running = [...faults];
  const rows = () => ['chaos-pause', 'chaos-app'].map((name, i) =>
    container(name, { id: `${i + 1}`.repeat(64), ecs: { enabled: true }, task: { arn: ARN, family: 'chaos', revision: '1', containerName: name, ...(running.length ? { faults: running } : {}) } }));
  t.containers = rows();
  t.on('DELETE', new RegExp(`^/api/faults/${TASK_ID}/`), (c) => {
    const id = decodeURIComponent(c.path.split('/').pop()!);
    running = running.filter((f) => f.id !== id);
    t.containers = rows();
    return { taskId: TASK_ID, taskArn: ARN, family: 'chaos', revision: '1', containers: ['chaos-pause', 'chaos-app'], faults: running };
  });
  return { t, ...renderApp(t) };
}

const appRow = async () => (await screen.findByRole('rowheader', { name: /^chaos-app\b/ })).closest('tr') as HTMLElement;

describe('running faults', { timeout: 20_000 }, () => {
  it('are labelled by what they do', () => {
    expect([BLACKHOLE, LOSS, LATENCY].map(faultLabel)).toEqual(['Blackhole tcp/443 egress', 'Packet loss 30%', 'Latency 100±10 ms']);
    expect(faultLabel({ ...LATENCY, request: { ...LATENCY.request, JitterMilliseconds: 0 } })).toBe('Latency 100 ms');
  });

  it('show as warning chips in their task\'s rows, with details, and Stop stops one with the agent\'s stop', async () => {
    const { t, user } = setup([BLACKHOLE, LOSS]);
    const row = await appRow();
    const list = within(row).getByRole('list', { name: 'Running faults' });
    expect(within(list).getAllByRole('listitem').map((i) => i.textContent)).toEqual(['Blackhole tcp/443 egressStop', 'Packet loss 30%Stop']);
    expect(within(list).getByText('Blackhole tcp/443 egress').closest('.MuiChip-root')).toHaveClass('MuiChip-colorWarning');
    await user.hover(within(list).getByText('Packet loss 30%'));
    expect(await screen.findByRole('tooltip')).toHaveTextContent('Started 2 min ago through the task\'s fault injection endpoint. To 0.0.0.0/0. 50% of flows. Except 10.0.0.5.');

    const loads = t.callsTo('GET', '/api/containers').length;
    await user.click(within(row).getByRole('button', { name: 'Stop Blackhole tcp/443 egress' }));
    expect(t.mutations()).toEqual([{ method: 'DELETE', path: `/api/faults/${TASK_ID}/network-blackhole-port-egress-tcp-443`, body: undefined }]);
    await waitFor(() => expect(within(row).queryByText('Blackhole tcp/443 egress')).not.toBeInTheDocument());
    expect(t.callsTo('GET', '/api/containers').length).toBeGreaterThan(loads);
    expect(within(row).getByText('Packet loss 30%')).toBeInTheDocument();
  });

  it('a stop in progress disables its button; a refused one says why and leaves the chip', async () => {
    const { t, user } = setup([LATENCY]);
    const pending = deferred<unknown>();
    t.on('DELETE', `/api/faults/${TASK_ID}/network-latency`, () => pending.promise);
    const row = await appRow();
    await user.click(within(row).getByRole('button', { name: 'Stop Latency 100±10 ms' }));
    expect(within(row).getByRole('button', { name: 'Stop Latency 100±10 ms' })).toBeDisabled();
    expect(within(row).getByRole('button', { name: 'Stop Latency 100±10 ms' })).toHaveTextContent('Stopping…');
    pending.reject(new ApiRequestError(502, { error: 'Could not stop a fault of task cccc: network-latency: tc qdisc del dev eth0 root handle 1: prio exited with 2: RTNETLINK answers: Operation not permitted.', remedy: 'Try again; if it keeps failing, check the backend log.' }));
    const notice = await screen.findByTestId('notice');
    expect(notice).toHaveTextContent('Could not stop the fault “Latency 100±10 ms”: Could not stop a fault of task cccc: network-latency');
    expect(notice).toHaveTextContent('Try again; if it keeps failing, check the backend log.');
    expect(within(row).getByText('Latency 100±10 ms')).toBeInTheDocument();
    expect(within(row).getByRole('button', { name: 'Stop Latency 100±10 ms' })).toBeEnabled();
  });

  it('show on the task run\'s card in the Tasks tab, and stop from there', async () => {
    const { t, user } = setup([BLACKHOLE]);
    const run: TaskRunView = {
      id: TASK_ID, taskArn: ARN, family: 'chaos', revision: 1, taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/chaos:1', networkMode: 'awsvpc',
      lastStatus: 'RUNNING', desiredStatus: 'RUNNING', baseSource: 'fake', sourceId: 'fake', createdAt: new Date().toISOString(), warnings: [],
      containers: [{ name: 'app', image: 'busybox', essential: true, status: 'RUNNING', dockerId: '2'.repeat(64) }],
    };
    t.tasks = [run, { ...run, id: 'd'.repeat(32), taskArn: ARN.replace(TASK_ID, 'd'.repeat(32)), containers: [{ ...run.containers[0]!, dockerId: '9'.repeat(64) }] }];
    await appRow();
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    const cards = await screen.findAllByRole('region', { name: /Task chaos:1/ });
    expect(cards).toHaveLength(2);
    expect(within(cards[1]!).queryByRole('list', { name: 'Running faults' })).not.toBeInTheDocument();
    await user.click(within(cards[0]!).getByRole('button', { name: 'Stop Blackhole tcp/443 egress' }));
    expect(t.mutations()).toEqual([{ method: 'DELETE', path: `/api/faults/${TASK_ID}/network-blackhole-port-egress-tcp-443`, body: undefined }]);
    await waitFor(() => expect(within(cards[0]!).queryByRole('list', { name: 'Running faults' })).not.toBeInTheDocument());
  });
});
