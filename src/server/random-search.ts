/**
 * What random search would achieve on the dataset behind a simulated lab: the expected best value
 * after n experiments drawn without replacement. The panel draws it under the campaign's own
 * best-so-far curve, so a chemist sees at a glance whether the planner beats chance.
 */
import { confinedSpecPath, type CampaignSpec } from '../campaign/index.js';
import { Objective } from '../objectives/objective.js';
import { readCsv } from '../util/csv.js';

/**
 * E[best of n] for n = 1 … maxN. With N values sorted worst-first, the best of n distinct draws is
 * the k-th with probability C(k-1, n-1) / C(N, n); the ratio is built up term by term to stay in
 * floating-point range for thousands of candidates.
 */
export function expectedBestOfRandom(values: number[], maxN: number, objective: Pick<Objective, 'worstFirst'>): number[] {
  const sorted = [...values].sort(objective.worstFirst);
  const N = sorted.length;
  const out: number[] = [];
  for (let n = 1; n <= Math.min(maxN, N); n++) {
    // p_k = C(k-1, n-1) / C(N, n) for k = n … N; p_N = n / N, and p_{k-1} = p_k * (k-n) / (k-1).
    let p = n / N;
    let expectation = 0;
    for (let k = N; k >= n; k--) {
      expectation += p * (sorted[k - 1] as number);
      p = k - 1 > 0 ? (p * (k - n)) / (k - 1) : 0;
    }
    out.push(expectation);
  }
  return out;
}

const curves = new Map<string, Promise<number[] | undefined>>();

/** The random-search curve for a campaign whose lab is a dataset simulator; undefined otherwise. */
export function randomSearchCurve(spec: CampaignSpec, budget: number): Promise<number[] | undefined> {
  const lab = spec.lab as { type: string; dataset?: string; results?: Record<string, string> };
  const column = lab.results?.[spec.objective.target];
  if (lab.type !== 'simulator' || !lab.dataset || !column) return Promise.resolve(undefined);
  const key = JSON.stringify([spec.baseDir, lab.dataset, column, spec.objective.direction, budget]);
  let curve = curves.get(key);
  if (!curve) {
    curve = confinedSpecPath(spec, ['lab', 'dataset'], lab.dataset)
      .then(readCsv)
      .then(({ rows }) => {
        const values = rows.map((r) => Number(r[column])).filter(Number.isFinite);
        return values.length > 0 ? expectedBestOfRandom(values, budget, Objective.of(spec)) : undefined;
      })
      .catch(() => undefined);
    curves.set(key, curve);
  }
  return curve;
}
