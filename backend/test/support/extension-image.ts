import { arch } from 'node:os';

/** The Node base the extension image's final stage is built on offline (test/images/build.sh node). */
export const OFFLINE_RUNTIME_IMAGE = 'ecs-endpoints-test/node:latest';

/**
 * `docker build` arguments for the extension image without Docker Hub: the test bases from
 * test/images/build.sh (node-npm must be built first), and the BUILDPLATFORM the legacy builder
 * does not set (BuildKit does). The Makefile's OFFLINE_ARGS say the same for `make image`.
 */
export const OFFLINE_BUILD_ARGS: Record<string, string> = {
  BUILD_IMAGE: 'ecs-endpoints-test/node-npm:latest',
  RUNTIME_IMAGE: OFFLINE_RUNTIME_IMAGE,
  BUILDPLATFORM: `linux/${arch() === 'arm64' ? 'arm64' : 'amd64'}`,
};

/** The same as `--build-arg K=V` pairs. */
export function buildArgFlags(args: Record<string, string> = OFFLINE_BUILD_ARGS): string[] {
  return Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
}
