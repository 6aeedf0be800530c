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
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initChem } from '../src/chem/index.js';
import { parseArrow } from '../src/mechanism/arrows.js';
import { searchChains } from '../src/mechanism/chains.js';
import { ElectronMoveError } from '../src/mechanism/electron-moves.js';
import { labelledSpecies, readSpecies, sameSpecies, type MechanismRecord } from '../src/mechanism/replay.js';
import { StepTemplateLibrary } from '../src/mechanism/step-templates.js';
import { machine, ROOT, writeResults } from './lib.js';

const DATA = resolve(ROOT, '..', 'shared', 'data', 'uspto15k-mech');
const { values } = parseArgs({ options: { beam: { type: 'string', default: '3' }, limit: { type: 'string' } } });
const beam = Number(values.beam);
if (!existsSync(DATA)) {
  console.error(`../shared/data/uspto15k-mech is absent (looked in ${DATA}): this benchmark needs the labelled mechanisms`);
  process.exit(2);
}
const load = (split: string) =>
  readFileSync(join(DATA, `${split}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MechanismRecord & { mech_found: boolean })
    .filter((r) => r.mech_found);

await initChem();
const loadStart = loadavg();
let t = performance.now();
const library = new StepTemplateLibrary();
let skipped = 0;
for (const record of load('train')) {
  let previous = '';
  let first = '';
  for (const [k, step] of record.steps.entries()) {
    try {
      previous = library.add(readSpecies(step.rxn.split('>>')[0]!), step.arrows.map((a) => parseArrow(a)), k === record.steps.length - 1, previous, first);
      if (k === 0) first = previous;
    } catch (error) {
      if (!(error instanceof ElectronMoveError)) throw error;
      skipped++;
      break;
    }
  }
}
const trainSeconds = (performance.now() - t) / 1000;
console.error(`${library.size} step templates from the train split (${skipped} steps the engine could not read) in ${trainSeconds.toFixed(0)} s`);

const valid = load('valid').slice(0, values.limit ? Number(values.limit) : undefined);
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
