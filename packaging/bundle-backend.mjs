#!/usr/bin/env node
// Bundles the backend for the image: backend/dist/main.js (and guard-helper.js, fault-helper.js), as `npm run build -w backend` does, with
// one difference that matters at run time. `--packages=external` leaves the workspace package
// @ecs-endpoints/contract external too, and its entry point is TypeScript source that Node 20 cannot
// import; so here every bare import stays external (served by the production node_modules) except
// the workspace packages, which are bundled in.
// Usage: node packaging/bundle-backend.mjs   (from any directory)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const backend = fileURLToPath(new URL('../backend/', import.meta.url));
const deps = Object.keys(JSON.parse(readFileSync(join(backend, 'package.json'), 'utf8')).dependencies ?? {});
const workspace = (path) => path.startsWith('@ecs-endpoints/');
const packageName = (path) => (path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]);

/*
 * dockerode is bundled in, so that what it loads but the backend never uses can be left out: its
 * SSH transport (ssh2, with native crypto) and BuildKit sessions (@grpc/grpc-js, @grpc/proto-loader,
 * protobufjs). Loading those cost about 120 ms and 10 MiB at every start (issue 13); the backend
 * talks to Docker over a unix socket or TCP only (docker/client.ts). A stub says so if reached.
 */
const BUNDLED = new Set(['dockerode']);
const UNUSED = new Set(['ssh2', '@grpc/grpc-js', '@grpc/proto-loader']);
const unusedStub = (name) => `
const why = ${JSON.stringify(`ECS Endpoints does not load ${name}: Docker over SSH and BuildKit sessions are not used; reach Docker over a unix socket or tcp://.`)};
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : function unused() { throw new Error(why); }) });
`;

await build({
  // guard-helper.js runs in the address guard's short-lived privileged helper container,
  // fault-helper.js in the fault-injection helper joined to a task's network namespace.
  entryPoints: {
    main: join(backend, 'src/cli.ts'),
    'guard-helper': join(backend, 'src/docker/guard/helper-main.ts'),
    'fault-helper': join(backend, 'src/docker/fault/helper-main.ts'),
  },
  outdir: join(backend, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  // The bundled CommonJS (dockerode) requires Node's built-in modules: give the ESM output a require.
  banner: { js: "import { createRequire as __ecsCreateRequire } from 'node:module'; const require = __ecsCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'externals-but-workspace',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (workspace(args.path)) return undefined;
          const name = packageName(args.path);
          if (UNUSED.has(name)) return { path: name, namespace: 'unused' };
          if (args.path.startsWith('node:') || builtinModules.includes(name)) return { path: args.path, external: true };
          // dockerode and what it imports go into the bundle.
          if (BUNDLED.has(name) || args.importer.includes('/node_modules/')) return undefined;
          // A bare import the backend does not declare would be missing from the image.
          if (!args.path.startsWith('node:') && !builtinModules.includes(name) && !deps.includes(name)) {
            return { errors: [{ text: `"${args.path}" is imported by ${args.importer} but is not in backend/package.json dependencies, so the image would not have it` }] };
          }
          return { path: args.path, external: true };
        });
        b.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => ({ contents: unusedStub(args.path), loader: 'js' }));
      },
    },
  ],
});
