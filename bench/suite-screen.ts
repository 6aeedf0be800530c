/**
 * Screening only, never a published figure: the planner's own pieces (BayesianRecommender, the
 * GP surrogate, the diverse design, batch selection) in a plain synchronous loop — a full fit on
 * every stored result before each batch, no database, no XState runner — so that many planner
 * variants can be compared on every reaction task in minutes. What wins here is then measured
 * with `npm run bench:suite` (the product's loop), and only those figures are quoted.
 *
 *   npx tsx bench/suite-screen.ts --seeds 10 --variant 'ei={"acquisition":{"name":"ei"}}' \
 *     --variant 'wl={"gp":{"substanceKernel":"wl"}}'
 *
 * A variant is JSON with `gp` (GpConfig overrides) and/or planner settings (`acquisition`,
 * `penaltyLength`, `initialResults`, `uncertainty`, `batchFantasies`, `priors: "lodo"`, `oracleHyper: N` — an oracle, see below). `default` is included unless
 * --no-default; --trace prints every batch (what the planner chose, what it predicted, what it got).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { HyperPriors } from '../src/models/gp-likelihood.js';
import { median } from '../src/models/metrics.js';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate, reactionInputOf, schemaFromSpace, type GpConfig } from '../src/models/index.js';
import { BayesianRecommender, type BayesianSettings } from '../src/planner/bayesian-recommender.js';
import type { Observation } from '../src/planner/recommender.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { ROOT } from './lib.js';
import { loadTask, reachesTop1, taskNames, type SuiteTask } from './suite/tasks.js';

interface Variant {
  gp?: Partial<GpConfig>;
  acquisition?: BayesianSettings['acquisition'];
  penaltyLength?: number;
  initialResults?: number;
  uncertainty?: 'epistemic' | 'total';
  /** batch by fantasies (kriging believer) instead of distance penalisation */
  batchFantasies?: boolean;
  /** hyperparameter priors learned on the other datasets (bench/results/suite-priors.json, leave-one-dataset-out) */
  priors?: 'lodo';
  /** multiplies the learned priors' sds */
  priorSdScale?: number;
  /**
   * An oracle, not a planner: the kernel's hyperparameters fitted once on this many random rows of
   * the whole dataset (answers included) and held fixed through the campaign. It measures how fast a
   * planner could be that already knew each role's relevance and the landscape's roughness.
   */
  oracleHyper?: number;
}

const learnedPriors = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'suite-priors.json'), 'utf8')) as { heldOut: Record<string, HyperPriors> };
function priorsFor(task: string, scale: number): HyperPriors {
  const p = learnedPriors.heldOut[task]!;
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { mean: v.mean, sd: v.sd * scale }])) as unknown as HyperPriors;
}

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string' },
    seeds: { type: 'string', default: '10' },
    budget: { type: 'string', default: '100' },
    batch: { type: 'string', default: '5' },
    variant: { type: 'string', multiple: true, default: [] },
    'no-default': { type: 'boolean', default: false },
    /** print every batch: each pick's parameters, its value and the model's mean ± σ for it */
    trace: { type: 'boolean', default: false },
  },
});

const variants: [string, Variant][] = args['no-default'] ? [] : [['default', {}]];
for (const v of args.variant ?? []) {
  const eq = v.indexOf('=');
  variants.push([v.slice(0, eq), JSON.parse(v.slice(eq + 1)) as Variant]);
}
const budget = Number(args.budget);
const batch = Number(args.batch);
const seeds = /,/.test(args.seeds) ? args.seeds.split(',').map(Number) : Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);

async function runOne(task: SuiteTask, seed: number, variant: Variant): Promise<number | null> {
  const landscape = task.landscape(seed);
  const sign = landscape.direction === 'maximize' ? 1 : -1;
  const target = task.spec.objective.target;
  const bounds = task.spec.objective.bounds;
  const schema = schemaFromSpace(task.space, [target], bounds ? { [target]: [bounds[0], bounds[1]] } : undefined);
  const recommender = new BayesianRecommender({
    acquisition: variant.acquisition ?? { name: 'ucb' },
    initialResults: variant.initialResults ?? batch,
    penaltyLength: variant.penaltyLength ?? 0.1,
    initialDesign: 'diverse',
    uncertainty: variant.uncertainty ?? 'total',
    batchFantasies: variant.batchFantasies ?? false,
  });
  const config: GpConfig = {
    ...DEFAULT_GP_CONFIG,
    ...(variant.gp ?? {}),
    ...(variant.priors === 'lodo' ? { hyperPriors: priorsFor(task.name, variant.priorSdScale ?? 1) } : {}),
  };
  const oracle = variant.oracleHyper ? await oracleModel(task, schema, config, variant.oracleHyper) : undefined;
  const observations: Observation[] = [];
  const taken = new Set<number>();
  let model: GaussianProcessSurrogate | undefined;
  let version = 0;
  for (let round = 0; observations.length < budget; round++) {
    if (observations.length > 0) {
      // the oracle's hyperparameters are a warm start that no iteration moves
      const next = new GaussianProcessSurrogate(schema, oracle ? { ...config, warmIterations: 0 } : config);
      await next.fit(
        { inputs: observations.map((o) => reactionInputOf(task.space, o.candidate)), targets: { [target]: observations.map((o) => sign * o.value) } },
        { seed, ...(oracle ? { warmStart: oracle } : model ? { warmStart: model } : {}) },
      );
      model = next;
      version++;
    }
    const fitted = model;
    const { proposals } = await recommender.recommend({
      space: task.space,
      count: Math.min(batch, budget - observations.length),
      seed,
      round,
      observations,
      pending: [],
      taken,
      direction: landscape.direction,
      ...(fitted
        ? {
            model: {
              version,
              kind: 'gp',
              predict: async (candidates: number[]) => (await fitted.predict(candidates.map((c) => reactionInputOf(task.space, c))))[target]!,
              believer: (candidates: number[]) => fitted.believer(candidates.map((c) => reactionInputOf(task.space, c)), target),
            },
          }
        : {}),
    });
    if (proposals.length === 0) break;
    if (args.trace) {
      const picks = proposals.map((p) => {
        const values = Object.values(task.space.valuesOf(p.candidate)).map((v) => String(v).slice(0, 12)).join('/');
        const predicted = p.mean !== undefined ? ` (${p.mean.toFixed(0)} ± ${p.sigma!.toFixed(0)})` : '';
        return `${values} = ${landscape.values[p.candidate]!.toFixed(1)}${predicted}`;
      });
      console.error(`${task.name} seed ${seed} batch ${round + 1}: ${picks.join('; ')}`);
    }
    for (const p of proposals) {
      taken.add(p.candidate);
      const value = landscape.values[p.candidate]!;
      if (Number.isNaN(value)) continue;
      observations.push({ candidate: p.candidate, value: sign * value });
      if (reachesTop1(landscape, value)) return taken.size;
    }
  }
  return null;
}

/** The GP fitted on `size` random measured rows of the whole dataset (seed-independent), once per task. */
const oracles = new Map<string, GaussianProcessSurrogate>();
async function oracleModel(task: SuiteTask, schema: ReturnType<typeof schemaFromSpace>, config: GpConfig, size: number): Promise<GaussianProcessSurrogate> {
  const key = `${task.name}:${size}:${JSON.stringify(config)}`;
  const known = oracles.get(key);
  if (known) return known;
  const landscape = task.landscape(1);
  const sign = landscape.direction === 'maximize' ? 1 : -1;
  const target = task.spec.objective.target;
  const measured = [...Array(task.space.size).keys()].filter((i) => !Number.isNaN(landscape.values[i]!));
  const rows = shuffled(measured, rngFor(1, 'oracle-hyper', task.name)).slice(0, size);
  const model = new GaussianProcessSurrogate(schema, { ...config, maxIterations: 200, maxOptimizationPoints: size });
  await model.fit({ inputs: rows.map((i) => reactionInputOf(task.space, i)), targets: { [target]: rows.map((i) => sign * landscape.values[i]!) } }, { seed: 1 });
  oracles.set(key, model);
  return model;
}

const names = args.tasks ? args.tasks.split(',') : taskNames();
const results = new Map<string, Map<string, (number | null)[]>>();
const randomExpected = new Map<string, number>();
for (const name of names) {
  const task = await loadTask(name);
  if (task.kind !== 'dataset') continue;
  const l = task.landscape(1);
  randomExpected.set(name, (l.measured + 1) / (l.top1Count + 1));
  const byVariant = new Map<string, (number | null)[]>();
  for (const [vname, variant] of variants) {
    const started = performance.now();
    const runs: (number | null)[] = [];
    for (const seed of seeds) runs.push(await runOne(task, seed, variant));
    byVariant.set(vname, runs);
    console.error(`${name} ${vname}: ${runs.map((r) => r ?? '×').join(' ')} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  results.set(name, byVariant);
}

// score as the suite's selection does: median with misses as budget + 1, divided by random's expectation
const score = (task: string, v: string) => median(results.get(task)!.get(v)!.map((r) => r ?? budget + 1)) / randomExpected.get(task)!;
console.log(`| task | ${variants.map(([v]) => v).join(' | ')} | LODO pick | its median |`);
console.log(`|---|${variants.map(() => '---|').join('')}---|---|`);
for (const task of results.keys()) {
  const others = [...results.keys()].filter((t) => t !== task);
  let pick = variants[0]![0];
  let best = Number.POSITIVE_INFINITY;
  for (const [v] of variants) {
    const s = others.reduce((sum, t) => sum + score(t, v), 0) / others.length;
    if (s < best) [best, pick] = [s, v];
  }
  const cells = variants.map(([v]) => {
    const runs = results.get(task)!.get(v)!;
    const missed = runs.filter((r) => r === null).length;
    return `${median(runs.map((r) => r ?? budget + 1))}${missed ? ` (${missed}×)` : ''}`;
  });
  console.log(`| ${task} | ${cells.join(' | ')} | ${pick} | ${median(results.get(task)!.get(pick)!.map((r) => r ?? budget + 1))} |`);
}
const mean = variants.map(([v]) => `${v} ${([...results.keys()].reduce((s, t) => s + score(t, v), 0) / results.size).toFixed(3)}`);
console.log(`\nmean ÷ random: ${mean.join(', ')}`);
