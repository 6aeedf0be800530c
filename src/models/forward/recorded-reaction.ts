/**
 * The atom-mapped reaction format of USPTO-15K as split by Jin et al. (wengong-jin/nips17-rexgen):
 * `mapped reactants>>product edits`, where edits are `hLost;hGained;bondsBroken;bondsFormed`, atoms
 * named by map number and bonds written `a-b-order` (order 1.5 = aromatic). bondsBroken carries the
 * old orders, bondsFormed the new ones, so a bond whose order changes appears in both.
 */
export interface RecordedBond {
  a: number;
  b: number;
  order: number;
}

export interface RecordedReaction {
  /** atom-mapped reactants and reagents, '.'-joined */
  reactants: string;
  /** the recorded major product (unmapped) */
  product: string;
  hydrogensLost: number[];
  hydrogensGained: number[];
  broken: RecordedBond[];
  formed: RecordedBond[];
}

export class RecordedReactionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'RecordedReactionError';
  }
}

export function parseRecordedReactions(text: string): RecordedReaction[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => parseRecordedReaction(line, number));
}

export function parseRecordedReaction(line: string, lineNumber = 1): RecordedReaction {
  const [reaction, edits = ''] = line.trim().split(/\s+/);
  const [reactants, product] = (reaction ?? '').split('>>');
  if (!reactants || !product) throw new RecordedReactionError(lineNumber, 'expected "reactants>>product edits"');
  const fields = edits.split(';');
  if (fields.length !== 4) throw new RecordedReactionError(lineNumber, `expected 4 ';'-separated edit fields, found ${fields.length}`);
  const atomList = (field: string): number[] => (field === '' ? [] : field.split(',').map(Number));
  const bondList = (field: string): RecordedBond[] =>
    field === ''
      ? []
      : field.split(',').map((bond) => {
          const [a, b, order] = bond.split('-').map(Number);
          if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(order)) {
            throw new RecordedReactionError(lineNumber, `bad bond edit "${bond}"`);
          }
          return { a: a!, b: b!, order: order! };
        });
  return {
    reactants,
    product,
    hydrogensLost: atomList(fields[0]!),
    hydrogensGained: atomList(fields[1]!),
    broken: bondList(fields[2]!),
    formed: bondList(fields[3]!),
  };
}
