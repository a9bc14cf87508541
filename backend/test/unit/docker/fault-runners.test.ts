import { describe, expect, it } from 'vitest';
import type { Cmd } from '../../../src/docker/fault/commands.ts';
import type { BatchResult } from '../../../src/docker/fault/exec.ts';
import { FirstWorkingNamespaceRunner, nsenterRunner, type NamespaceRunner } from '../../../src/docker/fault/runners.ts';

// Above the kernel's largest pid_max (2^22): never a process, as a task's host PID is not one
// inside a container that has its own PID namespace.
const unseen = { taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/t', ownerId: 'owner', pid: 4_194_305 };
const check: Cmd[] = [{ argv: ['iptables', '-w', '5', '-C', 'egress-tcp-8080', '-p', 'tcp', '--dport', '8080', '-j', 'DROP'], mayFail: true }];

describe('choosing how to reach a task\'s network namespace', () => {
  it('nsenter that cannot enter the namespace fails as a runner, not as a command that may fail (which would read as "not running")', async () => {
    // Root: nsenter's own error; otherwise the runner refuses before trying.
    await expect(nsenterRunner.run(unseen, check, 2000)).rejects.toThrow(
      process.getuid?.() === 0 ? /^nsenter could not run the commands in the task's network namespace \(nsenter: .*4194305/ : /needs root/,
    );
  });

  it('falls back to the next runner when nsenter cannot enter, and keeps using it', async () => {
    const calls: Cmd[][] = [];
    const helper: NamespaceRunner = {
      where: 'a helper container',
      run: async (_t, cmds): Promise<BatchResult> => (calls.push(cmds), { results: cmds.map((c) => ({ argv: c.argv, code: 0, out: '' })) }),
    };
    const runner = new FirstWorkingNamespaceRunner([nsenterRunner, helper]);
    expect((await runner.run(unseen, check, 2000)).results).toEqual([{ argv: check[0]!.argv, code: 0, out: '' }]);
    expect(runner.where).toBe('a helper container');
    await runner.run(unseen, check, 2000);
    expect(calls).toHaveLength(2);
  });
});
