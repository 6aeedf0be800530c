/**
 * The forward model on disk: templates with their precedent counts, the ranker's configuration
 * and weights, and how it was trained, in the same self-describing container as surrogate model
 * versions (weights bit for bit), gzipped. The shipped model lives in models/.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FEATURIZER_VERSION } from '../../chem/index.js';
import { Parameters } from '../params.js';
import { decodeContainer, encodeContainer, type TensorData } from '../serialization.js';
import type { RankerConfig } from './ranker-network.js';
import type { TemplateSet } from './template-set.js';

export const FORWARD_MODEL_FORMAT = 'athanor-forward-v1';

export const SHIPPED_FORWARD_MODEL = fileURLToPath(new URL('../../../models/forward-uspto15k.athm.gz', import.meta.url));

export interface ForwardTrainingInfo {
  reactions: number;
  templatesFrom: number;
  /** total: preparationSeconds (templates and candidates) + rankerSeconds */
  seconds: number;
  preparationSeconds: number;
  rankerSeconds: number;
  epochs: number;
  bestEpoch: number;
  heldOutTop1: number;
  backend: string;
  source: string;
  seed: number;
}

export interface ForwardModelHeader {
  format: typeof FORWARD_MODEL_FORMAT;
  featurizer: string;
  config: RankerConfig;
  /** most candidates ranked per reaction */
  cap: number;
  templates: TemplateSet;
  /** [general template index, embedding row] */
  templateSlots: [number, number][];
  shapes: Record<string, number[]>;
  training: ForwardTrainingInfo;
}

export interface ForwardModelData {
  header: ForwardModelHeader;
  params: Parameters;
}

export function encodeForwardModel(header: Omit<ForwardModelHeader, 'format' | 'featurizer' | 'shapes'>, params: Parameters): Uint8Array {
  const full: ForwardModelHeader = { format: FORWARD_MODEL_FORMAT, featurizer: FEATURIZER_VERSION, shapes: params.shapes(), ...header };
  return gzipSync(encodeContainer(full, params.snapshot() as Map<string, TensorData>), { level: 9 });
}

export function decodeForwardModel(bytes: Uint8Array): ForwardModelData {
  const { header, tensors } = decodeContainer<ForwardModelHeader>(gunzipSync(bytes));
  if (header.format !== FORWARD_MODEL_FORMAT) throw new Error(`not a forward model (format ${String(header.format)})`);
  if (header.featurizer !== FEATURIZER_VERSION) {
    throw new Error(`forward model was trained with featurizer ${header.featurizer}, this build has ${FEATURIZER_VERSION}: retrain it`);
  }
  const values = new Map([...tensors].map(([name, data]) => [name, data as Float32Array]));
  return { header, params: Parameters.fromArrays(header.shapes, values) };
}

export class ForwardModelMissingError extends Error {
  constructor(readonly path: string) {
    super(`no forward model at ${path}: train one with \`athanor train-forward FILE --out ${path}\` (docs/forward-prediction.md)`);
    this.name = 'ForwardModelMissingError';
  }
}

export function readForwardModel(path: string = SHIPPED_FORWARD_MODEL): ForwardModelData {
  if (!existsSync(path)) throw new ForwardModelMissingError(path);
  return decodeForwardModel(readFileSync(path));
}
