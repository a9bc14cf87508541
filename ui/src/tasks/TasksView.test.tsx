import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { TaskRunView, TaskValidationView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { FakeTransport } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';
import { parseOverrides } from './RunTaskDialog.tsx';

const TD = { family: 'orders', containerDefinitions: [{ name: 'web', image: 'busybox' }] };

function run(over: Partial<TaskRunView> = {}): TaskRunView {
  return {
    id: 'a'.repeat(32), taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${'a'.repeat(32)}`, family: 'orders', revision: 7,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/orders:7', networkMode: 'awsvpc', lastStatus: 'RUNNING', desiredStatus: 'RUNNING',
    baseSource: 'profile:dev', sourceId: 'role-arn:x', createdAt: new Date().toISOString(), warnings: [],
    containers: [
      { name: 'init', image: 'busybox', essential: false, status: 'STOPPED', exitCode: 0, dockerId: 'i1' },
      { name: 'web', image: 'busybox', essential: true, status: 'RUNNING', health: 'HEALTHY', dockerId: 'w1' },
      { name: 'sidecar', image: 'busybox', essential: false, status: 'CREATED', waitingFor: 'web HEALTHY', dockerId: 's1' },
    ],
    ...over,
  };
}

async function openTab() {
  const t = new FakeTransport();
  const utils = renderApp(t);
  return { t, ...utils };
}

describe('the Tasks tab', { timeout: 20_000 }, () => {
  it('shows each run with its containers, their states and what they wait for', async () => {
    const { t, user } = await openTab();
    t.tasks = [run()];
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    const card = await screen.findByRole('region', { name: /Task orders:7/ });
    expect(within(card).getByLabelText('Task status RUNNING')).toBeInTheDocument();
    const rows = within(within(card).getByRole('table')).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toEqual([expect.stringMatching(/^init \(not essential\)STOPPEDexit code 0/), expect.stringMatching(/^webRUNNINGhealthy/), expect.stringMatching(/^sidecar \(not essential\)CREATEDwaiting for web HEALTHY/)]);
  });

  it('checks a pasted definition, shows its problems with field paths, and runs it with the chosen base and secret values', async () => {
    const { t, user } = await openTab();
    t.on('POST', '/api/tasks/validate', (c) => {
      const def = (c.body as { taskDefinition: { containerDefinitions: { image?: string }[] } }).taskDefinition;
      return (def.containerDefinitions[0]!.image
        ? { valid: true, family: 'orders', warnings: [], issues: [], startOrder: ['web'] }
        : { valid: false, warnings: [], issues: [{ path: 'containerDefinitions[0].image', message: 'every container needs an image' }] }) satisfies TaskValidationView;
    });
    t.on('POST', '/api/tasks', () => {
      t.tasks = [run({ lastStatus: 'PROVISIONING' })];
      return t.tasks[0];
    });
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    await user.click(await screen.findByRole('button', { name: 'Run a task definition' }));
    const dialog = screen.getByRole('dialog', { name: 'Run a task definition' });
    const box = within(dialog).getByLabelText('Task definition (JSON)');
    fireEvent.change(box, { target: { value: JSON.stringify({ family: 'orders', containerDefinitions: [{ name: 'web' }] }) } });
    expect(await within(dialog).findByLabelText('Problems in the task definition')).toHaveTextContent('containerDefinitions[0].image: every container needs an image');
    expect(within(dialog).getByRole('button', { name: 'Run' })).toBeDisabled();

    fireEvent.change(box, { target: { value: JSON.stringify(TD) } });
    expect(await within(dialog).findByLabelText('Task definition check')).toHaveTextContent('orders: starts web.');
    fireEvent.change(within(dialog).getByLabelText('Local secret values (optional)'), { target: { value: 'DB_PASSWORD=local' } });
    await user.click(within(dialog).getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(t.callsTo('POST', '/api/tasks')).toHaveLength(1));
    expect(t.callsTo('POST', '/api/tasks')[0]!.body).toEqual({ taskDefinition: TD, baseSource: 'default', secretOverrides: { DB_PASSWORD: 'local' } });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByLabelText('Task status PROVISIONING')).toBeInTheDocument();
  });

  it('keeps the dialog open with the backend\'s reason when the run is refused', async () => {
    const { t, user } = await openTab();
    t.on('POST', '/api/tasks/validate', () => ({ valid: true, family: 'orders', warnings: [], issues: [], startOrder: ['web'] }));
    t.on('POST', '/api/tasks', () => {
      throw new ApiRequestError(404, { error: 'There is no source "gone".', remedy: 'Create that source first.' });
    });
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    await user.click(await screen.findByRole('button', { name: 'Run a task definition' }));
    const dialog = screen.getByRole('dialog', { name: 'Run a task definition' });
    fireEvent.change(within(dialog).getByLabelText('Task definition (JSON)'), { target: { value: JSON.stringify(TD) } });
    await within(dialog).findByLabelText('Task definition check');
    await user.click(within(dialog).getByRole('button', { name: 'Run' }));
    expect(await within(dialog).findByLabelText('Run refused')).toHaveTextContent('There is no source "gone". Create that source first.');
  });

  it('stops a running task and reads a container\'s logs', async () => {
    const { t, user } = await openTab();
    t.tasks = [run()];
    t.on('POST', `/api/tasks/${'a'.repeat(32)}/stop`, () => {
      t.tasks = [run({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })];
      return t.tasks[0];
    });
    t.on('GET', /\/logs\?container=web$/, () => ({ container: 'web', logs: 'listening on 8080\n' }));
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    const card = await screen.findByRole('region', { name: /Task orders:7/ });
    await user.click(within(card).getByRole('button', { name: 'Logs of web' }));
    expect(await screen.findByLabelText('Container logs')).toHaveTextContent('listening on 8080');
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await user.click(within(card).getByRole('button', { name: 'Stop' }));
    expect(await screen.findByText('Task stopped by user')).toBeInTheDocument();
    const stoppedCard = screen.getByRole('region', { name: /Task orders:7/ });
    expect(within(stoppedCard).getByRole('button', { name: 'Remove' })).toBeInTheDocument();
    t.on('POST', `/api/tasks/${'a'.repeat(32)}/run-again`, () => run({ id: 'b'.repeat(32), lastStatus: 'PROVISIONING' }));
    await user.click(within(stoppedCard).getByRole('button', { name: 'Run again' }));
    await waitFor(() => expect(t.callsTo('POST', `/api/tasks/${'a'.repeat(32)}/run-again`)).toHaveLength(1));
  });
});

describe('fetching a registered definition', { timeout: 20_000 }, () => {
  it('asks ECS through the chosen source and puts the definition in the box', async () => {
    const { t, user } = await openTab();
    t.on('POST', '/api/tasks/describe', () => ({ taskDefinition: TD }));
    t.on('POST', '/api/tasks/validate', () => ({ valid: true, family: 'orders', warnings: [], issues: [], startOrder: ['web'] }));
    await user.click(screen.getByRole('tab', { name: 'Tasks' }));
    await user.click(await screen.findByRole('button', { name: 'Run a task definition' }));
    const dialog = screen.getByRole('dialog', { name: 'Run a task definition' });
    fireEvent.change(within(dialog).getByLabelText('Or fetch from ECS (family:revision or ARN)'), { target: { value: 'orders:7' } });
    await user.click(within(dialog).getByRole('button', { name: 'Fetch' }));
    await waitFor(() => expect(JSON.parse((within(dialog).getByLabelText('Task definition (JSON)') as HTMLTextAreaElement).value)).toEqual({ taskDefinition: TD }));
    expect(t.callsTo('POST', '/api/tasks/describe')[0]!.body).toEqual({ taskDefinition: 'orders:7', source: 'default' });
    expect(await within(dialog).findByLabelText('Task definition check')).toHaveTextContent('orders: starts web.');
  });
});

describe('secret overrides', () => {
  it('reads NAME=VALUE lines and reports the others by number', () => {
    expect(parseOverrides('A=1\n\nB=x=y\nbroken')).toEqual({ values: { A: '1', B: 'x=y' }, bad: [4] });
  });
});
