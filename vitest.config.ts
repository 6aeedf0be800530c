import { defineConfig } from 'vitest/config';

/**
 * Files that run one at a time, after the others: those that share the PostgreSQL test database,
 * judge the service by how fast it answers (event-loop delay, health probes beside heavy work,
 * load shedding, a live campaign's latencies), or compute hard enough (model training, EHVI,
 * whole campaigns through `serve`) that a neighbour would slow them past their timeouts. Files
 * that only compute, with no assertion on time and tests of at most 7 s alone (surrogates, the
 * suite runner, discovery, twin substances, multi-objective campaigns), run with the others: the
 * second core idles while this group runs.
 */
const ALONE = [
  'test/db.test.ts',
  'test/db-thread.test.ts',
  'test/service-postgres.test.ts',
  'test/security/fuzz.test.ts',
  'test/security/bounded-work.test.ts',
  'test/security/campaign-start.test.ts',
  'test/security/ingestion.test.ts',
  'test/security/shed-reads.test.ts',
  'test/campaign-loop.test.ts',
  'test/forward-predict.test.ts',
  'test/service-retraining.test.ts',
  'test/panel-pareto.test.ts',
  'test/server.test.ts',
  'test/service-faults.test.ts',
  'test/campaign-planning-model.test.ts',
];

/**
 * Files that change process-wide state on purpose (chem-init crashes RDKit to test the refusal
 * that follows, and checks the refusal before initChem): each runs in a process of its own.
 */
const ISOLATED = ['test/chem-init.test.ts'];

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // RDKit's wasm module and PGlite are heavy; forks isolate them and keep memory bounded.
  pool: 'forks' as const,
  // expect.poll waits for a condition; vitest's default gives up after 1 s, which a page refreshing
  // in place or an image drawn by the service can take on a busy 2-core machine. A poll returns as
  // soon as the condition holds, so a longer limit costs nothing when it passes.
  expect: { poll: { timeout: 20_000 } },
};

export default defineConfig({
  test: {
    projects: [
      {
        // the rest mostly wait (on HTTP, MQTT, gRPC, child processes, browsers): two at a time on
        // two cores, where vitest's default is one
        // two at a time on two cores, where vitest's default is one. Not isolated: a worker runs file
        // after file in one process, so RDKit's and tfjs's wasm modules, PGlite and the test's own
        // imports load once per worker rather than once per file (measured: the suite's import
        // time 192 s → 30 s, its wall time 19.8 → 16.5 min on a 2-core machine)
        test: { ...shared, name: 'together', include: ['test/**/*.test.ts'], exclude: [...ALONE, ...ISOLATED], maxWorkers: 2, isolate: false, sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'isolated', include: ISOLATED, maxWorkers: 1, isolate: true, sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'alone', include: ALONE, maxWorkers: 1, isolate: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
