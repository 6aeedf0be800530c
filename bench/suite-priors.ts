/**
 * Hyperparameter priors learned across the suite's reaction datasets: on each dataset the GP is
 * fitted (weak priors, marginal likelihood) on a few seeded random subsets of its rows; the log
 * hyperparameters are pooled by kind (role length scale, numeric and categorical length scale,
 * interaction variance, main-effect variance, noise); a dataset's figure is the mean over its
 * subsets and factors. The prior for a campaign is then the mean over datasets, and its sd the
 * spread between datasets (at least 0.5 in log units, so that the data can still move it).
 *
 * Leave-one-dataset-out: `heldOut[d]` are the priors learned on every dataset but d — what a
 * campaign on d is given when d is scored; `all` uses every dataset (what the product ships).
 *
 *   npx tsx bench/suite-priors.ts [--size 150] [--subsets 3] [--out suite-priors]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { WEAK_PRIORS, type HyperPriors } from '../src/models/gp-likelihood.js';
import { factorsOf } from '../src/models/gp-kernel.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { ROOT } from './lib.js';
import { loadTask, taskNames } from './suite/tasks.js';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '150' },
    subsets: { type: 'string', default: '3' },
    out: { type: 'string', default: 'suite-priors' },
  },
});
const size = Number(args.size);
const subsets = Number(args.subsets);

type Kind = Exclude<keyof HyperPriors, 'pairVariance'>;
const KINDS: Kind[] = ['roleLength', 'numericLength', 'categoricalLength', 'productVariance', 'factorVariance', 'noise'];

/** Per dataset: the mean log value of each kind of hyperparameter (absent: the dataset has none of that kind). */
const learned: Record<string, Partial<Record<Kind, number>>> = {};

for (const name of taskNames()) {
  const task = await loadTask(name);
  if (task.kind !== 'dataset') continue;
  const landscape = task.landscape(1);
  const target = task.spec.objective.target;
  const bounds = task.spec.objective.bounds;
  const schema = schemaFromSpace(task.space, [target], bounds ? { [target]: [bounds[0], bounds[1]] } : undefined);
  const factors = factorsOf(schema, DEFAULT_GP_CONFIG.fingerprintRadius);
  const measured = [...Array(task.space.size).keys()].filter((i) => !Number.isNaN(landscape.values[i]!));
  const pooled: Partial<Record<Kind, number[]>> = {};
  const add = (kind: Kind, v: number) => (pooled[kind] ??= []).push(v);
  for (let s = 1; s <= subsets; s++) {
    const rows = shuffled(measured, rngFor(s, 'priors', name)).slice(0, size);
    const model = new GaussianProcessSurrogate(schema, { ...DEFAULT_GP_CONFIG, maxIterations: 100 });
    await model.fit({ inputs: rows.map((i) => reactionInputOf(task.space, i)), targets: { [target]: rows.map((i) => landscape.values[i]!) } }, { seed: s });
    // the fitted hyperparameters, as the saved model holds them
    const { hyper } = (model as unknown as { states: Map<string, { hyper: { logLength: number[]; logProductVariance: number; logFactorVariance: number[]; logNoise: number } }> }).states.get(target)!;
    factors.forEach((f, i) => {
      add(f.kind === 'role' ? 'roleLength' : f.kind === 'numeric' ? 'numericLength' : 'categoricalLength', hyper.logLength[i]!);
      add('factorVariance', hyper.logFactorVariance[i]!);
    });
    add('productVariance', hyper.logProductVariance);
    add('noise', hyper.logNoise);
  }
  learned[name] = Object.fromEntries(Object.entries(pooled).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
  console.error(name, JSON.stringify(learned[name]));
}

function priorsFrom(datasets: string[]): HyperPriors {
  const out = {} as HyperPriors;
  for (const kind of KINDS) {
    const values = datasets.map((d) => learned[d]![kind]).filter((v): v is number => v !== undefined);
    if (values.length < 2) {
      // too few datasets have this kind of factor to learn from: keep the weak prior
      out[kind] = WEAK_PRIORS[kind];
      continue;
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    out[kind] = { mean, sd: Math.max(sd, 0.5) };
  }
  return out;
}

const datasets = Object.keys(learned);
const result = {
  size,
  subsets,
  learned,
  all: priorsFrom(datasets),
  heldOut: Object.fromEntries(datasets.map((d) => [d, priorsFrom(datasets.filter((x) => x !== d))])),
};
writeFileSync(join(ROOT, 'bench', 'results', `${args.out}.json`), JSON.stringify(result, null, 1));
console.log(JSON.stringify(result.all, null, 1));
