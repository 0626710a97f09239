import { defineConfig } from 'vitest/config';

// One vitest project per test tier (DESIGN.md §5). Tests import workspace packages from source through the
// "source" export condition, so no build is needed to run them.
const shared = { extends: true as const };

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: [
            '{packages,apps}/*/test/**/*.test.ts',
            'cli/test/**/*.test.ts',
            'cdk8s/test/**/*.test.ts',
            'operator/test/**/*.test.ts',
          ],
          exclude: ['**/test/integration/**', '**/test/system/**', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: [
            '{packages,apps}/*/test/integration/**/*.test.ts',
            'cli/test/integration/**/*.test.ts',
            'operator/test/integration/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        ...shared,
        test: {
          name: 'system',
          include: ['{packages,apps}/*/test/system/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        ...shared,
        test: {
          // docs/e2e.md: KVERSE_E2E_PROVIDER=local (default, CI) or kind; one file at a time on one cluster, and after
          // the other projects (group 0), some of which stop and restart the shared services.
          name: 'e2e',
          include: ['e2e/test/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
