import type { Parameter } from '../planner/parameters.js';
import { plannerParameter } from './match.js';
import { isContinuousSpec, type CampaignSpec, type ParameterInfo } from './types.js';

/** Every parameter of the space in file order (substances, numeric, categorical), each with its
 * choices: one list for code that does not care which kind a parameter is. */
export function specParameters(spec: Pick<CampaignSpec, 'space'>): ParameterInfo[] {
  const out: ParameterInfo[] = [];
  for (const [name, choices] of Object.entries(spec.space.substances)) {
    out.push({ kind: 'substance', name, choices: Object.keys(choices), smiles: choices });
  }
  for (const [name, p] of Object.entries(spec.space.numeric)) {
    const unit = p.unit === undefined ? {} : { unit: p.unit };
    if (isContinuousSpec(p)) {
      const { unit: _unit, ...range } = p;
      out.push({ kind: 'numeric', name, choices: [], ...unit, continuous: range });
    } else out.push({ kind: 'numeric', name, choices: p.values, ...unit });
  }
  for (const [name, choices] of Object.entries(spec.space.categorical)) {
    out.push({ kind: 'categorical', name, choices });
  }
  return out;
}

/** The search-space parameters a campaign runs with, in file order, substances canonicalised. */
export function spaceParameters(spec: Pick<CampaignSpec, 'space'>): Parameter[] {
  return specParameters(spec).map(plannerParameter);
}

/** Experiments the lab may hold at once: the file's lab.capacity, else the batch size. */
export function labCapacity(spec: Pick<CampaignSpec, 'lab' | 'budget'>): number {
  return spec.lab.capacity ?? spec.budget.batch;
}

export { sameNumber } from '../planner/parameters.js';
