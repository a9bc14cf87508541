import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { EnableEcsResult } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { container } from '../test/fixtures.ts';
import { FakeTransport, deferred } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';

function setup(...containers: ReturnType<typeof container>[]) {
  return setupWith((t) => {
    t.containers = containers;
  });
}

function setupWith(prepare: (t: FakeTransport) => void) {
  const t = new FakeTransport();
  prepare(t);
  return { t, ...renderApp(t) };
}

function rowOf(name: string): HTMLElement {
  const table = screen.getByRole('table', { name: 'Containers' });
  const header = within(table).getByRole('rowheader', { name: new RegExp(`^${name}\\b`) });
  return header.closest('tr') as HTMLElement;
}

describe('containers table', () => {
  it('renders one row per container with its columns', async () => {
    setup(
      container('web', {
        image: 'nginx:1.27',
        compose: { project: 'shop', service: 'frontend' },
        ecs: { enabled: true, address: '169.254.170.130' },
        task: { arn: 'arn:aws:ecs:us-east-1:000000000000:task/local/abc', family: 'shop-task', revision: '1', containerName: 'frontend' },
        source: { effectiveId: 'src-dev', origin: 'assignment', assignedId: 'src-dev' },
        lastCall: { at: new Date(Date.now() - 30_000).toISOString(), path: '/v2/credentials/…', status: 200 },
      }),
      container('db', { image: 'postgres:16', state: 'exited', status: 'Exited (0) 2 hours ago' }),
    );
    const table = await screen.findByRole('table', { name: 'Containers' });
    expect(within(table).getAllByRole('row')).toHaveLength(3); // header + 2
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual([
      'Name',
      'State',
      'ECS mode',
      'Credential source',
      'Last endpoint call',
      'Address',
      'Discovery names',
      'Task family',
      'Image',
      'Compose',
    ]);

    const web = rowOf('web');
    expect(within(web).getByText('nginx:1.27')).toBeInTheDocument();
    expect(within(web).getByText('shop')).toBeInTheDocument();
    expect(within(web).getByText('shop-task')).toBeInTheDocument();
    expect(within(web).getByText('frontend')).toBeInTheDocument();
    expect(within(web).getByText('running')).toBeInTheDocument();
    expect(within(web).getByText('169.254.170.130')).toBeInTheDocument();
    expect(within(web).getByText('30 s ago')).toBeInTheDocument();
    expect(within(web).getByRole('switch', { name: 'ECS mode for web' })).toBeChecked();
    expect(within(web).getByRole('combobox', { name: 'Credential source for web' })).toHaveTextContent('dev profile');
    expect(within(web).getByText('dev profile · assigned')).toBeInTheDocument();

    const db = rowOf('db');
    expect(within(db).getByText('exited')).toBeInTheDocument();
    expect(within(db).getByRole('switch', { name: 'ECS mode for db' })).not.toBeChecked();
    expect(within(db).getByRole('combobox', { name: 'Credential source for db' })).toHaveAttribute('aria-disabled', 'true');
    expect(within(db).getByText('never')).toBeInTheDocument();
  });

  it('search filters rows by name, image and compose project', async () => {
    const { user } = setup(
      container('web', { image: 'nginx:1.27' }),
      container('worker', { image: 'python:3.12', compose: { project: 'billing', service: 'worker' } }),
      container('cache', { image: 'redis:7' }),
    );
    await screen.findByRole('switch', { name: 'ECS mode for web' });
    const search = screen.getByRole('searchbox', { name: 'Search containers' });

    await user.type(search, 'redis');
    expect(screen.queryByRole('switch', { name: 'ECS mode for web' })).not.toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'ECS mode for cache' })).toBeInTheDocument();

    await user.clear(search);
    await user.type(search, 'BILLING');
    expect(screen.getByRole('switch', { name: 'ECS mode for worker' })).toBeInTheDocument();
    expect(screen.queryByRole('switch', { name: 'ECS mode for cache' })).not.toBeInTheDocument();

    await user.clear(search);
    await user.type(search, 'nothing-like-this');
    expect(screen.getByText(/No container matches “nothing-like-this”/)).toBeInTheDocument();
  });

  it('"Show only ECS mode" hides containers not in ECS mode', async () => {
    const { user } = setup(container('web', { ecs: { enabled: true } }), container('db'));
    await screen.findByRole('switch', { name: 'ECS mode for db' });
    await user.click(screen.getByRole('switch', { name: 'Show only ECS mode' }));
    expect(screen.queryByRole('switch', { name: 'ECS mode for db' })).not.toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'ECS mode for web' })).toBeInTheDocument();
  });

  it('shows why a container cannot join and keeps its switch disabled', async () => {
    setup(container('hostnet', { ecs: { canEnable: false, reason: 'Uses the host network: it cannot join another network.' } }));
    const sw = await screen.findByRole('switch', { name: 'ECS mode for hostnet' });
    expect(sw).toBeDisabled();
    expect(screen.getByText('Uses the host network: it cannot join another network.')).toBeVisible();
    expect(sw).toHaveAccessibleDescription('Uses the host network: it cannot join another network.');
  });

  it('labels containers put in ECS mode by a label or compose', async () => {
    setup(container('auto', { ecs: { enabled: true, auto: true } }), container('manual', { ecs: { enabled: true } }));
    await screen.findByRole('switch', { name: 'ECS mode for auto' });
    expect(within(rowOf('auto')).getByText('via label/compose')).toBeInTheDocument();
    expect(within(rowOf('manual')).queryByText('via label/compose')).not.toBeInTheDocument();
  });
});

describe('ECS mode toggle', () => {
  it('posts {enabled: true} and shows the container the API returns', async () => {
    const { t, user } = setup(container('web'));
    const on = container('web', { ecs: { enabled: true, address: '169.254.170.131' } });
    t.on('POST', `/api/containers/${on.id}/ecs`, (): EnableEcsResult => {
      t.containers = [on];
      return { container: on };
    });
    await user.click(await screen.findByRole('switch', { name: 'ECS mode for web' }));
    await waitFor(() => expect(t.callsTo('POST', `/api/containers/${on.id}/ecs`)).toHaveLength(1));
    expect(t.callsTo('POST', `/api/containers/${on.id}/ecs`)[0]?.body).toEqual({ enabled: true });
    expect(await screen.findByText('169.254.170.131')).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'ECS mode for web' })).toBeChecked();
  });

  it('posts {enabled: false} when switched off', async () => {
    const c = container('web', { ecs: { enabled: true } });
    const { t, user } = setup(c);
    t.on('POST', `/api/containers/${c.id}/ecs`, () => ({ container: container('web') }));
    await user.click(await screen.findByRole('switch', { name: 'ECS mode for web' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]?.body).toEqual({ enabled: false });
  });

  it('asks before recreating a container without the ECS environment; cancelling sends nothing', async () => {
    const c = container('legacy', { ecs: { hasEnvironment: false } });
    const { t, user } = setup(c);
    await user.click(await screen.findByRole('switch', { name: 'ECS mode for legacy' }));
    const dialog = await screen.findByRole('dialog', { name: /Recreate legacy/ });
    expect(within(dialog).getByText(/cannot be added to a running container/)).toBeInTheDocument();
    expect(within(dialog).getByText('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')).toBeInTheDocument();
    expect(within(dialog).getByText('ECS_CONTAINER_METADATA_URI_V4')).toBeInTheDocument();
    // Both region variables, as the backend sets them (only where the container has none).
    expect(within(dialog).getByText(/^AWS_REGION\b/)).toHaveTextContent('AWS_REGION (unless already set)');
    expect(within(dialog).getByText(/^AWS_DEFAULT_REGION\b/)).toHaveTextContent('AWS_DEFAULT_REGION (unless already set)');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(t.mutations()).toEqual([]);
    expect(screen.getByRole('switch', { name: 'ECS mode for legacy' })).not.toBeChecked();
  });

  it('sends recreate: true only after "Recreate and enable"', async () => {
    const c = container('legacy', { ecs: { hasEnvironment: false } });
    const { t, user } = setup(c);
    const recreated = container('legacy', { id: 'f'.repeat(64), ecs: { enabled: true, hasEnvironment: true, address: '169.254.170.140' } });
    t.on('POST', `/api/containers/${c.id}/ecs`, () => {
      t.containers = [recreated];
      return { container: recreated, recreatedFrom: c.id } satisfies EnableEcsResult;
    });
    await user.click(await screen.findByRole('switch', { name: 'ECS mode for legacy' }));
    const dialog = await screen.findByRole('dialog', { name: /Recreate legacy/ });
    expect(t.mutations()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Recreate and enable' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]).toMatchObject({ path: `/api/containers/${c.id}/ecs`, body: { enabled: true, recreate: true } });
    expect(await screen.findByText('169.254.170.140')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.getAllByRole('switch', { name: 'ECS mode for legacy' })).toHaveLength(1);
  });

  it('shows progress while busy and ignores a second toggle', async () => {
    const c = container('web');
    const { t, user } = setup(c);
    const pending = deferred<EnableEcsResult>();
    t.on('POST', `/api/containers/${c.id}/ecs`, () => pending.promise);
    const sw = await screen.findByRole('switch', { name: 'ECS mode for web' });
    await user.click(sw);
    expect(await screen.findByRole('progressbar', { name: 'Enabling ECS mode for web' })).toBeInTheDocument();
    expect(sw).toBeChecked();
    expect(sw).toBeDisabled();
    fireEvent.click(sw);
    expect(t.mutations()).toHaveLength(1);
    pending.resolve({ container: container('web', { ecs: { enabled: true } }) });
    await waitFor(() => expect(screen.queryByRole('progressbar', { name: /ECS mode for web/ })).not.toBeInTheDocument());
    expect(screen.getByRole('switch', { name: 'ECS mode for web' })).toBeEnabled();
  });

  it('shows an API error with its remedy and puts the switch back', async () => {
    const c = container('web');
    const { t, user } = setup(c);
    t.on('POST', `/api/containers/${c.id}/ecs`, () => {
      throw new ApiRequestError(409, {
        error: 'The subnet 169.254.170.0/24 is used by another network (ecs-local).',
        remedy: 'Remove the other network (docker network rm ecs-local) or set ECS_ENDPOINTS_NETWORK.',
      });
    });
    await user.click(await screen.findByRole('switch', { name: 'ECS mode for web' }));
    const alert = await screen.findByTestId('notice');
    expect(alert).toHaveTextContent('Could not turn ECS mode on for web: The subnet 169.254.170.0/24 is used by another network (ecs-local).');
    expect(alert).toHaveTextContent('Remove the other network (docker network rm ecs-local) or set ECS_ENDPOINTS_NETWORK.');
    await waitFor(() => expect(screen.getByRole('switch', { name: 'ECS mode for web' })).not.toBeChecked());
    expect(screen.getByRole('switch', { name: 'ECS mode for web' })).toBeEnabled();
  });
});

describe('credential source select', () => {
  it('lists every source plus the default, and PUTs the choice', async () => {
    const c = container('web', { ecs: { enabled: true } });
    const { t, user } = setup(c);
    t.on('PUT', `/api/containers/${c.id}/source`, () => ({}));
    await user.click(await screen.findByRole('combobox', { name: 'Credential source for web' }));
    const listbox = await screen.findByRole('listbox');
    expect(within(listbox).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Default (none)',
      'none',
      'fake',
      'dev profile',
    ]);
    await user.click(within(listbox).getByRole('option', { name: 'dev profile' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]).toEqual({ method: 'PUT', path: `/api/containers/${c.id}/source`, body: { sourceId: 'src-dev' } });
  });

  it('"Default (…)" clears the assignment with sourceId: null', async () => {
    const c = container('web', { ecs: { enabled: true }, source: { effectiveId: 'src-dev', origin: 'assignment', assignedId: 'src-dev' } });
    const { t, user } = setupWith((t) => {
      t.containers = [c];
      t.status = { ...t.status, defaultSourceId: 'fake' };
    });
    t.on('PUT', `/api/containers/${c.id}/source`, () => ({}));
    await user.click(await screen.findByRole('combobox', { name: 'Credential source for web' }));
    await user.click(await screen.findByRole('option', { name: 'Default (fake)' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]?.body).toEqual({ sourceId: null });
  });

  it('names the default alias after its target and does not offer it twice', async () => {
    const c = container('web', { ecs: { enabled: true }, source: { effectiveId: 'default', origin: 'default' } });
    const { user } = setupWith((t) => {
      t.containers = [c];
      t.sources = [
        ...t.sources,
        { id: 'default', name: 'Default', type: 'fake', summary: 'fake: fake credentials', settings: { spec: 'fake', target: 'fake' }, builtIn: true, assignedTo: [] },
      ];
      t.status = { ...t.status, defaultSourceId: 'default' };
    });
    const select = await screen.findByRole('combobox', { name: 'Credential source for web' });
    expect(select).toHaveTextContent('Default (fake)');
    expect(screen.getByText('fake · default source')).toBeInTheDocument();
    await user.click(select);
    const listbox = await screen.findByRole('listbox');
    expect(within(listbox).getAllByRole('option').map((o) => o.textContent)).toEqual(['Default (fake)', 'none', 'fake', 'dev profile']);
  });

  it('shows a container whose source comes from a preset as "Preset <name>"', async () => {
    const c = container('shop-orders-1', { ecs: { enabled: true }, source: { effectiveId: 'fake', origin: 'preset', presetName: 'orders' } });
    setup(c);
    const select = await screen.findByRole('combobox', { name: 'Credential source for shop-orders-1' });
    expect(select).toHaveTextContent('Preset orders (fake)');
    expect(screen.getByText('fake · from preset orders')).toBeInTheDocument();
  });

  it('shows the error and keeps the previous source when the PUT fails', async () => {
    const c = container('web', { ecs: { enabled: true } });
    const { t, user } = setup(c);
    t.on('PUT', `/api/containers/${c.id}/source`, () => {
      throw new ApiRequestError(404, { error: 'No source with id src-dev.', remedy: 'Reload the Sources tab: it may have been deleted.' });
    });
    const select = await screen.findByRole('combobox', { name: 'Credential source for web' });
    await user.click(select);
    await user.click(await screen.findByRole('option', { name: 'dev profile' }));
    expect(await screen.findByTestId('notice')).toHaveTextContent('Reload the Sources tab: it may have been deleted.');
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Credential source for web' })).toHaveTextContent('Default (none)'));
  });

  it('is disabled while ECS mode is off', async () => {
    setup(container('web'));
    expect(await screen.findByRole('combobox', { name: 'Credential source for web' })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByText('Turn on ECS mode to serve credentials')).toBeInTheDocument();
  });
});

describe('empty states', () => {
  it('teaches with a compose snippet when there are no containers', async () => {
    setup();
    expect(await screen.findByRole('heading', { name: 'No containers yet' })).toBeInTheDocument();
    expect(screen.getByLabelText('Compose: put a service in ECS mode with a label')).toHaveTextContent('ecs-endpoints.enable: "true"');
  });

  it('explains ECS mode and both compose options when no container is in ECS mode', async () => {
    setup(container('web'));
    expect(await screen.findByRole('heading', { name: 'No container is in ECS mode yet' })).toBeInTheDocument();
    expect(screen.getByText(/ECS mode makes a container see what it would see on Amazon ECS/)).toBeInTheDocument();
    expect(screen.getByLabelText('Compose: put a service in ECS mode with a label')).toHaveTextContent('ecs-endpoints.enable: "true"');
    const network = screen.getByLabelText(/^Or join the ecs-endpoints network/);
    expect(network).toHaveTextContent('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: /creds');
    expect(network).toHaveTextContent('ECS_CONTAINER_METADATA_URI_V4: http://169.254.170.2/v4');
    expect(network).toHaveTextContent('ECS_CONTAINER_METADATA_URI: http://169.254.170.2/v3');
    expect(network).toHaveTextContent('external: true');
    // The table is still there to switch ECS mode on.
    expect(screen.getByRole('switch', { name: 'ECS mode for web' })).toBeInTheDocument();
  });

  it('hides the explanation once a container is in ECS mode', async () => {
    setup(container('web', { ecs: { enabled: true } }));
    await screen.findByRole('switch', { name: 'ECS mode for web' });
    expect(screen.queryByRole('heading', { name: 'No container is in ECS mode yet' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'ECS mode from Compose' })).not.toBeInTheDocument();
  });
});

describe('discovery names', () => {
  const named = () =>
    container('orders', {
      ecs: { enabled: true, address: '169.254.170.130' },
      discovery: {
        names: [
          { name: 'orders', origin: 'own', active: true },
          { name: 'orders.local', origin: 'label', active: false, heldBy: 'billing' },
        ],
      },
    });

  it('shows each name, and which one another container holds', async () => {
    setup(named());
    await screen.findByRole('table', { name: 'Containers' });
    const row = rowOf('orders');
    expect(within(row).getByLabelText('orders: resolves to this container on the network (set here)')).toBeInTheDocument();
    expect(within(row).getByLabelText('orders.local: not set, "billing" holds it (from its ecs-endpoints.discovery-names label)')).toBeInTheDocument();
  });

  it('edits its own names, refuses what is not a DNS name, and shows a refusal with the holder in the dialog', async () => {
    const c = named();
    const { t, user } = setup(c);
    let answer: () => unknown = () => {
      throw new ApiRequestError(409, {
        error: 'The name "inventory.local" is already taken on the managed network by "shop-inventory-1".',
        remedy: 'Choose another name, or remove "inventory.local" from "shop-inventory-1" first.',
      });
    };
    t.on('PUT', `/api/containers/${c.id}/discovery-names`, () => answer());
    await user.click(await screen.findByRole('button', { name: 'Edit discovery names of orders' }));
    const dialog = await screen.findByRole('dialog', { name: 'Discovery names of orders' });
    const field = within(dialog).getByRole('textbox', { name: 'Names (comma separated)' });
    expect(field).toHaveValue('orders');
    expect(dialog).toHaveTextContent('orders.local (from its ecs-endpoints.discovery-names label)');
    await user.clear(field);
    await user.type(field, 'orders, Inventory_Local');
    expect(within(dialog).getByText('Not a DNS name in lower case: Inventory_Local')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Save' })).toBeDisabled();
    await user.clear(field);
    await user.type(field, 'orders, inventory.local');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('already taken on the managed network by "shop-inventory-1". Choose another name');
    expect(t.callsTo('PUT', `/api/containers/${c.id}/discovery-names`).map((x) => x.body)).toEqual([{ names: ['orders', 'inventory.local'] }]);
    answer = () => ({ container: c });
    await user.clear(field);
    await user.type(field, 'orders, orders-api');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(t.callsTo('PUT', `/api/containers/${c.id}/discovery-names`).at(-1)?.body).toEqual({ names: ['orders', 'orders-api'] });
  });
});
