/** Input that is not a usable SMILES string. `reason` is RDKit's complaint when it gave one. */
export class SmilesError extends Error {
  override readonly name = 'SmilesError';

  constructor(
    readonly smiles: string,
    readonly reason: string,
  ) {
    super(`invalid SMILES ${JSON.stringify(abbreviate(smiles))}: ${reason}`);
  }
}

// Keeps messages readable when someone pastes a polymer; `smiles` keeps the full text.
function abbreviate(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 80)}… (${text.length} characters)`;
}
