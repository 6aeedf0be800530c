/**
 * The benchmark reference of a campaign whose lab is a dataset simulator (best value, top-1 %
 * threshold), read again from the dataset when the campaign no longer runs in this process: a
 * finished campaign keeps its "top 1 %" line and its "reached at experiment N".
 */
import { confinedSpecPath, type CampaignSpec } from '../campaign/index.js';
import { referenceOf, type DatasetReference } from '../lab-adapters/dataset-simulator.js';
import type { SearchSpace } from '../planner/space.js';
import { readCsv } from '../util/csv.js';
import { Objective } from '../objectives/objective.js';

/**
 * The same table the simulator answers from (DatasetSimulator.indexRows): rows of the space with
 * every measured column a number, replicates of a candidate averaged. Undefined for other labs.
 */
export async function datasetReferenceOf(spec: CampaignSpec, space: Pick<SearchSpace, 'keyOfRow'>): Promise<DatasetReference | undefined> {
  const lab = spec.lab;
  if (lab.type !== 'simulator') return undefined;
  const target = spec.objective.target;
  const column = lab.results[target];
  if (!column) return undefined;
  const file = await confinedSpecPath(spec, ['lab', 'dataset'], lab.dataset);
  const { rows } = await readCsv(file);
  const sums = new Map<string, { sum: number; n: number }>();
  for (const row of rows) {
    const complete = Object.values(lab.results).every((c) => Number.isFinite(Number.parseFloat(row[c] ?? '')));
    if (!complete) continue;
    const key = space.keyOfRow(row, lab.columns);
    if (key === null) continue;
    const slot = sums.get(key) ?? { sum: 0, n: 0 };
    slot.sum += Number.parseFloat(row[column] ?? '');
    slot.n++;
    sums.set(key, slot);
  }
  const table = [...sums.values()].map(({ sum, n }) => ({ [target]: sum / n }));
  return referenceOf(table, target, Objective.of(spec), file);
}
