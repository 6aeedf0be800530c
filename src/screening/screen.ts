/**
 * Virtual screening: every molecule of a library tried in one role of a campaign's reaction, the
 * other parameters held at a context (by default the campaign's best result), scored by the
 * campaign's surrogate, and the best kept. Streaming: records are read, checked and predicted in
 * batches, and only the top `keep` molecules (and the first rows that could not be used) stay in
 * memory, so a library of a million rows needs no more memory than one of a thousand. Each
 * molecule is featurised once (its canonical SMILES; the model caches its own fingerprints) and
 * the model is called once per batch.
 */
import { performance } from 'node:perf_hooks';
import { choiceFactor } from '../models/schema.js';
import type { ReactionInput } from '../models/types.js';
import type { MorganOptions } from '../chem/fingerprint.js';
import type { LibraryRecord } from './library-reader.js';
import { judgeMolecule, type MoleculeFilter } from './molecule-filter.js';

export interface Posterior {
  mean: ArrayLike<number>;
  sigma: ArrayLike<number>;
}

/** How screened molecules are ordered: by the predicted value, or optimistically (mean + 2σ in the better direction). */
export type ScreenRanking = 'mean' | 'ucb';
export const UCB_BETA = 2;

export interface ScreenSettings {
  /** The substance role every library molecule is tried in. */
  role: string;
  /** The reaction every molecule is tried in: the model input with the role's substance replaced. */
  context: ReactionInput;
  /** Which way the target is better. */
  direction: 'maximize' | 'minimize';
  /** How many of the best molecules to keep. */
  keep: number;
  ranking?: ScreenRanking;
  filter: MoleculeFilter;
  /** Morgan fingerprints the model compares molecules by: computed from the parse that checks each molecule. */
  fingerprints?: readonly MorganOptions[];
  /** The campaign's model, at many inputs at once. */
  predict(inputs: ReactionInput[]): Promise<Posterior>;
  /** Molecules per model call. */
  batchSize?: number;
  /** Called about every `progressEveryMs` and once at the end. */
  onProgress?(progress: ScreenProgress): void;
  progressEveryMs?: number;
  /** How many unusable rows are reported one by one (all are counted). */
  reportRejected?: number;
}

export interface ScreenProgress {
  read: number;
  screened: number;
  rejected: number;
  seconds: number;
}

export interface ScreenedMolecule {
  rank: number;
  /** Line of the record in the library file. */
  line: number;
  name: string;
  smiles: string;
  heavyAtoms: number;
  mean: number;
  sigma: number;
}

export interface RejectedRow {
  line: number;
  name: string;
  reason: string;
}

export interface ScreenReport {
  /** Records read from the library. */
  read: number;
  /** Distinct molecules the model scored. */
  screened: number;
  /** Records whose molecule was already screened under another line. */
  duplicates: number;
  rejected: { count: number; byReason: Record<string, number>; first: RejectedRow[] };
  ranked: ScreenedMolecule[];
  seconds: number;
  /** Library records handled per second, end to end (reading, checking, predicting). */
  perSecond: number;
}

interface Pending {
  line: number;
  name: string;
  smiles: string;
  heavyAtoms: number;
}

/** Screens a library (see the module comment). */
export async function screenLibrary(records: AsyncIterable<LibraryRecord>, settings: ScreenSettings): Promise<ScreenReport> {
  if (!(Number.isInteger(settings.keep) && settings.keep >= 1)) throw new RangeError(`keep must be a positive integer, got ${settings.keep}`);
  const batchSize = settings.batchSize ?? 512;
  const reportRejected = settings.reportRejected ?? 100;
  const score = scorer(settings.direction, settings.ranking ?? 'mean');
  const started = performance.now();
  const seen = new Set<string>();
  const best = new TopList<Omit<ScreenedMolecule, 'rank'>>(settings.keep);
  const rejected = { count: 0, byReason: {} as Record<string, number>, first: [] as RejectedRow[] };
  let read = 0;
  let screened = 0;
  let duplicates = 0;
  let batch: Pending[] = [];
  let lastProgress = started;

  const progress = (force = false) => {
    const now = performance.now();
    if (!settings.onProgress || (!force && now - lastProgress < (settings.progressEveryMs ?? 1000))) return;
    lastProgress = now;
    settings.onProgress({ read, screened, rejected: rejected.count, seconds: (now - started) / 1000 });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const inputs = batch.map((m) => withSubstance(settings.context, settings.role, m.smiles));
    const posterior = await settings.predict(inputs);
    batch.forEach((m, k) => {
      const mean = posterior.mean[k]!;
      const sigma = posterior.sigma[k]!;
      best.offer(score(mean, sigma), { ...m, mean, sigma });
    });
    screened += batch.length;
    batch = [];
    progress();
  };

  for await (const record of records) {
    read++;
    const verdict = judgeMolecule(record, settings.filter, settings.fingerprints);
    if (!verdict.ok) {
      rejected.count++;
      const kind = verdict.reason.replace(/[:(].*$/, '').trim();
      rejected.byReason[kind] = (rejected.byReason[kind] ?? 0) + 1;
      if (rejected.first.length < reportRejected) rejected.first.push({ line: record.line, name: record.name, reason: verdict.reason });
      continue;
    }
    if (seen.has(verdict.smiles)) {
      duplicates++;
      continue;
    }
    seen.add(verdict.smiles);
    batch.push({ line: record.line, name: record.name, smiles: verdict.smiles, heavyAtoms: verdict.heavyAtoms });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  progress(true);
  const seconds = (performance.now() - started) / 1000;
  return {
    read,
    screened,
    duplicates,
    rejected,
    ranked: best.sorted().map((m, i) => ({ rank: i + 1, ...m })),
    seconds,
    perSecond: seconds > 0 ? read / seconds : read,
  };
}

/** The context with `role`'s substance replaced (and the role's choice factor dropped: a new molecule is none of the named choices). */
export function withSubstance(context: ReactionInput, role: string, smiles: string): ReactionInput {
  const conditions = { ...context.conditions };
  delete conditions[choiceFactor(role)];
  return { substances: { ...context.substances, [role]: smiles }, conditions };
}

/** The reaction's substances as reactants for the forward model. */
export function reactantsOf(input: ReactionInput): string {
  return Object.values(input.substances)
    .filter((s) => s !== '')
    .join('.');
}

/** Larger is better. */
function scorer(direction: 'maximize' | 'minimize', ranking: ScreenRanking): (mean: number, sigma: number) => number {
  const sign = direction === 'maximize' ? 1 : -1;
  return ranking === 'ucb' ? (mean, sigma) => sign * mean + UCB_BETA * sigma : (mean) => sign * mean;
}

/**
 * The `size` best items offered so far, by score, ties kept in the order offered. Hand-written: a
 * bounded top-k over a stream is a dozen lines, and a sorted array is fast at the sizes a chemist
 * reads (up to a few thousand).
 */
class TopList<T> {
  private readonly items: { score: number; item: T }[] = [];

  constructor(private readonly size: number) {}

  offer(score: number, item: T): void {
    if (!Number.isFinite(score)) return;
    if (this.items.length >= this.size && score <= this.items[this.items.length - 1]!.score) return;
    // first position whose score is lower: equal scores stay in the order offered
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.score >= score) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, { score, item });
    if (this.items.length > this.size) this.items.pop();
  }

  sorted(): T[] {
    return this.items.map((e) => e.item);
  }
}
