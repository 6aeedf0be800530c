/** Input that is not a usable SMILES string. `reason` is RDKit's complaint when it gave one. */
export class SmilesError extends Error {
  override readonly name = 'SmilesError';

  constructor(
    readonly smiles: string,
    readonly reason: string,
  ) {
    super(`invalid SMILES ${JSON.stringify(smiles)}: ${reason}`);
  }
}
