import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Problem } from '@ecs-endpoints/contract';
import { VERSION, type Backend } from './backend.ts';
import { ConfigError, flagsToEnv, loadConfig, runningInContainer, type Config } from './config.ts';
import { AddressGuard } from './docker/address-guard.ts';
import { CallerIdentity } from './docker/caller-identity.ts';
import { connectDocker, detectTopology, dockerOptions, type DockerConnection } from './docker/client.ts';
import { ContainerIndex } from './docker/container-index.ts';
import { FirstWorkingRunner, HelperContainerRunner, localRunner } from './docker/guard/runner.ts';
import { NetworkKeeper } from './docker/network-keeper.ts';
import { ManagedNetwork } from './docker/network.ts';
import { recreateWithEcsEnvironment } from './docker/recreate.ts';
import { StatsCache } from './docker/stats.ts';
import { CredentialBroker } from './credentials/broker.ts';
import { effectiveSource, type EffectiveSourceInputs } from './credentials/effective.ts';
import { SourceRegistry } from './credentials/registry.ts';
import { SourcesService } from './credentials/sources-service.ts';
import { EcsChoices } from './ecs-mode/choices.ts';
import { EcsModeService } from './ecs-mode/service.ts';
import { callerPolicy } from './endpoints/access.ts';
import { BrokerCredentials } from './endpoints/credentials-port.ts';
import { DataPlane } from './endpoints/data-plane.ts';
import { dataPlaneServer, introspectionServer } from './endpoints/http.ts';
import { RequestLog } from './endpoints/request-log.ts';
import { ListenError, closeAll, listenAll } from './endpoints/servers.ts';
import { Throttle } from './endpoints/throttle.ts';
import { log, setLogLevel } from './log.ts';
import { presetProblems } from './presets/problems.ts';
import { credentialsSpec, taskOverrides } from './presets/presets.ts';
import { PresetStore } from './presets/store.ts';
import { Assignments } from './state/assignments.ts';
import { PersistentIds } from './state/ids.ts';
import { collectProblems } from './status/problems.ts';
import { LiveModel } from './tasks/live-model.ts';
import type { ContainerRecord, TaskModel } from './tasks/types.ts';
import { ControlListenError, startControlServer, type ControlServer } from './control/index.ts';

export interface BackendOptions {
  /** Docker connection; defaults to DOCKER_HOST or the local socket. Tests pass a proxied one. */
  connect?: () => Promise<DockerConnection>;
  /** Broker options for tests (clock, timeouts). */
  broker?: Partial<ConstructorParameters<typeof CredentialBroker>[0]>;
}

/**
 * The composition root: every room's service, wired to the narrow functions the others need.
 * Data flows one way: Docker events → container index → task model (with each container's
 * effective source) → data-plane answers; policy lives in the rooms, not here.
 */
export function composeBackend(config: Config, opts: BackendOptions = {}): Backend {
  const events = new EventEmitter<{ model: [TaskModel]; status: [] }>();
  const status = () => events.emit('status');

  // State and credentials.
  const ids = new PersistentIds(config.stateDir);
  const assignments = new Assignments(config.stateDir);
  const choices = new EcsChoices(config.stateDir);
  const sources = new SourceRegistry({ stateDir: config.stateDir, defaultSpec: config.defaultSource });
  const broker = new CredentialBroker({ registry: sources, region: config.region, stsEndpoint: config.stsEndpoint, awsConfigDir: config.awsConfigDir, timeoutMs: config.stsTimeoutMs, ...opts.broker });
  const sourcesService = new SourcesService(sources, broker, assignments);
  const presets = new PresetStore(config.stateDir, config.presetsFile);

  // Docker.
  const index = new ContainerIndex(opts.connect ?? (() => connectDocker(dockerOptions())));
  const network = new ManagedNetwork(() => index.docker, { name: config.network, subnet: config.subnet.cidr, gateway: config.gateway, ipRange: config.ipRange, address: config.address, topology: config.topology });
  const keeper = new NetworkKeeper(network, config.topology === 'container', config.self, status);
  const stats = new StatsCache(() => index.docker);
  // Root on the host applies the rules itself; a backend in a container (Docker Desktop, `docker
  // run` standalone) asks a short-lived helper container with the host's namespaces.
  const helper = () => new HelperContainerRunner(() => index.docker, config.self);
  const runner = config.topology === 'container' ? helper() : runningInContainer() ? new FirstWorkingRunner([localRunner, helper()]) : localRunner;
  const guard = new AddressGuard(runner, {
    network: config.network,
    bridge: () => network.bridge,
    reserved: [config.gateway],
    records: () => index.all(),
    networks: async () => (await index.docker.listNetworks()).map((n) => n.Name),
  });
  const callers = new CallerIdentity(index, guard, config.network);

  // The task model, each container with its credential source.
  const sourceInputs: EffectiveSourceInputs = {
    assigned: (name) => assignments.get(name),
    presetSpec: (r) => {
      const p = presets.current.for(r);
      const spec = p && credentialsSpec(p);
      return p && spec ? { presetName: p.name, spec } : undefined;
    },
    exists: (id) => sources.record(id) !== undefined,
    resolveSpec: (spec) => sources.resolveSpec(spec),
  };
  const live = new LiveModel(() => index.all(), { network: config.network, region: config.region, accountId: config.accountId, cluster: config.cluster, launchType: config.launchType }, ids, {
    overridesFor: (r) => {
      const p = presets.current.for(r);
      return p ? { ...taskOverrides(p), containerName: p.containerName } : undefined;
    },
    sourceOf: (r) => effectiveSource(sourceInputs, r),
  });

  const ecsMode = new EcsModeService({
    settings: { network: config.network, address: config.address, region: config.region, launchType: config.launchType },
    attach: (id) => network.attach(id),
    detach: (id) => network.detach(id),
    recreate: (id) => recreateWithEcsEnvironment(index.docker, id, { network: config.network, address: config.address, region: config.region, launchType: config.launchType }),
    refresh: (id) => index.refresh(id),
    get: (id) => index.get(id),
    records: () => index.all(),
    model: () => live.current,
    rebuild: () => live.rebuild(),
    networkBlocker: () => {
      if (keeper.ready) return undefined;
      const p = collectProblems({ docker: () => ({ connected: index.connected, lastError: index.lastError }), network: () => keeper.problem, guard: () => guard.status, stores: [], presets: () => [] })[0];
      return { message: p?.message ?? 'it is not set up yet.', remedy: p?.remedy ?? 'Wait until ECS Endpoints has started (see the status), then try again.' };
    },
    choices,
  });

  // The data plane.
  const requests = new RequestLog();
  const plane = new DataPlane({
    model: () => live.current,
    stats,
    credentials: new BrokerCredentials(broker, sources),
    render: { network: config.network, region: config.region, ownerNetworks: (c) => index.get(c.namespaceOwnerId)?.networks ?? c.record.networks },
    throttle: new Throttle(config.rps.steady, config.rps.burst),
    refuseCaller: callerPolicy({ subnet: config.subnet, network: config.network, hostMayCall: config.topology === 'host' }),
    callers,
  });

  // One way: Docker events → index → model → (stats, guard, auto-attach, live clients).
  live.on('model', (model) => {
    if (index.connected && index.syncs > 0) {
      const liveIds = new Set([...index.all()].map((r) => r.id));
      ids.commit(liveIds, new Set([...model.tasks.map((t) => t.key), 'container-instance']));
      choices.prune(liveIds);
    }
    stats.track(model.tasks.flatMap((t) => t.containers.filter((c) => c.record.state === 'running').map((c) => c.record.id)));
    ecsMode.autoAttach();
    events.emit('model', model);
  });
  index.on('change', () => {
    live.schedule();
    if (keeper.ready) guard.request();
  });
  index.on('status', (connected) => {
    status();
    // After a daemon restart the network (or our attachment to it) may be gone.
    if (connected && backend.listening) void keeper.ensure();
  });
  // A person's change (rare): rebuilt at once, so the answer to the request that made it shows it.
  for (const changed of [presets, sourcesService, assignments] as EventEmitter[]) changed.on('change', () => live.rebuild());
  presets.on('change', status);
  guard.on('status', status);

  let servers: Server[] = [];
  let listenProblem: Problem | undefined;
  const problems = () =>
    collectProblems({
      docker: () => ({ connected: index.connected, lastError: index.lastError }),
      network: () => keeper.problem ?? listenProblem,
      guard: () => guard.status,
      stores: [
        ['state-assignments', () => assignments.problems],
        ['state-sources', () => sources.problems],
        ['state-ecs-mode', () => choices.problems],
        ['state-ids', () => ids.problems],
      ],
      presets: () => presetProblems(presets, (spec) => sources.resolveSpec(spec), index.all()),
    });

  const stop = async () => {
    await guard.stop();
    index.stop();
    stats.stop();
    await closeAll(servers);
    servers = [];
    backend.listening = false;
  };

  const backend: Backend = Object.assign(events, {
    config, index, network, keeper, stats, guard, callers, ids, assignments, sources, sourcesService, broker, presets, ecsMode, plane, requests,
    listening: false,
    sourcesInUse: () => {
      const inUse = new Set<string>();
      for (const t of live.current.tasks) for (const c of t.containers) inUse.add(c.source.id);
      for (const p of presets.state().presets) {
        const spec = credentialsSpec(p);
        if (!spec) continue;
        try {
          inUse.add(sources.resolveSpec(spec));
        } catch {
          // Among the problems.
        }
      }
      return [...inUse];
    },
    problems,
    sourceOf: (r: ContainerRecord) => effectiveSource(sourceInputs, r),
    rebuild: () => live.rebuild(),
    /**
     * If Docker is not reachable yet the first attempt fails and the index keeps retrying; start()
     * resolves once the data plane listens, or rejects with an error that needs the user.
     */
    async start() {
      await index.start();
      await keeper.ensure(true);
      // Bound before the first request, so the id-less forms answer containers already running.
      await guard.sync();
      const nameOf = (id: string) => index.get(id)?.name;
      const intro = introspectionServer(() => live.current, () => ({
        cluster: config.cluster,
        containerInstanceArn: `arn:aws:ecs:${config.region}:${config.accountId}:container-instance/${config.cluster}/${ids.taskId('container-instance')}`,
        version: `ecs-endpoints ${VERSION}`,
      }), callerPolicy({ subnet: config.subnet, network: config.network, hostMayCall: config.topology === 'host' }));
      try {
        servers = await listenAll([...config.metadataPorts.map((p) => [dataPlaneServer(plane, requests, nameOf), p] as [Server, number]), [intro, config.introspectionPort]], config.address);
      } catch (err) {
        if (err instanceof ListenError) {
          // Shown in the UI's status until a later start succeeds.
          listenProblem = { id: 'listen', severity: 'error', message: err.message, remedy: err.remedy };
          status();
        }
        throw err;
      }
      listenProblem = undefined;
      backend.listening = true;
      live.rebuild();
      log.info('data plane listening', { address: config.address, ports: config.metadataPorts, introspection: config.introspectionPort });
      status();
    },
    stop,
    async dispose() {
      await stop();
      presets.close();
    },
  }) as Omit<Backend, 'model' | 'networkReady'> as Backend;
  // Live views (Object.assign would copy their values once).
  Object.defineProperties(backend, {
    model: { get: () => live.current, enumerable: true },
    networkReady: { get: () => keeper.ready, enumerable: true },
  });
  return backend;
}

async function main(): Promise<void> {
  let config;
  try {
    const env: Record<string, string | undefined> = { ...process.env, ...flagsToEnv(process.argv.slice(2)) };
    if ((env.ECS_ENDPOINTS_TOPOLOGY ?? 'auto') === 'auto') {
      env.ECS_ENDPOINTS_TOPOLOGY = runningInContainer() ? await detectTopology(env.ECS_ENDPOINTS_SELF) : 'host';
    }
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecs-endpoints: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  setLogLevel(config.logLevel);
  const backend = composeBackend(config);
  log.info('starting', { topology: config.topology, network: config.network, subnet: config.subnet.cidr, address: config.address, stateDir: config.stateDir });

  // The UI first, so it can show what is wrong while Docker is unreachable or the network is taken.
  let control: ControlServer;
  try {
    control = await startControlServer(backend, config);
  } catch (err) {
    if (err instanceof ControlListenError) {
      log.error(err.message, { remedy: err.remedy });
      process.exit(1);
    }
    throw err;
  }
  if (config.control.kind === 'tcp') {
    log.info(`Open ${control.url} for the ECS Endpoints UI${control.uiDir ? '' : ' (not built yet: npm run build -w ui)'}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await Promise.all([control.close(), backend.dispose()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // Docker may not be up yet (a laptop just woke, dockerd restarting): keep trying, say why.
  for (let attempt = 1; !stopping; attempt++) {
    try {
      await backend.start();
      break;
    } catch (err) {
      const e = err as Error & { remedy?: string };
      log.error(`start failed: ${e.message}`, e.remedy ? { remedy: e.remedy } : undefined);
      await backend.stop();
      await new Promise((r) => setTimeout(r, Math.min(2000 * attempt, 10_000)));
    }
  }
}

// Imported by tests for composeBackend: run only as the program.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
