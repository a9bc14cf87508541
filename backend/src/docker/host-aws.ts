import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, rename, writeFile, readdir, rm } from 'node:fs/promises';
import { posix, win32, join, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import type { HostAwsPaths, HostAwsView } from '@ecs-endpoints/contract';
import { log } from '../log.ts';
import { HELPER_LABEL } from './guard/runner.ts';

/** Where the mirror puts what it reads: the files the SDKs read inside this container. */
export interface MirrorTarget {
  config: string;
  credentials: string;
  ssoCache: string;
}

interface Snapshot {
  config?: Buffer;
  credentials?: Buffer;
  sso: Map<string, Buffer>;
}

/** Reads one path out of a container with the Engine's archive API: every regular file in it, by name. */
async function readArchive(c: Docker.Container, path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let stream: Readable;
  try {
    stream = (await c.getArchive({ path })) as unknown as Readable;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return files;
    throw err;
  }
  const x = extract();
  x.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (b: unknown) => chunks.push(b as Buffer));
    body.on('end', () => {
      if (header.type === 'file') files.set(posix.basename(header.name), Buffer.concat(chunks));
      next();
    });
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    x.on('finish', resolve);
    x.on('error', reject);
    stream.on('error', reject);
    stream.pipe(x);
  });
  return files;
}

/**
 * Docker Desktop: the person's AWS files live on the host, the backend in the VM. A reader container
 * (created, never started) bind-mounts their folders read-only, and the Engine's archive API reads
 * them out of it, so no host process has to stay alive. What it reads is mirrored where the SDKs in
 * this container look (owner-only), re-read every few seconds; edits on the host show up without a
 * restart. The host's files are never written, and no folder is mounted that does not exist (Docker
 * would create it on the host).
 */
export class HostAwsMirror extends EventEmitter<{ change: [] }> {
  private paths?: HostAwsPaths;
  private reader?: Docker.Container;
  private timer?: NodeJS.Timeout;
  private last?: string;
  private state: HostAwsView = {};

  constructor(
    private readonly docker: () => Docker,
    private readonly image: () => Promise<string>,
    private readonly target: MirrorTarget,
    /** Where the paths are remembered across restarts (state/host-aws-paths.ts). */
    private readonly store: { get(): HostAwsPaths | undefined; set(p: HostAwsPaths): void },
    private readonly pollMs = 3000,
  ) {
    super();
  }

  /** At start: read the files of the paths remembered from an earlier run, if any. */
  async resume(): Promise<void> {
    const paths = this.store.get();
    if (paths && !this.paths) await this.use(paths);
  }

  view(): HostAwsView {
    return { ...this.state, ...(this.paths ? { paths: this.paths } : {}) };
  }

  /** Use these host paths from now on (what the host script printed); reads them once before resolving. */
  async use(paths: HostAwsPaths): Promise<HostAwsView> {
    this.store.set(paths);
    this.paths = paths;
    await this.dropReader();
    this.last = undefined;
    await this.poll();
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
    return this.view();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.dropReader();
  }

  private binds(p: HostAwsPaths): { binds: string[]; at: { config?: string; credentials?: string; sso?: string } } {
    const dir = p.os === 'windows' ? win32.dirname : posix.dirname;
    const base = p.os === 'windows' ? win32.basename : posix.basename;
    const binds: string[] = [];
    const at: { config?: string; credentials?: string; sso?: string } = {};
    const mount = (hostDir: string, name: string) => {
      binds.push(`${hostDir}:/host/${name}:ro`);
      return `/host/${name}`;
    };
    if (p.configExists) at.config = `${mount(dir(p.config), 'config-dir')}/${base(p.config)}`;
    if (p.credentialsExists) at.credentials = `${mount(dir(p.credentials), 'credentials-dir')}/${base(p.credentials)}`;
    if (p.ssoCacheExists) at.sso = mount(p.ssoCache, 'sso-cache');
    return { binds, at };
  }

  private readerAt?: { config?: string; credentials?: string; sso?: string };

  private async ensureReader(): Promise<{ c: Docker.Container; at: { config?: string; credentials?: string; sso?: string } }> {
    if (this.reader && this.readerAt) return { c: this.reader, at: this.readerAt };
    const { binds, at } = this.binds(this.paths!);
    const c = await this.docker().createContainer({
      Image: await this.image(),
      Entrypoint: ['true'],
      Labels: { [HELPER_LABEL]: 'host-aws-reader' },
      NetworkDisabled: true,
      HostConfig: { Binds: binds, NetworkMode: 'none' },
    });
    this.reader = c;
    this.readerAt = at;
    return { c, at };
  }

  private async dropReader(): Promise<void> {
    const c = this.reader;
    this.reader = undefined;
    this.readerAt = undefined;
    await c?.remove({ force: true }).catch(() => undefined);
  }

  private async poll(): Promise<void> {
    if (!this.paths) return;
    try {
      const { c, at } = await this.ensureReader();
      const snap: Snapshot = { sso: new Map() };
      if (at.config) snap.config = (await readArchive(c, at.config)).values().next().value;
      if (at.credentials) snap.credentials = (await readArchive(c, at.credentials)).values().next().value;
      if (at.sso) for (const [name, body] of await readArchive(c, at.sso)) if (name.endsWith('.json')) snap.sso.set(name, body);
      const hash = createHash('sha256');
      for (const part of [snap.config, snap.credentials, ...[...snap.sso].flat()]) hash.update(part ?? '-').update('\0');
      const digest = hash.digest('hex');
      this.state = { readAt: new Date().toISOString() };
      if (digest === this.last) return;
      await this.write(snap);
      this.last = digest;
      log.info('host AWS files read', { config: Boolean(snap.config), credentials: Boolean(snap.credentials), ssoTokens: snap.sso.size });
      this.emit('change');
    } catch (err) {
      const message = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
      this.state = {
        ...this.state,
        error: {
          message: `The AWS files on your machine could not be read: ${message}`,
          remedy: /mount|share|denied|not found|invalid/i.test(message)
            ? 'Docker Desktop must share the folder: Settings → Resources → File sharing (your home folder is shared by default).'
            : 'Check that Docker Desktop runs, then reopen the ECS Endpoints tab.',
        },
      };
      // A new reader next time (the folder may have changed or come back).
      await this.dropReader();
    }
  }

  /** Owner-only copies, each replaced atomically; SSO tokens no longer on the host go too. */
  private async write(s: Snapshot): Promise<void> {
    const put = async (path: string, body: Buffer | undefined) => {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      if (!body) return rm(path, { force: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, path);
    };
    await put(this.target.config, s.config);
    await put(this.target.credentials, s.credentials);
    await mkdir(this.target.ssoCache, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.target.ssoCache)) if (!s.sso.has(name)) await rm(join(this.target.ssoCache, name), { force: true });
    for (const [name, body] of s.sso) await put(join(this.target.ssoCache, name), body);
  }
}
