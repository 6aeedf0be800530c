/**
 * Per-molecule vectors computed once and kept (a learned representation's embedding of each
 * substance a kernel compares). The empty "none" choice, and a molecule the representation cannot
 * read, have none (null). Bounded: a long-running service that screens many libraries starts over
 * past 50,000 molecules rather than growing without end.
 */
export class MoleculeVectors {
  private readonly vectors = new Map<string, Float32Array | null>();

  constructor(private readonly compute: (smiles: string) => Float32Array | null) {}

  of(smiles: string): Float32Array | null {
    let vector = this.vectors.get(smiles);
    if (vector === undefined) {
      vector = smiles === '' ? null : this.compute(smiles);
      if (this.vectors.size > 50_000) this.vectors.clear();
      this.vectors.set(smiles, vector);
    }
    return vector;
  }
}
