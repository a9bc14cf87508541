import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Before any Docker test: the engine must answer, and the offline test images must exist. */
export default function setup(): void {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      'These tests need a running Docker Engine. Start dockerd (sudo dockerd &) or set DOCKER_HOST. ' +
        `(${(err as Error).message.split('\n')[0]})`,
    );
  }
  const script = fileURLToPath(new URL('../../../test/images/build.sh', import.meta.url));
  execFileSync(script, { stdio: 'inherit' });
  // A run that was killed can leave its test networks behind, and one holding 169.254.170.0/24
  // would block the tests that need the real address. Remove test networks nobody is attached to.
  const nets = execFileSync('docker', ['network', 'ls', '--filter', 'label=ecs-endpoints.managed=true', '--format', '{{.Name}}'], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.startsWith('ecs-test-net-'));
  for (const n of nets) {
    const attached = execFileSync('docker', ['network', 'inspect', n, '--format', '{{len .Containers}}'], { encoding: 'utf8' }).trim();
    if (attached !== '0') continue;
    try {
      execFileSync('docker', ['network', 'rm', n], { stdio: 'ignore' });
    } catch {
      // dockerd can keep a stale endpoint count ("has active endpoints" with none attached);
      // only restarting it frees such a network. Its subnet is skipped like any taken one.
      console.warn(`could not remove the leftover test network ${n}; restarting dockerd frees it`);
    }
  }
}
