/**
 * Fuzz test over every route of the HTTP API (enumerated from /api/openapi.json) and every field
 * of a campaign file (from the zod schema, one field changed at a time in the examples), with
 * tokens of each role, over real HTTP against `athanor serve` on real PGlite (issue 15).
 *
 * It asserts: no 5xx except a 503 the route documents; no file outside the data folders read
 * into an answer, changed, moved or created (checked on the file system: a sentinel folder beside
 * the data folder, reachable by absolute paths, `../` and symlinks); no secret sent out; and
 * /api/health, probed every ~50 ms beside the fuzzer, always answers within 200 ms. Each failure
 * prints the exact request as a curl command, grouped by route.
 *
 * A probe's delay is counted net of this process's own (a loopback server here is timed beside
 * it), and a slow probe fails the test only when the service's main thread (its event loop) spent
 * at least 150 ms (¾ of the limit) of CPU meanwhile (/proc/<pid>/task/<pid>/stat): on a shared machine other
 * processes can hold the service up too, and that is not the lag this test is about. Those probes
 * are counted in the summary line.
 *
 * Seeded and bounded: ATHANOR_FUZZ_SEED (default 15), ATHANOR_FUZZ_PER_OPERATION (6),
 * ATHANOR_FUZZ_PER_FIELD (1), ATHANOR_FUZZ_BUDGET_S (240: the run stops sending after it).
 * ATHANOR_FUZZ_REPORT=<file> writes the whole run as JSON.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFailures, type FuzzReport, runFuzz } from './fuzz-run.js';
import { type FuzzTarget, snapshot, snapshotChanges, startFuzzTarget } from './fuzz-target.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const OPTIONS = {
  seed: env('ATHANOR_FUZZ_SEED', 15),
  perOperation: env('ATHANOR_FUZZ_PER_OPERATION', 6),
  perField: env('ATHANOR_FUZZ_PER_FIELD', 1),
  requestTimeoutMs: 30_000,
  budgetMs: env('ATHANOR_FUZZ_BUDGET_S', 240) * 1000,
  healthLimitMs: 200,
};

describe('fuzzing every route and every campaign-file field', () => {
  let target: FuzzTarget;
  let report: FuzzReport;
  let fileChanges: string[];

  beforeAll(async () => {
    target = await startFuzzTarget();
    try {
      report = await runFuzz(target, OPTIONS);
    } catch (error) {
      console.error(`the fuzz run could not finish: ${(error as Error).message}\nservice output:\n${target.output().slice(-4000)}`);
      throw error;
    }
    fileChanges = snapshotChanges(target.sentinelBefore, snapshot(target.places.sentinelDir));
    const summary = `fuzz: seed ${report.seed}, ${report.requests} requests over ${report.operations.length} operations and ${report.campaignFields.length} campaign-file fields in ${report.seconds} s; ` +
      `${report.probes} health probes, slowest ${report.maxProbeMs} ms with the service busy (${report.maxRawProbeMs} ms in all; event loop held at most ${report.maxBlockMs ?? '?'} ms at a stretch; ${report.starvedProbes.length} over ${OPTIONS.healthLimitMs} ms its own event loop did not hold, load average ${loadavg()[0]?.toFixed(1)}); ${report.failures.length} failures; ${report.restarts} restarts${report.notes.length ? `\nnotes:\n  ${report.notes.join('\n  ')}` : ''}`;
    console.log(summary);
    if (process.env.ATHANOR_FUZZ_REPORT) writeFileSync(process.env.ATHANOR_FUZZ_REPORT, JSON.stringify({ ...report, url: target.url, fileChanges }, null, 1));
  }, OPTIONS.budgetMs + 300_000);

  afterAll(async () => {
    await target?.close();
  }, 60_000);

  it('covers every route of the OpenAPI document and the campaign file', () => {
    expect(report.operations.length).toBeGreaterThan(20);
    expect(report.operations).toContain('POST /api/campaigns/validate');
    expect(report.campaignFields.some((f) => f.endsWith('lab.dataset'))).toBe(true);
    expect(report.campaignFields.some((f) => f.endsWith('space.scope.file'))).toBe(true);
    const answered = new Set(report.outcomes.map((o) => o.request.label.replace(/ \(.*\)$/, '')));
    const missed = report.operations.filter((op) => !answered.has(op));
    expect(missed, 'operations no request reached').toEqual([]);
  });

  it('answers every request without a 5xx (except a documented 503) and within the timeout', () => {
    const text = formatFailures(target.url, report.failures, ['5xx', 'timeout', 'no answer']);
    if (text) console.error(`requests that failed:\n\n${text}`);
    expect(report.failures.filter((f) => f.kind === '5xx' || f.kind === 'timeout' || f.kind === 'no answer').length, text).toBe(0);
  });

  it('keeps /api/health under 200 ms throughout', () => {
    const text = formatFailures(target.url, report.failures, ['slow health']);
    if (text) console.error(`requests during which /api/health was slow:\n\n${text}`);
    expect(report.maxProbeMs, text).toBeLessThanOrEqual(OPTIONS.healthLimitMs);
  });

  it('never shows a file or a secret from outside the data folders', () => {
    const text = formatFailures(target.url, report.failures, ['leak']);
    if (text) console.error(`answers that leaked:\n\n${text}`);
    expect(report.failures.filter((f) => f.kind === 'leak').length, text).toBe(0);
  });

  it('changes, moves and creates no file outside the data folders', () => {
    if (fileChanges.length > 0) console.error(`outside the data folders:\n  ${fileChanges.join('\n  ')}`);
    expect(fileChanges).toEqual([]);
  });
});
