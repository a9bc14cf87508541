import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

/** What the task-definition runner asks of Docker (taskdefs/runner.ts depends on this, not on dockerode). */
export interface TaskDocker {
  imagePresent(ref: string): Promise<boolean>;
  /** Pull an image; `progress` gets a line now and then (layer counts, not every byte). */
  pull(ref: string, progress: (line: string) => void): Promise<void>;
  /** Create a container from the runner's spec (dockerode's ContainerCreateOptions); its id. */
  create(spec: Record<string, unknown>): Promise<string>;
  start(id: string): Promise<void>;
  /** docker stop: SIGTERM, then SIGKILL after `timeoutSeconds`. A stopped or gone container is no error. */
  stop(id: string, timeoutSeconds: number): Promise<void>;
  /** Force-remove (and its anonymous volumes); a gone container is no error. */
  remove(id: string): Promise<void>;
  /** The last lines of its output (stdout and stderr, interleaved as written). */
  logs(id: string, tail: number): Promise<string>;
  /** Write one file into a container (created or running; into its volumes too) through the archive API. */
  writeFile(id: string, dir: string, name: string, text: string): Promise<void>;
  /** Ids and labels of the containers carrying a label (all states). */
  listByLabel(label: string): Promise<{ id: string; labels: Record<string, string> }[]>;
}

export function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}

const gone = (err: unknown) => [304, 404].includes((err as { statusCode?: number }).statusCode ?? 0);

/** Docker's multiplexed log stream (8-byte frame headers) as text; a TTY container's raw bytes as they are. */
export function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && buf[i]! <= 2 && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

export function taskDocker(docker: () => Docker): TaskDocker {
  return {
    async imagePresent(ref) {
      try {
        await docker().getImage(ref).inspect();
        return true;
      } catch (err) {
        if (gone(err)) return false;
        throw err;
      }
    },
    async pull(ref, progress) {
      const d = docker();
      const stream = (await d.pull(ref)) as Readable;
      await new Promise<void>((resolve, reject) => {
        let last = 0;
        d.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (e: { status?: string; id?: string; error?: string }) => {
            if (e.error) return;
            const now = Date.now();
            if (now - last < 1000 && !/Downloaded newer|up to date/i.test(e.status ?? '')) return;
            last = now;
            progress(`${e.id ? `${e.id}: ` : ''}${e.status ?? ''}`.trim());
          },
        );
      });
    },
    async create(spec) {
      const c = await docker().createContainer(spec as Docker.ContainerCreateOptions);
      return c.id;
    },
    async start(id) {
      try {
        await docker().getContainer(id).start();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 304) throw err;
      }
    },
    async stop(id, timeoutSeconds) {
      try {
        await docker().getContainer(id).stop({ t: timeoutSeconds });
      } catch (err) {
        if (!gone(err)) throw err;
      }
    },
    async remove(id) {
      try {
        await docker().getContainer(id).remove({ force: true, v: true });
      } catch (err) {
        if (!gone(err)) throw err;
      }
    },
    async logs(id, tail) {
      const out = (await docker().getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demux(Buffer.isBuffer(out) ? out : Buffer.from(String(out)));
    },
    async writeFile(id, dir, name, text) {
      const tar = pack();
      tar.entry({ name, mode: 0o644 }, text);
      tar.finalize();
      await docker().getContainer(id).putArchive(tar as unknown as NodeJS.ReadableStream, { path: dir });
    },
    async listByLabel(label) {
      const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [label] }) });
      return list.map((c) => ({ id: c.Id, labels: c.Labels ?? {} }));
    },
  };
}
