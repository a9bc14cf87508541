import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const uiAlias = {
  // The package ships only a "browser" field, which Vite's resolver cannot follow under Vitest.
  '@docker/extension-api-client': fileURLToPath(
    new URL('./node_modules/@docker/extension-api-client/dist/index.js', import.meta.url),
  ),
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['backend/test/unit/**/*.test.ts', 'contract/test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: './ui/vite.config.ts',
        test: {
          name: 'ui',
          root: './ui',
          include: ['src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['./src/test/setup.ts'],
          alias: uiAlias,
        },
      },
      {
        test: {
          // Real dockerd; every file uses its own network, subnet and names, so files run in parallel.
          name: 'integration',
          include: ['backend/test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['backend/test/support/global-setup.ts'],
        },
      },
      {
        test: {
          // Needs the real 169.254.170.2 (the SDKs hard-code it) or a browser: one file at a time.
          name: 'serial',
          include: ['backend/test/serial/**/*.test.ts', 'e2e/**/*.test.ts', 'packaging/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['backend/test/support/global-setup.ts'],
        },
      },
    ],
  },
});
