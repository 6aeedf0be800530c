/**
 * The autoencoder on disk: its vocabulary (tokens and atom capacities), limits, network
 * configuration and weights, and how it was trained, in the self-describing container surrogate
 * and forward models use (weights bit for bit), gzipped. The shipped model lives in models/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeContainer, encodeContainer, type TensorData } from '../models/serialization.js';
import { MolecularAutoencoder } from './autoencoder.js';
import type { CorpusLimits } from './corpus.js';
import { SmilesVocabulary } from './smiles-grammar.js';
import { VaeNetwork, type VaeConfig } from './vae-network.js';

export type SpellingMode = 'canonical' | 'randomized';

export const AUTOENCODER_FORMAT = 'athanor-autoencoder-v1';

export const SHIPPED_AUTOENCODER = fileURLToPath(new URL('../../models/autoencoder-uspto15k.athm.gz', import.meta.url));

export interface AutoencoderTrainingInfo {
  source: string;
  molecules: number;
  heldOut: number;
  epochs: number;
  bestEpoch: number;
  /** held-out molecules decoded back to themselves from their latent mean (the subset checked each epoch) */
  heldOutReconstruction: number;
  beta: number;
  seconds: number;
  backend: string;
  seed: number;
  /** how molecules were spelt in training: their canonical SMILES only, or a random spelling most epochs (absent in older files: canonical) */
  spellings?: SpellingMode;
}

interface AutoencoderHeader {
  format: typeof AUTOENCODER_FORMAT;
  tokens: string[];
  capacities: [string, number][];
  limits: CorpusLimits;
  config: VaeConfig;
  shapes: Record<string, number[]>;
  training: AutoencoderTrainingInfo;
}

export function encodeAutoencoder(model: MolecularAutoencoder, training: AutoencoderTrainingInfo): Uint8Array {
  const header: AutoencoderHeader = {
    format: AUTOENCODER_FORMAT,
    tokens: [...model.vocabulary.tokens],
    capacities: [...model.vocabulary.capacities()],
    limits: model.limits,
    config: model.network.config,
    shapes: model.network.params.shapes(),
    training,
  };
  return gzipSync(encodeContainer(header, model.network.params.snapshot() as Map<string, TensorData>), { level: 9 });
}

export interface LoadedAutoencoder {
  model: MolecularAutoencoder;
  training: AutoencoderTrainingInfo;
}

export function decodeAutoencoder(bytes: Uint8Array): LoadedAutoencoder {
  const { header, tensors } = decodeContainer<AutoencoderHeader>(gunzipSync(bytes));
  if (header.format !== AUTOENCODER_FORMAT) throw new Error(`not a molecular autoencoder (format ${String(header.format)})`);
  const vocabulary = new SmilesVocabulary(header.tokens, new Map(header.capacities));
  const network = new VaeNetwork(header.config, () => 0.5);
  network.params.restore(new Map([...tensors].map(([name, data]) => [name, data as Float32Array])));
  return { model: new MolecularAutoencoder(vocabulary, network, header.limits), training: header.training };
}

export class AutoencoderMissingError extends Error {
  constructor(readonly path: string) {
    super(`no molecular autoencoder at ${path}: train one with \`athanor train-autoencoder FILE --out ${path}\` (docs/generative.md)`);
    this.name = 'AutoencoderMissingError';
  }
}

export function readAutoencoder(path: string = SHIPPED_AUTOENCODER): LoadedAutoencoder {
  if (!existsSync(path)) throw new AutoencoderMissingError(path);
  return decodeAutoencoder(readFileSync(path));
}
