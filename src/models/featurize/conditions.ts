/**
 * Reaction conditions as a numeric vector: numeric parameters scaled to [-1, 1] over the values
 * the space allows (so that one length scale fits parameters in °C and in mol/L), categorical
 * parameters one-hot. A value outside the space extrapolates linearly; an unknown category or a
 * missing value encodes as all zeros / the middle of the range.
 */
import type { ModelSchema, ReactionInput } from '../types.js';

export interface ConditionLayout {
  /** total width of the encoded vector */
  width: number;
  /** one entry per numeric parameter, then one per categorical, with their column ranges */
  blocks: { name: string; kind: 'numeric' | 'categorical'; offset: number; width: number }[];
}

export function conditionLayout(schema: ModelSchema): ConditionLayout {
  const blocks: ConditionLayout['blocks'] = [];
  let offset = 0;
  for (const p of schema.numeric) {
    blocks.push({ name: p.name, kind: 'numeric', offset, width: 1 });
    offset += 1;
  }
  for (const p of schema.categorical) {
    blocks.push({ name: p.name, kind: 'categorical', offset, width: p.values.length });
    offset += p.values.length;
  }
  return { width: offset, blocks };
}

/** n × width, row-major. */
export function encodeConditions(schema: ModelSchema, inputs: readonly ReactionInput[]): Float32Array {
  const layout = conditionLayout(schema);
  const out = new Float32Array(inputs.length * layout.width);
  const scales = schema.numeric.map((p) => {
    const lo = scaledValue(p, Math.min(...p.values));
    const hi = scaledValue(p, Math.max(...p.values));
    return { mid: (lo + hi) / 2, half: hi > lo ? (hi - lo) / 2 : 1 };
  });
  const categoryIndex = schema.categorical.map((p) => new Map(p.values.map((v, i) => [v, i] as const)));
  inputs.forEach((input, row) => {
    const base = row * layout.width;
    schema.numeric.forEach((p, j) => {
      const raw = input.conditions[p.name];
      const value = typeof raw === 'number' ? raw : raw === undefined ? Number.NaN : Number(raw);
      const { mid, half } = scales[j]!;
      out[base + j] = Number.isFinite(value) ? (scaledValue(p, value) - mid) / half : 0;
    });
    schema.categorical.forEach((p, j) => {
      const block = layout.blocks[schema.numeric.length + j]!;
      const code = categoryIndex[j]!.get(String(input.conditions[p.name] ?? ''));
      if (code !== undefined) out[base + block.offset + code] = 1;
    });
  });
  return out;
}

/** A numeric condition on the scale it is modelled on: its logarithm for a log-scale range. */
export function scaledValue(p: { log?: boolean }, value: number): number {
  return p.log ? Math.log(Math.max(value, Number.MIN_VALUE)) : value;
}
