/**
 * What noisy-EHVI batch selection costs (src/objectives/multi/noisy-ehvi.ts): wall and CPU time for
 * one batch at pool sizes and target counts a campaign will use, with a smooth synthetic posterior
 * (squared-exponential covariance on random 2-D conditions). Run: npx tsx bench/ehvi-cost.ts
 * Writes bench/results/ehvi-cost.{json,md}. Reports the load average: the 2 cores are shared.
 */
import { loadavg } from 'node:os';
import { selectBatchByEhvi } from '../src/objectives/multi/noisy-ehvi.js';
import { rngFor } from '../src/util/random.js';
import { machine, writeResults } from './lib.js';

interface Row {
  targets: number;
  pool: number;
  observed: number;
  pending: number;
  candidates: number;
  samples: number;
  batch: number;
  wallMs: number;
  cpuMs: number;
  loadBefore: number;
  loadAfter: number;
}

function runOne(targets: number, pool: number, samples: number, batch: number): Row {
  const rng = rngFor(1, 'ehvi-cost', targets, pool);
  const xs = Array.from({ length: pool }, () => [rng(), rng()]);
  const kernel = (a: number[], b: number[]) => 0.04 * Math.exp(-((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2) / (2 * 0.09));
  const covariance = xs.map((a) => xs.map((b) => kernel(a, b)));
  // conflicting targets: the first rises with x₁, the second falls with it, the third follows x₂
  const mean = xs.map(([a = 0, b = 0]) => Array.from({ length: targets }, (_, j) => (j === 0 ? a : j === 1 ? 1 - a * a : b)));
  const observed = Math.round(pool / 6);
  const pending = 2;
  const loadBefore = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  selectBatchByEhvi({
    posterior: { mean, covariance: Array.from({ length: targets }, () => covariance) },
    directions: Array.from({ length: targets }, () => 'maximise' as const),
    reference: Array.from({ length: targets }, () => -0.1),
    observed: Array.from({ length: observed }, (_, i) => i),
    pending: Array.from({ length: pending }, (_, i) => observed + i),
    candidates: Array.from({ length: pool - observed - pending }, (_, i) => observed + pending + i),
    batchSize: batch,
    samples,
    rng,
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    targets,
    pool,
    observed,
    pending,
    candidates: pool - observed - pending,
    samples,
    batch,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    loadBefore,
    loadAfter: loadavg()[0]!,
  };
}

const rows: Row[] = [];
for (const targets of [2, 3]) for (const pool of [100, 300]) rows.push(runOne(targets, pool, 256, 4));
const table = [
  '| targets | pool (observed / pending / candidates) | samples | batch | wall ms | CPU ms | load before → after |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.targets} | ${r.pool} (${r.observed} / ${r.pending} / ${r.candidates}) | ${r.samples} | ${r.batch} | ${r.wallMs} | ${r.cpuMs} | ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)} |`,
  ),
].join('\n');
writeResults('ehvi-cost', { machine: machine(), date: new Date().toISOString(), rows }, `# Noisy EHVI batch selection cost\n\n${table}`);
