import {
  API,
  type AssignSourceInput,
  type ContainerView,
  type EnableEcsInput,
  type HostAwsView,
  type EnableEcsResult,
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
} from '@ecs-endpoints/contract';
import { createDockerDesktopTransport } from './ddTransport.ts';
import { unexpectedResponse } from './errors.ts';
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
