import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const uiAlias = {
  // The package ships only a "browser" field, which Vite's resolver cannot follow under Vitest.
  '@docker/extension-api-client': fileURLToPath(
    new URL('./node_modules/@docker/extension-api-client/dist/index.js', import.meta.url),
  ),
};

/**
 * The UI's component tests type into MUI forms under jsdom: 1–2.5 s each on an idle 2-core machine,
 * 3–5 s when the machine is busy (measured with one core kept busy). Vitest's default 5 s bound
 * would fail a correct test on a busy CI machine; 20 s still fails a hung one.
 */
const CPU_BOUND_TIMEOUT = 20_000;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['backend/test/unit/**/*.test.ts', 'contract/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: CPU_BOUND_TIMEOUT,
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
          testTimeout: CPU_BOUND_TIMEOUT,
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
