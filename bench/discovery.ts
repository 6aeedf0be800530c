/**
 * Discovery benchmark (`npm run bench:discovery`): on the example's reactivity table (990
 * Buchwald–Hartwig combinations, reacted = yield ≥ 20 %), how much of the space each strategy's
 * map gets right after N experiments — active learning by expected information (the default),
 * by outcome entropy, and random exploration, all scored with the same classifier, over seeds.
 *
 *   npm run bench:discovery [-- --seeds 10 --budget 200 --batch 10]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSpace } from '../src/agent/index.js';
import { loadCampaignFile, resolveSpecPath } from '../src/campaign/index.js';
import { initChem } from '../src/chem/index.js';
import { DiscoveryModel } from '../src/discovery/discovery-model.js';
import { DiscoveryRecommender, type DiscoveryAcquisition } from '../src/discovery/discovery-recommender.js';
import { runOfflineDiscovery } from '../src/discovery/offline-loop.js';
import { initTensorBackend } from '../src/models/backend.js';
import { ForwardPredictor } from '../src/models/forward/predictor.js';
import { RandomDesign } from '../src/planner/initial-design.js';
import { batchOracle } from '../src/discovery/forward-annotations.js';
import { readCsv } from '../src/util/csv.js';
import { machine, quantile, ROOT, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    budget: { type: 'string', default: '200' },
    batch: { type: 'string', default: '10' },
    model: { type: 'string' },
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const budget = Number(args.budget);
const batch = Number(args.batch);

await initChem();
await initTensorBackend({ log: null });
const { spec } = await loadCampaignFile(join(ROOT, 'examples', 'discovery.yaml'));
if (spec.lab.type !== 'simulator') throw new Error('the discovery example runs on the dataset simulator');
const space = await buildSpace(spec);
const truth = new Float64Array(space.size);
for (const row of (await readCsv(resolveSpecPath(spec, spec.lab.dataset))).rows) {
  const key = space.keyOfRow(row, spec.lab.columns);
  const index = key === null ? undefined : space.indexOfKey(key);
  if (index !== undefined) truth[index] = Number(row.reacted);
}
const predictor = ForwardPredictor.load(args.model);
const oracle = (reactants: string) => predictor.predict(reactants, { topK: 3 });
const options = { reactantRoles: spec.planner.discovery?.reactants ?? [] };
const model = await DiscoveryModel.build(space, batchOracle(oracle), options);
const positives = truth.reduce((a, b) => a + b, 0) / truth.length;

const strategies: { name: string; make: () => DiscoveryRecommender | RandomDesign }[] = [
  ...(['information', 'uncertainty'] as DiscoveryAcquisition[]).map((acquisition) => ({
    name: `active (${acquisition})`,
    make: () => new DiscoveryRecommender({ initialResults: batch, acquisition, forward: async () => batchOracle(oracle), model: options }),
  })),
  { name: 'random exploration', make: () => new RandomDesign() },
];

const checkpoints = [50, 100, 150, 200].filter((n) => n <= budget);
const results: Record<string, Record<number, number[]>> = {};
const started = Date.now();
for (const strategy of strategies) {
  results[strategy.name] = Object.fromEntries(checkpoints.map((n) => [n, [] as number[]]));
  for (const seed of seeds) {
    const curve = await runOfflineDiscovery({ space, truth, model, strategy: strategy.make(), budget, batch, seed });
    for (const n of checkpoints) results[strategy.name]![n]!.push(curve.find((c) => c.experiments === n)!.accuracy);
  }
  console.error(`${strategy.name}: done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const summary = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, median: quantile(sorted, 0.5), q25: quantile(sorted, 0.25), q75: quantile(sorted, 0.75), min: sorted[0]!, max: sorted.at(-1)! };
};
const table = Object.fromEntries(Object.entries(results).map(([name, byN]) => [name, Object.fromEntries(Object.entries(byN).map(([n, xs]) => [n, summary(xs)]))]));
const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const lines = [
  '# Discovery benchmark',
  '',
  `Map accuracy (share of all ${space.size} combinations whose outcome the campaign's map gets right: measured where an experiment ran, the classifier's prediction elsewhere) after N experiments, mean [min–max] over ${seeds.length} seeds, batch ${batch}. Table: examples/data/bh-reactivity.csv (Ahneman et al. 2018, XPhos plate; reacted = yield ≥ 20 %, ${pct(positives)} % of combinations). Predicting the majority outcome everywhere scores ${pct(Math.max(positives, 1 - positives))} %.`,
  '',
  `| strategy | ${checkpoints.map((n) => `N = ${n} (${pct(n / space.size)} %)`).join(' | ')} |`,
  `|---|${checkpoints.map(() => '---').join('|')}|`,
  ...Object.entries(table).map(([name, byN]) => `| ${name} | ${checkpoints.map((n) => `${pct(byN[n]!.mean)} [${pct(byN[n]!.min)}–${pct(byN[n]!.max)}]`).join(' | ')} |`),
  '',
  `Forward model: ${args.model ?? 'the shipped USPTO-15K model'} (${model.forward?.predictions} predictions for the space). ${((Date.now() - started) / 1000).toFixed(0)} s on ${machine().cpu}.`,
];
writeResults('discovery', { space: space.size, positives, seeds, budget, batch, checkpoints, strategies: table, machine: machine(), seconds: (Date.now() - started) / 1000 }, lines.join('\n'));
predictor.dispose();
