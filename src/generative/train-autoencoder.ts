/**
 * Trains the molecular autoencoder: Adam on the grammar-masked reconstruction loss plus a KL term
 * whose weight β rises linearly over the first epochs (so the decoder learns to read z before the
 * prior pulls the codes together), batches of similar length (little padding), and the epoch kept
 * whose held-out molecules come back best from their latent means. After every better epoch the
 * model is written, so an interrupted run leaves its best model behind.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalOrNull } from '../chem/index.js';
import { currentBackend } from '../models/backend.js';
import { rngFor, shuffled, normal } from '../util/random.js';
import { MolecularAutoencoder, tokenBatch, type VerifiedDecodeOptions } from './autoencoder.js';
import { randomKekuleSpelling, type CorpusLimits, type CorpusMolecule } from './corpus.js';
import { SmilesVocabulary } from './smiles-grammar.js';
import { DEFAULT_VAE_CONFIG, VaeNetwork, type VaeConfig } from './vae-network.js';
import type { AutoencoderTrainingInfo, SpellingMode } from './autoencoder-file.js';

export interface AutoencoderTrainingOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** the learning rate is multiplied by this after every epoch (1: constant) */
  learningRateDecay: number;
  /** the KL weight reached after `warmupEpochs` */
  beta: number;
  warmupEpochs: number;
  /** epochs without a better held-out reconstruction before stopping */
  patience: number;
  /** held-out molecules decoded after each epoch */
  checkMolecules: number;
  /** tokens seen fewer times are left out (with their molecules) */
  minTokenCount: number;
  seed: number;
  /** 'randomized': each epoch a molecule is spelt anew (canonical with probability `canonicalShare`), for the encoder and the decoder alike */
  spellings: SpellingMode;
  canonicalShare: number;
  network: Omit<VaeConfig, 'vocabulary'>;
}

export const DEFAULT_TRAINING: AutoencoderTrainingOptions = {
  epochs: 40,
  batchSize: 128,
  // measured on USPTO-15K: after 5 epochs β 0.01 at 0.003 rebuilt 10.5 % of the held-out check
  // molecules, β 0.05 at 0.002 3.5 %
  learningRate: 3e-3,
  learningRateDecay: 1,
  beta: 0.01,
  warmupEpochs: 2,
  patience: 6,
  checkMolecules: 400,
  minTokenCount: 5,
  seed: 1,
  spellings: 'canonical',
  canonicalShare: 0.25,
  network: DEFAULT_VAE_CONFIG,
};

const MIN_MOLECULES = 10;

/** The corpus cannot train a model (too few usable molecules). */
export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

export interface EpochReport {
  epoch: number;
  reconstructionLoss: number;
  kl: number;
  beta: number;
  heldOutReconstruction: number;
  seconds: number;
  best: boolean;
}

export interface TrainAutoencoderInput {
  train: readonly CorpusMolecule[];
  heldOut: readonly CorpusMolecule[];
  limits: CorpusLimits;
  source: string;
  options?: Partial<Omit<AutoencoderTrainingOptions, 'network'>> & { network?: Partial<AutoencoderTrainingOptions['network']> };
  onEpoch?: (report: EpochReport) => void;
  /** called with the best model so far (to write it) */
  onBest?: (model: MolecularAutoencoder, training: AutoencoderTrainingInfo) => void;
  onBatch?: (done: number, total: number) => void;
  /** continue training this model (its vocabulary and network) instead of a new one */
  resume?: MolecularAutoencoder;
}

/** How latent means are decoded to be compared: greedy or beam search, or verified (MolecularAutoencoder.decodeVerified). */
export type Decoding = { beam: number } | { verified: VerifiedDecodeOptions };

/** Share of molecules decoded, from their latent mean, back to the same canonical molecule. */
export function reconstructionRate(model: MolecularAutoencoder, molecules: readonly CorpusMolecule[], decoding: Decoding = { beam: 1 }): number {
  if (molecules.length === 0) return 0;
  const latents = model.encode(molecules.map((m) => m.kekule));
  const usable = molecules.flatMap((m, i) => (latents[i] ? [{ m, z: latents[i]! }] : []));
  const points = usable.map((u) => u.z);
  const decoded = 'verified' in decoding ? model.decodeVerified(points, decoding.verified) : model.decode(points, { beam: decoding.beam });
  let same = 0;
  usable.forEach((u, i) => {
    if (canonicalOrNull(decoded[i]!) === u.m.canonical) same++;
  });
  return same / molecules.length;
}

export async function trainAutoencoder(input: TrainAutoencoderInput): Promise<{ model: MolecularAutoencoder; training: AutoencoderTrainingInfo }> {
  const options = { ...DEFAULT_TRAINING, ...input.options, network: { ...DEFAULT_TRAINING.network, ...input.options?.network } };
  const started = Date.now();
  const vocabulary = input.resume?.vocabulary ?? SmilesVocabulary.fromCorpus(input.train.map((m) => m.kekule), options.minTokenCount);
  const withinVocabulary = (smiles: string): number[] | null => {
    const ids = vocabulary.encode(smiles);
    return ids && ids.length <= input.limits.maxTokens ? ids : null;
  };
  const sequences = input.train.flatMap((m) => {
    const ids = withinVocabulary(m.kekule);
    return ids ? [{ canonical: m.canonical, ids }] : [];
  });
  if (sequences.length < MIN_MOLECULES) throw new TrainingDataError(`too few molecules to train on: ${sequences.length} usable (within the limits, tokens seen at least ${options.minTokenCount} times), at least ${MIN_MOLECULES} needed`);
  const batchSize = Math.min(options.batchSize, sequences.length);
  const rng = rngFor(options.seed, 'autoencoder');
  const network = new VaeNetwork(input.resume?.network.config ?? { ...options.network, vocabulary: vocabulary.size }, rng);
  if (input.resume) network.params.restore(input.resume.network.params.snapshot());
  const model = new MolecularAutoencoder(vocabulary, network, input.limits);
  const checkSet = shuffled(input.heldOut, rngFor(options.seed, 'check')).slice(0, options.checkMolecules);
  const optimizer = tf.train.adam(options.learningRate);
  // Adam reads its rate at every step (tfjs keeps it as a plain field): a decay needs no new optimizer and keeps the moments
  const setRate = (rate: number) => ((optimizer as unknown as { learningRate: number }).learningRate = rate);
  // batches of similar length: sort, cut, and shuffle the batches each epoch
  const byLength = shuffled(sequences, rngFor(options.seed, 'order')).sort((a, b) => a.ids.length - b.ids.length);
  const batches: (typeof sequences)[] = [];
  for (let i = 0; i < byLength.length; i += batchSize) batches.push(byLength.slice(i, i + batchSize));
  const stepsPerEpoch = batches.length;
  let best = -1;
  let bestEpoch = 0;
  let bestSnapshot = network.params.snapshot();
  let sinceBest = 0;
  let epoch = 0;
  const info = (): AutoencoderTrainingInfo => ({
    source: input.source,
    molecules: sequences.length,
    heldOut: checkSet.length,
    epochs: epoch,
    bestEpoch,
    heldOutReconstruction: best,
    beta: options.beta,
    seconds: Math.round((Date.now() - started) / 1000),
    backend: currentBackend(),
    seed: options.seed,
    spellings: options.spellings,
  });
  const spellingRng = rngFor(options.seed, 'spellings');
  // a random spelling whose tokens the vocabulary lacks, or that is too long, gives way to the canonical one
  const spell = (entry: (typeof sequences)[number]): number[] => {
    if (options.spellings === 'canonical' || spellingRng() < options.canonicalShare) return entry.ids;
    return withinVocabulary(randomKekuleSpelling(entry.canonical)) ?? entry.ids;
  };
  for (epoch = 1; epoch <= options.epochs; epoch++) {
    const epochStart = Date.now();
    setRate(options.learningRate * options.learningRateDecay ** (epoch - 1));
    let reconstructionSum = 0;
    let klSum = 0;
    const order = shuffled(batches, rngFor(options.seed, 'epoch', epoch));
    let beta = 0;
    for (const [k, entries] of order.entries()) {
      const sequencesOfBatch = entries.map(spell);
      const progress = (epoch - 1 + k / stepsPerEpoch) / Math.max(options.warmupEpochs, 1e-9);
      beta = options.beta * Math.min(1, progress);
      const batch = tokenBatch(vocabulary, sequencesOfBatch);
      const noise = tf.tensor2d(Float32Array.from({ length: batch.batch * network.config.latent }, () => normal(rng)), [batch.batch, network.config.latent]);
      let parts: [number, number] = [0, 0];
      const cost = optimizer.minimize(() => {
        const { total, reconstruction, kl } = network.loss(batch, noise, beta);
        parts = [reconstruction.dataSync()[0]!, kl.dataSync()[0]!];
        return total;
      }, true, network.params.list());
      cost?.dispose();
      noise.dispose();
      reconstructionSum += parts[0];
      klSum += parts[1];
      input.onBatch?.(k + 1, stepsPerEpoch);
      // the event loop gets a turn (progress output, signals)
      if (k % 20 === 19) await new Promise((r) => setImmediate(r));
    }
    const heldOutReconstruction = reconstructionRate(model, checkSet);
    const improved = heldOutReconstruction > best;
    if (improved) {
      best = heldOutReconstruction;
      bestEpoch = epoch;
      bestSnapshot = network.params.snapshot();
      sinceBest = 0;
      input.onBest?.(model, info());
    } else sinceBest++;
    input.onEpoch?.({
      epoch,
      reconstructionLoss: reconstructionSum / stepsPerEpoch,
      kl: klSum / stepsPerEpoch,
      beta,
      heldOutReconstruction,
      seconds: (Date.now() - epochStart) / 1000,
      best: improved,
    });
    // stop once β has reached its value and held-out reconstruction stopped improving
    if (epoch > options.warmupEpochs && sinceBest >= options.patience) break;
  }
  epoch = Math.min(epoch, options.epochs);
  network.params.restore(bestSnapshot);
  optimizer.dispose();
  return { model, training: info() };
}
