// Synthetic related tasks over a 2-D numeric grid for the transfer models' tests: the campaign's
// task, one that shares its shape (shifted and scaled, plus a small part of its own), another
// that does, and an unrelated one.
import type { ModelSchema, ReactionInput } from '../../src/models/index.js';
import { rngFor, shuffled } from '../../src/util/random.js';

const xs = Array.from({ length: 13 }, (_, i) => i / 12);
const zs = Array.from({ length: 7 }, (_, i) => i / 6);
export const schema: ModelSchema = { roles: [], numeric: [{ name: 'x', values: xs }, { name: 'z', values: zs }], categorical: [], targets: ['y'] };
export const grid: ReactionInput[] = xs.flatMap((x) => zs.map((z) => ({ substances: {}, conditions: { x, z } })));
export const at = (i: ReactionInput) => ({ x: i.conditions.x as number, z: i.conditions.z as number });
export const own = (p: ReactionInput) => { const { x, z } = at(p); return 50 + 30 * Math.sin(5 * x) * Math.cos(3 * z) + 20 * x * z; };
export const related = (p: ReactionInput) => 0.8 * own(p) + 15 + 3 * Math.cos(7 * at(p).z);
export const alsoRelated = (p: ReactionInput) => 1.1 * own(p) - 20 + 2 * Math.sin(11 * at(p).x);
export const unrelated = (p: ReactionInput) => { const { x, z } = at(p); return 50 + 30 * Math.cos(9 * z + 2) * Math.sin(4 * (1 - x)) - 10 * z; };

/** `count` grid points, the same for the same label. */
export function sample(count: number, label: string): ReactionInput[] {
  return shuffled(grid, rngFor(7, label)).slice(0, count);
}

export function rmse(pred: Float64Array, truth: number[]): number {
  return Math.sqrt(truth.reduce((s, t, i) => s + (pred[i]! - t) ** 2, 0) / truth.length);
}
