/**
 * Shapley values of a model's prediction over the campaign's parameters, as BayBE's SHAP insights
 * give them: how much each parameter's value moves the prediction away from the model's average
 * over the space. Interventional and exact: a parameter left out of a coalition takes the values
 * of background candidates spread over the space, and every coalition is evaluated (2^d mixtures
 * per background candidate), so the contributions add up exactly to prediction − average.
 * Hand-written: the JavaScript SHAP ports explain their own tree or kernel models, not a function
 * of mixed candidates.
 */

/** Most parameters explained exactly (2^12 coalitions × background candidates per prediction). */
export const SHAPLEY_MAX_PARAMETERS = 12;

export interface ShapleyResult {
  /** One contribution per parameter, in the space's order. */
  values: number[];
  /** The model's average prediction over the background candidates. */
  base: number;
  /** The prediction itself: base + Σ values. */
  prediction: number;
}

/** Background candidates: `count` spread evenly over the space's indices. */
export function backgroundOf(spaceSize: number, count = 16): number[] {
  const n = Math.min(count, spaceSize);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * spaceSize) / n));
}

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/**
 * Exact Shapley values for each of `candidates`. `predictMixed(rows)` predicts mixtures: row r
 * takes parameter j's value from candidate rows[r][j]. All mixtures go to the model in one call.
 */
export async function shapleyValues(
  candidates: readonly number[],
  background: readonly number[],
  parameterCount: number,
  predictMixed: (rows: number[][]) => Promise<ArrayLike<number>>,
): Promise<ShapleyResult[]> {
  const d = parameterCount;
  if (d > SHAPLEY_MAX_PARAMETERS) throw new Error(`Shapley values are computed exactly for up to ${SHAPLEY_MAX_PARAMETERS} parameters; this space has ${d}`);
  if (background.length === 0) throw new Error('no background candidates');
  const coalitions = 1 << d;
  const rows: number[][] = [];
  for (const candidate of candidates) {
    for (let mask = 0; mask < coalitions; mask++) {
      for (const b of background) rows.push(Array.from({ length: d }, (_, j) => (mask & (1 << j) ? candidate : b)));
    }
  }
  const predicted = await predictMixed(rows);
  const B = background.length;
  const weight = Array.from({ length: d }, (_, s) => (factorial(s) * factorial(d - s - 1)) / factorial(d));
  return candidates.map((_, c) => {
    const v = new Float64Array(coalitions);
    for (let mask = 0; mask < coalitions; mask++) {
      let sum = 0;
      for (let b = 0; b < B; b++) sum += predicted[(c * coalitions + mask) * B + b]!;
      v[mask] = sum / B;
    }
    const values = Array.from({ length: d }, (_, j) => {
      let phi = 0;
      for (let mask = 0; mask < coalitions; mask++) {
        if (mask & (1 << j)) continue;
        let size = 0;
        for (let m = mask; m; m &= m - 1) size++;
        phi += weight[size]! * (v[mask | (1 << j)]! - v[mask]!);
      }
      return phi;
    });
    return { values, base: v[0]!, prediction: v[coalitions - 1]! };
  });
}
