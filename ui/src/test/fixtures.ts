import type { ContainerView, RequestLogEntry, SourceView, StatusView } from '@ecs-endpoints/contract';

type DeepPartialContainer = Partial<Omit<ContainerView, 'ecs' | 'source'>> & {
  ecs?: Partial<ContainerView['ecs']>;
  source?: Partial<ContainerView['source']>;
};

export function container(name: string, over: DeepPartialContainer = {}): ContainerView {
  const { ecs, source, discovery, ...rest } = over;
  const id = rest.id ?? `${name.replace(/[^a-z0-9]/gi, '').padEnd(12, '0')}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`.slice(0, 64);
  return {
    id,
    name,
    image: `${name}:latest`,
    state: 'running',
    status: 'Up 3 minutes',
    ...rest,
    ecs: { enabled: false, canEnable: true, hasEnvironment: true, auto: false, ...ecs },
    source: { effectiveId: 'none', origin: 'default', ...source },
    discovery: discovery ?? { names: [] },
  };
}

export const SOURCES: SourceView[] = [
  { id: 'none', name: 'none', type: 'none', summary: 'no credentials', settings: {}, builtIn: true, assignedTo: [] },
  { id: 'fake', name: 'fake', type: 'fake', summary: 'fake credentials', settings: {}, builtIn: true, assignedTo: [] },
  {
    id: 'src-dev',
    name: 'dev profile',
    type: 'profile',
    summary: 'profile dev',
    settings: { profile: 'dev' },
    builtIn: false,
    assignedTo: [],
  },
];

export function status(over: Partial<StatusView> = {}): StatusView {
  return {
    version: '0.1.0',
    topology: 'host',
    docker: { connected: true, version: '27.0.0', apiVersion: '1.46' },
    network: { name: 'ecs-endpoints', subnet: '169.254.170.0/24', ready: true },
    endpoint: { address: '169.254.170.2', ports: { metadata: 80, agent: 51679, introspection: 51678 }, listening: true },
    addressGuard: { state: 'enforced' },
    defaultSourceId: 'none',
    region: 'us-east-1',
    problems: [],
    ...over,
  };
}

export function request(id: number, over: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    id,
    time: new Date(Date.UTC(2025, 0, 1, 12, 0, id)).toISOString(),
    method: 'GET',
    path: '/v2/credentials/<redacted>',
    status: 200,
    latencyMs: 1.5,
    kind: 'credentials',
    callerIp: `169.254.170.${10 + id}`,
    containerId: 'c1',
    containerName: 'web',
    sourceId: 'fake',
    ...over,
  };
}
