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
}
