/**
 * Per-dataset diagnosis of the surrogate behind the default planner, without running campaigns:
 * for each task, seed and training size, the GP is fitted on a seeded random subset of the
 * dataset's rows (as the planner's model would be after that many results) and judged on every row
 * it has not seen — rank correlation of the predicted mean, how well the predictive σ is calibrated
 * (share of |z| < 1, expected 68 %), and whether the acquisition would find the true top-1 % rows
 * (how many of them rank in the acquisition's top 25, by UCB β 2, by EI and by the mean alone).
 *
 *   npx tsx bench/suite-diagnose.ts --tasks amide-coupling,ni-borylation --seeds 4 --sizes 20,50 \
 *     --variant 'wl={"substanceKernel":"wl"}'
 *
 * Variants are GpConfig overrides (JSON); `default` is always included.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate, reactionInputOf, schemaFromSpace, type GpConfig } from '../src/models/index.js';
import { expectedImprovement } from '../src/planner/acquisition.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { ROOT } from './lib.js';
import { loadTask, reachesTop1, taskNames } from './suite/tasks.js';

function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from(values, (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Float64Array(values.length);
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && order[end + 1]![0] === order[k]![0]) end++;
    for (let j = k; j <= end; j++) out[order[j]![1]] = (k + end) / 2;
    k = end + 1;
  }
  return out;
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** How many of the `hits` rank among the `k` largest scores. */
function hitsInTop(scores: ArrayLike<number>, hits: boolean[], k: number): number {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  return order.slice(0, k).filter(([, i]) => hits[i]).length;
}

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string' },
    seeds: { type: 'string', default: '4' },
    sizes: { type: 'string', default: '20,50' },
    variant: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: 'suite-diagnose' },
  },
});

const variants: [string, GpConfig][] = [['default', DEFAULT_GP_CONFIG]];
for (const v of args.variant ?? []) {
  const eq = v.indexOf('=');
  variants.push([v.slice(0, eq), { ...DEFAULT_GP_CONFIG, ...(JSON.parse(v.slice(eq + 1)) as Partial<GpConfig>) }]);
}
const taskList = args.tasks ? args.tasks.split(',') : taskNames();
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const sizes = args.sizes.split(',').map(Number);

interface Row {
  task: string;
  variant: string;
  size: number;
  seed: number;
  spearman: number;
  within1sd: number;
  top1Z: number;
  hitsUcb: number;
  hitsEi: number;
  hitsMean: number;
  top1Unseen: number;
  seconds: number;
  hyper: unknown;
}
const rows: Row[] = [];

for (const name of taskList) {
  const task = await loadTask(name);
  if (task.kind !== 'dataset') continue;
  const landscape = task.landscape(1);
  const sign = landscape.direction === 'maximize' ? 1 : -1;
  const measured = [...Array(task.space.size).keys()].filter((i) => !Number.isNaN(landscape.values[i]!));
  const bounds = task.spec.objective.bounds;
  const target = task.spec.objective.target;
  const schema = schemaFromSpace(task.space, [target], bounds ? { [target]: [bounds[0], bounds[1]] } : undefined);
  const inputs = measured.map((i) => reactionInputOf(task.space, i));
  for (const size of sizes) {
    for (const seed of seeds) {
      const order = shuffled(measured.map((_, k) => k), rngFor(seed, 'diagnose', name));
      const train = order.slice(0, size);
      const test = order.slice(size);
      const truth = test.map((k) => landscape.values[measured[k]!]!);
      const hits = truth.map((v) => reachesTop1(landscape, v));
      for (const [variant, config] of variants) {
        const model = new GaussianProcessSurrogate(schema, config);
        const started = performance.now();
        await model.fit({ inputs: train.map((k) => inputs[k]!), targets: { [target]: train.map((k) => landscape.values[measured[k]!]!) } }, { seed });
        const seconds = (performance.now() - started) / 1000;
        const p = (await model.predict(test.map((k) => inputs[k]!)))[target]!;
        const incumbent = Math.max(...train.map((k) => sign * landscape.values[measured[k]!]!));
        const oriented = Array.from(p.mean, (m) => sign * m);
        const z = truth.map((v, i) => (v - p.mean[i]!) / Math.max(p.sigma[i]!, 1e-9));
        const top1z = z.filter((_, i) => hits[i]);
        rows.push({
          task: name,
          variant,
          size,
          seed,
          spearman: spearman(oriented, truth.map((v) => sign * v)),
          within1sd: z.filter((v) => Math.abs(v) < 1).length / z.length,
          top1Z: top1z.reduce((s, v) => s + sign * v, 0) / Math.max(top1z.length, 1),
          hitsUcb: hitsInTop(oriented.map((m, i) => m + 2 * p.sigma[i]!), hits, 25),
          hitsEi: hitsInTop(oriented.map((m, i) => expectedImprovement(m, p.sigma[i]!, incumbent)), hits, 25),
          hitsMean: hitsInTop(oriented, hits, 25),
          top1Unseen: hits.filter(Boolean).length,
          seconds,
          hyper: (model as unknown as { states: Map<string, { hyper: unknown; warping: unknown; calibration: number }> }).states.get(target),
        });
      }
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const meanOf = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const lines = ['| task | n | variant | Spearman (median) | |z|<1 | z of top-1 % rows | top-1 % in UCB top 25 | EI top 25 | mean top 25 | top-1 % unseen | fit s |', '|---|---|---|---|---|---|---|---|---|---|---|'];
for (const name of taskList) {
  for (const size of sizes) {
    for (const [variant] of variants) {
      const g = rows.filter((r) => r.task === name && r.size === size && r.variant === variant);
      if (g.length === 0) continue;
      lines.push(
        `| ${name} | ${size} | ${variant} | ${median(g.map((r) => r.spearman)).toFixed(2)} | ${(100 * meanOf(g.map((r) => r.within1sd))).toFixed(0)} % | ${meanOf(g.map((r) => r.top1Z)).toFixed(2)} | ${meanOf(g.map((r) => r.hitsUcb)).toFixed(1)} | ${meanOf(g.map((r) => r.hitsEi)).toFixed(1)} | ${meanOf(g.map((r) => r.hitsMean)).toFixed(1)} | ${meanOf(g.map((r) => r.top1Unseen)).toFixed(1)} | ${meanOf(g.map((r) => r.seconds)).toFixed(2)} |`,
      );
    }
  }
}
console.log(lines.join('\n'));
writeFileSync(join(ROOT, 'bench', 'results', `${args.out}.json`), JSON.stringify({ seeds, sizes, variants: Object.fromEntries(variants), rows }, null, 1));
writeFileSync(join(ROOT, 'bench', 'results', `${args.out}.md`), lines.join('\n') + '\n');
