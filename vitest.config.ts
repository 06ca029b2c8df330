import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The web app's component tests mount .vue files.
  plugins: [vue()],
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/e2e/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only make each PGlite and Postgres database slower.
    maxWorkers: 2,
  },
});
