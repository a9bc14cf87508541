import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createOptions, ecsEnvironment, recreateWithEcsEnvironment, RecreateError } from '../../../src/docker/recreate.ts';
import { inspectInfo } from './helpers.ts';

const SETTINGS = { network: 'ecs-endpoints', address: '169.254.170.2', region: 'us-east-1', launchType: 'EC2' as const };

/** A scripted Docker that records every call, for the order of a recreate and its rollback. */
function scriptedDocker(info: Docker.ContainerInspectInfo, opts: { failStart?: string; exitAtOnce?: number; failCreate?: string } = {}) {
  const calls: string[] = [];
  const newId = 'f'.repeat(64);
  let newRunning = false;
  const docker = {
    getImage: (ref: string) => ({ inspect: async () => ({ Id: ref === info.Config.Image ? info.Image : 'sha256:other' }) }),
    createContainer: async (o: Docker.ContainerCreateOptions) => {
      calls.push(`create ${o.name}`);
      if (opts.failCreate) throw Object.assign(new Error(opts.failCreate), { json: { message: opts.failCreate } });
      return {
        id: newId,
        rename: async ({ name }: { name: string }) => void calls.push(`rename new ${name}`),
        start: async () => {
          calls.push('start new');
          if (opts.failStart) throw Object.assign(new Error(opts.failStart), { json: { message: opts.failStart } });
          newRunning = opts.exitAtOnce === undefined;
        },
        inspect: async () => ({ State: { Running: newRunning, ExitCode: opts.exitAtOnce ?? 0, Error: '' } }),
        remove: async () => void calls.push('remove new'),
      };
    },
    getContainer: (id: string) => {
      expect(id).toBe(info.Id);
      return {
        inspect: async () => structuredClone(info),
        stop: async () => void calls.push('stop old'),
        rename: async ({ name }: { name: string }) => void calls.push(`rename old ${name}`),
        start: async () => void calls.push('start old'),
        remove: async (o: { v?: boolean }) => void calls.push(`remove old v=${o.v}`),
      };
    },
    getNetwork: (name: string) => ({ connect: async () => void calls.push(`connect ${name}`) }),
  } as unknown as Docker;
  return { docker, calls, newId };
}

function running(name = 'app', extra: Partial<Docker.ContainerInspectInfo> = {}): Docker.ContainerInspectInfo {
  return { ...inspectInfo({ name, networks: { bridge: '172.17.0.4', 'shop_default': '172.20.0.3' } }), ...extra } as Docker.ContainerInspectInfo;
}

describe('recreateWithEcsEnvironment', () => {
  it('creates the copy first, then stops, renames, starts, and removes the old one last (volumes kept)', async () => {
    const info = running();
    const { docker, calls, newId } = scriptedDocker(info);
    const r = await recreateWithEcsEnvironment(docker, info.Id, SETTINGS);
    expect(r).toEqual({ id: newId, oldId: info.Id, name: 'app', started: true });
    expect(calls[0]).toMatch(/^create app-ecs-new-[0-9a-f]{6}$/);
    const suffix = calls[0]!.slice(-6);
    expect(calls.slice(1)).toEqual([
      'connect shop_default',
      'connect ecs-endpoints',
      'stop old',
      `rename old app-ecs-old-${suffix}`,
      'rename new app',
      'start new',
      'remove old v=false',
    ]);
  });

  it('restores the original when the new container does not start', async () => {
    const info = running();
    const { docker, calls } = scriptedDocker(info, { failStart: 'driver failed programming external connectivity: port is already allocated' });
    const err = await recreateWithEcsEnvironment(docker, info.Id, SETTINGS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecreateError);
    expect((err as RecreateError).message).toMatch(/the new container did not start.*port is already allocated/);
    expect((err as RecreateError).remedy).toMatch(/original container was restored and started again/);
    expect(calls.slice(-5)).toEqual(['rename new app', 'start new', 'remove new', 'rename old app', 'start old']);
    expect(calls).not.toContain('remove old v=false');
  });

  it('restores the original when the new container exits at once with an error', async () => {
    const info = running();
    const { docker, calls } = scriptedDocker(info, { exitAtOnce: 127 });
    await expect(recreateWithEcsEnvironment(docker, info.Id, SETTINGS)).rejects.toThrow(/exited at once with code 127/);
    expect(calls.slice(-3)).toEqual(['remove new', 'rename old app', 'start old']);
  });

  it('changes nothing when the copy cannot be created', async () => {
    const info = running();
    const { docker, calls } = scriptedDocker(info, { failCreate: 'invalid reference format' });
    const err = (await recreateWithEcsEnvironment(docker, info.Id, SETTINGS).catch((e: unknown) => e)) as RecreateError;
    expect(err.message).toMatch(/Cannot create a copy of "app".*invalid reference format/);
    expect(err.remedy).toMatch(/Nothing was changed/);
    expect(calls).toHaveLength(1);
  });

  it('leaves a stopped container stopped, and refuses --rm, paused and shared-namespace containers', async () => {
    const stopped = inspectInfo({ name: 'idle', state: 'exited' });
    const s = scriptedDocker(stopped);
    const r = await recreateWithEcsEnvironment(s.docker, stopped.Id, SETTINGS);
    expect(r.started).toBe(false);
    expect(s.calls).not.toContain('stop old');
    expect(s.calls).not.toContain('start new');

    const rm = running('rm');
    rm.HostConfig.AutoRemove = true;
    await expect(recreateWithEcsEnvironment(scriptedDocker(rm).docker, rm.Id, SETTINGS)).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/--rm/) });
    const paused = running('paused');
    paused.State.Paused = true;
    await expect(recreateWithEcsEnvironment(scriptedDocker(paused).docker, paused.Id, SETTINGS)).rejects.toMatchObject({ kind: 'conflict', remedy: expect.stringMatching(/docker unpause paused/) });
    const shared = running('sidecar');
    shared.HostConfig.NetworkMode = 'container:abc';
    await expect(recreateWithEcsEnvironment(scriptedDocker(shared).docker, shared.Id, SETTINGS)).rejects.toMatchObject({ kind: 'conflict' });
  });
});

describe('createOptions', () => {
  it('keeps the configuration, adds the environment and the managed label, keeps anonymous volumes by name', () => {
    const info = running('web');
    info.Config = {
      ...info.Config,
      Hostname: info.Id.slice(0, 12),
      Env: ['PATH=/bin', 'AWS_REGION=eu-west-1', 'ECS_CONTAINER_METADATA_URI=http://old/v3'],
      Labels: { team: 'a' },
      Cmd: ['serve'],
      Entrypoint: ['/entry'],
      WorkingDir: '/srv',
      User: '1000',
      ExposedPorts: { '8080/tcp': {} },
    } as Docker.ContainerInspectInfo['Config'];
    info.HostConfig = { NetworkMode: 'shop_default', Binds: ['/host:/in:ro', 'named:/named'], PortBindings: { '8080/tcp': [{ HostPort: '8080' }] } } as Docker.HostConfig;
    info.Mounts = [
      { Type: 'bind', Source: '/host', Destination: '/in', RW: false },
      { Type: 'volume', Name: 'named', Source: '', Destination: '/named', RW: true },
      { Type: 'volume', Name: 'c0ffee', Source: '', Destination: '/data', RW: true },
    ] as unknown as Docker.ContainerInspectInfo['Mounts'];
    (info.NetworkSettings.Networks['shop_default'] as { Aliases?: string[] }).Aliases = ['web', info.Id.slice(0, 12)];
    const o = createOptions(info, { ECS_CONTAINER_METADATA_URI: 'http://169.254.170.2/v3/x', AWS_EXECUTION_ENV: 'AWS_ECS_EC2' }, 'busybox:latest', 'web-tmp');
    expect(o.name).toBe('web-tmp');
    expect(o.Hostname).toBeUndefined();
    expect(o.Env).toEqual(['PATH=/bin', 'AWS_REGION=eu-west-1', 'ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/x', 'AWS_EXECUTION_ENV=AWS_ECS_EC2']);
    expect(o.Labels).toEqual({ team: 'a', 'ecs-endpoints.managed': 'true' });
    expect(o).toMatchObject({ Cmd: ['serve'], Entrypoint: ['/entry'], WorkingDir: '/srv', User: '1000', ExposedPorts: { '8080/tcp': {} }, Image: 'busybox:latest' });
    expect(o.HostConfig!.Binds).toEqual(['/host:/in:ro', 'named:/named', 'c0ffee:/data']);
    expect(o.HostConfig!.PortBindings).toEqual({ '8080/tcp': [{ HostPort: '8080' }] });
    expect(o.NetworkingConfig).toEqual({ EndpointsConfig: { shop_default: { Aliases: ['web'] } } });
  });
});

describe('ecsEnvironment', () => {
  it('gives fresh endpoint and credentials ids, and a region only where none is set', () => {
    const a = ecsEnvironment({}, SETTINGS);
    const b = ecsEnvironment({ AWS_REGION: 'eu-central-1' }, { ...SETTINGS, launchType: 'FARGATE' });
    const id = a.ECS_CONTAINER_METADATA_URI_V4!.split('/').pop()!;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).toEqual({
      ECS_CONTAINER_METADATA_URI_V4: `http://169.254.170.2/v4/${id}`,
      ECS_CONTAINER_METADATA_URI: `http://169.254.170.2/v3/${id}`,
      ECS_AGENT_URI: `http://169.254.170.2/api/${id}`,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: expect.stringMatching(/^\/v2\/credentials\/[0-9a-f]{32}$/),
      AWS_EXECUTION_ENV: 'AWS_ECS_EC2',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    expect(b.AWS_REGION).toBeUndefined();
    expect(b.AWS_DEFAULT_REGION).toBe('eu-central-1');
    expect(b.AWS_EXECUTION_ENV).toBe('AWS_ECS_FARGATE');
    expect(b.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).not.toBe(a.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
  });
});
