import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix-socket proxy in front of the real Docker socket. `cut()` drops every live connection
 * and refuses new ones, which is what a client sees while dockerd restarts; `restore()` ends
 * the outage. Lets a test "restart the daemon" without disturbing other tests on the same dockerd.
 */
export class DockerProxy {
  readonly path: string;
  private readonly dir: string;
  private server?: Server;
  private live = new Set<Socket>();
  private down = false;
  connections = 0;

  constructor(private readonly target = '/var/run/docker.sock') {
    this.dir = mkdtempSync(join(tmpdir(), 'docker-proxy-'));
    this.path = join(this.dir, 'docker.sock');
  }

  start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      this.connections++;
      const upstream = createConnection(this.target);
      this.live.add(client);
      this.live.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.live.delete(client);
        this.live.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.path, resolve));
  }

  cut(): void {
    this.down = true;
    for (const s of this.live) s.destroy();
    this.live.clear();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
    rmSync(this.dir, { recursive: true, force: true });
  }
}
