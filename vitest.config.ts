import { defineConfig } from 'vitest/config';

/**
 * Files that judge the service by how fast it answers (event-loop delay, health probes beside
 * heavy work, load shedding, latencies of a live campaign): they run after the others, one at a
 * time, so what they measure is the service and not a neighbouring test file.
 */
const ALONE = [
  'test/security/fuzz.test.ts',
  'test/security/bounded-work.test.ts',
  'test/security/campaign-start.test.ts',
  'test/security/ingestion.test.ts',
  'test/security/shed-reads.test.ts',
  'test/campaign-loop.test.ts',
];

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // RDKit's wasm module and PGlite are heavy; forks isolate them and keep memory bounded.
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        // Most files wait on real services, child processes and campaigns far more than they
        // compute: two at a time on two cores (vitest's default there is one).
        test: { ...shared, name: 'together', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
