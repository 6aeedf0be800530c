/**
 * Scrambled Sobol points on [0, 1)^d: the space-filling design of a space's continuous part.
 * Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better two-dimensional
 * projections" (SIAM J. Sci. Comput. 2008), file new-joe-kuo-6.21201, dimensions 2–32.
 * Scrambling: a random lower-triangular linear matrix scramble of each dimension's generator
 * plus a random digital shift (Matoušek 1998; what scipy.stats.qmc.Sobol(scramble=True) does), so
 * seeds give different designs that keep the net property.
 *
 * Hand-written: no maintained npm package offers scrambled Sobol points (searched the registry
 * list for sobol / quasi-random / low-discrepancy: none), and the sequence is a page of code.
 */
import { rngFor } from '../../util/random.js';

const BITS = 30;
/** [s, a, m1 … ms] for dimensions 2, 3, …, 32 (dimension 1 is the van der Corput sequence). */
const JOE_KUO: readonly (readonly number[])[] = [
  [1, 0, 1],
  [2, 1, 1, 3],
  [3, 1, 1, 3, 1],
  [3, 2, 1, 1, 1],
  [4, 1, 1, 1, 3, 3],
  [4, 4, 1, 3, 5, 13],
  [5, 2, 1, 1, 5, 5, 17],
  [5, 4, 1, 1, 5, 5, 5],
  [5, 7, 1, 1, 7, 11, 19],
  [5, 11, 1, 1, 5, 1, 1],
  [5, 13, 1, 1, 1, 3, 11],
  [5, 14, 1, 3, 5, 5, 31],
  [6, 1, 1, 3, 3, 9, 7, 49],
  [6, 13, 1, 1, 1, 15, 21, 21],
  [6, 16, 1, 3, 1, 13, 27, 49],
  [6, 19, 1, 1, 1, 15, 7, 5],
  [6, 22, 1, 3, 1, 15, 13, 25],
  [6, 25, 1, 1, 5, 5, 19, 61],
  [7, 1, 1, 3, 7, 11, 23, 15, 103],
  [7, 4, 1, 3, 7, 13, 13, 15, 69],
  [7, 7, 1, 1, 3, 13, 7, 35, 63],
  [7, 8, 1, 3, 5, 9, 1, 25, 53],
  [7, 14, 1, 3, 1, 13, 9, 35, 107],
  [7, 19, 1, 3, 1, 5, 27, 61, 31],
  [7, 21, 1, 1, 5, 11, 19, 41, 61],
  [7, 28, 1, 3, 5, 3, 3, 13, 69],
  [7, 31, 1, 1, 7, 13, 1, 19, 1],
  [7, 32, 1, 3, 7, 5, 13, 19, 59],
  [7, 37, 1, 1, 3, 9, 25, 29, 41],
  [7, 41, 1, 3, 5, 13, 23, 1, 55],
  [7, 42, 1, 3, 7, 3, 13, 59, 17],
];

export const MAX_SOBOL_DIMENSIONS = JOE_KUO.length + 1;

/** Generator columns v_k (as BITS-bit integers, most significant bit first) of one dimension. */
function directions(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimension === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 1 << (BITS - 1 - k);
    return v;
  }
  const [s, a, ...m] = JOE_KUO[dimension - 1] as number[];
  for (let k = 0; k < BITS; k++) {
    if (k < s!) v[k] = (m[k]! << (BITS - 1 - k)) >>> 0;
    else {
      let value = v[k - s!]! ^ (v[k - s!]! >>> s!);
      for (let j = 1; j < s!; j++) if ((a! >>> (s! - 1 - j)) & 1) value ^= v[k - j]!;
      v[k] = value >>> 0;
    }
  }
  return v;
}

/** L·v over GF(2), L lower triangular with a unit diagonal, bit 0 of the matrix = the most significant bit. */
function scramble(v: Uint32Array, rng: () => number): Uint32Array {
  const rows = Array.from({ length: BITS }, (_, r) => {
    let row = 1 << (BITS - 1 - r); // the diagonal
    for (let c = 0; c < r; c++) if (rng() < 0.5) row |= 1 << (BITS - 1 - c);
    return row >>> 0;
  });
  return v.map((column) => {
    let out = 0;
    rows.forEach((row, r) => {
      let parity = row & column;
      parity ^= parity >>> 16;
      parity ^= parity >>> 8;
      parity ^= parity >>> 4;
      parity ^= parity >>> 2;
      parity ^= parity >>> 1;
      if (parity & 1) out |= 1 << (BITS - 1 - r);
    });
    return out >>> 0;
  });
}

export class SobolSequence {
  private readonly generators: Uint32Array[];
  private readonly shifts: Uint32Array;

  /** `seed` undefined: the plain (unscrambled) sequence, for tests of the construction. */
  constructor(
    readonly dimensions: number,
    seed?: number | string,
  ) {
    if (dimensions < 1 || dimensions > MAX_SOBOL_DIMENSIONS) throw new RangeError(`Sobol points are defined here for 1 to ${MAX_SOBOL_DIMENSIONS} dimensions, not ${dimensions}`);
    const rng = seed === undefined ? null : rngFor(typeof seed === 'number' ? seed : 0, 'sobol', String(seed));
    this.generators = Array.from({ length: dimensions }, (_, d) => (rng ? scramble(directions(d), rng) : directions(d)));
    this.shifts = Uint32Array.from({ length: dimensions }, () => (rng ? Math.floor(rng() * 2 ** BITS) >>> 0 : 0));
  }

  /** Point number `index` (0-based) of the sequence. */
  point(index: number): Float64Array {
    const out = new Float64Array(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) {
      let x = this.shifts[d]!;
      const v = this.generators[d]!;
      let i = index;
      for (let k = 0; i > 0 && k < BITS; k++, i = Math.floor(i / 2)) if (i & 1) x ^= v[k]!;
      out[d] = (x >>> 0) / 2 ** BITS;
    }
    return out;
  }

  points(count: number, start = 0): Float64Array[] {
    return Array.from({ length: count }, (_, k) => this.point(start + k));
  }
}
