import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import type { Problem } from '@ecs-endpoints/contract';
import { inSubnet, runningInContainer, type Config } from './config.ts';
import { ContainerIndex } from './docker/container-index.ts';
import { connectDocker, dockerOptions, type DockerConnection } from './docker/client.ts';
import { ManagedNetwork, NetworkError, joinBlocker } from './docker/network.ts';
import { StatsCache } from './docker/stats.ts';
import { AddressGuard } from './docker/address-guard.ts';
import { CallerIdentity } from './docker/caller-identity.ts';
import { FirstWorkingRunner, HelperContainerRunner, localRunner } from './docker/guard/runner.ts';
import { DataPlane } from './endpoints/data-plane.ts';
import { dataPlaneServer, introspectionServer, listen } from './endpoints/http.ts';
import { RequestLog } from './endpoints/request-log.ts';
import { Throttle } from './endpoints/throttle.ts';
import { log } from './log.ts';
import { PersistentIds } from './state/ids.ts';
import { Assignments } from './state/assignments.ts';
import { JsonFile } from './state/json-file.ts';
import { CredentialBroker } from './credentials/broker.ts';
import { SourceRegistry } from './credentials/registry.ts';
import { BrokerCredentials, type EffectiveSource } from './endpoints/credentials-port.ts';
import type { ContainerRecord } from './tasks/types.ts';
import { LABEL, buildModel } from './tasks/model.ts';
import { PresetStore } from './presets/store.ts';
import { credentialsSpec, taskOverrides } from './presets/presets.ts';
import type { TaskModel } from './tasks/types.ts';

export const VERSION = '0.1.0';

/**
 * ECS mode choices made in the UI, by container id: `on` = attached by the user (not via a label or
 * compose), `off` = switched off by the user (auto-attach by label leaves it alone).
 */
const EcsChoicesSchema = z.object({ version: z.literal(1), on: z.array(z.string()), off: z.array(z.string()) });
type EcsChoices = z.infer<typeof EcsChoicesSchema>;

export interface BackendOptions {
  /** Docker connection; defaults to DOCKER_HOST or the local socket. Tests pass a proxied one. */
  connect?: () => Promise<DockerConnection>;
  /** Broker options for tests (clock, timeouts). */
  broker?: Partial<ConstructorParameters<typeof CredentialBroker>[0]>;
}

/**
 * The backend: Docker events → container index → task model → data plane. Everything the data
 * plane answers is computed here on events; requests only read.
 */
export class Backend extends EventEmitter<{ model: [TaskModel]; status: [] }> {
  readonly index: ContainerIndex;
  readonly network: ManagedNetwork;
  readonly stats: StatsCache;
  readonly requests = new RequestLog();
  readonly ids: PersistentIds;
  readonly plane: DataPlane;
  readonly guard: AddressGuard;
  readonly callers: CallerIdentity;
  private servers: Server[] = [];
  private current: TaskModel;
  private version = 0;
  private rebuildScheduled = false;
  private autoAttached = new Set<string>();
  private networkProblem?: Problem;
  networkReady = false;
  listening = false;
  readonly sources: SourceRegistry;
  readonly broker: CredentialBroker;
  readonly assignments: Assignments;
  readonly credentials: BrokerCredentials;
  readonly presets: PresetStore;
  private readonly ecsChoices: JsonFile<EcsChoices>;

  constructor(
    readonly config: Config,
    private readonly opts: BackendOptions = {},
  ) {
    super();
    this.ids = new PersistentIds(config.stateDir);
    this.assignments = new Assignments(config.stateDir);
    this.ecsChoices = new JsonFile(join(config.stateDir, 'ecs-mode.json'), EcsChoicesSchema, () => ({ version: 1 as const, on: [], off: [] }));
    this.sources = new SourceRegistry({ stateDir: config.stateDir, defaultSpec: config.defaultSource });
    this.broker = new CredentialBroker({
      registry: this.sources,
      region: config.region,
      stsEndpoint: config.stsEndpoint,
      awsConfigDir: config.awsConfigDir,
      timeoutMs: config.stsTimeoutMs,
      ...opts.broker,
    });
    this.presets = new PresetStore(config.stateDir, config.presetsFile);
    this.presets.on('change', () => {
      this.scheduleRebuild();
      this.emit('status');
    });
    this.credentials = new BrokerCredentials(this.broker, this.sources, (e) => this.effectiveSource(e.container.record));
    this.index = new ContainerIndex(opts.connect ?? (() => connectDocker(dockerOptions())));
    this.network = new ManagedNetwork(() => this.index.docker, {
      name: config.network,
      subnet: config.subnet.cidr,
      gateway: config.gateway,
      ipRange: config.ipRange,
      address: config.address,
      topology: config.topology,
    });
    this.stats = new StatsCache(() => this.index.docker);
    // Root on the host applies the rules itself; a backend in a container (Docker Desktop, `docker
    // run` standalone) asks a short-lived helper container with the host's namespaces.
    const helper = () => new HelperContainerRunner(() => this.index.docker, config.self);
    const runner =
      config.topology === 'container' ? helper() : runningInContainer() ? new FirstWorkingRunner([localRunner, helper()]) : localRunner;
    this.guard = new AddressGuard(runner, {
      network: config.network,
      bridge: () => this.network.bridge,
      reserved: [config.gateway],
      records: () => this.index.all(),
      networks: async () => (await this.index.docker.listNetworks()).map((n) => n.Name),
    });
    this.guard.on('status', () => this.emit('status'));
    this.callers = new CallerIdentity(this.index, this.guard, config.network);
    this.current = buildModel([], this.settings(), this.ids, 0);
    this.plane = new DataPlane({
      model: () => this.current,
      stats: this.stats,
      credentials: this.credentials,
      render: {
        network: config.network,
        region: config.region,
        ownerNetworks: (c) => this.index.get(c.namespaceOwnerId)?.networks ?? c.record.networks,
      },
      throttle: new Throttle(config.rps.steady, config.rps.burst),
      refuseCaller: (ip) => this.refuseCaller(ip),
      callers: this.callers,
    });
    this.index.on('change', () => {
      this.scheduleRebuild();
      if (this.networkReady) this.guard.request();
    });
    this.index.on('status', (connected) => {
      this.emit('status');
      // After a daemon restart the network (or our attachment to it) may be gone.
      if (connected && this.listening) void this.ensureNetwork();
    });
  }

  private settings() {
    const c = this.config;
    return { network: c.network, region: c.region, accountId: c.accountId, cluster: c.cluster, launchType: c.launchType };
  }

  get model(): TaskModel {
    return this.current;
  }

  /** Why a caller may not use the data plane: only addresses on the managed network may. */
  refuseCaller(ip: string): string | undefined {
    if (inSubnet(ip, this.config.subnet)) return undefined;
    // In the host topology the host itself may call (it runs Docker anyway; the benchmark does).
    if (this.config.topology === 'host' && this.hostAddresses().has(ip)) return undefined;
    return `ECS Endpoints answers only containers on the Docker network "${this.config.network}" (${this.config.subnet.cidr}); ${ip} is not on it. Switch ECS mode on for this container, or attach it: docker network connect ${this.config.network} <container>.`;
  }

  private ownAddresses?: { at: number; set: Set<string> };

  /** This machine's addresses, re-read at most every 30 s (interfaces come and go with networks). */
  private hostAddresses(): Set<string> {
    const now = Date.now();
    if (!this.ownAddresses || now - this.ownAddresses.at > 30_000) {
      const set = new Set<string>(['127.0.0.1', '::1']);
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) set.add(a.address);
      this.ownAddresses = { at: now, set };
    }
    return this.ownAddresses.set;
  }

  /** A container's credential source: its own assignment, else the matching preset, else the default. */
  effectiveSource(record: ContainerRecord): EffectiveSource {
    const assigned = this.assignments.get(record.name);
    if (assigned && this.sources.record(assigned)) return { id: assigned, origin: 'assignment' };
    const preset = this.presets.current.for(record);
    const spec = preset && credentialsSpec(preset);
    if (preset && spec) {
      try {
        return { id: this.sources.resolveSpec(spec), origin: 'preset', presetName: preset.name };
      } catch {
        // Reported by problems(); the container falls back to the default source meanwhile.
      }
    }
    return { id: 'default', origin: 'default' };
  }

  /**
   * Connect to Docker, create or adopt the network, then listen. If Docker is not reachable yet
   * the first attempt fails and the index keeps retrying; start() resolves once the data plane
   * listens, or rejects with a NetworkError that needs the user.
   */
  async start(): Promise<void> {
    await this.index.start();
    await this.ensureNetwork(true);
    // Bound before the first request, so the id-less forms answer containers already running.
    await this.guard.sync();
    const host = this.config.address;
    const plane = dataPlaneServer(this.plane, this.requests, (id) => this.index.get(id)?.name);
    for (const port of this.config.metadataPorts) {
      const s = port === this.config.metadataPorts[0] ? plane : dataPlaneServer(this.plane, this.requests, (id) => this.index.get(id)?.name);
      await listen(s, port, host).catch((err: NodeJS.ErrnoException) => {
        const e = new NetworkError(
          `Cannot listen on ${host}:${port}: ${err.code ?? err.message}.`,
          err.code === 'EADDRINUSE'
            ? `Another program (perhaps another ECS Endpoints or the older local-container-endpoints) already serves ${host}:${port}. Stop it and start again.`
            : err.code === 'EACCES'
              ? `Port ${port} needs root or CAP_NET_BIND_SERVICE; run with sudo, or grant it: sudo setcap cap_net_bind_service=+ep $(command -v node).`
              : `The address ${host} must exist on this machine; in the host topology it is the network's gateway (check: ip addr | grep ${host}).`,
          'docker',
        );
        // Shown in the UI's status until a later start succeeds.
        this.networkProblem = { id: 'listen', severity: 'error', message: e.message, remedy: e.remedy };
        this.emit('status');
        throw e;
      });
      this.servers.push(s);
    }
    const intro = introspectionServer(() => this.current, () => ({
      cluster: this.config.cluster,
      containerInstanceArn: `arn:aws:ecs:${this.config.region}:${this.config.accountId}:container-instance/${this.config.cluster}/${this.ids.taskId('container-instance')}`,
      version: `ecs-endpoints ${VERSION}`,
    }), (ip) => this.refuseCaller(ip));
    await listen(intro, this.config.introspectionPort, host);
    this.servers.push(intro);
    this.listening = true;
    this.rebuild();
    log.info('data plane listening', { address: host, ports: this.config.metadataPorts, introspection: this.config.introspectionPort });
    this.emit('status');
  }

  /** stop(), and release what start() retries would still need (the preset file watch). */
  async dispose(): Promise<void> {
    await this.stop();
    this.presets.close();
  }

  async stop(): Promise<void> {
    await this.guard.stop();
    this.index.stop();
    this.stats.stop();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); })));
    this.servers = [];
    this.listening = false;
  }

  private ensuring?: Promise<void>;

  /** Single-flight: start() and a Docker reconnect may both ask at once. */
  private ensureNetwork(throwOnError = false): Promise<void> {
    if (!this.ensuring) this.ensuring = this.doEnsureNetwork().finally(() => (this.ensuring = undefined));
    return throwOnError ? this.ensuring : this.ensuring.catch(() => undefined);
  }

  private async doEnsureNetwork(): Promise<void> {
    try {
      await this.network.ensure();
      if (this.config.topology === 'container') await this.network.selfAttach(this.config.self);
      this.networkReady = true;
      this.networkProblem = undefined;
    } catch (err) {
      this.networkReady = false;
      const e = err as NetworkError;
      this.networkProblem = { id: 'network', severity: 'error', message: e.message, remedy: e.remedy };
      log.error('network: ' + e.message, { remedy: e.remedy });
      this.emit('status');
      throw err;
    }
    this.emit('status');
  }

  problems(): Problem[] {
    const p: Problem[] = [];
    if (!this.index.connected) {
      p.push({ id: 'docker', severity: 'error', message: `Cannot reach the Docker Engine${this.index.lastError ? `: ${this.index.lastError}` : ''}.`, remedy: 'Start Docker (or check DOCKER_HOST); ECS Endpoints reconnects by itself.' });
    }
    if (this.networkProblem) p.push(this.networkProblem);
    if (this.guard.status.state === 'unavailable') {
      p.push({
        id: 'address-guard',
        severity: 'warning',
        message: `Containers' addresses cannot be protected against spoofing here (${this.guard.status.reason}), so the id-less credential forms (/creds, /role/…, /role-arn/…) are refused.`,
        remedy: 'Use AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id> (switching ECS mode on from the UI sets it), or run the backend where it can manage the bridge: as root with nftables installed (standalone), or in Docker Desktop.',
      });
    }
    // Each store says what happened to its file and what to do (kept aside, rejected entries, unwritable).
    for (const [what, store] of [['assignments', this.assignments], ['sources', this.sources], ['ecs-mode', this.ecsChoices], ['ids', this.ids]] as const) {
      store.problems.forEach((problem, i) => p.push({ id: `state-${what}${i ? `-${i}` : ''}`, severity: 'warning', message: problem.message, remedy: problem.remedy }));
    }
    p.push(...this.presetProblems());
    return p;
  }

  /** A preset file that failed to load, presets whose credentials cannot resolve, labels naming no preset. */
  private presetProblems(): Problem[] {
    const out: Problem[] = [];
    const st = this.presets.state();
    if (st.file?.error) {
      out.push({ id: 'presets-file', severity: 'warning', message: `Presets from ${st.file.path} were not (re)loaded: ${st.file.error}`, remedy: st.file.loadedAt ? 'The last good version stays in force; fix the file and save it again.' : 'Fix the file and save it; it is reloaded automatically.' });
    }
    this.presets.problems.forEach((problem, i) => out.push({ id: `presets-state${i ? `-${i}` : ''}`, severity: 'warning', message: problem.message, remedy: problem.remedy }));
    for (const preset of st.presets) {
      const spec = credentialsSpec(preset);
      if (!spec) continue;
      try {
        this.sources.resolveSpec(spec);
      } catch (err) {
        out.push({ id: `preset-${preset.name}`, severity: 'warning', message: `Preset "${preset.name}": ${(err as Error).message}`, remedy: (err as { remedy?: string }).remedy ?? 'Fix the preset\'s credentials.' });
      }
    }
    for (const r of this.index.all()) {
      const named = r.labels[LABEL.preset];
      if (named && !this.presets.current.get(named)) {
        out.push({ id: `preset-label-${r.id}`, severity: 'warning', message: `Container "${r.name}" asks for preset "${named}", which does not exist.`, remedy: 'Import the team\'s preset file, or fix the ecs-endpoints.preset label.' });
      }
    }
    return out;
  }

  private scheduleRebuild(): void {
    if (this.rebuildScheduled) return;
    this.rebuildScheduled = true;
    queueMicrotask(() => {
      this.rebuildScheduled = false;
      this.rebuild();
    });
  }

  /** Recompute the task model from the index; stream stats for running ECS containers; auto-attach labelled ones. */
  rebuild(): void {
    const model = buildModel(this.index.all(), this.settings(), this.ids, ++this.version, (r) => {
      const p = this.presets.current.for(r);
      return p ? { ...taskOverrides(p), containerName: p.containerName } : undefined;
    });
    this.current = model;
    if (this.index.connected && this.index.syncs > 0) {
      const live = new Set([...this.index.all()].map((r) => r.id));
      this.ids.commit(live, new Set([...model.tasks.map((t) => t.key), 'container-instance']));
      const c = this.ecsChoices.get();
      if (c.on.some((id) => !live.has(id)) || c.off.some((id) => !live.has(id))) {
        this.ecsChoices.set({ ...c, on: c.on.filter((id) => live.has(id)), off: c.off.filter((id) => live.has(id)) });
      }
    }
    this.stats.track(model.tasks.flatMap((t) => t.containers.filter((c) => c.record.state === 'running').map((c) => c.record.id)));
    this.autoAttach();
    this.emit('model', model);
  }

  /** Did the user put this container in ECS mode from the UI/API (rather than a label, compose or docker run)? */
  attachedByUser(containerId: string): boolean {
    return this.ecsChoices.get().on.includes(containerId);
  }

  /** Remember the user's ECS mode choice for a container (persisted; pruned when the container is gone). */
  rememberEcsChoice(containerId: string, enabled: boolean): void {
    const c = this.ecsChoices.get();
    const on = c.on.filter((id) => id !== containerId);
    const off = c.off.filter((id) => id !== containerId);
    (enabled ? on : off).push(containerId);
    this.ecsChoices.set({ ...c, on, off });
  }

  /**
   * Switch ECS mode on (attach to the managed network) or off (detach) for a container, remember
   * the choice (a container switched off is not auto-attached again by its label), and return
   * once the model reflects it.
   */
  async setEcsMode(containerId: string, enabled: boolean): Promise<void> {
    if (enabled) {
      await this.network.attach(containerId);
      this.rememberEcsChoice(containerId, true);
    } else {
      // Remembered first, so the disconnect event cannot let auto-attach put a labelled container back.
      this.rememberEcsChoice(containerId, false);
      await this.network.detach(containerId);
    }
    await this.index.refresh(containerId);
    this.rebuild();
  }

  /** Containers labelled ecs-endpoints.enable=true (or with a preset label) join the network when they run. */
  private autoAttach(): void {
    if (!this.networkReady) return;
    for (const r of this.index.all()) {
      const wants = r.labels[LABEL.enable] === 'true' || Boolean(r.labels[LABEL.preset]);
      if (!wants || r.state !== 'running' || this.autoAttached.has(r.id) || this.ecsChoices.get().off.includes(r.id)) continue;
      if (r.networks.some((n) => n.name === this.config.network) || joinBlocker(r.networkMode)) continue;
      this.autoAttached.add(r.id);
      this.network
        .attach(r.id)
        .then(() => this.index.refresh(r.id))
        .catch((err: Error) => log.warn('auto-attach failed', { container: r.name, error: err.message }));
    }
  }
}
