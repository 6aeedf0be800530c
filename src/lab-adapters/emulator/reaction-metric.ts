/**
 * Distances between reactions, one dimension at a time: substances by 1 − Tanimoto of their Morgan
 * fingerprints, numbers by their difference scaled to the range seen, categories by mismatch. Each
 * dimension has a small vocabulary of distinct values and a table of distances between them, so
 * the distance between two reactions is a handful of table look-ups.
 */
import { morganFingerprint, tanimoto } from '../../chem/index.js';

export type DimensionKind = 'substance' | 'numeric' | 'categorical';

export interface Dimension {
  name: string;
  kind: DimensionKind;
}

/** One reaction: dimension → canonical SMILES ('' = none), number or category. */
export type ReactionInputs = Record<string, string | number>;

interface Vocabulary {
  dimension: Dimension;
  index: Map<string, number>;
  values: (string | number)[];
  /** Distances between values, row-major, size × size; rebuilt when values are added. */
  table: Float64Array;
  tableSize: number;
  /** Numeric dimensions: the range the differences are divided by (fixed at construction). */
  scale: number;
}

export class ReactionMetric {
  readonly dimensions: readonly Dimension[];
  private readonly vocabularies: Vocabulary[];

  /** `seen` fixes the vocabularies and numeric scales (the training data and the space's values). */
  constructor(dimensions: readonly Dimension[], seen: readonly ReactionInputs[]) {
    this.dimensions = dimensions;
    this.vocabularies = dimensions.map((dimension) => ({ dimension, index: new Map(), values: [], table: new Float64Array(0), tableSize: 0, scale: 1 }));
    for (const inputs of seen) this.encode(inputs);
    for (const vocabulary of this.vocabularies) {
      if (vocabulary.dimension.kind !== 'numeric') continue;
      const numbers = vocabulary.values as number[];
      const range = Math.max(...numbers) - Math.min(...numbers);
      vocabulary.scale = range > 0 ? range : 1;
    }
  }

  /** Each dimension's value as a code of its vocabulary (new values join it). */
  encode(inputs: ReactionInputs): Int32Array {
    return Int32Array.from(this.vocabularies, (vocabulary) => {
      const { name, kind } = vocabulary.dimension;
      const value = inputs[name];
      if (value === undefined) throw new Error(`the reaction gives no value for "${name}"`);
      const normalised = kind === 'numeric' ? Number(value) : String(value);
      if (kind === 'numeric' && !Number.isFinite(normalised)) throw new Error(`"${name}" must be a number, got ${String(value)}`);
      const key = String(normalised);
      let code = vocabulary.index.get(key);
      if (code === undefined) {
        code = vocabulary.values.length;
        vocabulary.values.push(normalised);
        vocabulary.index.set(key, code);
      }
      return code;
    });
  }

  /** The distance table of dimension d (size × size), up to date with the vocabulary. */
  table(d: number): { table: Float64Array; size: number } {
    const vocabulary = this.vocabularies[d] as Vocabulary;
    const size = vocabulary.values.length;
    if (vocabulary.tableSize !== size) {
      vocabulary.table = this.buildTable(vocabulary);
      vocabulary.tableSize = size;
    }
    return { table: vocabulary.table, size };
  }

  private buildTable(vocabulary: Vocabulary): Float64Array {
    const { values, dimension, scale } = vocabulary;
    const n = values.length;
    const out = new Float64Array(n * n);
    const fingerprints = dimension.kind === 'substance' ? values.map((v) => morganFingerprint(String(v))) : [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let distance: number;
        if (dimension.kind === 'substance') distance = 1 - tanimoto(fingerprints[i] as Uint8Array, fingerprints[j] as Uint8Array);
        else if (dimension.kind === 'numeric') distance = Math.abs((values[i] as number) - (values[j] as number)) / scale;
        else distance = 1;
        out[i * n + j] = distance;
        out[j * n + i] = distance;
      }
    }
    return out;
  }
}
