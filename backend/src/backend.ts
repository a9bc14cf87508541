import type { EventEmitter } from 'node:events';
import type { Problem } from '@ecs-endpoints/contract';
import type { Config } from './config.ts';
import type { AddressGuard } from './docker/address-guard.ts';
import type { CallerIdentity } from './docker/caller-identity.ts';
import type { ContainerIndex } from './docker/container-index.ts';
import type { FaultKeeper } from './docker/fault/keeper.ts';
import type { ManagedNetwork } from './docker/network.ts';
import type { HostAwsMirror } from './docker/host-aws.ts';
import type { NetworkKeeper } from './docker/network-keeper.ts';
import type { StatsCache } from './docker/stats.ts';
import type { CredentialBroker } from './credentials/broker.ts';
import type { HostProcessCredentials } from './credentials/host-process.ts';
import type { SourceRegistry } from './credentials/registry.ts';
import type { SourcesService } from './credentials/sources-service.ts';
import type { SsoSignIn } from './credentials/sso/sign-in.ts';
import type { DataPlane } from './endpoints/data-plane.ts';
import type { RequestLog } from './endpoints/request-log.ts';
import type { DiscoveryNames } from './ecs-mode/discovery.ts';
import type { EcsModeService } from './ecs-mode/service.ts';
import type { PresetStore } from './presets/store.ts';
import type { Assignments } from './state/assignments.ts';
import type { DiscoveryNamesStore } from './state/discovery-names.ts';
import type { PersistentIds } from './state/ids.ts';
import type { TaskRunner } from './taskdefs/runner.ts';
import type { ContainerRecord, EffectiveSource, TaskModel } from './tasks/types.ts';

export const VERSION = '0.1.0';

/**
 * The backend as main.ts composes it: each room's service, no logic of its own. The control API
 * and the tests reach the services through it; `model` and `status` events say when to look again.
 */
export interface Backend extends EventEmitter<{ model: [TaskModel]; status: [] }> {
  readonly config: Config;
  readonly index: ContainerIndex;
  readonly network: ManagedNetwork;
  /** Keeps the network (and our attachment) in place; `ready` and `problem` are its state. */
  readonly keeper: NetworkKeeper;
  readonly stats: StatsCache;
  readonly guard: AddressGuard;
  readonly callers: CallerIdentity;
  /** The network faults running in tasks' namespaces: started through the agent's routes, stopped there or through the control API. */
  readonly faults: FaultKeeper;
  readonly ids: PersistentIds;
  readonly assignments: Assignments;
  /** The registry of sources (reads); changes go through `sourcesService`. */
  readonly sources: SourceRegistry;
  readonly sourcesService: SourcesService;
  readonly broker: CredentialBroker;
  /** Signing in to SSO sessions from the dashboard, and renewing the tokens it obtained. */
  readonly ssoSignIn: SsoSignIn;
  readonly presets: PresetStore;
  readonly ecsMode: EcsModeService;
  /** Service discovery names (network aliases on the managed network). */
  readonly discovery: DiscoveryNames;
  /** The names a person gave containers, by container name (discovery-names.json). */
  readonly discoveryNames: DiscoveryNamesStore;
  /** Docker Desktop only (the container topology): the person's AWS files read from the host. */
  readonly hostAws?: HostAwsMirror;
  /** Runs of task definitions (taskdefs/). */
  readonly tasks: TaskRunner;
  /** Docker Desktop only: credential_process profiles' credentials, from programs the dashboard runs on the host. */
  readonly hostProcesses?: HostProcessCredentials;
  readonly plane: DataPlane;
  readonly requests: RequestLog;
  /** The current task model (each container with its effective credential source). */
  readonly model: TaskModel;
  readonly networkReady: boolean;
  /** The data plane's ports are open (set by start and stop). */
  listening: boolean;
  /** Derived sources in use by presets and containers now (what the sources list shows of them). */
  sourcesInUse(): string[];
  /** The credential source a container has (or would have, in ECS mode): what the model stores. */
  sourceOf(record: ContainerRecord): EffectiveSource;
  problems(): Problem[];
  /** Recompute the model now (after a change made through the API). */
  rebuild(): TaskModel;
  /** Connect to Docker, create or adopt the network, bind addresses, then listen. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** stop(), and release what start() retries would still need (the preset file watch). */
  dispose(): Promise<void>;
}
