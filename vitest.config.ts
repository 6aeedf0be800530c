import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // RDKit's wasm module and PGlite are heavy; forks isolate them and keep memory bounded on 2 cores.
    pool: 'forks',
  },
});
