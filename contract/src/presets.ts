/**
 * Presets as the control API shows them (GET /api/presets). The preset file's format itself is
 * defined (with zod, and published as a JSON Schema at GET /api/presets/schema) by the backend's
 * presets room; these are the same fields as plain JSON, so the UI can show them.
 */

/** All rules must hold; `*` matches any run of characters. */
export interface PresetMatchView {
  containerName?: string;
  composeProject?: string;
  composeService?: string;
  /** Image reference, e.g. `my-org/orders:*`. */
  image?: string;
  /** Labels the container must carry, with these values. */
  labels?: Record<string, string>;
}

/** Where the credentials come from, by reference only: a preset never holds a secret. */
export type PresetCredentialsView =
  | { none: true }
  | { fake: true; roleArn?: string }
  | { profile: string }
  | { roleArn: string; fromProfile?: string }
  | { source: string };

/** Task metadata overrides. */
export interface PresetTaskView {
  family?: string;
  revision?: string;
  cluster?: string;
  launchType?: 'EC2' | 'FARGATE' | 'EXTERNAL';
  availabilityZone?: string;
  availabilityZoneId?: string;
  vpcId?: string;
  serviceName?: string;
  taskArn?: string;
  /** vCPU, e.g. 0.5. */
  cpu?: number;
  /** MiB. */
  memory?: number;
  tags?: Record<string, string>;
  /** The task definition's enableFaultInjection: the agent's fault-injection routes act on the task. */
  enableFaultInjection?: boolean;
}

export interface PresetView {
  name: string;
  description?: string;
  match?: PresetMatchView;
  credentials?: PresetCredentialsView;
  task?: PresetTaskView;
  /** The container's name in the task definition. */
  containerName?: string;
  /** Service discovery names on the managed network (network aliases). */
  discoveryNames?: string[];
  /** Imported through the UI/API (kept in the state dir), or from the repository file (ECS_ENDPOINTS_PRESETS_FILE). */
  origin: 'imported' | 'file';
  /** Names of the containers in ECS mode that this preset applies to (by label or match rules). */
  matchedContainers: string[];
}

export interface PresetIssueView {
  /** Dotted path into the file, e.g. `presets.0.credentials`; empty for the file as a whole. */
  path: string;
  message: string;
}

export interface PresetsView {
  /** The presets in force, repository file first, in the order they are matched. */
  presets: PresetView[];
  /** The repository file (ECS_ENDPOINTS_PRESETS_FILE), when configured. */
  file?: {
    path: string;
    /** Why the file was not (re)loaded; the last good version, if any, stays in force. */
    error?: string;
    issues?: PresetIssueView[];
    /** When the file was last loaded successfully. */
    loadedAt?: string;
  };
}

/** PUT /api/presets: the preset file's text, as the user picked or pasted it. */
export interface ImportPresetsInput {
  content: string;
}

/** GET /api/presets/export: every preset in force, as one preset file. */
export interface PresetFileView {
  $schema?: string;
  version: 1;
  presets: Omit<PresetView, 'origin' | 'matchedContainers'>[];
}
