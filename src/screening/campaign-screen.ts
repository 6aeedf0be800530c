/**
 * A campaign ready to screen a library in one of its substance roles: the role checked, the reaction
 * the molecules are tried in (the campaign's best result, with any parameters the chemist fixes
 * instead), the newest trained model, and the filter. What is missing is said plainly: a role that
 * is not a substance role, a campaign without a model yet, an objective that is not one target.
 */
import type { CampaignSpec } from '../campaign/index.js';
import { listObservations, type CampaignRow, type Db } from '../db/index.js';
import { Measurements, type Measurement } from '../measurements/measurements.js';
import type { ReactionInput } from '../models/types.js';
import { Objective } from '../objectives/objective.js';
import { candidateOf, UnknownCandidateError } from '../planner/candidate-lookup.js';
import { buildSpace } from '../planner/space-builder.js';
import type { Parameter } from '../planner/parameters.js';
import type { SearchSpace } from '../planner/space.js';
import type { LoadedModel } from '../server/model-access.js';
import { storedModels } from '../server/stored-models.js';
import { defaultFilter, type MoleculeFilter } from './molecule-filter.js';
import type { ScreenSettings } from './screen.js';

export class ScreenSetupError extends Error {
  override name = 'ScreenSetupError';
  constructor(
    message: string,
    /** The option or parameter at fault. */
    readonly field: string,
    /** 'no_model': the campaign has not trained one yet (a state that passes, not a wrong request). */
    readonly code: 'invalid_request' | 'no_model' = 'invalid_request',
  ) {
    super(message);
  }
}

export interface ScreenRequest {
  role: string;
  /** Parameters fixed instead of the best result's (choice names, SMILES or numbers as in the campaign file). */
  fixed?: Record<string, string>;
  maxHeavyAtoms?: number;
  /** Element symbols allowed; default the organic set and the role's own substances' elements. */
  elements?: string[];
}

export interface CampaignScreen {
  settings: Pick<ScreenSettings, 'role' | 'context' | 'direction' | 'filter' | 'predict' | 'fingerprints'>;
  /** The reaction each molecule is tried in, as the campaign names its parameters (the role shows its best choice, which each molecule replaces). */
  reaction: Record<string, string | number>;
  /** Where `reaction` came from. */
  basis: string;
  target: string;
  unit: string | undefined;
  model: { version: number; kind: string; trainingSize: number };
  /** The role's substances in the campaign (its "none" choice left out). */
  substances: { name: string; smiles: string }[];
}

/** What a screen needs of a campaign (databaseSources reads it from the campaign's database). */
export interface ScreenSources {
  spec: CampaignSpec;
  /** Its results, excluded ones flagged. */
  observations: readonly Measurement[];
  /** Its newest model restored for `space`; undefined when none has been trained. */
  model(space: SearchSpace): Promise<LoadedModel | undefined>;
}

/** The sources of a campaign in a database this process opened. */
export async function databaseSources(db: Db, row: CampaignRow): Promise<ScreenSources> {
  return { spec: row.spec as unknown as CampaignSpec, observations: await listObservations(db, row.id), model: (space) => storedModels().latest(db, row, space) };
}

/** Why a screen cannot run in `role` (also said by the upload of a background screen, before it reads the library). */
export function notASubstanceRole(role: string, roles: readonly string[]): string {
  return `"${role}" is not a substance role of this campaign (its roles: ${roles.join(', ') || 'none'})`;
}

export const NO_MODEL_YET = 'the campaign has no trained model yet: screening needs one, and one is trained once the first results arrive (athanor status shows them)';

export async function prepareCampaignScreen(sources: ScreenSources, request: ScreenRequest): Promise<CampaignScreen> {
  const { spec } = sources;
  const objective = Objective.of(spec);
  if (objective.kind !== 'single') {
    throw new ScreenSetupError(`screening ranks molecules by one target; this campaign's objective is ${objective.kind === 'match' ? `to match ${objective.target}` : `${objective.kind} over ${objective.modelledTargets.join(', ')}`}`, 'campaign');
  }
  const space = await buildSpace(spec);
  const role = space.parameters.find((p) => p.name === request.role);
  if (!role || role.kind !== 'substance') {
    throw new ScreenSetupError(notASubstanceRole(request.role, space.parameters.filter((p) => p.kind === 'substance').map((p) => p.name)), 'role');
  }
  const model = await sources.model(space);
  if (!model) throw new ScreenSetupError(NO_MODEL_YET, 'campaign', 'no_model');

  const { reaction, basis } = reactionOf(space, role, objective, sources.observations, request.fixed ?? {});
  let candidate: number;
  try {
    candidate = candidateOf(space, reaction);
  } catch (error) {
    if (error instanceof UnknownCandidateError) throw new ScreenSetupError(`the reaction to screen in (${describe(reaction)}) is not one of the campaign's: ${error.message}`, 'fixed');
    throw error;
  }
  const { reactionInputOf } = await import('../models/schema.js');
  const context: ReactionInput = reactionInputOf(space, candidate);
  const filter: MoleculeFilter = { ...defaultFilter(role.choices.map((c) => c.smiles), request.maxHeavyAtoms), ...(request.elements ? { elements: new Set(request.elements) } : {}) };
  return {
    settings: { role: role.name, context, direction: objective.direction, filter, predict: (inputs) => model.predictInputs(inputs), ...(model.fingerprints ? { fingerprints: model.fingerprints } : {}) },
    reaction,
    basis,
    target: objective.target,
    unit: spec.objective.unit,
    model: { version: model.version, kind: model.kind, trainingSize: model.trainingSize },
    substances: role.choices.filter((c) => c.smiles !== '').map((c) => ({ name: c.name, smiles: c.smiles })),
  };
}

/** The best usable result's parameters with the chemist's fixed ones over them; all fixed ones when there is no result. */
function reactionOf(
  space: SearchSpace,
  role: Extract<Parameter, { kind: 'substance' }>,
  objective: Objective,
  rows: readonly Measurement[],
  fixed: Record<string, string>,
): { reaction: Record<string, string | number>; basis: string } {
  const names = space.parameters.map((p) => p.name);
  const unknown = Object.keys(fixed).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new ScreenSetupError(`${unknown.join(', ')}: not a parameter of this campaign (${names.join(', ')})`, 'fixed');
  if (fixed[role.name] !== undefined) throw new ScreenSetupError(`${role.name}: that is the role being screened`, 'fixed');
  const best = Measurements.from(rows).best(objective);
  const reaction: Record<string, string | number> = { ...(best?.item.parameters ?? {}), ...fixed };
  const missing = names.filter((n) => reaction[n] === undefined && n !== role.name);
  if (missing.length > 0) throw new ScreenSetupError(`the campaign has no usable result to take the reaction from: fix ${missing.join(', ')} with --with NAME=VALUE`, 'fixed');
  // the role's value is replaced by each molecule: any choice names a candidate to start from
  reaction[role.name] ??= role.choices[0]!.name;
  const basis = best
    ? `the best result so far (experiment ${best.item.seq}, ${objective.target} ${Number(best.value.toPrecision(4))})${Object.keys(fixed).length ? `, with ${describe(fixed)} fixed` : ''}`
    : `the parameters fixed with --with`;
  return { reaction, basis };
}

function describe(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}
