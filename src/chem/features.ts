// Declarative feature layouts: each feature names the slice of the vector it
// owns, so the layout can be printed, tested and versioned as data rather than
// being implied by offsets scattered through encoding code.

export interface FeatureSlice {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  /** one label per position, e.g. 'formalCharge=-1'; the last slot of a one-hot is `${name}=unknown` */
  readonly labels: readonly string[];
}

interface FeatureSpec<F> {
  readonly name: string;
  readonly labels: readonly string[];
  /** writes this feature for `facts` into `out`, starting at `at` (the slice's absolute position) */
  write(out: Float32Array, at: number, facts: F): void;
}

export interface FeatureLayout<F> {
  readonly size: number;
  readonly slices: readonly FeatureSlice[];
  /** writes the whole vector for `facts` into `out` at `offset`; `out` must be zero there */
  encode(facts: F, out: Float32Array, offset: number): void;
}

/** One slot per listed value plus a final "unknown" slot for anything unlisted, as chemprop does. */
export function oneHot<F, V>(name: string, choices: readonly V[], value: (facts: F) => V): FeatureSpec<F> {
  const slotOf = new Map(choices.map((choice, slot) => [choice, slot] as const));
  return {
    name,
    labels: [...choices.map((choice) => `${name}=${String(choice)}`), `${name}=unknown`],
    write(out, at, facts) {
      out[at + (slotOf.get(value(facts)) ?? choices.length)] = 1;
    },
  };
}

export function flag<F>(name: string, value: (facts: F) => boolean): FeatureSpec<F> {
  return {
    name,
    labels: [name],
    write(out, at, facts) {
      if (value(facts)) out[at] = 1;
    },
  };
}

export function scalar<F>(name: string, value: (facts: F) => number): FeatureSpec<F> {
  return {
    name,
    labels: [name],
    write(out, at, facts) {
      out[at] = value(facts);
    },
  };
}

export function featureLayout<F>(specs: readonly FeatureSpec<F>[]): FeatureLayout<F> {
  let size = 0;
  const slices = specs.map((spec): FeatureSlice => {
    const slice = { name: spec.name, offset: size, length: spec.labels.length, labels: spec.labels };
    size += slice.length;
    return slice;
  });
  return {
    size,
    slices,
    encode(facts, out, offset) {
      specs.forEach((spec, index) => spec.write(out, offset + slices[index]!.offset, facts));
    },
  };
}
