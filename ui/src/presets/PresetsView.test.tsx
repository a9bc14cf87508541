import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { PresetView, PresetsView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { FakeTransport, deferred } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';

const ORDERS: PresetView = {
  name: 'orders',
  description: 'The orders service assumes its task role from your dev profile.',
  match: { composeProject: 'shop', composeService: 'orders' },
  credentials: { roleArn: 'arn:aws:iam::123456789012:role/orders-task', fromProfile: 'dev' },
  task: { family: 'orders', revision: '12', launchType: 'FARGATE', memory: 1024, tags: { team: 'checkout' } },
  containerName: 'orders-api',
  origin: 'file',
  matchedContainers: ['shop-orders-1', 'shop-orders-2'],
};
const OFFLINE: PresetView = {
  name: 'offline',
  match: { image: 'local-dev/*' },
  credentials: { fake: true },
  origin: 'imported',
  matchedContainers: [],
};
const FILE_PATH = '/home/dev/shop/ecs-endpoints.presets.json';

function setup(presets: PresetsView = { presets: [] }) {
  const t = new FakeTransport();
  t.presets = presets;
  return { t, ...renderApp(t) };
}

async function openTab(user: ReturnType<typeof setup>['user']) {
  await user.click(screen.getByRole('tab', { name: 'Presets' }));
  return screen.getByRole('tabpanel', { name: 'Presets' });
}

function rowOf(name: string): HTMLElement {
  return within(screen.getByRole('table', { name: 'Presets' })).getByRole('rowheader', { name: new RegExp(`^${name}\\b`) }).closest('tr') as HTMLElement;
}

const REFUSED = new ApiRequestError(400, {
  error: 'The imported preset file holds secrets, and presets must not (they are shared in repositories).',
  remedy: 'Refer to credentials instead: "credentials": {"profile": "dev"}.',
  issues: [
    { path: 'presets.0.credentials.secretAccessKey', message: '"secretAccessKey" looks like a secret field' },
    { path: '', message: 'preset names must be unique' },
  ],
});

const urlStatics = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };

afterEach(() => {
  vi.restoreAllMocks();
  // The download revokes its object URL a while later: leave something harmless to call.
  Object.assign(URL, { createObjectURL: urlStatics.createObjectURL ?? (() => ''), revokeObjectURL: urlStatics.revokeObjectURL ?? (() => undefined) });
});

/** jsdom's Blob has no text(). */
function blobText(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsText(b);
  });
}

describe('the Presets tab', () => {
  it('explains presets, with an example file to copy', async () => {
    const { user } = setup();
    const panel = await openTab(user);
    expect(within(panel).getByText(/teams keep a preset file in their repository/)).toBeInTheDocument();
    expect(within(panel).getByText(/Presets hold no secrets/)).toBeInTheDocument();
    expect(await within(panel).findByText('No presets yet')).toBeInTheDocument();
    const example = within(panel).getByLabelText('Example preset file (ecs-endpoints.presets.json)');
    const parsed = JSON.parse(example.textContent ?? '') as { version: number; presets: { name: string }[] };
    expect(parsed.version).toBe(1);
    expect(parsed.presets[0]?.name).toBe('orders');
    expect(within(panel).getByRole('button', { name: 'Copy: Example preset file (ecs-endpoints.presets.json)' })).toBeInTheDocument();
    // Nothing to export yet.
    expect(within(panel).getByRole('button', { name: 'Export presets' })).toBeDisabled();
  });

  it('lists presets: match rules, credentials, task overrides, origin and the containers using them', async () => {
    const { user } = setup({ presets: [ORDERS, OFFLINE], file: { path: FILE_PATH, loadedAt: '2026-01-01T10:00:00.000Z' } });
    await openTab(user);
    const table = await screen.findByRole('table', { name: 'Presets' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Preset',
      'Applies to',
      'Credentials',
      'Task metadata',
      'From',
      'Used by',
    ]);
    const orders = rowOf('orders');
    expect(within(orders).getByText(ORDERS.description!)).toBeInTheDocument();
    expect(within(orders).getByText('Compose project “shop” and compose service “orders”')).toBeInTheDocument();
    expect(within(orders).getByText('Assume arn:aws:iam::123456789012:role/orders-task with profile “dev”')).toBeInTheDocument();
    const chips = within(within(orders).getByRole('list', { name: 'Task overrides of orders' })).getAllByRole('listitem');
    expect(chips.map((c) => c.textContent)).toEqual(['family orders:12', 'FARGATE', '1024 MiB', 'tag team=checkout', 'container name orders-api']);
    expect(orders).toHaveTextContent(`from ${FILE_PATH}`);
    expect(within(orders).getByLabelText('Containers using orders')).toHaveTextContent('shop-orders-1, shop-orders-2');

    const offline = rowOf('offline');
    expect(within(offline).getByText('Image matching “local-dev/*”')).toBeInTheDocument();
    expect(within(offline).getByText('Fake credentials (no AWS)')).toBeInTheDocument();
    expect(within(offline).getByText('imported')).toBeInTheDocument();
    expect(within(offline).getByText('no container in ECS mode')).toBeInTheDocument();
  });

  it('shows the repository file\'s error with each issue, and that the last good version stays', async () => {
    const { user } = setup({
      presets: [ORDERS],
      file: {
        path: FILE_PATH,
        loadedAt: '2026-01-01T10:00:00.000Z',
        error: `${FILE_PATH} is not a valid preset file: presets.0.task.launchType: Invalid option`,
        issues: [{ path: 'presets.0.task.launchType', message: 'Invalid option: expected one of "EC2"|"FARGATE"|"EXTERNAL"' }],
      },
    });
    const panel = await openTab(user);
    const alert = await within(panel).findByRole('alert', { name: 'Repository preset file problem' });
    expect(alert).toHaveTextContent(`The last edit of ${FILE_PATH} was not loaded`);
    const issues = within(within(alert).getByRole('list', { name: 'Issues' })).getAllByRole('listitem');
    expect(issues.map((i) => i.textContent)).toEqual(['presets.0.task.launchType: Invalid option: expected one of "EC2"|"FARGATE"|"EXTERNAL"']);
    expect(alert).toHaveTextContent(/stays in force/);
    // The presets in force are still listed.
    expect(rowOf('orders')).toBeInTheDocument();
  });

  it('imports a picked file as its text, then lists the new presets', async () => {
    const { t, user } = setup();
    const panel = await openTab(user);
    const text = JSON.stringify({ version: 1, presets: [{ name: 'offline', match: { image: 'local-dev/*' }, credentials: { fake: true } }] }, null, 2);
    const answer = deferred<PresetsView>();
    t.on('PUT', '/api/presets', () => answer.promise);
    const input = within(panel).getByTestId('preset-file-input') as HTMLInputElement;
    expect(input).toHaveAttribute('accept', 'application/json,.json');
    expect(input).toHaveAttribute('type', 'file');
    // The button opens the (hidden) file picker.
    const clicked = vi.spyOn(input, 'click');
    await user.click(within(panel).getByRole('button', { name: 'Import preset file' }));
    expect(clicked).toHaveBeenCalled();

    fireEvent.change(input, { target: { files: [new File([text], 'team.presets.json', { type: 'application/json' })] } });
    await waitFor(() => expect(t.callsTo('PUT', '/api/presets')).toHaveLength(1));
    // Exactly the file's text, as picked.
    expect(t.callsTo('PUT', '/api/presets')[0]!.body).toEqual({ content: text });
    expect(within(panel).getByRole('button', { name: 'Import preset file' })).toBeDisabled();
    const loads = t.callsTo('GET', '/api/containers').length;
    t.presets = { presets: [{ ...OFFLINE }] };
    answer.resolve(t.presets);
    await waitFor(() => expect(rowOf('offline')).toBeInTheDocument());
    // The containers (their source and task now come from the presets) are loaded again.
    await waitFor(() => expect(t.callsTo('GET', '/api/containers').length).toBe(loads + 1));
    expect(await screen.findByTestId('notice')).toHaveTextContent('Imported 1 preset from team.presets.json.');
    expect(within(panel).getByRole('button', { name: 'Import preset file' })).toBeEnabled();
  });

  it('shows why a picked file was refused, with each issue and its path, and keeps the list as it was', async () => {
    const { t, user } = setup({ presets: [OFFLINE] });
    const panel = await openTab(user);
    t.on('PUT', '/api/presets', () => {
      throw REFUSED;
    });
    fireEvent.change(within(panel).getByTestId('preset-file-input'), { target: { files: [new File(['{}'], 'leaky.json')] } });
    const alert = await within(panel).findByRole('alert', { name: 'leaky.json was not imported' });
    expect(alert).toHaveTextContent('The imported preset file holds secrets');
    expect(alert).toHaveTextContent('Refer to credentials instead');
    const issues = within(within(alert).getByRole('list', { name: 'Issues' })).getAllByRole('listitem');
    expect(issues.map((i) => i.textContent)).toEqual([
      'presets.0.credentials.secretAccessKey: "secretAccessKey" looks like a secret field',
      '(the whole file): preset names must be unique',
    ]);
    expect(rowOf('offline')).toBeInTheDocument();
    await user.click(within(alert).getByRole('button', { name: 'Close' }));
    expect(within(panel).queryByRole('alert', { name: 'leaky.json was not imported' })).not.toBeInTheDocument();
  });

  it('imports pasted text; a refusal stays in the dialog so the text can be fixed', async () => {
    const { t, user } = setup();
    const panel = await openTab(user);
    let refuse = true;
    t.on('PUT', '/api/presets', () => {
      if (refuse) throw REFUSED;
      // As the backend: what the import answers is what a later load gets.
      t.presets = { presets: [OFFLINE] };
      return t.presets;
    });
    await user.click(within(panel).getByRole('button', { name: 'Paste preset file' }));
    const dialog = await screen.findByRole('dialog', { name: 'Paste a preset file' });
    const importButton = within(dialog).getByRole('button', { name: 'Import' });
    expect(importButton).toBeDisabled();
    const box = within(dialog).getByRole('textbox', { name: 'Preset file (JSON)' });
    await user.click(box);
    await user.paste('{"version": 1, "presets": []}');
    await user.click(importButton);
    const problem = await within(dialog).findByRole('alert');
    expect(problem).toHaveTextContent('presets.0.credentials.secretAccessKey');
    expect(t.callsTo('PUT', '/api/presets')[0]!.body).toEqual({ content: '{"version": 1, "presets": []}' });

    refuse = false;
    await user.click(importButton);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(rowOf('offline')).toBeInTheDocument();
    expect(await screen.findByTestId('notice')).toHaveTextContent('Imported 1 preset from the pasted text.');
  });

  it('exports the presets as ecs-endpoints.presets.json through a blob link', async () => {
    const { t, user } = setup({ presets: [OFFLINE] });
    const file = { $schema: 'https://ecs-endpoints.dev/preset.schema.json', version: 1, presets: [{ name: 'offline', match: { image: 'local-dev/*' }, credentials: { fake: true } }] };
    t.on('GET', '/api/presets/export', () => file);
    let blob: Blob | undefined;
    const create = vi.fn((b: Blob) => {
      blob = b;
      return 'blob:ecs-endpoints/1';
    });
    const revoke = vi.fn();
    // jsdom has no object URLs.
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke });
    const clicks: { href: string; download: string; inDocument: boolean }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.href, download: this.download, inDocument: document.body.contains(this) });
    });
    const panel = await openTab(user);
    await waitFor(() => expect(within(panel).getByRole('button', { name: 'Export presets' })).toBeEnabled());
    await user.click(within(panel).getByRole('button', { name: 'Export presets' }));
    await waitFor(() => expect(clicks).toHaveLength(1));
    expect(clicks[0]).toEqual({ href: 'blob:ecs-endpoints/1', download: 'ecs-endpoints.presets.json', inDocument: true });
    expect(blob!.type).toBe('application/json');
    expect(JSON.parse(await blobText(blob!))).toEqual(file);
    expect(await screen.findByTestId('notice')).toHaveTextContent('Exported 1 preset as ecs-endpoints.presets.json.');
    expect(document.querySelector('a[download]')).toBeNull();
  });
});
