import {
  API,
  type AssignSourceInput,
  type ContainerView,
  type EnableEcsInput,
  type HostAwsView,
  type HostProcessView,
  type EnableEcsResult,
  FAULTS_API,
  type ImportPresetsInput,
  type PresetFileView,
  type PresetsView,
  type ProfileDetails,
  type ProfileView,
  type RequestLogEntry,
  type SourceInput,
  type SourceTestResult,
  type SourceView,
  type SsoSignInStart,
  type SsoSignInStatus,
  type StatusView,
  TASKS_API,
  type RunTaskInput,
  type SetDiscoveryNamesInput,
  type TaskLogsView,
  type TaskFaultsView,
  type TaskRunView,
  type TaskValidationView,
} from '@ecs-endpoints/contract';
import { createDockerDesktopTransport } from './ddTransport.ts';
import { ApiRequestError, unexpectedResponse } from './errors.ts';
import { createFetchTransport, readToken } from './fetchTransport.ts';
import type { Transport } from './transport.ts';

/**
 * Accepts a bare array or an object wrapping it (`{containers: [...]}`), so a list endpoint can grow
 * paging fields without breaking the UI.
 */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const inner = (body as Record<string, unknown>)[key];
    if (Array.isArray(inner)) return inner as T[];
  }
  throw unexpectedResponse(200, `a ${key} list was expected`);
}

/** The typed control API, over either transport. */
export interface ApiClient {
  readonly transport: Transport;
  getStatus(): Promise<StatusView>;
  listContainers(): Promise<ContainerView[]>;
  setEcsMode(containerId: string, input: EnableEcsInput): Promise<EnableEcsResult>;
  assignSource(containerId: string, sourceId: string | null): Promise<unknown>;
  /** A container's own service discovery names; rejects (409) with the holder's name when one is taken. */
  setDiscoveryNames(containerId: string, names: string[]): Promise<unknown>;
  listSources(): Promise<SourceView[]>;
  createSource(input: SourceInput): Promise<SourceView>;
  updateSource(sourceId: string, input: SourceInput): Promise<SourceView>;
  deleteSource(sourceId: string): Promise<void>;
  testSource(sourceId: string): Promise<SourceTestResult>;
  listProfiles(): Promise<string[]>;
  /** Each profile with its kind, region and state, and the lines of the files the SDKs would skip. */
  getProfileDetails(): Promise<ProfileDetails>;
  /** Start signing in to a profile's SSO session: what to open in the browser and the code it shows. */
  startSignIn(profile: string): Promise<SsoSignInStart>;
  signInStatus(profile: string): Promise<SsoSignInStatus>;
  cancelSignIn(profile: string): Promise<void>;
  listRequests(limit?: number): Promise<RequestLogEntry[]>;
  getPresets(): Promise<PresetsView>;
  /** Imports a preset file's text as the user picked or pasted it; rejects with the issues if refused. */
  importPresets(content: string): Promise<PresetsView>;
  /** Every preset in force, as one preset file. */
  exportPresets(): Promise<PresetFileView>;
  /**
   * Inside Docker Desktop: tell the backend where the person's AWS files are on their machine (the
   * host script's output), so their profiles serve containers. Undefined elsewhere.
   */
  syncHostAws(): Promise<HostAwsView | undefined>;
  /** Runs of task definitions, newest first. */
  listTasks(): Promise<TaskRunView[]>;
  validateTask(taskDefinition: unknown): Promise<TaskValidationView>;
  /** A registered task definition from ECS (family:revision or ARN), fetched with a source's credentials. */
  describeTask(ref: string, source: string): Promise<unknown>;
  runTask(input: RunTaskInput): Promise<TaskRunView>;
  stopTask(id: string): Promise<TaskRunView>;
  /** The same definition and choices as a new task. */
  runTaskAgain(id: string): Promise<TaskRunView>;
  removeTask(id: string): Promise<void>;
  taskLogs(id: string, container: string): Promise<TaskLogsView>;
  /** Stops one of a task's running network faults (by its id), or all of them; answers what still runs. */
  stopFault(task: string, faultId?: string): Promise<TaskFaultsView>;
  /** Inside Docker Desktop: the credential_process profiles the backend wants run on this machine, and which are due. */
  listHostProcesses(): Promise<HostProcessView[]>;
  /**
   * Inside Docker Desktop: run one profile's credential_process on this machine (the host script)
   * and hand its output, or its error, to the backend. The output is never kept, logged or shown.
   */
  refreshHostProcess(profile: string): Promise<HostProcessView | undefined>;
}

/** The host script's one-line message from what a failed exec rejected with (never its stdout). */
function hostScriptError(e: unknown, profile: string): string {
  const stderr = typeof (e as { stderr?: unknown })?.stderr === 'string' ? (e as { stderr: string }).stderr : '';
  const line = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop();
  if (line) return line.slice(0, 1000);
  const message = e instanceof Error ? e.message : '';
  return `The host script for profile "${profile}" could not run${message ? `: ${message}` : ''}.`.slice(0, 1000);
}

/** Runs the host script: its credentials JSON (`output`), or `{error}` with its one-line message (never its stdout). */
async function runHostProcess(exec: (profile: string) => Promise<string>, profile: string): Promise<{ body: unknown; output: boolean }> {
  let stdout: string;
  try {
    stdout = await exec(profile);
  } catch (e) {
    return { body: { error: hostScriptError(e, profile) }, output: false };
  }
  try {
    const body: unknown = JSON.parse(stdout);
    // Only credentials go to the backend as output; anything else is a failure to show.
    if (body !== null && typeof body === 'object' && !Array.isArray(body) && !('error' in body)) return { body, output: true };
  } catch {
    // Not JSON: said below, without repeating it.
  }
  return { body: { error: `The credential_process of profile "${profile}" did not print credentials JSON.` }, output: false };
}

function presetsOf(body: unknown): PresetsView {
  if (body && typeof body === 'object' && Array.isArray((body as PresetsView).presets)) return body as PresetsView;
  throw unexpectedResponse(200, 'a presets view was expected');
}

export function createApiClient(transport: Transport): ApiClient {
  const t = transport;
  return {
    transport,
    getStatus: () => t.request<StatusView>('GET', API.status),
    listContainers: async () => listOf<ContainerView>(await t.request('GET', API.containers), 'containers'),
    setEcsMode: (id, input) => t.request<EnableEcsResult>('POST', API.containerEcs(id), input),
    assignSource: (id, sourceId) =>
      t.request<unknown>('PUT', API.containerSource(id), { sourceId } satisfies AssignSourceInput),
    setDiscoveryNames: (id, names) => t.request<unknown>('PUT', API.containerDiscoveryNames(id), { names } satisfies SetDiscoveryNamesInput),
    listSources: async () => listOf<SourceView>(await t.request('GET', API.sources), 'sources'),
    createSource: (input) => t.request<SourceView>('POST', API.sources, input),
    updateSource: (id, input) => t.request<SourceView>('PUT', API.source(id), input),
    deleteSource: async (id) => {
      await t.request<unknown>('DELETE', API.source(id));
    },
    testSource: (id) => t.request<SourceTestResult>('POST', API.sourceTest(id)),
    listProfiles: async () => listOf<string>(await t.request('GET', API.profiles), 'profiles'),
    getProfileDetails: async () => {
      const body = await t.request<Partial<ProfileDetails>>('GET', API.profileDetails);
      return { profiles: listOf<ProfileView>(body, 'profiles'), problems: Array.isArray(body?.problems) ? body.problems : [] };
    },
    startSignIn: (profile) => t.request<SsoSignInStart>('POST', API.profileSignIn(profile)),
    signInStatus: (profile) => t.request<SsoSignInStatus>('GET', API.profileSignIn(profile)),
    cancelSignIn: async (profile) => {
      await t.request<unknown>('DELETE', API.profileSignIn(profile));
    },
    listRequests: async (limit = 200) =>
      listOf<RequestLogEntry>(await t.request('GET', `${API.requests}?limit=${limit}`), 'requests'),
    getPresets: async () => presetsOf(await t.request('GET', API.presets)),
    importPresets: async (content) =>
      presetsOf(await t.request('PUT', API.presets, { content } satisfies ImportPresetsInput)),
    syncHostAws: async () => {
      if (!t.hostAwsPaths) return undefined;
      return t.request<HostAwsView>('PUT', API.hostAws, await t.hostAwsPaths());
    },
    listTasks: async () => listOf<TaskRunView>(await t.request('GET', TASKS_API.tasks), 'tasks'),
    validateTask: (taskDefinition) => t.request<TaskValidationView>('POST', TASKS_API.validate, { taskDefinition }),
    describeTask: (ref, source) => t.request<unknown>('POST', TASKS_API.describe, { taskDefinition: ref, source }),
    runTask: (input) => t.request<TaskRunView>('POST', TASKS_API.tasks, input),
    stopTask: (id) => t.request<TaskRunView>('POST', TASKS_API.stop(id)),
    runTaskAgain: (id) => t.request<TaskRunView>('POST', TASKS_API.runAgain(id)),
    stopFault: (task, faultId) => t.request<TaskFaultsView>('DELETE', faultId === undefined ? FAULTS_API.task(task) : FAULTS_API.fault(task, faultId)),
    removeTask: async (id) => {
      await t.request<unknown>('DELETE', TASKS_API.task(id));
    },
    taskLogs: (id, container) => t.request<TaskLogsView>('GET', TASKS_API.logs(id, container)),
    listHostProcesses: async () => listOf<HostProcessView>(await t.request('GET', API.hostAwsProcesses), 'processes'),
    refreshHostProcess: async (profile) => {
      if (!t.hostCredentialProcess) return undefined;
      const { body, output } = await runHostProcess(t.hostCredentialProcess, profile);
      const put = (b: unknown) => t.request<HostProcessView>('PUT', API.hostAwsProcess(profile), b);
      try {
        return await put(body);
      } catch (e) {
        // Output the backend refuses (expired, not version 1) is a failure to show, not one to retry every tick.
        if (!(output && e instanceof ApiRequestError && e.status === 400)) throw e;
        return put({ error: e.message });
      }
    },
    exportPresets: async () => {
      const file = await t.request<unknown>('GET', API.presetsExport);
      if (file && typeof file === 'object' && Array.isArray((file as PresetFileView).presets)) return file as PresetFileView;
      throw unexpectedResponse(200, 'a preset file was expected');
    },
  };
}

/** Docker Desktop injects `window.ddClient`; a plain browser tab talks to the standalone backend. */
export function isInsideDockerDesktop(win: Window = window): boolean {
  return typeof (win as Window & { ddClient?: unknown }).ddClient !== 'undefined';
}

export function createDefaultTransport(win: Window = window): Transport {
  if (isInsideDockerDesktop(win)) return createDockerDesktopTransport();
  const token = readToken(win.document);
  return createFetchTransport(token ? { token } : {});
}
