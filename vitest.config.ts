import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '.tmp/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores: tests that start processes and servers share them.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.tmp/vitest.json' }]],
    typecheck: { enabled: false },
  },
});
