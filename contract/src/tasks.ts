import { z } from 'zod/v4';
import { DiscoveryNameSchema } from './discovery.ts';

/** Control API paths of task-definition runs (docs/api.md, "Tasks"). */
export const TASKS_API = {
  tasks: '/api/tasks',
  validate: '/api/tasks/validate',
  describe: '/api/tasks/describe',
  task: (id: string) => `/api/tasks/${encodeURIComponent(id)}`,
  stop: (id: string) => `/api/tasks/${encodeURIComponent(id)}/stop`,
  runAgain: (id: string) => `/api/tasks/${encodeURIComponent(id)}/run-again`,
  logs: (id: string, container: string) => `/api/tasks/${encodeURIComponent(id)}/logs?container=${encodeURIComponent(container)}`,
} as const;

/** The statuses ECS reports for a task and for each of its containers, in order. */
export type TaskRunStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEPROVISIONING' | 'STOPPED';
export type TaskContainerStatus = 'PENDING' | 'PULLING' | 'CREATED' | 'RUNNING' | 'STOPPED';

export const RunTaskSchema = z.strictObject({
  /** The JSON describe-task-definition prints, or register-task-definition's input (an object or its text). */
  taskDefinition: z.unknown(),
  /**
   * Where the task role is assumed from (a source spec: profile:<name>, source:<id>, default), or
   * `fake` / `none` to serve fake or no credentials. Default: `default`.
   */
  baseSource: z.string().min(1).optional(),
  /** Secrets by name or valueFrom, for offline work: used instead of Secrets Manager / SSM. Never stored. */
  secretOverrides: z.record(z.string(), z.string()).optional(),
  /** Texts of local environment files, by the definition's `value` (the ecs-endpoints command reads them). Never stored. */
  environmentFileContents: z.record(z.string(), z.string().max(65536)).optional(),
  /** The ECS service this task would belong to: ServiceName in its v4 task metadata. */
  serviceName: z.string().min(1).max(255).optional(),
  /**
   * The service's Service Connect configuration, as create-service takes it (it lives on the
   * service, not the task definition). Each service's client aliases (`dnsName`, by default
   * `<discoveryName or portName>.<namespace>`) become discovery names of the container whose
   * portMappings entry has that `name` (in awsvpc, of the task's network namespace).
   */
  serviceConnect: z
    .looseObject({
      enabled: z.boolean().optional(),
      namespace: z.string().min(1).optional(),
      services: z
        .array(
          z.looseObject({
            portName: z.string().min(1),
            discoveryName: DiscoveryNameSchema.optional(),
            clientAliases: z.array(z.looseObject({ port: z.number().int().min(1).max(65535), dnsName: DiscoveryNameSchema.optional() })).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  /**
   * Cloud Map registrations, as create-service's serviceRegistries, with the service's DNS name
   * (`name`, and `namespace`: orders + local = orders.local), which an ARN cannot give offline.
   */
  serviceRegistries: z
    .array(
      z.looseObject({
        name: DiscoveryNameSchema,
        namespace: DiscoveryNameSchema.optional(),
        registryArn: z.string().optional(),
        containerName: z.string().min(1).optional(),
        containerPort: z.number().int().optional(),
        port: z.number().int().optional(),
      }),
    )
    .optional(),
});
export type RunTaskInput = z.infer<typeof RunTaskSchema>;

export interface TaskRunContainerView {
  name: string;
  image: string;
  essential: boolean;
  status: TaskContainerStatus;
  dockerId?: string;
  dockerName?: string;
  exitCode?: number;
  /** HEALTHY / UNHEALTHY / UNKNOWN when the definition has a healthCheck. */
  health?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  /** Why it stopped or could not start (never a secret's value). */
  reason?: string;
  /** What it waits for, e.g. "web HEALTHY". */
  waitingFor?: string;
}

export interface TaskRunView {
  /** The task id (32 hex characters), as in the task ARN. */
  id: string;
  taskArn: string;
  family: string;
  revision: number;
  taskDefinitionArn: string;
  networkMode: 'awsvpc' | 'bridge' | 'host';
  lastStatus: TaskRunStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  /** The base source spec the task role is assumed from, and the resulting source id. */
  baseSource: string;
  sourceId: string;
  createdAt: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  stopCode?: 'EssentialContainerExited' | 'UserInitiated' | 'TaskFailedToStart';
  stoppedReason?: string;
  /** What a local run cannot honour, as parsed. */
  warnings: string[];
  /** Service discovery names the task answers to on the managed network (from serviceConnect / serviceRegistries). */
  discoveryNames?: string[];
  serviceName?: string;
  containers: TaskRunContainerView[];
}

export interface TaskLogsView {
  container: string;
  /** Its output as Docker keeps it (stdout and stderr interleaved). */
  logs: string;
}

export interface TaskValidationView {
  valid: boolean;
  family?: string;
  warnings: string[];
  issues: { path: string; message: string }[];
  /** Containers in the order they start. */
  startOrder?: string[];
}
