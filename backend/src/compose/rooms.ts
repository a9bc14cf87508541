/**
 * Each room's services built from the configuration and wired to the narrow functions the others
 * need; main.ts's composeBackend puts them together.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runningInContainer, type Config } from '../config.ts';
import { AddressGuard } from '../docker/address-guard.ts';
import { CallerIdentity } from '../docker/caller-identity.ts';
import { connectDocker, dockerOptions, type DockerConnection } from '../docker/client.ts';
import { ContainerIndex } from '../docker/container-index.ts';
import { NetworkFaults } from '../docker/fault/injector.ts';
import { FaultKeeper } from '../docker/fault/keeper.ts';
import { FirstWorkingNamespaceRunner, HelperNamespaceRunner, nsenterRunner } from '../docker/fault/runners.ts';
import { FirstWorkingRunner, HelperContainerRunner, localRunner, ownImage } from '../docker/guard/runner.ts';
import { HostAwsMirror } from '../docker/host-aws.ts';
import { NetworkKeeper } from '../docker/network-keeper.ts';
import { ManagedNetwork } from '../docker/network.ts';
import { recreateWithEcsEnvironment } from '../docker/recreate.ts';
import { StatsCache } from '../docker/stats.ts';
import { taskDocker } from '../docker/task-containers.ts';
import { CredentialBroker, awsFilePaths } from '../credentials/broker.ts';
import { effectiveSource, type EffectiveSourceInputs } from '../credentials/effective.ts';
import { HostProcessCredentials } from '../credentials/host-process.ts';
import { SourceRegistry } from '../credentials/registry.ts';
import { SourcesService } from '../credentials/sources-service.ts';
import { SsoSignIn } from '../credentials/sso/sign-in.ts';
import { SsoTokenStore } from '../credentials/sso/token-store.ts';
import { EcsChoices } from '../ecs-mode/choices.ts';
import { DiscoveryNames } from '../ecs-mode/discovery.ts';
import { EcsModeService } from '../ecs-mode/service.ts';
import { callerPolicy } from '../endpoints/access.ts';
import { BrokerCredentials } from '../endpoints/credentials-port.ts';
import { DataPlane } from '../endpoints/data-plane.ts';
import { Throttle } from '../endpoints/throttle.ts';
import { credentialsSpec, taskOverrides } from '../presets/presets.ts';
import { PresetStore } from '../presets/store.ts';
import { Assignments } from '../state/assignments.ts';
import { DiscoveryNamesStore } from '../state/discovery-names.ts';
import { HostAwsPathsStore } from '../state/host-aws-paths.ts';
import { PersistentIds } from '../state/ids.ts';
import { collectProblems } from '../status/problems.ts';
import { TaskRunner } from '../taskdefs/runner.ts';
import { RunStore } from '../taskdefs/runs.ts';
import { LiveModel } from '../tasks/live-model.ts';
import type { ContainerRecord } from '../tasks/types.ts';

export interface BackendOptions {
  /** Docker connection; defaults to DOCKER_HOST or the local socket. Tests pass a proxied one. */
  connect?: () => Promise<DockerConnection>;
  /** Broker options for tests (clock, timeouts). */
  broker?: Partial<ConstructorParameters<typeof CredentialBroker>[0]>;
}

export type Status = () => void;

/** State files and credentials: sources, the broker, assignments, presets, ids, ECS mode choices. */
export function stateAndCredentials(config: Config, opts: BackendOptions) {
  const sources = new SourceRegistry({ stateDir: config.stateDir, defaultSpec: config.defaultSource });
  // Docker Desktop: credential_process programs run on the host, through the dashboard.
  const hostProcesses = config.topology === 'container' ? new HostProcessCredentials() : undefined;
  // Signing in from the dashboard reads the same files as the broker, whose profile sources use its tokens.
  const ssoTokens = new SsoTokenStore(config.stateDir);
  const ssoSignIn = new SsoSignIn({ store: ssoTokens, awsFiles: awsFilePaths(config.awsConfigDir), timeoutMs: config.stsTimeoutMs });
  const broker = new CredentialBroker({
    registry: sources, region: config.region, stsEndpoint: config.stsEndpoint, awsConfigDir: config.awsConfigDir, timeoutMs: config.stsTimeoutMs,
    ...(hostProcesses ? { hostProcesses } : {}),
    ssoRoleToken: (profile) => ssoSignIn.roleToken(profile),
    ...opts.broker,
  });
  // New credentials to be had (a program's output handed over, a sign-in or a renewal): cached failures go.
  hostProcesses?.on('change', () => broker.retryFailed());
  ssoSignIn.on('change', () => broker.retryFailed());
  const assignments = new Assignments(config.stateDir);
  return {
    ssoTokens,
    ssoSignIn,
    ids: new PersistentIds(config.stateDir),
    assignments,
    choices: new EcsChoices(config.stateDir),
    discoveryNames: new DiscoveryNamesStore(config.stateDir),
    sources,
    broker,
    hostProcesses,
    sourcesService: new SourcesService(sources, broker, assignments),
    presets: new PresetStore(config.stateDir, config.presetsFile),
  };
}

/** Everything that talks to Docker: the index, the network and its keeper, stats, the address guard. */
export function dockerRoom(config: Config, opts: BackendOptions, status: Status) {
  const index = new ContainerIndex(opts.connect ?? (() => connectDocker(dockerOptions())));
  const network = new ManagedNetwork(() => index.docker, { name: config.network, subnet: config.subnet.cidr, gateway: config.gateway, ipRange: config.ipRange, address: config.address, topology: config.topology, ipv6: config.ipv6 && { subnet: config.ipv6.subnet.cidr, gateway: config.ipv6.gateway } });
  // Root on the host applies the rules itself; a backend in a container (Docker Desktop, `docker
  // run` standalone) asks a short-lived helper container with the host's namespaces.
  const helper = () => new HelperContainerRunner(() => index.docker, config.self);
  const runner = config.topology === 'container' ? helper() : runningInContainer() ? new FirstWorkingRunner([localRunner, helper()]) : localRunner;
  const guard = new AddressGuard(runner, {
    network: config.network,
    bridge: () => network.bridge,
    // The IPv6 gateway as the network has it (configured or not).
    reserved: () => [config.gateway, ...(network.ipv6 ? [network.ipv6.gateway] : [])],
    records: () => index.all(),
    networks: async () => (await index.docker.listNetworks()).map((n) => n.Name),
  });
  // Faults: nsenter into the task's namespace as root on the host, else a helper container joined to it.
  const nsHelper = () => new HelperNamespaceRunner(() => index.docker, () => ownImage(index.docker, config.self));
  const nsRunner = config.topology === 'container' ? nsHelper() : runningInContainer() ? new FirstWorkingNamespaceRunner([nsenterRunner, nsHelper()]) : nsenterRunner;
  return {
    index,
    network,
    faults: new FaultKeeper(new NetworkFaults(nsRunner, config.address), (id, pid) => {
      const r = index.get(id);
      return r?.state === 'running' && r.pid === pid;
    }),
    keeper: new NetworkKeeper(network, config.topology === 'container', config.self, status),
    stats: new StatsCache(() => index.docker),
    guard,
    callers: new CallerIdentity(index, guard, config.network),
  };
}

export type State = ReturnType<typeof stateAndCredentials>;
export type Dock = ReturnType<typeof dockerRoom>;

/** Docker Desktop: the person's AWS files, read from the host and mirrored where the SDKs look here. */
export function hostAwsMirror(config: Config, s: State, d: Dock): HostAwsMirror | undefined {
  if (config.topology !== 'container') return undefined;
  const files = s.broker.awsConfigFiles;
  const mirror = new HostAwsMirror(
    () => d.index.docker,
    () => ownImage(d.index.docker, config.self),
    { config: files.config, credentials: files.credentials, ssoCache: join(homedir(), '.aws', 'sso', 'cache') },
    new HostAwsPathsStore(config.stateDir),
  );
  mirror.on('change', () => {
    s.hostProcesses?.filesChanged();
    s.broker.invalidateAll();
  });
  return mirror;
}

/** The task model, each container with its task overrides and its credential source. */
export function taskModel(config: Config, s: State, d: Dock) {
  const inputs: EffectiveSourceInputs = {
    assigned: (name) => s.assignments.get(name),
    presetSpec: (r) => {
      const p = s.presets.current.for(r);
      const spec = p && credentialsSpec(p);
      return p && spec ? { presetName: p.name, spec } : undefined;
    },
    exists: (id) => s.sources.record(id) !== undefined,
    resolveSpec: (spec) => s.sources.resolveSpec(spec),
  };
  const sourceOf = (r: ContainerRecord) => effectiveSource(inputs, r);
  const settings = { network: config.network, region: config.region, accountId: config.accountId, cluster: config.cluster, launchType: config.launchType };
  const live = new LiveModel(() => d.index.all(), settings, s.ids, {
    overridesFor: (r) => {
      const p = s.presets.current.for(r);
      return p ? { ...taskOverrides(p), containerName: p.containerName } : undefined;
    },
    sourceOf,
  });
  return { live, sourceOf };
}

/** Service discovery names: network aliases on the managed network, kept by container name. */
export function discoveryNames(config: Config, s: State, d: Dock, live: LiveModel): DiscoveryNames {
  return new DiscoveryNames({
    network: config.network,
    records: () => d.index.all(),
    model: () => live.current,
    own: (name) => s.discoveryNames.get(name),
    setOwn: (name, names) => s.discoveryNames.set(name, names),
    reservedBy: (name) => s.discoveryNames.holder(name),
    preset: (r) => s.presets.current.for(r)?.discoveryNames ?? [],
    setAliases: (id, add, remove) => d.network.setAliases(id, add, remove),
    refresh: (id) => d.index.refresh(id),
  });
}

export function ecsModeService(config: Config, s: State, d: Dock, live: LiveModel, discovery: DiscoveryNames): EcsModeService {
  const settings = { network: config.network, address: config.address, region: config.region, launchType: config.launchType };
  return new EcsModeService({
    settings,
    attach: (id) => {
      const r = d.index.get(id);
      return d.network.attach(id, r ? discovery.aliasesFor(r) : []);
    },
    // From the create event alone (no record yet): its discovery names, so it joins with them.
    attachNew: (id, attributes) => d.network.connectNew(id, createdAliases(discovery, id, attributes)),
    detach: (id) => d.network.detach(id),
    recreate: (id) => recreateWithEcsEnvironment(d.index.docker, id, settings),
    refresh: (id) => d.index.refresh(id),
    get: (id) => d.index.get(id),
    records: () => d.index.all(),
    model: () => live.current,
    rebuild: () => live.rebuild(),
    networkBlocker: () => {
      if (d.keeper.ready) return undefined;
      const p = collectProblems({ docker: () => ({ connected: d.index.connected, lastError: d.index.lastError }), network: () => d.keeper.problem, guard: () => d.guard.status, stores: [], presets: () => [] })[0];
      return { message: p?.message ?? 'it is not set up yet.', remedy: p?.remedy ?? 'Wait until ECS Endpoints has started (see the status), then try again.' };
    },
    choices: s.choices,
  });
}

export function dataPlane(config: Config, s: State, d: Dock, live: LiveModel, ecsMode: EcsModeService): DataPlane {
  return new DataPlane({
    model: () => live.current,
    stats: d.stats,
    credentials: new BrokerCredentials(s.broker, s.sources),
    render: { network: config.network, region: config.region, ownerNetworks: (c) => d.index.get(c.namespaceOwnerId)?.networks ?? c.record.networks },
    throttle: new Throttle(config.rps.steady, config.rps.burst),
    refuseCaller: callerPolicy({ subnet: config.subnet, network: config.network, hostMayCall: config.topology === 'host' }),
    joinedFrom: (ip) => ecsMode.joining.joinedFrom(ip),
    callers: d.callers,
    faults: d.faults,
  });
}

/** This machine as an ECS container instance (introspection, the container metadata file). */
export function containerInstanceArn(config: Config, s: State): string {
  return `arn:aws:ecs:${config.region}:${config.accountId}:container-instance/${config.cluster}/${s.ids.taskId('container-instance')}`;
}

/** The discovery names of a container known only from its create event (its labels, name, image). */
function createdAliases(discovery: { aliasesFor(r: ContainerRecord): string[] }, id: string, attributes: Record<string, string>): string[] {
  const { name = '', image = '', ...labels } = attributes;
  const r = { id, name, image, imageId: '', created: '', state: 'created', restartCount: 0, restartPolicy: 'no', labels, env: {}, networkMode: 'default', networks: [], ports: [], mounts: [], logDriver: '', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0 } satisfies ContainerRecord;
  try {
    return discovery.aliasesFor(r);
  } catch {
    return [];
  }
}

/**
 * Task-definition runs on Docker. The pause container: the configured image, else this backend's
 * own image (present wherever the backend runs in a container; a node process that waits), else
 * the Kubernetes pause image (pulled once).
 */
export function taskRunner(config: Config, s: State, d: Dock, discovery: DiscoveryNames): TaskRunner {
  return new TaskRunner({
    discoveryHolder: (name, serviceName) => discovery.holder(name, serviceName),
    docker: taskDocker(() => d.index.docker),
    record: (id) => d.index.get(id),
    settings: {
      region: config.region, accountId: config.accountId, cluster: config.cluster, launchType: config.launchType, network: config.network, address: config.address,
      containerMetadata: config.containerMetadata,
      containerInstanceArn: containerInstanceArn(config, s),
    },
    pause: async () => {
      if (config.pauseImage) return { image: config.pauseImage };
      try {
        return { image: await ownImage(d.index.docker, config.self), entrypoint: ['node', '-e', 'process.on("SIGTERM",()=>process.exit(0));setInterval(()=>{},1<<30)'] };
      } catch {
        return { image: 'registry.k8s.io/pause:3.10' };
      }
    },
    baseSpec: (spec) => s.sources.baseSpec(spec),
    sourceId: (spec) => s.sources.resolveSpec(spec),
    credentials: (id) => s.broker.get(id),
    store: new RunStore(config.stateDir),
  });
}

/** Derived sources presets and containers use now: what the sources list shows of them. */
export function sourcesInUse(s: State, live: LiveModel): string[] {
  const inUse = new Set<string>();
  for (const t of live.current.tasks) for (const c of t.containers) inUse.add(c.source.id);
  for (const p of s.presets.state().presets) {
    const spec = credentialsSpec(p);
    if (!spec) continue;
    try {
      inUse.add(s.sources.resolveSpec(spec));
    } catch {
      // Among the problems.
    }
  }
  return [...inUse];
}
