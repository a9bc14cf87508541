/**
 * End to end: the standalone backend (a real Backend in the host topology on its own network and
 * subnet, plus the control server on a loopback port serving the freshly built UI), a real dockerd,
 * and Debian's Chromium driven by playwright-core. A person's path through the UI: a busybox
 * container without the ECS environment is switched into ECS mode (recreated), given the `fake`
 * source, and answers credentials and metadata from inside; switched off, it no longer does; the
 * backend restarts and the page still shows the assignment and a source created in the UI.
 * A team's preset file pasted on the Presets tab gives a compose container fake credentials and a
 * task family, seen from inside it; the export downloads the same presets. A task definition pasted
 * on the Tasks tab runs: its containers reach RUNNING in dependency order, answer metadata, stop.
 * A blackhole a fault-marked container starts shows as a chip; its Stop button ends it for real.
 * Screenshots (light and dark) go to test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerView, PresetsView, SourceView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../backend/src/control/index.ts';
import { BUSYBOX, docker, exec, httpFrom, removeAll, runContainer, uniqueName } from '../backend/test/support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../backend/test/support/backend.ts';
import { controlClient } from './support/control-client.ts';
import { ROOT, UI_BUILD, ensureUiBuilt } from './support/ui-build.ts';

const SHOTS = join(ROOT, 'test-results', 'screenshots');
const PAUSE_IMAGE = 'ecs-endpoints-test/pause:latest';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tb: TestBackend;
let cs: ControlServer;
let port: number;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const created: (Docker.Container | string)[] = [];
const pageErrors: string[] = [];
/** While the backend restarts (from its close until the page reloaded): connection errors are expected then. */
let restarting = false;
const name = uniqueName('e2e-app');
/** A discovery name set in the UI (unique per run: other sessions share the engine). */
const DISCOVERY = `${name}.local`;
let peerId: string;
/** The id of the container named `name` (changes when it is recreated). */
let appId: string;

async function startControl(listenPort: number): Promise<void> {
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: listenPort }, uiDir: UI_BUILD });
  port = Number(new URL(cs.url).port);
}

function api() {
  return controlClient(cs.url, cs.token!);
}

async function containerView(): Promise<ContainerView | undefined> {
  return (await api().call<ContainerView[]>('GET', '/api/containers')).body.find((c) => c.name === name);
}

/** The address Docker's resolver gives `dnsName` inside a container (busybox nslookup). */
async function resolvedFrom(id: string, dnsName: string): Promise<string | undefined> {
  const r = await exec(id, ['nslookup', dnsName]);
  return r.code === 0 ? /Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(r.stdout.split(/Name:/)[1] ?? '')?.[1] : undefined;
}

async function addressOf(id: string): Promise<string | undefined> {
  return (await docker.getContainer(id).inspect()).NetworkSettings.Networks[tb.network]?.IPAddress;
}

async function envOf(id: string): Promise<Record<string, string>> {
  // What a person would run: docker exec <container> env.
  const out = execFileSync('docker', ['exec', id, 'env'], { encoding: 'utf8' });
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** A request from inside the container: its status, or why there was none. */
async function fromInside(id: string, url: string): Promise<{ status?: number; body?: string; failure?: string }> {
  try {
    const r = await httpFrom(id, url);
    return r.status ? { status: r.status, body: r.body } : { failure: 'no answer' };
  } catch (err) {
    return { failure: (err as Error).message.split('\n')[0] };
  }
}

async function shot(p: Page, file: string, fullPage = true): Promise<void> {
  // No hover effects, and transitions (tab indicator, dialog fade) finished rather than caught halfway.
  await p.mouse.move(0, 0);
  await p.screenshot({ path: join(SHOTS, file), fullPage, animations: 'disabled', caret: 'hide' });
}

async function openPage(theme?: 'dark' | 'light', hash = ''): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  p.on('console', (m) => {
    // A failed connection is recorded below with its request and when it happened; the console line has neither.
    if (m.type() === 'error' && !/^Failed to load resource: net::/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  p.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '';
    // The page's own cancellations (a reload ends the live stream) are not failures.
    if (error !== 'net::ERR_ABORTED') pageErrors.push(`failed${restarting ? ' while restarting' : ''}: ${r.method()} ${new URL(r.url()).pathname} ${error}`);
  });
  p.on('response', (r) => {
    if (r.status() >= 400) pageErrors.push(`response: ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  await p.goto(`http://127.0.0.1:${port}/${theme ? `?theme=${theme}` : ''}${hash}`);
  return p;
}

function ecsSwitch(p: Page) {
  return p.getByRole('switch', { name: `ECS mode for ${name}` });
}

function sourceSelect(p: Page) {
  return p.getByRole('combobox', { name: `Credential source for ${name}` });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ensureUiBuilt();
  tb = await startTestBackend({ ECS_ENDPOINTS_PAUSE_IMAGE: PAUSE_IMAGE });
  await startControl(0);
  const c = await docker.createContainer({
    name,
    Image: BUSYBOX,
    Cmd: ['sleep', '3600'],
    StopSignal: 'SIGKILL',
    Labels: { 'ecs-endpoints-test': 'true', 'com.example.team': 'e2e' },
  });
  created.push(c);
  await c.start();
  appId = c.id;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A fresh, empty profile: nothing from earlier runs.
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  page = await openPage('light');
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await cs?.close();
  // The recreated container may have a new id: remove by name too.
  await removeAll([...created, name]);
  await tb?.cleanup();
});

describe('the UI in Chromium against the standalone backend', () => {
  it('shows the container, without ECS mode, and follows containers that start and stop without reloading', async () => {
    await ecsSwitch(page).waitFor({ state: 'visible', timeout: 15_000 });
    expect(await ecsSwitch(page).isChecked()).toBe(false);
    expect(await page.getByRole('heading', { name: 'ECS Endpoints' }).isVisible()).toBe(true);
    // No problems banner: Docker is reachable and the network is ready.
    expect(await page.getByRole('region', { name: 'Problems' }).count()).toBe(0);

    const other = uniqueName('e2e-live');
    const c = await docker.createContainer({ name: other, Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true' } });
    created.push(c);
    await c.start();
    const row = page.locator('tr', { has: page.getByRole('switch', { name: `ECS mode for ${other}` }) });
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await eventually(async () => (await row.textContent())?.includes('running'), 10_000, 'the new row running');
    await c.kill();
    await eventually(async () => (await row.textContent())?.includes('exited'), 10_000, 'the row to show exited');
    await c.remove({ force: true });
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('switches ECS mode on (recreate) and chooses fake; credentials and v4 metadata answer from inside the container', async () => {
    await ecsSwitch(page).click();
    const dialog = page.getByRole('dialog', { name: `Recreate ${name} to enable ECS mode?` });
    await dialog.waitFor({ state: 'visible' });
    await shot(page, 'recreate-dialog-light.png', false);
    await dialog.getByRole('button', { name: 'Recreate and enable' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The row now is the recreated container, in ECS mode.
    const v = await eventually(async () => {
      const x = await containerView();
      return x && x.id !== appId && x.ecs.enabled ? x : undefined;
    }, 30_000, 'the recreated container in ECS mode');
    created.push(v.id);
    appId = v.id;
    expect(v.ecs.hasEnvironment).toBe(true);
    await eventually(() => ecsSwitch(page).isChecked(), 10_000, 'the switch on');
    await eventually(async () => (await sourceSelect(page).getAttribute('aria-disabled')) !== 'true', 10_000, 'the source select enabled');

    await sourceSelect(page).click();
    await page.getByRole('option', { name: 'Fake', exact: true }).click();
    await eventually(async () => (await containerView())?.source.assignedId === 'fake', 10_000, 'the assignment saved');
    await eventually(async () => (await sourceSelect(page).textContent())?.trim() === 'Fake', 10_000, 'the select showing Fake');

    const env = await envOf(appId);
    expect(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).toMatch(/^\/v2\/credentials\/[0-9a-f]{32}$/);
    expect(env.ECS_CONTAINER_METADATA_URI_V4).toMatch(new RegExp(`^http://${tb.address.replace(/\./g, '\\.')}/v4/`));

    const creds = await fromInside(appId, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    expect(creds.status, creds.body ?? creds.failure).toBe(200);
    const body = JSON.parse(creds.body!) as J;
    expect(body.AccessKeyId).toMatch(/^ASIAFAKE/);
    expect(body.SecretAccessKey).toMatch(/^FAKE\//);
    expect(body.Token).toMatch(/^FAKE-SESSION-TOKEN/);
    expect(body.RoleArn).toBe(`arn:aws:iam::000000000000:role/${name}-task-role`);

    const md = await fromInside(appId, env.ECS_CONTAINER_METADATA_URI_V4!);
    expect(md.status, md.body ?? md.failure).toBe(200);
    expect(JSON.parse(md.body!)).toMatchObject({ DockerId: appId, Name: name, DockerName: name, Labels: expect.objectContaining({ 'com.example.team': 'e2e' }) });

    // The calls show in the table (last call) and in the request log, live.
    const row = page.locator('tr', { has: ecsSwitch(page) });
    await eventually(async () => (await row.textContent())?.includes('/v4/'), 10_000, 'the last call in the row');
    await page.getByRole('tab', { name: 'Requests' }).click();
    await eventually(async () => (await page.getByRole('tabpanel').textContent())?.includes('/v2/credentials/****'), 10_000, 'the credentials call in the request log');
    const logText = (await page.getByRole('tabpanel').textContent()) ?? '';
    expect(logText).not.toContain(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!.split('/').pop());
    expect(logText).not.toContain(body.SecretAccessKey);
    await shot(page, 'requests-light.png');
    await page.getByRole('tab', { name: 'Containers' }).click();
    await shot(page, 'containers-ecs-on-light.png');

    const dark = await openPage('dark');
    await ecsSwitch(dark).waitFor({ state: 'visible' });
    await eventually(() => ecsSwitch(dark).isChecked(), 10_000, 'dark page: switch on');
    await eventually(async () => (await dark.locator('tr', { has: ecsSwitch(dark) }).textContent())?.includes('/v4/'), 10_000, 'dark page: last call');
    await shot(dark, 'containers-ecs-on-dark.png');
    await dark.getByRole('tab', { name: 'Requests' }).click();
    await shot(dark, 'requests-dark.png');
    await dark.close();
  });

  it('creates a source in the UI', async () => {
    await page.getByRole('tab', { name: 'Sources' }).click();
    await page.getByRole('button', { name: 'Add source' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a credential source' });
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('combobox', { name: /Type/ }).click();
    await page.getByRole('option', { name: 'Fake credentials' }).click();
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('E2E role');
    await dialog.getByRole('textbox', { name: /^Role ARN/ }).fill('arn:aws:iam::123456789012:role/e2e');
    await shot(page, 'source-form-light.png');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('rowheader', { name: /^E2E role/ }).waitFor({ state: 'visible' });
    const sources = (await api().call<SourceView[]>('GET', '/api/sources')).body;
    expect(sources.find((s) => s.id === 'e2e-role')).toMatchObject({ type: 'fake', settings: { roleArn: 'arn:aws:iam::123456789012:role/e2e' } });
    // "Used by" of the built-in fake counts our container.
    await eventually(async () => (await page.locator('tr[data-source-id="fake"]').textContent())?.includes('1 container'), 10_000, 'fake used by 1 container');
    await shot(page, 'sources-light.png');
    const dark = await openPage('dark', '#sources');
    await dark.getByRole('rowheader', { name: /^E2E role/ }).waitFor({ state: 'visible' });
    await shot(dark, 'sources-dark.png');
    await dark.close();
    await page.getByRole('tab', { name: 'Containers' }).click();
  });

  it('switches ECS mode off; then neither credentials nor metadata answer from inside', async () => {
    const env = await envOf(appId);
    await ecsSwitch(page).click();
    // No dialog for switching off.
    await eventually(async () => (await containerView())?.ecs.enabled === false, 15_000, 'ECS mode off');
    await eventually(async () => !(await ecsSwitch(page).isChecked()), 10_000, 'the switch off');
    expect(Object.keys((await docker.getContainer(appId).inspect()).NetworkSettings.Networks)).not.toContain(tb.network);

    const creds = await fromInside(appId, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    const md = await fromInside(appId, env.ECS_CONTAINER_METADATA_URI_V4!);
    // Off the network the endpoint is either unreachable or does not know the caller: never a 200.
    expect(creds.status, JSON.stringify(creds)).not.toBe(200);
    expect(md.status, JSON.stringify(md)).not.toBe(200);
    // Here the host still answers on its bridge address (reached through the default bridge), and
    // refuses the caller because it is not on the managed network, saying how to join.
    for (const r of [creds, md]) {
      if (r.status !== undefined) expect(r).toMatchObject({ status: 403, body: expect.stringContaining(`is not on it. Switch ECS mode on for this container`) });
    }
    await shot(page, 'containers-ecs-off-light.png');

    // Back on (no recreate needed now: it has the environment) for the restart check.
    await ecsSwitch(page).click();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await eventually(async () => (await containerView())?.ecs.enabled === true, 15_000, 'ECS mode on again');
    expect((await containerView())!.id).toBe(appId);
    expect((await fromInside(appId, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`)).status).toBe(200);
  });

  it('gives the container a discovery name in the UI: another attached container resolves it; a colliding name is refused with the holder\'s name', async () => {
    const peer = await runContainer({ name: uniqueName('e2e-peer'), network: tb.network });
    created.push(peer);
    peerId = peer.id;
    await page.getByRole('button', { name: `Edit discovery names of ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Discovery names of ${name}` });
    await dialog.getByRole('textbox', { name: 'Names (comma separated)' }).fill(`${DISCOVERY}, ${name}-api`);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('tr', { has: ecsSwitch(page) });
    await row.getByLabel(`${DISCOVERY}: resolves to this container on the network (set here)`).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await resolvedFrom(peer.id, DISCOVERY)).toBe(await addressOf(appId));

    const peerName = (await peer.inspect()).Name.slice(1);
    await page.getByRole('button', { name: `Edit discovery names of ${peerName}` }).click();
    const peerDialog = page.getByRole('dialog', { name: `Discovery names of ${peerName}` });
    await peerDialog.getByRole('textbox', { name: 'Names (comma separated)' }).fill(DISCOVERY);
    await peerDialog.getByRole('button', { name: 'Save' }).click();
    const refusal = peerDialog.getByRole('alert');
    await refusal.waitFor({ state: 'visible' });
    expect(await refusal.textContent()).toContain(`The name "${DISCOVERY}" is already taken on the managed network by "${name}".`);
    await shot(page, 'discovery-names-refused-light.png', false);
    await peerDialog.getByRole('button', { name: 'Cancel' }).click();
    await peerDialog.waitFor({ state: 'hidden' });
    expect(await resolvedFrom(peer.id, DISCOVERY)).toBe(await addressOf(appId));
    await shot(page, 'containers-discovery-names-light.png');
  });

  it('imports a preset file pasted on the Presets tab: a compose container gets fake credentials and the task family; export downloads it', async () => {
    const project = uniqueName('e2e-shop');
    const preset = {
      name: 'e2e-orders',
      description: 'The orders service: fake credentials and its production task metadata.',
      match: { composeProject: project, composeService: 'orders' },
      credentials: { fake: true },
      task: { family: 'e2e-orders-family', revision: '7', cluster: 'e2e-cluster', launchType: 'FARGATE', tags: { team: 'e2e' } },
      containerName: 'orders-api',
    };
    const file = { version: 1, presets: [preset] };
    // In ECS mode by its own configuration, as a compose service with networks: would be.
    const orders = await runContainer({
      name: `${project}-orders-1`,
      network: tb.network,
      labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'orders' },
    });
    created.push(orders);
    const ordersName = `${project}-orders-1`;

    await page.getByRole('tab', { name: 'Presets' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Presets' });
    await panel.getByText('No presets yet').waitFor({ state: 'visible' });
    await shot(page, 'presets-empty-light.png');

    // A file with a secret in it is refused, with the place of each problem.
    await panel.getByRole('button', { name: 'Paste preset file' }).click();
    const dialog = page.getByRole('dialog', { name: 'Paste a preset file' });
    await dialog.waitFor({ state: 'visible' });
    const leaky = { version: 1, presets: [{ ...preset, credentials: { profile: 'dev', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyz0123456789' } }] };
    await dialog.getByRole('textbox', { name: 'Preset file (JSON)' }).fill(JSON.stringify(leaky, null, 2));
    await dialog.getByRole('button', { name: 'Import' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.waitFor({ state: 'visible' });
    expect(await refusal.textContent()).toContain('presets.0.credentials.sessionToken');
    expect((await api().call<PresetsView>('GET', '/api/presets')).body.presets).toEqual([]);
    await shot(page, 'presets-paste-refused-light.png', false);

    await dialog.getByRole('textbox', { name: 'Preset file (JSON)' }).fill(JSON.stringify(file, null, 2));
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = panel.locator('tr[data-preset="e2e-orders"]');
    await row.waitFor({ state: 'visible' });
    await eventually(async () => (await row.textContent())?.includes(ordersName), 10_000, 'the preset used by the orders container');
    expect(await row.textContent()).toContain('family e2e-orders-family:7');

    // From inside the container: the preset's source and task metadata.
    const creds = await fromInside(orders.id, `http://${tb.address}/creds`);
    expect(creds.status, creds.body ?? creds.failure).toBe(200);
    const c = JSON.parse(creds.body!) as J;
    expect(c.AccessKeyId).toMatch(/^ASIAFAKE/);
    expect(c.RoleArn).toBe('arn:aws:iam::000000000000:role/e2e-orders-family-task-role');
    const task = await fromInside(orders.id, `http://${tb.address}/v4/task`);
    expect(task.status, task.body ?? task.failure).toBe(200);
    const t = JSON.parse(task.body!) as J;
    expect(t).toMatchObject({ Family: 'e2e-orders-family', Revision: '7', LaunchType: 'FARGATE' });
    expect(t.Cluster).toMatch(/e2e-cluster$/);
    expect((t.Containers as J[]).find((x) => x.DockerId === orders.id)).toMatchObject({ Name: 'orders-api' });

    // The containers table names the preset as the source.
    await page.getByRole('tab', { name: 'Containers' }).click();
    const select = page.getByRole('combobox', { name: `Credential source for ${ordersName}` });
    await eventually(async () => (await select.textContent())?.includes('Preset e2e-orders'), 10_000, 'the preset in the source cell');
    await page.getByRole('tab', { name: 'Presets' }).click();

    // Export: a download of the presets in force.
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export presets' }).click()]);
    expect(download.suggestedFilename()).toBe('ecs-endpoints.presets.json');
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as J;
    expect(exported).toEqual({ $schema: 'https://ecs-endpoints.dev/preset.schema.json', ...file });
    await shot(page, 'presets-light.png');

    const dark = await openPage('dark', '#presets');
    await dark.locator('tr[data-preset="e2e-orders"]').waitFor({ state: 'visible' });
    await shot(dark, 'presets-dark.png');
    await dark.getByRole('button', { name: 'Paste preset file' }).click();
    const darkDialog = dark.getByRole('dialog', { name: 'Paste a preset file' });
    await darkDialog.getByRole('textbox', { name: 'Preset file (JSON)' }).fill(JSON.stringify(leaky, null, 2));
    await darkDialog.getByRole('button', { name: 'Import' }).click();
    await darkDialog.getByRole('alert').waitFor({ state: 'visible' });
    await shot(dark, 'presets-paste-refused-dark.png', false);
    await dark.close();
    await page.getByRole('tab', { name: 'Containers' }).click();
  });

  it('runs a task definition pasted on the Tasks tab: its containers reach RUNNING in dependency order, answer metadata, and stop', async () => {
    const family = uniqueName('e2e-task');
    const td = {
      taskDefinition: {
        family,
        revision: 3,
        networkMode: 'awsvpc',
        taskRoleArn: 'arn:aws:iam::111122223333:role/e2e-task',
        containerDefinitions: [
          {
            name: 'web',
            image: BUSYBOX,
            command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
            healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost:8080/'], interval: 1, retries: 3 },
            stopTimeout: 2,
          },
          { name: 'sidecar', image: BUSYBOX, essential: false, command: ['sleep', '3600'], dependsOn: [{ containerName: 'web', condition: 'HEALTHY' }], stopTimeout: 2 },
        ],
      },
    };
    await page.getByRole('tab', { name: 'Tasks' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Tasks' });
    await panel.getByRole('button', { name: 'Run a task definition' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run a task definition' });
    await dialog.getByRole('textbox', { name: 'Task definition (JSON)' }).fill(JSON.stringify(td, null, 2));
    await dialog.getByLabel('Task definition check').waitFor({ state: 'visible' });
    expect(await dialog.getByLabel('Task definition check').textContent()).toContain(`${family}: starts web → sidecar.`);
    await dialog.getByRole('combobox', { name: 'Task role from' }).click();
    await page.getByRole('option', { name: 'Fake credentials (offline)' }).click();
    await shot(page, 'tasks-run-dialog-light.png', false);
    await dialog.getByRole('button', { name: 'Run' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const card = panel.getByRole('region', { name: new RegExp(`^Task ${family}:3 `) });
    await card.getByLabel('Task status RUNNING').waitFor({ state: 'visible', timeout: 60_000 });
    const rows = card.getByRole('table').getByRole('row');
    await eventually(async () => (await rows.allTextContents()).slice(1).every((r) => r.includes('RUNNING')), 10_000, 'both containers RUNNING');
    expect((await rows.nth(1).textContent())).toContain('healthy');
    await shot(page, 'tasks-running-light.png');

    // From inside, the sidecar sees the run's family and revision, and the fake task role.
    const task = (await api().call<{ id: string; containers: { name: string; dockerId: string }[] }[]>('GET', '/api/tasks')).body.find((t) => t.containers.length === 2 && t.id)!;
    const sidecar = task.containers.find((c) => c.name === 'sidecar')!.dockerId;
    const md = JSON.parse((await exec(sidecar, ['sh', '-c', 'wget -q -O- $ECS_CONTAINER_METADATA_URI_V4/task'])).stdout) as J;
    expect(md).toMatchObject({ Family: family, Revision: '3' });
    const env = await envOf(sidecar);
    const creds = await fromInside(sidecar, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    expect(creds.status, creds.body ?? creds.failure).toBe(200);

    await card.getByRole('button', { name: 'Stop' }).click();
    await card.getByText('Task stopped by user').waitFor({ state: 'visible', timeout: 30_000 });
    await card.getByLabel('Task status STOPPED').waitFor({ state: 'visible' });
    await shot(page, 'tasks-stopped-light.png');
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByRole('tab', { name: 'Containers' }).click();
  });

  it('shows a fault a marked task started as a warning chip; Stop ends it and the port works again from inside', async () => {
    const peer = await runContainer({ name: uniqueName('e2e-fault-peer'), network: tb.network, cmd: ['httpd', '-f', '-p', '8080'] });
    created.push(peer);
    const chaosName = uniqueName('e2e-chaos');
    const chaos = await runContainer({ name: chaosName, network: tb.network, labels: { 'ecs-endpoints.fault-injection': 'true' } });
    created.push(chaos);
    const peerIp = (await addressOf(peer.id))!;
    const connects = async () => (await exec(chaos.id, ['nc', '-w', '2', peerIp, '8080'])).code === 0;
    await eventually(connects, 10_000, 'the peer to accept connections');
    const endpointId = (await eventually(() => tb.backend.model.byContainerId.get(chaos.id), 10_000, 'the task in the model')).container.endpointId;
    // What the app would do: POST $ECS_AGENT_URI/fault/v1/network-blackhole-port/start.
    const start = await httpFrom(chaos, `http://${tb.address}/api/${endpointId}/fault/v1/network-blackhole-port/start`, { method: 'POST', body: '{"Port":8080,"Protocol":"tcp","TrafficType":"egress"}' });
    expect([start.status, start.body]).toEqual([200, '{"Status":"running"}']);
    expect(await connects()).toBe(false);

    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: new RegExp(`^${chaosName}\\b`) }) });
    const chip = row.getByText('Blackhole tcp/8080 egress');
    await chip.waitFor({ state: 'visible', timeout: 10_000 });
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'containers-fault-light.png');
    await row.getByRole('button', { name: 'Stop Blackhole tcp/8080 egress' }).click();
    await chip.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await connects()).toBe(true);
    const pid = String((await chaos.inspect()).State.Pid);
    expect(execFileSync('nsenter', ['-t', pid, '-n', 'iptables', '-S'], { encoding: 'utf8' }).trim().split('\n')).toEqual(['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']);
    expect((await api().call<unknown[]>('GET', '/api/faults')).body).toEqual([]);
  });

  it('after a backend restart on the same state dir, a reloaded page shows the assignment and the source created in the UI', async () => {
    const { stateDir, network } = tb;
    const subnet = tb.config.subnet.cidr;
    const oldToken = cs.token;
    restarting = true;
    await cs.close();
    await tb.stop();
    tb = await startTestBackend({ ECS_ENDPOINTS_PAUSE_IMAGE: PAUSE_IMAGE }, { stateDir, network, subnet });
    await startControl(port);
    expect(cs.token).not.toBe(oldToken);

    // The open page still has the old token: its live connection is refused, and so is the status
    // route it then asks: it says so and offers to reload, rather than reconnecting forever.
    const banner = page.getByRole('alert', { name: 'Backend restarted' });
    await banner.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await banner.textContent()).toContain('ECS Endpoints restarted: reload this page to reconnect.');
    expect(await page.getByText('reconnecting…').count()).toBe(0);
    await shot(page, 'after-restart-before-reload-light.png');

    await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Reload' }).click()]);
    restarting = false;
    await ecsSwitch(page).waitFor({ state: 'visible', timeout: 15_000 });
    await eventually(() => ecsSwitch(page).isChecked(), 10_000, 'still in ECS mode');
    await eventually(async () => (await sourceSelect(page).textContent())?.trim() === 'Fake', 10_000, 'the assignment shown');
    await shot(page, 'after-restart-light.png');
    await page.getByRole('tab', { name: 'Sources' }).click();
    await page.getByRole('rowheader', { name: /^E2E role/ }).waitFor({ state: 'visible' });

    const env = await envOf(appId);
    const creds = await fromInside(appId, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    expect(creds.status, creds.body ?? creds.failure).toBe(200);
    expect((await exec(appId, ['true'])).code).toBe(0);
    // The discovery name set in the UI: still shown, still resolving.
    await page.getByRole('tab', { name: 'Containers' }).click();
    await page.locator('tr', { has: ecsSwitch(page) }).getByLabel(`${DISCOVERY}: resolves to this container on the network (set here)`).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await resolvedFrom(peerId, DISCOVERY)).toBe(await addressOf(appId));

    const dark = await openPage('dark');
    await eventually(async () => (await sourceSelect(dark).textContent())?.trim() === 'Fake', 10_000, 'dark: the assignment shown');
    await shot(dark, 'after-restart-dark.png');
    await dark.close();
  });

  it('logged no errors in the page', () => {
    const expected = [
      // The old page's live connection and its status probe are refused after the restart (new token), before the reload.
      /^response: 403 GET \/api\/(events|status)$/,
      /^console: Failed to load resource: the server responded with a status of 403/,
      // While the backend is down, the probe cannot reach it; a request under way when it closed is
      // reset, and one Chromium sends on a kept-alive connection the old server closed finds it gone.
      /^failed while restarting: GET \/api\/(events|status) net::(ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_SOCKET_NOT_CONNECTED|ERR_EMPTY_RESPONSE)$/,
      // Chromium aborts in-flight requests when the host's interfaces change, and Docker adds a
      // veth for every container the tests start; the live stream reconnects by itself.
      /^failed(?: while restarting)?: [A-Z]+ \/\S* net::ERR_NETWORK_CHANGED$/,
      // The colliding discovery name, refused on purpose.
      /^response: 409 PUT \/api\/containers\/[^/]+\/discovery-names$/,
      /^console: Failed to load resource: the server responded with a status of 409/,
      // The preset file with a secret, refused on purpose (twice: light and dark page).
      /^response: 400 PUT \/api\/presets$/,
      /^console: Failed to load resource: the server responded with a status of 400/,
    ];
    const unexpected = pageErrors.filter((e) => !expected.some((re) => re.test(e)));
    expect(unexpected).toEqual([]);
    expect(pageErrors.filter((e) => e === 'response: 400 PUT /api/presets')).toHaveLength(2);
  });
});
