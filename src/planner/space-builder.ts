/**
 * Builds a campaign's SearchSpace from its validated spec: the parameters, the forbidden
 * combinations, the unordered groups and, when the file names one, the scope table's rows.
 * Reading that table is the one piece of I/O, through the campaign's confinement (its data
 * folders) and an injected reader, so tests and callers that already hold the table pass it in.
 */
import { confinedSpecPath, spaceParameters, type CampaignSpec } from '../campaign/index.js';
import { canonicalOrNull, initChem } from '../chem/index.js';
import { readCsv, type CsvRow } from '../util/csv.js';
import { turnTaker } from '../util/turns.js';
import { SearchSpace, type SpaceDefinition } from './space.js';
import { parseLinearConstraint } from '../campaign/linear-constraint.js';

/** A rule's entries as lists (the file allows one choice or a list). */
function listEach(rule: Record<string, string | number | (string | number)[]>): Record<string, (string | number)[]> {
  return Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

/** Reads a CSV table (the scope file); readCsv by default. */
export type ReadTable = (path: string) => Promise<{ rows: CsvRow[] }>;

/**
 * Canonical forms of the file's SMILES, one at a time with turns of the event loop between: RDKit
 * takes ms per molecule new to the process (tens for the first few it reads), and a service must
 * not stop answering while a campaign starts. They are cached, so spaceParameters then finds them.
 */
async function canonicalizeSubstances(spec: CampaignSpec): Promise<void> {
  const pause = turnTaker();
  for (const choices of Object.values(spec.space.substances)) {
    for (const smiles of Object.values(choices)) {
      canonicalOrNull(smiles);
      await pause();
    }
  }
}

export async function buildSpace(spec: CampaignSpec, readTable: ReadTable = readCsv): Promise<SearchSpace> {
  await initChem();
  await canonicalizeSubstances(spec);
  const definition: SpaceDefinition = {
    parameters: spaceParameters(spec),
    ...(spec.space.unordered ? { unordered: spec.space.unordered } : {}),
    forbidden: spec.space.forbidden.map(listEach),
    ...(spec.space.constraints ? { constraints: spec.space.constraints.map(parseLinearConstraint) } : {}),
    ...(spec.space.cardinality ? { cardinality: spec.space.cardinality } : {}),
    ...(spec.space.active_when ? { activeWhen: Object.fromEntries(Object.entries(spec.space.active_when).map(([name, rule]) => [name, listEach(rule)])) } : {}),
    ...(spec.space.enumerate === false ? { enumerate: false as const } : {}),
  };
  if (spec.space.scope) {
    const file = await confinedSpecPath(spec, ['space', 'scope', 'file'], spec.space.scope.file);
    const { rows } = await readTable(file);
    definition.scope = { rows, columns: spec.space.scope.columns, source: file };
  }
  return new SearchSpace(definition);
}
