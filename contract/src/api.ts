import { z } from 'zod/v4';
import type { SourceTestResult, SourceView } from './sources.ts';
import type { PresetsView } from './presets.ts';
import type { DiscoveryNameView } from './discovery.ts';
import type { FaultView } from './faults.ts';

/** Control API paths, relative to the control server's root. */
export const API = {
  status: '/api/status',
  containers: '/api/containers',
  containerEcs: (id: string) => `/api/containers/${encodeURIComponent(id)}/ecs`,
  containerSource: (id: string) => `/api/containers/${encodeURIComponent(id)}/source`,
  containerDiscoveryNames: (id: string) => `/api/containers/${encodeURIComponent(id)}/discovery-names`,
  sources: '/api/sources',
  source: (id: string) => `/api/sources/${encodeURIComponent(id)}`,
  sourceTest: (id: string) => `/api/sources/${encodeURIComponent(id)}/test`,
  profiles: '/api/profiles',
  profileDetails: '/api/profiles/details',
  profileSignIn: (name: string) => `/api/profiles/${encodeURIComponent(name)}/sign-in`,
  hostAws: '/api/host/aws',
  hostAwsProcesses: '/api/host/aws/processes',
  hostAwsProcess: (profile: string) => `/api/host/aws/processes/${encodeURIComponent(profile)}`,
  requests: '/api/requests',
  events: '/api/events',
  presets: '/api/presets',
  presetsExport: '/api/presets/export',
  presetsSchema: '/api/presets/schema',
} as const;

export type Topology = 'host' | 'container';

export interface Problem {
  id: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** What the user can do about it. */
  remedy?: string;
}

export interface StatusView {
  version: string;
  topology: Topology;
  docker: { connected: boolean; version?: string; apiVersion?: string };
  /** ipv6Subnet: the network is dual-stack (ECS_ENDPOINTS_IPV6); the endpoint itself stays IPv4-only. */
  network: { name: string; subnet: string; ipv6Subnet?: string; id?: string; ready: boolean };
  endpoint: {
    /** The address containers call: 169.254.170.2 unless configured otherwise. */
    address: string;
    ports: { metadata: number; agent: number; introspection: number };
    listening: boolean;
  };
  /**
   * Whether containers' addresses are bound to their bridge ports (anti-spoofing). Only then do the
   * id-less credential forms (/creds, /role/…, /role-arn/…) answer; the id form always does.
   */
  addressGuard: { state: 'starting' | 'enforced' | 'unavailable'; reason?: string };
  defaultSourceId: string;
  region: string;
  problems: Problem[];
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerView {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  /** Docker's human status, e.g. "Up 3 minutes". */
  status: string;
  compose?: { project: string; service: string };
  ecs: {
    enabled: boolean;
    /** Address on the managed network (the namespace owner's for shared-namespace containers). */
    address?: string;
    /** Can ECS mode be switched on? If not, why not. */
    canEnable: boolean;
    reason?: string;
    /** Whether the container has the ECS environment (needed for the SDKs to find the endpoints). */
    hasEnvironment: boolean;
    /** Attached via a label (ecs-endpoints.enable / ecs-endpoints.preset) or compose networks:. */
    auto: boolean;
  };
  /** `faults`: the network faults running in the task's namespace now (only when there are any). */
  task?: { arn: string; family: string; revision: string; containerName: string; faults?: FaultView[] };
  source: {
    /** The source serving this container's credentials, after assignment → preset → default. */
    effectiveId: string;
    origin: 'assignment' | 'label' | 'preset' | 'default';
    assignedId?: string;
    presetName?: string;
  };
  lastCall?: { at: string; path: string; status: number };
  /**
   * Service discovery names (network aliases on the managed network): its own, its label's
   * (ecs-endpoints.discovery-names), its preset's, and, on a namespace owner, its members'.
   */
  discovery: { names: DiscoveryNameView[] };
}

export const EnableEcsSchema = z.object({
  enabled: z.boolean(),
  /**
   * Environment cannot be added to a running container: when the container lacks the ECS
   * environment, enabling ECS mode recreates it with its configuration preserved, if allowed.
   */
  recreate: z.boolean().optional(),
});
export type EnableEcsInput = z.infer<typeof EnableEcsSchema>;

export interface EnableEcsResult {
  container: ContainerView;
  /** Set when the container was recreated (its id changed). */
  recreatedFrom?: string;
}

export const AssignSourceSchema = z.object({
  /** null clears the assignment: the preset or the default source applies again. */
  sourceId: z.string().min(1).nullable(),
});
export type AssignSourceInput = z.infer<typeof AssignSourceSchema>;

export type RequestKind = 'credentials' | 'metadata' | 'stats' | 'protection' | 'fault' | 'introspection' | 'other';

export interface RequestLogEntry {
  id: number;
  time: string;
  method: string;
  /** The path with any credentials id redacted. */
  path: string;
  status: number;
  latencyMs: number;
  kind: RequestKind;
  callerIp: string;
  containerId?: string;
  containerName?: string;
  sourceId?: string;
  /** Error text for failed requests (never a secret). */
  error?: string;
}

export interface ApiError {
  error: string;
  /** What to do about it. */
  remedy?: string;
  /** Field-level problems from validation. */
  issues?: { path: string; message: string }[];
}

/** Server-sent events on API.events. */
export type LiveEvent =
  | { type: 'containers'; containers: ContainerView[] }
  | { type: 'request'; entry: RequestLogEntry }
  | { type: 'status'; status: StatusView }
  | { type: 'sources'; sources: SourceView[] }
  | { type: 'presets'; presets: PresetsView };

export type { SourceView, SourceTestResult };
