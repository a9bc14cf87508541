import { z } from 'zod/v4';

/** Control API paths of task-definition runs (docs/api.md, "Tasks"). */
export const TASKS_API = {
  tasks: '/api/tasks',
  validate: '/api/tasks/validate',
  describe: '/api/tasks/describe',
  task: (id: string) => `/api/tasks/${encodeURIComponent(id)}`,
  stop: (id: string) => `/api/tasks/${encodeURIComponent(id)}/stop`,
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
