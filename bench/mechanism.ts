/**
 * Issue 21's benchmark, for the step predictor as it stands: elementary-step templates counted
 * over the train split's labelled mechanisms (src/mechanism/step-templates.ts) propose and rank
 * the steps of the valid split's; chains come from beam search over them (src/mechanism/chains.ts).
 * The test split is held out and never read.
 *
 * Measured on the valid split's labelled reactions:
 * - step_top1 / step_top3: the labelled step's outcome among the best 1 / 3 candidates, given the
 *   true previous steps (each step from its labelled reactants);
 * - mechanism_top1 / mechanism_top3: a chain from the first reactants (with the reagents the label
 *   adds) whose every intermediate is the labelled one, among the best 1 / 3 chains — without being
 *   given the product;
 * - product_top1: the best chain ends in the labelled final species;
 * - per_second: steps predicted per second (candidate generation and ranking).
 *
 *   npm run bench:mechanism [-- --beam 3 --limit 654]
 *
 * Needs ../shared/data/uspto15k-mech. Writes bench/results/mechanism.{json,md}.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initChem } from '../src/chem/index.js';
import { searchChains } from '../src/mechanism/chains.js';
import { trainStepLibrary } from '../src/mechanism/library-file.js';
import { labelledSpecies, readSpecies, sameSpecies } from '../src/mechanism/replay.js';
import { labelledMechanisms, machine, MECHANISM_DATA, requireMechanismData, writeResults } from './lib.js';

const { values } = parseArgs({ options: { beam: { type: 'string', default: '3' }, limit: { type: 'string' } } });
const beam = Number(values.beam);
requireMechanismData();

await initChem();
const loadStart = loadavg();
let t = performance.now();
const { library, report } = await trainStepLibrary(join(MECHANISM_DATA, 'train.jsonl'));
const skipped = report.skipped.length;
const trainSeconds = (performance.now() - t) / 1000;
console.error(`${library.size} step templates from the train split (${skipped} steps it could not read, and the rest of their mechanisms) in ${trainSeconds.toFixed(0)} s`);

const valid = labelledMechanisms('valid').slice(0, values.limit ? Number(values.limit) : undefined);
t = performance.now();
let steps = 0;
let top1 = 0;
let top3 = 0;
let reached = 0;
for (const [i, record] of valid.entries()) {
  if (i % 100 === 0) console.error(`steps: ${i}/${valid.length} reactions`);
  for (const step of record.steps) {
    const [reactants = '', products = ''] = step.rxn.split('>>');
    const expected = labelledSpecies(products);
    const rank = library.candidates(readSpecies(reactants)).findIndex((c) => sameSpecies(c.outcome, expected));
    steps++;
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (rank >= 0) reached++;
  }
}
const stepSeconds = (performance.now() - t) / 1000;

t = performance.now();
let mech1 = 0;
let mech3 = 0;
let product1 = 0;
for (const [i, record] of valid.entries()) {
  if (i % 50 === 0) console.error(`chains: ${i}/${valid.length} reactions`);
  const labelled = record.steps.map((s) => labelledSpecies(s.rxn.split('>>')[1]!));
  const chains = searchChains(library, readSpecies(record.steps[0]!.rxn.split('>>')[0]!), { beam, branching: beam });
  const right = (c: (typeof chains)[number]) => c.steps.length === labelled.length && c.steps.every((s, k) => sameSpecies(s.outcome, labelled[k]!));
  const rank = chains.findIndex(right);
  if (rank === 0) mech1++;
  if (rank >= 0 && rank < 3) mech3++;
  if (chains[0] && sameSpecies(chains[0].products, labelled[labelled.length - 1]!)) product1++;
}
const chainSeconds = (performance.now() - t) / 1000;

const result = {
  machine: machine(),
  load: { start: loadStart, end: loadavg() },
  model: 'step templates counted over the train split, ranked by precedent (no learned network yet)',
  train_templates: library.size,
  beam,
  valid_reactions: valid.length,
  valid_steps: steps,
  step_top1: top1 / steps,
  step_top3: top3 / steps,
  step_candidates_reach: reached / steps,
  mechanism_top1: mech1 / valid.length,
  mechanism_top3: mech3 / valid.length,
  product_top1: product1 / valid.length,
  per_second: steps / stepSeconds,
  mechanisms_per_second: valid.length / chainSeconds,
  seconds: { train: trainSeconds, steps: stepSeconds, chains: chainSeconds },
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
writeResults(
  'mechanism',
  result,
  [
    '# Mechanisms step by step (issue 21): the template baseline',
    '',
    `\`npm run bench:mechanism -- --beam ${beam}${values.limit ? ` --limit ${values.limit}` : ''}\`. ${library.size} elementary-step templates counted over the train split of mech-USPTO-15K`,
    `(MechFinder labels; the test split is held out) propose and rank steps; chains by beam search (beam ${beam}). Scored on ${valid.length} labelled valid reactions, ${steps} steps.`,
    `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${process.version}; load average ${loadStart[0]!.toFixed(1)} at the start.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| step top-1 (given the true previous steps) | ${pct(result.step_top1)} | |`,
    `| step top-3 | ${pct(result.step_top3)} | ≥ 95 % |`,
    `| a candidate reaches the labelled step | ${pct(result.step_candidates_reach)} | |`,
    `| complete mechanism top-1 (from reactants and reagents, no product given) | ${pct(result.mechanism_top1)} | ≥ 70 % |`,
    `| complete mechanism top-3 | ${pct(result.mechanism_top3)} | |`,
    `| product top-1 through the mechanism (the labelled final species) | ${pct(result.product_top1)} | |`,
    `| steps predicted per second | ${result.per_second.toFixed(1)} | |`,
    `| mechanisms searched per second | ${result.mechanisms_per_second.toFixed(2)} | |`,
  ].join('\n'),
);
