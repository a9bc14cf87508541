import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import { applyGuard, removeGuard, type GuardOutcome, type GuardPlan } from './apply.ts';

/** Where the rules get applied: in this process, or in a helper container on the host's namespaces. */
export interface GuardRunner {
  readonly where: string;
  apply(plan: GuardPlan): Promise<GuardOutcome>;
  remove(plan: GuardPlan): Promise<void>;
}

/** Host topology: the backend runs on the host, as root (it binds port 80 there anyway). */
export const localRunner: GuardRunner = {
  where: 'this process',
  async apply(plan) {
    if (process.getuid?.() !== 0) throw new Error('binding addresses to bridge ports needs root (run the backend with sudo)');
    return applyGuard(plan);
  },
  remove: (plan) => removeGuard(plan.table),
};

/**
 * Tries each runner until one applies, then keeps it: a root backend in a container on the host
 * network (standalone `docker run`) lacks NET_ADMIN and the host's processes, the helper has both.
 */
export class FirstWorkingRunner implements GuardRunner {
  private chosen?: GuardRunner;

  constructor(private readonly runners: GuardRunner[]) {}

  get where(): string {
    return (this.chosen ?? this.runners[0]!).where;
  }

  async apply(plan: GuardPlan): Promise<GuardOutcome> {
    if (this.chosen) return this.chosen.apply(plan);
    const reasons: string[] = [];
    for (const r of this.runners) {
      try {
        const out = await r.apply(plan);
        this.chosen = r;
        return out;
      } catch (err) {
        reasons.push(`${r.where}: ${(err as Error).message}`);
      }
    }
    throw new Error(reasons.join('; '));
  }

  remove(plan: GuardPlan): Promise<void> {
    return (this.chosen ?? this.runners[0]!).remove(plan);
  }
}

export const HELPER_LABEL = 'ecs-endpoints.helper';

/**
 * Container topology (Docker Desktop's VM, `docker run` standalone): the backend is unprivileged in
 * its own namespaces, so each change runs this image's guard-helper.js in a short-lived container
 * with the host's network and process namespaces and the capabilities nft needs. Nothing stays running.
 */
export class HelperContainerRunner implements GuardRunner {
  readonly where = 'a helper container';
  private image?: string;

  constructor(
    private readonly docker: () => Docker,
    private readonly selfRef: string = ownContainerId() ?? hostname(),
  ) {}

  apply(plan: GuardPlan): Promise<GuardOutcome> {
    return this.run('apply', plan).then((out) => JSON.parse(out) as GuardOutcome);
  }

  async remove(plan: GuardPlan): Promise<void> {
    await this.run('remove', plan);
  }

  private async run(verb: string, plan: GuardPlan): Promise<string> {
    const d = this.docker();
    if (!this.image) {
      this.image = await ownImage(d, this.selfRef);
      await removeStaleHelpers(d);
    }
    return runHelperContainer(d, {
      Image: this.image,
      Entrypoint: ['node', '/app/backend/dist/guard-helper.js'],
      Cmd: [verb, Buffer.from(JSON.stringify(plan)).toString('base64')],
      User: '0:0',
      Labels: { [HELPER_LABEL]: 'address-guard' },
      // NET_ADMIN for nft in the host's network namespace, SYS_PTRACE to read containers'
      // /proc/<pid>/root; nothing more (not --privileged). AutoRemove: Docker removes it even if
      // this backend is stopped while it runs.
      HostConfig: { NetworkMode: 'host', PidMode: 'host', CapAdd: ['NET_ADMIN', 'SYS_PTRACE'], AutoRemove: true },
    });
  }
}

/** Helpers a killed backend (of an older version) left behind. */
export async function removeStaleHelpers(d: Docker): Promise<void> {
  for (const c of await d.listContainers({ all: true, filters: JSON.stringify({ label: [HELPER_LABEL], status: ['exited', 'created', 'dead'] }) })) {
    await d.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
}

/** Runs a short-lived helper container to its end: its stdout, or an error with its stderr. */
export async function runHelperContainer(d: Docker, spec: Docker.ContainerCreateOptions): Promise<string> {
  const c = await d.createContainer(spec);
  try {
    const stream = (await c.attach({ stream: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
    const ended = new Promise<void>((r) => stream.once('end', () => r()));
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    err.on('data', (b: Buffer) => errChunks.push(b));
    d.modem.demuxStream(stream, out, err);
    // Waiting for the next exit from before the start: an auto-removed container cannot be waited on after.
    const exited = c.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await c.start();
    const { StatusCode } = await exited;
    // The attach stream ends with the container; its last bytes may still be on their way.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
    if (StatusCode !== 0) throw new Error(Buffer.concat(errChunks).toString('utf8').trim() || `the helper exited with ${StatusCode}`);
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * This process's container id, from the files Docker bind-mounts into every container
 * (/etc/hostname and friends live in /var/lib/docker/containers/<id>/): with --network host the
 * hostname is the host's, so it cannot name the container.
 */
export function ownContainerId(mountinfo = '/proc/self/mountinfo'): string | undefined {
  try {
    return /\/containers\/([0-9a-f]{64})\//.exec(readFileSync(mountinfo, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The image this backend's container runs (helpers and readers run the same one: nothing to pull). */
export async function ownImage(docker: Docker, selfRef: string = ownContainerId() ?? hostname()): Promise<string> {
  return (await docker.getContainer(selfRef).inspect()).Image;
}
