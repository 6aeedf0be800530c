/**
 * Choosing q candidates at once when the model has not seen the results of the others: greedy
 * selection by acquisition value with local penalisation (in the spirit of González et al. 2016),
 * where each candidate's value is damped by its similarity to every experiment still in flight and
 * to every pick already made. Similarity is the fingerprint/condition distance of the space, so a
 * batch is never five near-copies, and a proposal made while a batch is running avoids the running
 * experiments' neighbourhoods.
 */
import type { CandidateDistance } from './distance.js';

export interface BatchSelectionInput {
  /** Candidates eligible for selection. */
  candidates: number[];
  /** Acquisition value per eligible candidate (same order), larger is better. */
  scores: Float64Array;
  /** Candidates in the lab right now. */
  pending: number[];
  count: number;
  distance: CandidateDistance;
  /** Distance at which a neighbour keeps 63 % of its value; 0 switches penalisation off. */
  lengthScale: number;
}

export interface BatchPick {
  candidate: number;
  /** The acquisition value before penalisation. */
  score: number;
  /** The multiplier applied for closeness to pending and already picked candidates (1 = none). */
  penalty: number;
}

export const DEFAULT_PENALTY_LENGTH = 0.1;

export function selectBatch(input: BatchSelectionInput): BatchPick[] {
  const { candidates, scores, distance, lengthScale } = input;
  const n = candidates.length;
  // Penalties multiply, so they need non-negative values: shift by the minimum.
  let min = Number.POSITIVE_INFINITY;
  for (const s of scores) if (s < min) min = s;
  const shifted = Float64Array.from(scores, (s) => s - min + 1e-12);
  const penalty = new Float64Array(n).fill(1);
  const damp = (anchor: number) => {
    if (lengthScale <= 0) return;
    for (let i = 0; i < n; i++) {
      const d = distance.between(candidates[i] as number, anchor);
      penalty[i] = (penalty[i] as number) * (1 - Math.exp(-((d / lengthScale) ** 2)));
    }
  };
  for (const p of input.pending) damp(p);

  const picks: BatchPick[] = [];
  const used = new Uint8Array(n);
  while (picks.length < Math.min(input.count, n)) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const value = (shifted[i] as number) * (penalty[i] as number);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    const candidate = candidates[best] as number;
    picks.push({ candidate, score: scores[best] as number, penalty: penalty[best] as number });
    damp(candidate);
  }
  return picks;
}
