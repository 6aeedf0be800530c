/**
 * Issue 21's benchmark: elementary-step templates counted over the train split's labelled
 * mechanisms propose steps (src/mechanism/step-templates.ts), the learned step model (a graph
 * network trained on the same split, src/mechanism/step-scorer.ts) scores them and the decision to
 * stop, and chains come from beam search over its probabilities (src/mechanism/chains.ts). The
 * template-precedent ranking it replaces is measured beside it. The test split is never read.
 *
 * Measured on the valid split's labelled reactions:
 * - step_top1 / step_top3: the labelled step's outcome among the best 1 / 3 moves, given the true
 *   previous steps (each step from its labelled reactants); stop counts as a move, so ranking stop
 *   above the labelled step is a miss;
 * - stop_top1: at each mechanism's labelled end, stop ranked above every move;
 * - mechanism_top1 / mechanism_top3: a chain from the first reactants (with the reagents the label
 *   adds) whose every intermediate is the labelled one and that ends there, among the best 1 / 3
 *   chains — without being given the product;
 * - product_top1: the best chain ends in the labelled final species;
 * - per_second: steps predicted per second (candidate generation and scoring);
 * - forward_top1 / forward_with_mechanism_top1 / forward_with_mechanism_label_reagents_top1: the
 *   forward model's top-1 product (the recorded product), alone and with the mechanisms as a second
 *   opinion (its top 5 re-ranked by the mean of its probability and the share of the best chains
 *   ending in the product), the chains searched from the reactants the forward model reads, and
 *   from the label's first species (which may add reagents the reaction record lacks).
 *
 *   npm run bench:mechanism [-- --beam 5 --limit 654 --scorer models/mechanism-scorer-uspto15k.athm.gz]
 *
 * Needs ../shared/data/uspto15k-mech. Writes bench/results/mechanism.{json,md}.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalOrNull, initChem } from '../src/chem/index.js';
import { parseArrow } from '../src/mechanism/arrows.js';
import { ElectronMoveError } from '../src/mechanism/electron-moves.js';
import { searchChains, type Chain, type StepScorer } from '../src/mechanism/chains.js';
import { trainStepLibrary } from '../src/mechanism/library-file.js';
import { LOW_CONFIDENCE, mappedSpecies } from '../src/mechanism/predict.js';
import { labelledSpecies, sameSpecies } from '../src/mechanism/replay.js';
import { readStepScorer, SHIPPED_STEP_SCORER } from '../src/mechanism/scorer-file.js';
import { mechanismInput, rerankedByMechanisms, withMechanismOpinion } from '../src/mechanism/second-opinion.js';
import { extractStepTemplate } from '../src/mechanism/step-templates.js';
import { initTensorBackend } from '../src/models/backend.js';
import { ForwardPredictor } from '../src/models/forward/predictor.js';
import { labelledMechanisms, machine, MECHANISM_DATA, requireMechanismData, writeResults } from './lib.js';

const { values } = parseArgs({ options: { beam: { type: 'string', default: '5' }, limit: { type: 'string' }, scorer: { type: 'string' } } });
const beam = Number(values.beam);
requireMechanismData();

await initChem();
const backend = await initTensorBackend();
const loadStart = loadavg();
let t = performance.now();
const { library, report } = await trainStepLibrary(join(MECHANISM_DATA, 'train.jsonl'));
const trainSeconds = (performance.now() - t) / 1000;
console.error(`${library.size} step templates from the train split (${report.skipped.length} steps it could not read, and the rest of their mechanisms) in ${trainSeconds.toFixed(0)} s`);
const scorerPath = resolve(values.scorer ?? SHIPPED_STEP_SCORER);
const { scorer, training } = readStepScorer(scorerPath, library);
console.error(`learned step model ${scorerPath}: trained on ${training.mechanisms} mechanisms of ${training.source}, best epoch ${training.bestEpoch}`);

const valid = labelledMechanisms('valid').slice(0, values.limit ? Number(values.limit) : undefined);

/** Rank of `gold` (−1: absent) when moves and stop are ordered by the scorer's probabilities. */
function learnedRank(probabilities: number[], stop: number, gold: number): number {
  const entries = [...probabilities.map((p, i) => ({ p, i })), { p: stop, i: -1 }].sort((a, b) => b.p - a.p);
  return entries.findIndex((e) => e.i === gold);
}

const counts = { steps: 0, baseline1: 0, baseline3: 0, learned1: 0, learned3: 0, reached: 0, inPool: 0, ends: 0, stop1: 0 };
let learnedStepSeconds = 0;
let baselineStepSeconds = 0;
for (const [i, record] of valid.entries()) {
  if (i % 100 === 0) console.error(`steps: ${i}/${valid.length} reactions`);
  let previous = '';
  let first = '';
  for (const [k, step] of record.steps.entries()) {
    const [reactants = '', products = ''] = step.rxn.split('>>');
    const species = mappedSpecies(reactants);
    const expected = labelledSpecies(products);
    t = performance.now();
    const all = library.candidates(species);
    const baselineRank = all.findIndex((c) => sameSpecies(c.outcome, expected));
    baselineStepSeconds += (performance.now() - t) / 1000;
    t = performance.now();
    const pool = all.slice(0, scorer.pool);
    const [scored] = scorer.score([{ species, context: { previous, first, depth: k }, candidates: pool }]);
    learnedStepSeconds += (performance.now() - t) / 1000;
    const gold = pool.findIndex((c) => sameSpecies(c.outcome, expected));
    const rank = gold < 0 ? -1 : learnedRank(scored!.candidates, scored!.stop, gold);
    counts.steps++;
    if (baselineRank === 0) counts.baseline1++;
    if (baselineRank >= 0 && baselineRank < 3) counts.baseline3++;
    if (baselineRank >= 0) counts.reached++;
    if (gold >= 0) counts.inPool++;
    if (rank === 0) counts.learned1++;
    if (rank >= 0 && rank < 3) counts.learned3++;
    // the context of the next step; a labelled step the engine cannot read leaves none (as in training)
    let specific = '';
    try {
      specific = extractStepTemplate(species, step.arrows.map((a, j) => parseArrow(a, `step ${k + 1} arrow ${j + 1}`)), 1).key;
    } catch (error) {
      if (!(error instanceof ElectronMoveError)) throw error;
    }
    previous = specific;
    if (k === 0) first = specific;
  }
  const end = mappedSpecies(record.steps[record.steps.length - 1]!.rxn.split('>>')[1]!);
  const [atEnd] = scorer.score([{ species: end, context: { previous, first, depth: record.steps.length }, candidates: library.candidates(end).slice(0, scorer.pool) }]);
  counts.ends++;
  if (atEnd!.candidates.every((p) => p < atEnd!.stop)) counts.stop1++;
}

interface ChainScore {
  top1: number;
  top3: number;
  product1: number;
  seconds: number;
  /** reactions whose best chain has probability < LOW_CONFIDENCE (the product's flag), and how many of those are right at top-1 */
  flagged: number;
  flaggedTop1: number;
}

/** Chains of the learned search, per reaction (the forward model's second opinion reads them). */
const learnedChains: Chain[][] = [];

function scoreChains(model: StepScorer | undefined): ChainScore {
  const started = performance.now();
  const score = { top1: 0, top3: 0, product1: 0, seconds: 0, flagged: 0, flaggedTop1: 0 };
  for (const [i, record] of valid.entries()) {
    if (i % 100 === 0) console.error(`chains (${model ? 'learned' : 'precedent'}): ${i}/${valid.length} reactions`);
    const labelled = record.steps.map((s) => labelledSpecies(s.rxn.split('>>')[1]!));
    const chains = searchChains(library, mappedSpecies(record.steps[0]!.rxn.split('>>')[0]!), { beam, branching: beam, ...(model ? { scorer: model } : {}) });
    if (model) learnedChains.push(chains);
    const right = (c: Chain) => c.steps.length === labelled.length && c.steps.every((s, k) => sameSpecies(s.outcome, labelled[k]!));
    const rank = chains.findIndex(right);
    if (rank === 0) score.top1++;
    if (rank >= 0 && rank < 3) score.top3++;
    // searchChains' probabilities are the chains' own (predict.ts turns them into shares)
    if (model && (chains[0]?.probability ?? 0) < LOW_CONFIDENCE) {
      score.flagged++;
      if (rank === 0) score.flaggedTop1++;
    }
    if (chains[0] && sameSpecies(chains[0].products, labelled[labelled.length - 1]!)) score.product1++;
  }
  score.seconds = (performance.now() - started) / 1000;
  return score;
}

const baseline = scoreChains(undefined);
const learned = scoreChains(scorer);

// the forward model, alone and with the mechanisms as a second opinion
const forward = ForwardPredictor.load();
let forward1 = 0;
let fromReactants1 = 0;
let fromLabel1 = 0;
let forwardReactions = 0;
for (const [i, record] of valid.entries()) {
  if (i % 100 === 0) console.error(`forward: ${i}/${valid.length} reactions`);
  const recorded = canonicalOrNull((record as { product?: string }).product ?? '');
  const reactants = ((record as { rxn_smiles?: string }).rxn_smiles ?? '').split('>>')[0] ?? '';
  if (!recorded || !reactants) continue;
  forwardReactions++;
  const predictions = forward.predict(reactants, { topK: 5 });
  if (predictions[0]?.product === recorded) forward1++;
  // the mechanisms from what the forward model reads, as a user's query would give them
  let fromReactants: Chain[] = [];
  try {
    fromReactants = searchChains(library, mappedSpecies(mechanismInput(reactants)), { beam, branching: beam, scorer });
  } catch (error) {
    if (!(error instanceof ElectronMoveError)) throw error;
  }
  if (rerankedByMechanisms(withMechanismOpinion(predictions, fromReactants))[0]?.product === recorded) fromReactants1++;
  // and from the label's first species, which may add reagents the reaction record lacks
  if (rerankedByMechanisms(withMechanismOpinion(predictions, learnedChains[i]!))[0]?.product === recorded) fromLabel1++;
}

/** A chain search's scores as fractions of the reactions, and its speed. */
function chainFractions(score: ChainScore) {
  return { mechanism_top1: score.top1 / valid.length, mechanism_top3: score.top3 / valid.length, product_top1: score.product1 / valid.length, mechanisms_per_second: valid.length / score.seconds };
}

const stepsPerSecond = counts.steps / (baselineStepSeconds + learnedStepSeconds);
const result = {
  machine: machine(),
  load: { start: loadStart, end: loadavg() },
  backend: backend.backend,
  model: `step templates counted over the train split propose moves; a graph network (${scorer.pool} best-precedented moves and stop per state) trained on the same split scores them`,
  scorer: { file: scorerPath, training },
  train_templates: library.size,
  beam,
  valid_reactions: valid.length,
  valid_steps: counts.steps,
  step_top1: counts.learned1 / counts.steps,
  step_top3: counts.learned3 / counts.steps,
  step_in_pool: counts.inPool / counts.steps,
  stop_top1: counts.stop1 / counts.ends,
  ...chainFractions(learned),
  low_confidence: {
    threshold: LOW_CONFIDENCE,
    flagged: learned.flagged / valid.length,
    mechanism_top1_flagged: learned.flagged ? learned.flaggedTop1 / learned.flagged : null,
    mechanism_top1_confident: (learned.top1 - learned.flaggedTop1) / (valid.length - learned.flagged),
  },
  per_second: stepsPerSecond,
  precedent_baseline: {
    step_top1: counts.baseline1 / counts.steps,
    step_top3: counts.baseline3 / counts.steps,
    step_candidates_reach: counts.reached / counts.steps,
    ...chainFractions(baseline),
  },
  forward_reactions: forwardReactions,
  forward_top1: forward1 / forwardReactions,
  forward_with_mechanism_top1: fromReactants1 / forwardReactions,
  forward_with_mechanism_label_reagents_top1: fromLabel1 / forwardReactions,
  seconds: { train_templates: trainSeconds, steps_precedent: baselineStepSeconds, steps_learned: learnedStepSeconds, chains_precedent: baseline.seconds, chains_learned: learned.seconds },
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const b = result.precedent_baseline;
writeResults(
  'mechanism',
  result,
  [
    '# Mechanisms step by step (issue 21): the learned step model against template precedent',
    '',
    `\`npm run bench:mechanism -- --beam ${beam}${values.limit ? ` --limit ${values.limit}` : ''}\`. ${library.size} elementary-step templates counted over the train split of mech-USPTO-15K`,
    `(MechFinder labels; the test split is never read) propose moves; the learned step model (${training.trainStates} training states, best epoch ${training.bestEpoch}) scores the ${scorer.pool} best-precedented moves of a state and stopping;`,
    `chains by beam search (beam ${beam}). Scored on ${valid.length} labelled valid reactions, ${counts.steps} steps.`,
    `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${process.version}, tfjs ${backend.backend}; load average ${loadStart[0]!.toFixed(1)} at the start.`,
    '',
    '| measure | learned step model | template precedent | target |',
    '|---|---|---|---|',
    `| step top-1 (given the true previous steps) | ${pct(result.step_top1)} | ${pct(b.step_top1)} | |`,
    `| step top-3 | ${pct(result.step_top3)} | ${pct(b.step_top3)} | ≥ 95 % |`,
    `| the labelled step among the moves considered | ${pct(result.step_in_pool)} (best ${scorer.pool}) | ${pct(b.step_candidates_reach)} (all) | |`,
    `| stop ranked first at the labelled end | ${pct(result.stop_top1)} | – | |`,
    `| complete mechanism top-1 (from reactants and reagents, no product given) | ${pct(result.mechanism_top1)} | ${pct(b.mechanism_top1)} | ≥ 70 % |`,
    `| complete mechanism top-3 | ${pct(result.mechanism_top3)} | ${pct(b.mechanism_top3)} | |`,
    `| product top-1 through the mechanism (the labelled final species) | ${pct(result.product_top1)} | ${pct(b.product_top1)} | |`,
    `| mechanisms searched per second | ${result.mechanisms_per_second.toFixed(2)} | ${b.mechanisms_per_second.toFixed(2)} | |`,
    '',
    `Steps predicted per second (candidates and scoring): ${result.per_second.toFixed(1)}.`,
    '',
    `Low-confidence flag (the best chain's own probability under ${LOW_CONFIDENCE}): ${pct(result.low_confidence.flagged)} of the reactions flagged; complete mechanism top-1 ${result.low_confidence.mechanism_top1_flagged === null ? '–' : pct(result.low_confidence.mechanism_top1_flagged)} among them, ${pct(result.low_confidence.mechanism_top1_confident)} among the others.`,
    '',
    `Forward model with the mechanisms as a second opinion (${forwardReactions} valid reactions, the recorded product): top-1 ${pct(result.forward_top1)} alone; re-ranking its top 5 by the mean of its probability and the share of the best chains ending in the product gives ${pct(result.forward_with_mechanism_top1)} with chains from the reaction's own reactants (what a user's query gives) and ${pct(result.forward_with_mechanism_label_reagents_top1)} with chains from the label's first species (reagents the label adds). The product shows the support beside the forward ranking and does not re-rank.`,
  ].join('\n'),
);
