/**
 * The local task model's inputs and outputs. Pure data: the docker room turns `docker inspect`
 * into ContainerRecord; this room groups records into tasks; the endpoints room renders them.
 */

export type DockerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface NetworkAttachment {
  /** Docker network name. */
  name: string;
  networkId: string;
  ip: string;
  ipv6?: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** DNS names it answers to on this network besides its name (Docker's aliases; Docker adds the short id). */
  aliases?: string[];
}

export interface PortBinding {
  containerPort: number;
  protocol: string;
  hostPort: number;
  hostIp: string;
}

export interface ContainerRecord {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  image: string;
  imageId: string;
  created: string;
  startedAt?: string;
  finishedAt?: string;
  state: DockerState;
  /** The main process on the host (0 when not running): the address guard finds its bridge port through it. */
  pid?: number;
  exitCode?: number;
  restartCount: number;
  restartPolicy: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  /** HostConfig.NetworkMode: bridge, host, none, <network>, container:<id>. */
  networkMode: string;
  networks: NetworkAttachment[];
  ports: PortBinding[];
  mounts: { name?: string; source: string; destination: string }[];
  logDriver: string;
  logOptions: Record<string, string>;
  cpuShares: number;
  nanoCpus: number;
  memoryBytes: number;
  health?: { status: string; since?: string; output?: string; exitCode?: number };
}

/** Task-level values a user may override (labels now, presets later). */
export interface TaskOverrides {
  cluster?: string;
  family?: string;
  revision?: string;
  launchType?: 'EC2' | 'FARGATE' | 'EXTERNAL';
  availabilityZone?: string;
  availabilityZoneId?: string;
  vpcId?: string;
  serviceName?: string;
  /** Full task ARN; its last segment becomes the task id. */
  taskArn?: string;
  /** vCPU (e.g. 0.5) and MiB. */
  cpu?: number;
  memory?: number;
  tags?: Record<string, string>;
  /** The task definition's enableFaultInjection: the agent's fault routes act on the task's namespace. */
  faultInjection?: boolean;
}

export interface ModelSettings {
  network: string;
  region: string;
  accountId: string;
  cluster: string;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL';
}

/** Stable identifiers, persisted by the caller (state room). */
export interface IdAllocator {
  /**
   * The container's v3/v4/agent-API endpoint id (a random v4 UUID, stable for the container's
   * life). `declared` is the id its own environment already carries (ECS_CONTAINER_METADATA_URI_V4),
   * which must win: that is the URL the app will call.
   */
  endpointId(containerId: string, declared?: string): string;
  /** 32 lower-case hex characters, stable while the task has containers. */
  taskId(taskKey: string): string;
}

/** Where a container's credentials come from, decided when the model is built. */
export interface EffectiveSource {
  /** A credential source id (the credentials room's registry). */
  id: string;
  /** Its own assignment, else its ecs-endpoints.source label, else the matching preset's, else the default. */
  origin: 'assignment' | 'label' | 'preset' | 'default';
  presetName?: string;
}

export const DEFAULT_EFFECTIVE_SOURCE: EffectiveSource = { id: 'default', origin: 'default' };

export interface TaskContainer {
  record: ContainerRecord;
  endpointId: string;
  /** The task-definition container name: compose service, else the container name. */
  ecsName: string;
  arn: string;
  /** The container whose network namespace this one uses (itself unless network_mode: container:…). */
  namespaceOwnerId: string;
  /** Address on the managed network (the namespace owner's). */
  address?: string;
  /** Credentials id from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id>, if any. */
  credentialsId?: string;
  /** How it came to be in ECS mode. */
  via: 'network' | 'namespace';
  /** NORMAL, or CNI_PAUSE for the pause container of a task-definition run (awsvpc). */
  type: 'NORMAL' | 'CNI_PAUSE';
  /** Its credential source; the data plane only reads it. */
  source: EffectiveSource;
}

export interface Task {
  key: string;
  id: string;
  arn: string;
  cluster: string;
  family: string;
  revision: string;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL';
  availabilityZone: string;
  availabilityZoneId?: string;
  vpcId?: string;
  serviceName?: string;
  cpu?: number;
  memory?: number;
  tags: Record<string, string>;
  /** enableFaultInjection: the fault-injection routes may change the task's network namespace. */
  faultInjection: boolean;
  /** awsvpc when its containers share one network namespace. */
  networkMode: 'bridge' | 'awsvpc';
  knownStatus: 'RUNNING' | 'STOPPED' | 'CREATED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  /**
   * The agent's task pull window (first pull started, last pull finished). Nothing here pulls yet,
   * so both are the first container's creation: the moment its image was ready.
   */
  pullStartedAt?: string;
  pullStoppedAt?: string;
  /** A stopped task: when its first container stopped (the agent: its first essential container). */
  executionStoppedAt?: string;
  containers: TaskContainer[];
}

export interface TaskModel {
  /** Increases on every rebuild; caches key on it. */
  version: number;
  tasks: Task[];
  byEndpointId: Map<string, { task: Task; container: TaskContainer }>;
  byContainerId: Map<string, { task: Task; container: TaskContainer }>;
  /** Caller address → the container owning that network namespace. */
  byIp: Map<string, { task: Task; container: TaskContainer }>;
  /** ECS container name or Docker name → containers (names can repeat across tasks). */
  byName: Map<string, { task: Task; container: TaskContainer }[]>;
  /** Containers of one task may share a credentials id, as on ECS. */
  byCredentialsId: Map<string, { task: Task; container: TaskContainer }[]>;
  byTaskArn: Map<string, Task>;
}
