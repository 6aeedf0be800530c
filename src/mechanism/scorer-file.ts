/**
 * The learned step model on disk: the network's configuration and weights, the template rows it
 * embeds, how it was trained, and a digest of the step-template library it was trained with (its
 * features are that library's counts, so it is refused beside another), in the models' container,
 * gzipped, beside the library (`….scorer.athm.gz`). The shipped one is `athanor train-mechanism` run
 * on the train split of mech-USPTO-15K.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FEATURIZER_VERSION } from '../chem/index.js';
import type { RankerConfig } from '../models/forward/ranker-network.js';
import { Parameters } from '../models/params.js';
import { decodeContainer, encodeContainer, type TensorData } from '../models/serialization.js';
import { SHIPPED_STEP_LIBRARY } from './library-file.js';
import { LearnedStepScorer } from './step-scorer.js';
import type { StepTemplateLibrary } from './step-templates.js';

export const STEP_SCORER_FORMAT = 'athanor-step-scorer-v1';
/** Where the learned step model trained with a library lives: beside it, so the two travel together. */
export function scorerPathFor(libraryPath: string): string {
  return `${libraryPath.replace(/\.json\.gz$|\.json$/, '')}.scorer.athm.gz`;
}

export const SHIPPED_STEP_SCORER = scorerPathFor(SHIPPED_STEP_LIBRARY);

export interface StepScorerTraining {
  source: string;
  mechanisms: number;
  trainStates: number;
  heldOutStates: number;
  epochs: number;
  bestEpoch: number;
  heldOutTop1: number;
  seconds: number;
  backend: string;
  seed: number;
}

interface StepScorerHeader {
  format: typeof STEP_SCORER_FORMAT;
  featurizer: string;
  library: string;
  config: RankerConfig;
  pool: number;
  slots: [string, number][];
  shapes: Record<string, number[]>;
  training: StepScorerTraining;
}

/** What identifies a library's counts (the scorer's features are read from them). */
export function libraryDigest(library: StepTemplateLibrary): string {
  return createHash('sha256').update(JSON.stringify(library.toJSON())).digest('hex').slice(0, 16);
}

export function writeStepScorer(path: string, library: StepTemplateLibrary, model: { params: Parameters; config: RankerConfig; pool: number; slots: ReadonlyMap<string, number> }, training: StepScorerTraining): void {
  const header: StepScorerHeader = {
    format: STEP_SCORER_FORMAT,
    featurizer: FEATURIZER_VERSION,
    library: libraryDigest(library),
    config: model.config,
    pool: model.pool,
    slots: [...model.slots],
    shapes: model.params.shapes(),
    training,
  };
  writeFileSync(path, gzipSync(encodeContainer(header, model.params.snapshot() as Map<string, TensorData>), { level: 9 }));
}

export class StepScorerMismatchError extends Error {}

export function readStepScorer(path: string, library: StepTemplateLibrary): { scorer: LearnedStepScorer; training: StepScorerTraining } {
  const { header, tensors } = decodeContainer<StepScorerHeader>(gunzipSync(readFileSync(path)));
  if (header.format !== STEP_SCORER_FORMAT) throw new StepScorerMismatchError(`${path} is not a step model (format ${String(header.format)})`);
  if (header.featurizer !== FEATURIZER_VERSION) throw new StepScorerMismatchError(`${path} was trained with featurizer ${header.featurizer}, this build has ${FEATURIZER_VERSION}: retrain it with \`athanor train-mechanism\``);
  if (header.library !== libraryDigest(library)) throw new StepScorerMismatchError(`${path} was trained with another step-template library: train both together with \`athanor train-mechanism\``);
  const params = Parameters.fromArrays(header.shapes, new Map([...tensors].map(([name, data]) => [name, data as Float32Array])));
  return { scorer: new LearnedStepScorer(library, params, header.config, new Map(header.slots), header.pool), training: header.training };
}

let shipped: LearnedStepScorer | null | undefined;

/** The scorer beside a library file, or null when there is none. */
export function scorerBeside(libraryPath: string, library: StepTemplateLibrary): LearnedStepScorer | null {
  const path = scorerPathFor(libraryPath);
  return existsSync(path) ? readStepScorer(path, library).scorer : null;
}

/** The shipped scorer for the shipped library; null when the file is absent. */
export function shippedStepScorer(library: StepTemplateLibrary): LearnedStepScorer | null {
  if (shipped === undefined) shipped = existsSync(SHIPPED_STEP_SCORER) ? readStepScorer(SHIPPED_STEP_SCORER, library).scorer : null;
  return shipped;
}
