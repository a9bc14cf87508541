import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which room of backend/src may import what (docs/architecture.md): Docker only through docker/,
 * AWS only through credentials/, the pure task model imports nothing of the others, and nobody
 * reaches back into the composition root. A planted violation fails `npm run lint`
 * (backend/test/unit/rooms.test.ts shows it).
 */
const ROOMS = ['tasks', 'docker', 'credentials', 'endpoints', 'ecs-mode', 'presets', 'state', 'status', 'control', 'taskdefs'];
const room = (name) => [`../${name}/*`, `../${name}/**`, `../../${name}/*`, `../../${name}/**`];
/** The composition root: main.ts and what it builds the rooms with (compose/). */
const ROOT = ['../main.ts', '../../main.ts', ...room('compose')];
const may = {
  tasks: [],
  state: ['tasks'],
  presets: ['tasks', 'state'],
  docker: ['tasks', 'state'],
  credentials: ['tasks', 'state'],
  'ecs-mode': ['tasks', 'state', 'docker'],
  endpoints: ['tasks', 'credentials'],
  status: ['state'],
  control: ['tasks', 'docker', 'credentials', 'presets', 'ecs-mode', 'state', 'endpoints', 'taskdefs'],
  taskdefs: ['tasks', 'docker', 'credentials', 'state'],
};
const external = {
  tasks: ['dockerode', 'express', '@aws-sdk/*', 'node:fs', 'node:fs/*', 'node:child_process', 'node:http'],
  state: ['dockerode', 'express', '@aws-sdk/*'],
  presets: ['dockerode', 'express', '@aws-sdk/*'],
  docker: ['express', '@aws-sdk/*'],
  credentials: ['dockerode', 'express'],
  'ecs-mode': ['dockerode', 'express', '@aws-sdk/*'],
  endpoints: ['dockerode', 'express', '@aws-sdk/*'],
  status: ['dockerode', 'express', '@aws-sdk/*'],
  control: ['dockerode', '@aws-sdk/*'],
  taskdefs: ['dockerode', 'express'],
};
const roomRules = Object.keys(may).map((name) => ({
  files: [`backend/src/${name}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [...ROOT, ...ROOMS.filter((r) => r !== name && !may[name].includes(r)).flatMap(room)],
            message: `backend/src/${name}/ may import only ${may[name].length ? may[name].map((r) => r + '/').join(', ') : 'nothing of the other rooms'} (see docs/architecture.md); depend on a narrow interface wired in compose/rooms.ts instead.`,
          },
          { group: external[name], message: `backend/src/${name}/ does not talk to this library directly; its room does (see docs/architecture.md).` },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', 'test-results/**', 'bench/.layers.bundle.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', window: 'readonly', document: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  ...roomRules,
);
