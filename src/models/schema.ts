/** What a model knows about a campaign's space: its roles, conditions and targets. */
import type { Parameter } from '../planner/parameters.js';
import type { SearchSpace } from '../planner/space.js';
import type { MixedPoint } from '../planner/mixed/domain.js';
import { ModelError, type ModelSchema, type ReactionInput, type TrainingData } from './types.js';

export function schemaFromSpace(space: SearchSpace, targets: string[], bounds?: Record<string, [number, number]>): ModelSchema {
  const schema: ModelSchema = { roles: [], numeric: [], categorical: [], targets: [...targets], ...(bounds ? { bounds: { ...bounds } } : {}) };
  for (const p of space.parameters) {
    if (p.kind === 'substance') {
      schema.roles.push(p.name);
      if (hasTwins(p)) schema.categorical.push({ name: choiceFactor(p.name), values: p.choices.map((c) => c.name) });
    } else if (p.kind === 'numeric') schema.numeric.push({ name: p.name, values: [...p.values] });
    // a continuous condition is scaled over its range (on a log scale when the file asks)
    else if (p.kind === 'continuous') schema.numeric.push({ name: p.name, values: [p.min, p.max], ...(p.log ? { log: true } : {}) });
    else schema.categorical.push({ name: p.name, values: [...p.values] });
  }
  if (schema.targets.length === 0) throw new ModelError('a model needs at least one target');
  return schema;
}

/**
 * A role where two choices are one molecule (a solvent at two volume ratios, a base from two
 * suppliers). Molecular similarity sees them as identical, so the role's choice itself is also
 * given to the model as a category: the GP's categorical kernel term (and the ensemble's one-hot
 * conditions) can then tell them apart when their results differ.
 */
function hasTwins(p: Extract<Parameter, { kind: 'substance' }>): boolean {
  let twins = twinRoles.get(p);
  if (twins === undefined) {
    twins = new Set(p.choices.map((c) => c.smiles)).size < p.choices.length;
    twinRoles.set(p, twins);
  }
  return twins;
}

/** Asked once per candidate and role when a model scores a space: remembered per parameter. */
const twinRoles = new WeakMap<object, boolean>();

/** The category naming a role's choice; '#' keeps it apart from every parameter name (identifiers). */
export function choiceFactor(role: string): string {
  return `${role}#choice`;
}

/** The model input for candidate `i` of a space. */
export function reactionInputOf(space: SearchSpace, candidate: number): ReactionInput {
  return reactionInputOfValues(space, space.valuesOf(candidate), space.substancesOf(candidate));
}

/** The model input for a point of a searched space that need not be a candidate yet (acquisition optimisation). */
export function reactionInputOfPoint(space: SearchSpace, point: MixedPoint): ReactionInput {
  const { values, substances } = space.describePoint(point);
  return reactionInputOfValues(space, values, substances);
}

function reactionInputOfValues(space: SearchSpace, values: Record<string, string | number>, substances: Record<string, string>): ReactionInput {
  const conditions: Record<string, number | string> = {};
  for (const p of space.parameters) {
    const v = values[p.name];
    if (v === undefined) continue;
    if (p.kind !== 'substance') conditions[p.name] = v;
    else if (hasTwins(p)) conditions[choiceFactor(p.name)] = v;
  }
  return { substances, conditions };
}

/** Checks that every target has one value per input and at least one is measured. */
export function checkTrainingData(schema: ModelSchema, data: TrainingData): void {
  const n = data.inputs.length;
  if (n === 0) throw new ModelError('no training data');
  for (const target of schema.targets) {
    const values = data.targets[target];
    if (!values) throw new ModelError(`training data has no values for target ${target}`);
    if (values.length !== n) throw new ModelError(`target ${target} has ${values.length} values for ${n} inputs`);
    if (!values.some(Number.isFinite)) throw new ModelError(`target ${target} has no measured value`);
  }
}

/** A stable fingerprint of a schema, stored with weights so a model is never loaded into the wrong space. */
export function schemaKey(schema: ModelSchema): string {
  return JSON.stringify([schema.roles, schema.numeric, schema.categorical, schema.targets]);
}
