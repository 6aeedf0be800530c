/**
 * Does the mixed planner's acquisition optimisation find the acquisition's maximum? On the SnAr
 * task of bench:continuous (bench/continuous-tasks.ts), the same closed loop (EI, batch 4, GP
 * refitted after every batch); at every model round, the EI of the planner's first pick (its
 * optimised maximum before penalisation) against the largest EI over a reference set the
 * optimiser never sees: the 3,150-point grid of the discrete comparison, which holds the box's
 * faces and corners, where SnAr's optimum lies. The model is the same, so a grid point with a
 * larger EI means the optimiser missed the maximum.
 *
 *   npm run bench:continuous-acquisition -- [--seeds 3] [--budget 60]
 */
import { modelView } from '../src/agent/campaign-model.js';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate } from '../src/models/gp.js';
import { reactionInputOf, schemaFromSpace } from '../src/models/schema.js';
import { expectedImprovement } from '../src/planner/acquisition.js';
import { MixedRecommender } from '../src/planner/mixed/mixed-recommender.js';
import type { MixedPoint } from '../src/planner/mixed/domain.js';
import { SearchSpace } from '../src/planner/space.js';
import { loadavg } from 'node:os';
import { snarTask } from './continuous-tasks.js';
import { machine, writeResults } from './lib.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const seeds = option('seeds', 3);
const budget = option('budget', 60);
const batch = 4;
const started = Date.now();
const loadStart = loadavg();

const task = snarTask();
const space = new SearchSpace({ parameters: task.parameters });
const reference: MixedPoint[] = [];
const [taus, equivs, concs, temps] = task.grid as [number[], number[], number[], number[]];
for (const a of taus) for (const b of equivs) for (const c of concs) for (const d of temps) reference.push(space.domain!.pointOf([a, b, c, d])!);

interface Round {
  seed: number;
  round: number;
  results: number;
  best_pct: number;
  planner_ei: number;
  reference_max_ei: number;
  reference_argmax: number[];
}
const rounds: Round[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const planner = new MixedRecommender({ acquisition: { name: 'ei' }, initialResults: 2 * batch, penaltyLength: 0.1 });
  const schema = schemaFromSpace(space, ['objective']);
  const observed: { candidate: number; value: number }[] = [];
  let gp: GaussianProcessSurrogate | undefined;
  for (let round = 1; observed.length < budget; round++) {
    let model;
    if (observed.length >= 2 * batch) {
      const next = new GaussianProcessSurrogate(schema, DEFAULT_GP_CONFIG);
      await next.fit({ inputs: observed.map((o) => reactionInputOf(space, o.candidate)), targets: { objective: observed.map((o) => o.value) } }, { seed, ...(gp ? { warmStart: gp } : {}) });
      gp = next;
      model = modelView(space, gp, 'objective', round);
    }
    const { proposals } = await planner.recommend({ space, count: batch, seed, round, observations: observed, pending: [], taken: new Set(observed.map((o) => o.candidate)), direction: 'maximize', ...(model ? { model } : {}) });
    if (model && proposals[0]?.acquisition !== undefined) {
      const incumbent = Math.max(...observed.map((o) => o.value));
      const predicted = await model.predictPoints!(reference);
      let best = -1;
      let at = 0;
      for (let i = 0; i < reference.length; i++) {
        const ei = expectedImprovement(predicted.mean[i]!, predicted.sigma[i]!, incumbent);
        if (ei > best) [best, at] = [ei, i];
      }
      rounds.push({ seed, round, results: observed.length, best_pct: (100 * incumbent) / task.optimum, planner_ei: proposals[0]!.acquisition!, reference_max_ei: best, reference_argmax: Array.from(reference[at]!.reals) });
      console.error(`seed ${seed} round ${round}: planner EI ${proposals[0]!.acquisition!.toFixed(1)}, reference max EI ${best.toFixed(1)}`);
    }
    const values = await task.evaluate(proposals.map((p) => space.valuesOf(p.candidate)));
    proposals.forEach((p, k) => observed.push({ candidate: p.candidate, value: values[k]! }));
  }
}

const missed = rounds.filter((r) => r.reference_max_ei > r.planner_ei * 1.01 + 1e-9);
const badly = rounds.filter((r) => r.reference_max_ei > 10 * r.planner_ei + 1e-9);
const m = machine();
const lines = [
  '# bench:continuous-acquisition',
  '',
  `SnAr (space-time yield, optimum ${task.optimum.toFixed(1)} kg m⁻³ h⁻¹), mixed planner with EI, batch ${batch}, budget ${budget}, ${seeds} seeds. At each model round: the EI of the planner's first pick (its optimised acquisition maximum) against the largest EI over the 3,150-point grid (box faces and corners included), same model. Machine ${m.cpu}, ${m.cores} cores (shared), load ${loadStart.map((l) => l.toFixed(1)).join(' ')} → ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  '',
  `**Rounds where a grid point has a larger EI than the optimiser's maximum: ${missed.length} of ${rounds.length}; more than 10× larger: ${badly.length} of ${rounds.length}.**`,
  '',
  '| seed | round | results | best so far (% of optimum) | planner EI | grid max EI | at (τ min, equiv, M, °C) |',
  '|---|---|---|---|---|---|---|',
  ...rounds.map((r) => `| ${r.seed} | ${r.round} | ${r.results} | ${r.best_pct.toFixed(1)} | ${r.planner_ei.toFixed(1)} | ${r.reference_max_ei.toFixed(1)} | ${r.reference_argmax.map((v) => +v.toFixed(3)).join(', ')} |`),
];
writeResults('continuous-acquisition', { seeds, budget, batch, rounds, missed: missed.length, missed_10x: badly.length, total: rounds.length, machine: { ...m, loadavg_start: loadStart, loadavg_end: loadavg() } }, lines.join('\n'));
