/**
 * Reaction inputs as the arrays the reaction network consumes: the distinct molecules (packed
 * into one graph), per role the molecule of each reaction, and the encoded conditions.
 */
import { packGraphs, type GraphPack } from './graph-pack.js';
import { indexMolecules } from './molecules.js';
import { conditionLayout, encodeConditions } from './conditions.js';
import type { ModelSchema, ReactionInput } from '../types.js';

export interface ReactionArrays {
  /** distinct molecules, in pack order */
  smiles: string[];
  pack: GraphPack;
  /** per role, per input: molecule index or -1 */
  byRole: Int32Array[];
  conditions: Float32Array;
  conditionWidth: number;
  rows: number;
}

export function reactionArrays(schema: ModelSchema, inputs: readonly ReactionInput[]): ReactionArrays {
  const molecules = indexMolecules(schema.roles, inputs);
  return {
    smiles: molecules.smiles,
    pack: packGraphs(molecules.smiles),
    byRole: molecules.byRole,
    conditions: encodeConditions(schema, inputs),
    conditionWidth: conditionLayout(schema).width,
    rows: inputs.length,
  };
}
