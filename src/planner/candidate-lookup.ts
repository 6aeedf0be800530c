/** The candidate of a space that a parameter assignment names, as a chemist writes one (choice names, SMILES or numbers). */
import type { SearchSpace } from './space.js';

export class UnknownCandidateError extends Error {
  override readonly name = 'UnknownCandidateError';
  constructor(
    message: string,
    /** Which of several assignments asked about (the API's candidates.N). */
    readonly index: number,
  ) {
    super(message);
  }
}

/** The candidate a parameter assignment names (choice names, SMILES or numbers), by the space's own matching rules. */
export function candidateOf(space: SearchSpace, parameters: Record<string, string | number>, index = 0): number {
  const names = space.parameters.map((p) => p.name);
  const unknown = Object.keys(parameters).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new UnknownCandidateError(`unknown parameter ${unknown.join(', ')} (the space has ${names.join(', ')})`, index);
  const missing = names.filter((n) => parameters[n] === undefined);
  if (missing.length > 0) throw new UnknownCandidateError(`missing parameter ${missing.join(', ')}`, index);
  const row = Object.fromEntries(names.map((n) => [n, String(parameters[n])]));
  const key = space.keyOfRow(row, Object.fromEntries(names.map((n) => [n, n])));
  const candidate = key === null ? undefined : space.indexOfKey(key);
  if (candidate === undefined) throw new UnknownCandidateError('this combination is not a candidate of the space (a value matches no choice, or it is forbidden)', index);
  return candidate;
}
