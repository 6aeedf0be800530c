/**
 * When a campaign's surrogate is retrained, and how: after every k new results (the campaign
 * machine asks after each ingest), or on a timer in the background; warm-started from the current
 * version, except every n-th version, which is trained from scratch so that warm starts cannot
 * drift for ever. A pure decision: the campaign model gathers the facts and does the work.
 */
import { createHash } from 'node:crypto';

export interface RetrainingPolicy {
  /** Retrain once at least this many results arrived since the current version (1: whenever any did). */
  everyResults: number;
  /** Also retrain in the background this often when the training set changed (absent: no timer). */
  everySeconds?: number;
  /** Every n-th version is a full retrain; the others warm-start from the current version. */
  fullEvery: number;
  /**
   * How long planning waits for a fit the new results called for; a fit that takes longer finishes
   * in the background and planning uses the newest finished version meanwhile. Waiting buys
   * better proposals when experiments take longer than fits (the usual lab); not waiting keeps a
   * fast lab busy when fits queue up.
   */
  waitSeconds: number;
}

export const DEFAULT_RETRAINING_POLICY: RetrainingPolicy = { everyResults: 1, fullEvery: 10, waitSeconds: 60 };

/** The campaign file's optional `planner.retraining` block, snake_case like the rest of the file. */
interface RetrainingSettings {
  every_results?: unknown;
  every_seconds?: unknown;
  full_every?: unknown;
  wait_seconds?: unknown;
}

function positive(value: unknown, integer: boolean, orZero = false): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && (value > 0 || (orZero && value === 0)) && (!integer || Number.isInteger(value)) ? value : undefined;
}

/**
 * The policy of one campaign: its own `planner.retraining` settings where it has them (read
 * leniently: an invalid value falls back to the service's default), the service's otherwise.
 */
export function retrainingPolicyFor(planner: unknown, defaults: RetrainingPolicy = DEFAULT_RETRAINING_POLICY): RetrainingPolicy {
  const settings = (planner as { retraining?: RetrainingSettings } | undefined)?.retraining ?? {};
  const everySeconds = positive(settings.every_seconds, false) ?? defaults.everySeconds;
  return {
    everyResults: positive(settings.every_results, true) ?? defaults.everyResults,
    fullEvery: positive(settings.full_every, true) ?? defaults.fullEvery,
    waitSeconds: positive(settings.wait_seconds, false, true) ?? defaults.waitSeconds,
    ...(everySeconds !== undefined ? { everySeconds } : {}),
  };
}

export interface TrainingFacts {
  /** Results usable for training now (excluded ones left out). */
  available: number;
  /** Fingerprint of that training set. */
  fingerprint: string;
  /** The current version's training set, when there is a current version. */
  current?: { size: number; fingerprint?: string };
  /** Warm-started versions since the last full retrain. */
  warmSinceFull: number;
}

export type RetrainTrigger = 'results' | 'timer';

export type RetrainDecision = { train: false; why: string } | { train: true; mode: 'warm' | 'full'; why: string };

/** Two results are the least a model can learn a trend from. */
const MIN_TRAINING_SIZE = 2;

export function decideRetraining(policy: RetrainingPolicy, facts: TrainingFacts, trigger: RetrainTrigger): RetrainDecision {
  if (facts.available < MIN_TRAINING_SIZE) return { train: false, why: `${facts.available} result(s): too few to learn from` };
  const current = facts.current;
  // Older versions carry no fingerprint: their size stands in for it.
  const unchanged = current && (current.fingerprint !== undefined ? current.fingerprint === facts.fingerprint : current.size === facts.available);
  if (unchanged) return { train: false, why: 'the training set has not changed' };
  const fresh = facts.available - (current?.size ?? 0);
  // Fewer new results than the policy waits for — unless the set changed otherwise (an exclusion),
  // which should reach the model at once, or the timer says it is time anyway.
  if (current && trigger === 'results' && fresh > 0 && fresh < policy.everyResults) {
    return { train: false, why: `${fresh} new result(s), waiting for ${policy.everyResults}` };
  }
  const full = !current || facts.warmSinceFull + 1 >= policy.fullEvery;
  const why = trigger === 'timer' ? 'timer' : fresh > 0 ? `${fresh} new result(s)` : 'the training set changed (exclusions)';
  return { train: true, mode: full ? 'full' : 'warm', why };
}

/** A short, stable fingerprint of a training set given by its experiment numbers. */
export function trainingSetFingerprint(seqs: readonly number[]): string {
  return createHash('sha256').update([...seqs].sort((a, b) => a - b).join(',')).digest('hex').slice(0, 16);
}
