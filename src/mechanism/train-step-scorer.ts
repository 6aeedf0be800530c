/**
 * Training the learned step model on labelled mechanisms: every labelled step is one example (its
 * state, the candidate moves the templates offer, the labelled one as gold), and every mechanism's
 * end one more (the final species, with stop as gold). A step is never its own precedent: its
 * templates' and transition's counts are taken out of the features it is trained on. Training is
 * the forward ranker's (Adam, softmax cross-entropy, early stopping on held-out top-1 over a
 * seeded tenth of the mechanisms; never the evaluation split).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEFAULT_RANKER_SCHEDULE, trainRanker, type RankerProgress, type RankerSchedule } from '../models/forward/train-ranker.js';
import type { RankerConfig, RankerExample } from '../models/forward/ranker-network.js';
import type { Parameters } from '../models/params.js';
import { rngFor, shuffled } from '../util/random.js';
import { SmilesError } from '../chem/index.js';
import { ArrowError, parseArrow } from './arrows.js';
import { ElectronMoveError } from './electron-moves.js';
import { mappedSpecies } from './predict.js';
import { labelledSpecies, sameSpecies, type MechanismRecord } from './replay.js';
import { DEFAULT_POOL, stateExample, templateSlots, withoutOwnPrecedent, type OwnStep } from './step-scorer.js';
import { extractStepTemplate, type StepTemplateLibrary } from './step-templates.js';

export interface ScorerOptions {
  pool: number;
  hidden: number;
  depth: number;
  /** radius-1 templates seen this often get an embedding row of their own */
  minTemplateCount: number;
  schedule: RankerSchedule;
  seed: number;
}

export const DEFAULT_SCORER_OPTIONS: ScorerOptions = {
  pool: DEFAULT_POOL,
  hidden: 64,
  depth: 3,
  minTemplateCount: 10,
  schedule: { ...DEFAULT_RANKER_SCHEDULE, epochs: 10, batchSize: 32, patience: 2 },
  seed: 1,
};

/** Every labelled mechanism of a JSON Lines file (records without steps skipped). */
export async function readMechanismRecords(path: string): Promise<MechanismRecord[]> {
  const records: MechanismRecord[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      const record = JSON.parse(text) as MechanismRecord;
      if (Array.isArray(record.steps) && record.steps.length > 0) records.push(record);
    } catch (error) {
      throw new Error(`${path} line ${line}: not JSON (${(error as Error).message})`);
    }
  }
  return records;
}

export interface ExampleReport {
  examples: number;
  stopExamples: number;
  /** labelled steps none of the pool's candidates reproduces (not trainable) */
  outsidePool: number;
  /** steps the engine could not read, with the rest of their mechanisms */
  unreadable: number;
}

/** Training examples of labelled mechanisms, each step's own precedent taken out. */
export function mechanismExamples(
  library: StepTemplateLibrary,
  records: readonly MechanismRecord[],
  slots: ReadonlyMap<string, number>,
  pool: number,
  onProgress?: (done: number, total: number) => void,
): { examples: RankerExample[][]; report: ExampleReport } {
  const report: ExampleReport = { examples: 0, stopExamples: 0, outsidePool: 0, unreadable: 0 };
  const perRecord: RankerExample[][] = [];
  records.forEach((record, r) => {
    if (r % 100 === 0) onProgress?.(r, records.length);
    const examples: RankerExample[] = [];
    let previous = '';
    let first = '';
    try {
      for (const [k, step] of record.steps.entries()) {
        const [reactants = '', products = ''] = step.rxn.split('>>');
        const species = mappedSpecies(reactants);
        const arrows = step.arrows.map((a, i) => parseArrow(a, `step ${k + 1} arrow ${i + 1}`));
        const specific = extractStepTemplate(species, arrows, 1).key;
        const own: OwnStep = {
          general: extractStepTemplate(species, arrows, 0).key,
          specific,
          finer: extractStepTemplate(species, arrows, 2).key,
          transition: { previous, first, next: specific },
        };
        const candidates = withoutOwnPrecedent(library.candidates(species), own).slice(0, pool);
        const expected = labelledSpecies(products);
        const gold = candidates.findIndex((c) => sameSpecies(c.outcome, expected));
        if (gold >= 0) examples.push(stateExample(library, { species, context: { previous, first, depth: k }, candidates }, slots, own.transition, gold));
        else report.outsidePool++;
        previous = specific;
        if (k === 0) first = specific;
        if (k === record.steps.length - 1) {
          const end = mappedSpecies(products);
          const endCandidates = library.candidates(end).slice(0, pool);
          examples.push(stateExample(library, { species: end, context: { previous, first, depth: k + 1 }, candidates: endCandidates }, slots, { previous, first, next: null }, -1));
          report.stopExamples++;
        }
      }
    } catch (error) {
      if (!(error instanceof ElectronMoveError || error instanceof SmilesError || error instanceof ArrowError)) throw error;
      report.unreadable++;
    }
    report.examples += examples.length;
    perRecord.push(examples);
  });
  onProgress?.(records.length, records.length);
  return { examples: perRecord, report };
}

export interface TrainedStepScorer {
  params: Parameters;
  config: RankerConfig;
  slots: Map<string, number>;
  pool: number;
  report: ExampleReport & { epochs: number; bestEpoch: number; heldOutTop1: number; trainStates: number; heldOutStates: number; seconds: number };
}

export async function trainStepScorer(
  library: StepTemplateLibrary,
  records: readonly MechanismRecord[],
  options: ScorerOptions = DEFAULT_SCORER_OPTIONS,
  progress: {
    onExamples?: (done: number, total: number) => void;
    onEpoch?: (p: RankerProgress) => void;
    /** each time the held-out top-1 improves, the model as it stands (e.g. to write a checkpoint) */
    onBest?: (model: Omit<TrainedStepScorer, 'report'> & { report: { trainStates: number; heldOutStates: number } }, epoch: number, top1: number) => void;
  } = {},
): Promise<TrainedStepScorer> {
  const started = Date.now();
  const slots = templateSlots(library, options.minTemplateCount);
  const config: RankerConfig = { hidden: options.hidden, depth: options.depth, templateSlots: slots.size + 2 };
  const { examples, report } = mechanismExamples(library, records, slots, options.pool, progress.onExamples);
  // held out by mechanism, so no state of a held-out mechanism is trained on
  const order = shuffled(examples.map((_, i) => i), rngFor(options.seed, 'mechanism-scorer-split'));
  const heldOutCount = Math.max(1, Math.round(order.length / 10));
  const heldOut = order.slice(0, heldOutCount).flatMap((i) => examples[i]!);
  const train = order.slice(heldOutCount).flatMap((i) => examples[i]!);
  if (train.length === 0) throw new Error('no labelled step could be turned into a training example');
  const onBest = progress.onBest;
  const trained = await trainRanker(train, heldOut, config, options.schedule, options.seed, progress.onEpoch, onBest && ((params, epoch, top1) => onBest({ params, config, slots, pool: options.pool, report: { trainStates: train.length, heldOutStates: heldOut.length } }, epoch, top1)));
  return {
    params: trained.params,
    config,
    slots,
    pool: options.pool,
    report: { ...report, epochs: trained.epochs, bestEpoch: trained.bestEpoch, heldOutTop1: trained.heldOutTop1, trainStates: train.length, heldOutStates: heldOut.length, seconds: (Date.now() - started) / 1000 },
  };
}
