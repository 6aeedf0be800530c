/**
 * The molecular autoencoder as the rest of Athanor uses it: SMILES in, latent vectors out, and
 * latent vectors back to molecules that always sanitise (grammar-constrained decoding). Batched:
 * a screen or a proposal round encodes and decodes hundreds of molecules per call.
 */
import * as tf from '@tensorflow/tfjs';
import { normal, type Rng } from '../util/random.js';
import { corpusMolecule, type CorpusLimits } from './corpus.js';
import { END, GrammarState, PAD, START, SmilesVocabulary } from './smiles-grammar.js';
import { VaeNetwork, type TokenBatch } from './vae-network.js';

/** Molecules encoded or decoded per tensor call. */
const CHUNK = 256;

export interface DecodeOptions {
  /** 0 (default): the most likely token at each step; > 0: sample with this temperature */
  temperature?: number;
  rng?: Rng;
  /** > 1: beam search keeping this many partial molecules per latent point, the most likely whole one returned (temperature is then ignored) */
  beam?: number;
}

export interface VerifiedDecodeOptions {
  /** beam width whose every final hypothesis is a candidate (default 32) */
  beam?: number;
  /** samples per point added to the candidates (default 0) */
  samples?: number;
  temperature?: number;
  rng?: Rng;
}

export class MolecularAutoencoder {
  constructor(
    readonly vocabulary: SmilesVocabulary,
    readonly network: VaeNetwork,
    readonly limits: CorpusLimits,
  ) {}

  get latentSize(): number {
    return this.network.config.latent;
  }

  /** Token ids of a molecule (any SMILES), or a reason it cannot be encoded. */
  tokensOf(smiles: string): { ids: number[] } | { error: string } {
    const molecule = corpusMolecule(smiles);
    if (!molecule) return { error: 'not a single molecule RDKit can read' };
    let ids: number[] | null;
    try {
      ids = this.vocabulary.encode(molecule.kekule);
    } catch (error) {
      return { error: (error as Error).message };
    }
    if (!ids) return { error: 'has an atom the autoencoder never saw in training' };
    if (ids.length > this.limits.maxTokens) return { error: `too long for the autoencoder (${ids.length} tokens, at most ${this.limits.maxTokens})` };
    return { ids };
  }

  /** The latent mean of each token sequence ([n][L]). */
  private encodeTokens(sequences: readonly number[][]): Float32Array[] {
    const out: Float32Array[] = [];
    for (let start = 0; start < sequences.length; start += CHUNK) {
      const batch = tokenBatch(this.vocabulary, sequences.slice(start, start + CHUNK), false);
      const mu = tf.tidy(() => this.network.encode(batch.targets, batch.present, batch.batch, batch.steps).mu);
      const values = mu.dataSync() as Float32Array;
      mu.dispose();
      for (let i = 0; i < batch.batch; i++) out.push(values.slice(i * this.latentSize, (i + 1) * this.latentSize));
    }
    return out;
  }

  /** Latent means of molecules; null for those that cannot be encoded. One molecule written several ways is encoded once. */
  encode(smiles: readonly string[]): (Float32Array | null)[] {
    const distinct = new Map<string, { ids: number[]; at: number[] }>();
    smiles.forEach((s, i) => {
      const parsed = this.tokensOf(s);
      if (!('ids' in parsed)) return;
      const key = parsed.ids.join(' ');
      const entry = distinct.get(key);
      if (entry) entry.at.push(i);
      else distinct.set(key, { ids: parsed.ids, at: [i] });
    });
    const entries = [...distinct.values()];
    const latents = this.encodeTokens(entries.map((e) => e.ids));
    const out: (Float32Array | null)[] = smiles.map(() => null);
    entries.forEach((e, k) => e.at.forEach((i) => (out[i] = latents[k]!)));
    return out;
  }

  /** Molecules (kekulé SMILES as decoded; canonicalise with RDKit) for latent vectors. */
  decode(latents: readonly Float32Array[], options: DecodeOptions = {}): string[] {
    const out: string[] = [];
    for (let start = 0; start < latents.length; start += CHUNK) out.push(...this.decodeChunk(latents.slice(start, start + CHUNK), options));
    return out;
  }

  /** Draws from the prior N(0, I) and decodes. */
  sample(count: number, rng: Rng, options: DecodeOptions = {}): string[] {
    const latents = Array.from({ length: count }, () => Float32Array.from({ length: this.latentSize }, () => normal(rng)));
    return this.decode(latents, { rng, ...options });
  }

  /** Per latent point, the `width` molecules a beam search ends with, most likely first. */
  beamCandidates(latents: readonly Float32Array[], width: number): string[][] {
    const out: string[][] = [];
    for (let start = 0; start < latents.length; start += CHUNK) out.push(...this.beamChunk(latents.slice(start, start + CHUNK), width));
    return out;
  }

  /**
   * Verified decoding: per latent point, candidates (every molecule a beam search of `beam` ends
   * with, and `samples` draws at `temperature`), each encoded again; the one whose own latent mean
   * lies nearest the point is returned. It knows only the point, never a molecule it came from, so
   * it is a decoder, not a lookup; it costs about beam + samples decodings and encodings per point.
   */
  decodeVerified(latents: readonly Float32Array[], options: VerifiedDecodeOptions = {}): string[] {
    const { beam = 32, samples = 0, temperature = 1, rng = Math.random } = options;
    const candidates = this.beamCandidates(latents, beam).map((list) => new Set(list));
    for (let k = 0; k < samples; k++) this.decode(latents, { temperature, rng }).forEach((s, i) => candidates[i]!.add(s));
    return this.nearestCandidates(latents, candidates.map((set) => [...set]));
  }

  /** Per latent point, the candidate molecule whose own latent mean lies nearest it (the first candidate when none encodes). */
  nearestCandidates(latents: readonly Float32Array[], candidates: readonly (readonly string[])[]): string[] {
    const flat = candidates.flatMap((list, i) => list.map((smiles) => ({ i, smiles })));
    const encoded = this.encode(flat.map((c) => c.smiles));
    const nearest = latents.map((_, i) => ({ smiles: candidates[i]![0] ?? '', distance: Infinity }));
    flat.forEach((c, k) => {
      const z = encoded[k];
      if (!z) return;
      const target = latents[c.i]!;
      let d = 0;
      for (let q = 0; q < z.length; q++) d += (z[q]! - target[q]!) ** 2;
      if (d < nearest[c.i]!.distance) nearest[c.i] = { smiles: c.smiles, distance: d };
    });
    return nearest.map((n) => n.smiles);
  }

  private decodeChunk(latents: readonly Float32Array[], options: DecodeOptions): string[] {
    if ((options.beam ?? 1) > 1) return this.beamChunk(latents, options.beam!).map((candidates) => candidates[0]!);
    const n = latents.length;
    const v = this.vocabulary.size;
    const temperature = options.temperature ?? 0;
    const rng = options.rng ?? Math.random;
    const states = latents.map(() => new GrammarState(this.vocabulary));
    const z = tf.tensor2d(concat(latents), [n, this.latentSize]);
    // tidy: the linear maps' intermediate tensors would otherwise outlive every decoding
    const zInput = tf.tidy(() => this.network.latentInput(z));
    let h = tf.tidy(() => this.network.initialState(z));
    z.dispose();
    const previous = new Int32Array(n).fill(START);
    const allowed = new Uint8Array(v);
    for (let step = 0; step <= this.limits.maxTokens && states.some((s) => !s.ended); step++) {
      const { h: next, logits } = tf.tidy(() => this.network.decodeStep(previous, h, zInput));
      h.dispose();
      h = next;
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      states.forEach((state, row) => {
        if (state.ended) {
          previous[row] = PAD;
          return;
        }
        state.maskInto(allowed);
        const id = chooseToken(values, row * v, allowed, temperature, rng);
        if (id < 0) {
          state.ended = true;
          return;
        }
        state.push(id);
        previous[row] = id;
      });
    }
    h.dispose();
    zInput.dispose();
    return states.map((s) => s.smiles());
  }

  /**
   * Beam search under the grammar: per latent point the `width` most likely partial molecules
   * (summed log-probabilities of their tokens, each step's distribution over the allowed tokens
   * only), finished ones kept as they are; the most likely finished molecule wins.
   */
  private beamChunk(latents: readonly Float32Array[], width: number): string[][] {
    const n = latents.length;
    const v = this.vocabulary.size;
    const rows = n * width;
    interface Hypothesis {
      state: GrammarState;
      score: number;
    }
    // every point starts with one live hypothesis; the other slots are empty (score -Infinity)
    let beams: Hypothesis[][] = latents.map(() => [{ state: new GrammarState(this.vocabulary), score: 0 }]);
    const zRows = new Float32Array(rows * this.latentSize);
    latents.forEach((z, i) => {
      for (let b = 0; b < width; b++) zRows.set(z, (i * width + b) * this.latentSize);
    });
    const z = tf.tensor2d(zRows, [rows, this.latentSize]);
    // tidy: the linear maps' intermediate tensors would otherwise outlive every decoding
    const zInput = tf.tidy(() => this.network.latentInput(z));
    let h = tf.tidy(() => this.network.initialState(z));
    z.dispose();
    const previous = new Int32Array(rows).fill(START);
    const allowed = new Uint8Array(v);
    for (let step = 0; step <= this.limits.maxTokens && beams.some((bs) => bs.some((b) => !b.state.ended)); step++) {
      const { h: next, logits } = tf.tidy(() => this.network.decodeStep(previous, h, zInput));
      h.dispose();
      const values = logits.dataSync() as Float32Array;
      logits.dispose();
      const parents = new Int32Array(rows);
      beams = beams.map((hypotheses, i) => {
        const options: { parent: number; token: number; score: number; from: Hypothesis }[] = [];
        hypotheses.forEach((hyp, b) => {
          const row = i * width + b;
          if (hyp.state.ended) {
            options.push({ parent: row, token: -1, score: hyp.score, from: hyp });
            return;
          }
          hyp.state.maskInto(allowed);
          let max = -Infinity;
          for (let t = 0; t < v; t++) if (allowed[t] && values[row * v + t]! > max) max = values[row * v + t]!;
          if (max === -Infinity) {
            options.push({ parent: row, token: -2, score: hyp.score, from: hyp }); // a dead end: finish as it is
            return;
          }
          let total = 0;
          for (let t = 0; t < v; t++) if (allowed[t]) total += Math.exp(values[row * v + t]! - max);
          const logTotal = max + Math.log(total);
          for (let t = 0; t < v; t++) if (allowed[t]) options.push({ parent: row, token: t, score: hyp.score + values[row * v + t]! - logTotal, from: hyp });
        });
        options.sort((a, b) => b.score - a.score);
        return options.slice(0, width).map((o, b) => {
          parents[i * width + b] = o.parent;
          if (o.token < 0) {
            if (o.token === -2) o.from.state.ended = true;
            previous[i * width + b] = PAD;
            return o.from;
          }
          const state = o.from.state.clone();
          state.push(o.token);
          previous[i * width + b] = o.token;
          return { state, score: o.score };
        });
      });
      // each surviving hypothesis continues from its parent's decoder state
      for (let i = 0; i < n; i++) for (let b = beams[i]!.length; b < width; b++) parents[i * width + b] = i * width;
      h = tf.tidy(() => tf.gather(next, tf.tensor1d(parents, 'int32')));
      next.dispose();
    }
    h.dispose();
    zInput.dispose();
    return beams.map((hypotheses) => [...hypotheses].sort((a, b) => b.score - a.score).map((hyp) => hyp.state.smiles()));
  }

  dispose(): void {
    this.network.dispose();
  }
}

function concat(rows: readonly Float32Array[]): Float32Array {
  const width = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

/** The allowed token with the highest logit, or one drawn at `temperature`; -1 when none is allowed. */
function chooseToken(logits: Float32Array, offset: number, allowed: Uint8Array, temperature: number, rng: Rng): number {
  let best = -1;
  let bestLogit = -Infinity;
  for (let id = 0; id < allowed.length; id++) {
    if (allowed[id] && logits[offset + id]! > bestLogit) {
      bestLogit = logits[offset + id]!;
      best = id;
    }
  }
  if (best < 0 || temperature <= 0) return best;
  let total = 0;
  const weights = new Float64Array(allowed.length);
  for (let id = 0; id < allowed.length; id++) {
    if (allowed[id]) total += weights[id] = Math.exp((logits[offset + id]! - bestLogit) / temperature);
  }
  let r = rng() * total;
  for (let id = 0; id < allowed.length; id++) {
    if (!allowed[id]) continue;
    r -= weights[id]!;
    if (r <= 0) return id;
  }
  return best;
}

/**
 * Pads token sequences into a batch: the encoder reads `targets` (tokens, <end>), the decoder is
 * fed `inputs` (<start>, tokens) and learns `targets`; `allowed` replays the grammar along each
 * sequence (only when training: decoding builds its masks step by step).
 */
export function tokenBatch(vocabulary: SmilesVocabulary, sequences: readonly number[][], withGrammar = true): TokenBatch {
  const batch = sequences.length;
  const steps = Math.max(...sequences.map((s) => s.length)) + 1;
  const v = vocabulary.size;
  const targets = new Int32Array(batch * steps);
  const inputs = new Int32Array(batch * steps);
  const present = new Float32Array(batch * steps);
  const allowed = new Float32Array(withGrammar ? batch * steps * v : 0);
  sequences.forEach((ids, row) => {
    const state = withGrammar ? new GrammarState(vocabulary) : null;
    for (let t = 0; t <= ids.length; t++) {
      const id = t < ids.length ? ids[t]! : END;
      targets[row * steps + t] = id;
      inputs[row * steps + t] = t === 0 ? START : ids[t - 1]!;
      present[row * steps + t] = 1;
      if (state) {
        state.maskInto(allowed, (row * steps + t) * v);
        state.push(id);
      }
    }
  });
  return { targets, inputs, present, allowed, batch, steps };
}

