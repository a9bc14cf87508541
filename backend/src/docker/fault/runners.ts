import type Docker from 'dockerode';
import type { FaultTarget } from '../../tasks/faults.ts';
import { HELPER_LABEL, runHelperContainer } from '../guard/runner.ts';
import type { Cmd } from './commands.ts';
import { runBatch, type BatchResult } from './exec.ts';

/** Runs commands inside a task's network namespace. Throws only when it cannot run them at all. */
export interface NamespaceRunner {
  readonly where: string;
  run(target: FaultTarget, cmds: Cmd[], timeoutMs: number): Promise<BatchResult>;
}

/** Host topology as root: nsenter into the namespace of the owner's main process, with the host's tc/iptables. */
export const nsenterRunner: NamespaceRunner = {
  where: 'this process (nsenter)',
  async run(target, cmds, timeoutMs) {
    if (process.getuid?.() !== 0) throw new Error('entering a container\'s network namespace needs root (run the backend with sudo)');
    if (!target.pid) throw new Error('the task\'s network namespace is gone (its container is not running)');
    const r = await runBatch(cmds, Date.now() + timeoutMs, ['nsenter', '-t', String(target.pid), '-n']);
    // nsenter's own failure is a runner that cannot work here, not a command that failed: missing,
    // or, root in a container without the host's PIDs or CAP_SYS_ADMIN (standalone `docker run
    // --network host`), unable to enter; another runner (the helper container) may then.
    const own = r.results.find((x) => x.code !== 0 && x.out.startsWith('nsenter:'));
    if (own?.code === 127 && own.out === 'nsenter: command not found') throw new Error('the nsenter command is not installed (util-linux)');
    if (own) throw new Error(`nsenter could not run the commands in the task's network namespace (${own.out.trim().split('\n')[0]})`);
    return r;
  },
};

/**
 * Container topology: a short-lived helper container from the backend's own image joins the
 * task's network namespace (NetworkMode container:<owner>) with CAP_NET_ADMIN only, runs the
 * commands (fault-helper.js) and is removed.
 */
export class HelperNamespaceRunner implements NamespaceRunner {
  readonly where = 'a helper container';

  constructor(
    private readonly docker: () => Docker,
    private readonly image: () => Promise<string>,
  ) {}

  async run(target: FaultTarget, cmds: Cmd[], timeoutMs: number): Promise<BatchResult> {
    const out = await runHelperContainer(this.docker(), {
      Image: await this.image(),
      Entrypoint: ['node', '/app/backend/dist/fault-helper.js'],
      Cmd: [Buffer.from(JSON.stringify({ cmds, timeoutMs })).toString('base64')],
      User: '0:0',
      Labels: { [HELPER_LABEL]: 'fault-injection' },
      HostConfig: { NetworkMode: `container:${target.ownerId}`, CapAdd: ['NET_ADMIN'], AutoRemove: true },
    });
    return JSON.parse(out) as BatchResult;
  }
}

/** The first runner that works here, then that one (as the address guard chooses). */
export class FirstWorkingNamespaceRunner implements NamespaceRunner {
  private chosen?: NamespaceRunner;

  constructor(private readonly runners: NamespaceRunner[]) {}

  get where(): string {
    return (this.chosen ?? this.runners[0]!).where;
  }

  async run(target: FaultTarget, cmds: Cmd[], timeoutMs: number): Promise<BatchResult> {
    if (this.chosen) return this.chosen.run(target, cmds, timeoutMs);
    const reasons: string[] = [];
    for (const r of this.runners) {
      try {
        const out = await r.run(target, cmds, timeoutMs);
        this.chosen = r;
        return out;
      } catch (err) {
        reasons.push(`${r.where}: ${(err as Error).message}`);
      }
    }
    throw new Error(reasons.join('; '));
  }
}
