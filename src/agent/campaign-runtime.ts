/**
 * Turns a validated campaign spec into the live parts a campaign runs with: its enumerated search
 * space, its planning strategy and its lab. Reading tables from disk happens here, so the planner
 * stays pure.
 */
import { join } from 'node:path';
import { labCapacity, resolveSpecPath, spaceParameters, type CampaignSpec } from '../campaign/index.js';
import { initChem } from '../chem/index.js';
import type { LabAdapter } from '../lab-adapters/contract.js';
import { DatasetSimulator, type DatasetReference } from '../lab-adapters/dataset-simulator.js';
import { BayesianRecommender } from '../planner/bayesian-recommender.js';
import { DiverseDesign, RandomDesign } from '../planner/initial-design.js';
import type { ModelView, Recommender } from '../planner/recommender.js';
import { SearchSpace, type SpaceDefinition } from '../planner/space.js';
import { readCsv } from '../util/csv.js';

/** The campaign's surrogate as the agent keeps it: trained in the retraining step, read by planning. */
export interface CampaignModel {
  /** The newest finished model, or undefined before the first one. */
  view(): ModelView | undefined;
  /** Train on the current observations (warm-started from the current model) and record a version. */
  retrain(signal?: AbortSignal): Promise<void>;
}

export interface CampaignRuntime {
  space: SearchSpace;
  recommender: Recommender;
  model?: CampaignModel;
  lab: LabAdapter;
  capacity: number;
  /** What the dataset behind a simulated lab says is reachable, when the lab is a dataset. */
  reference?: DatasetReference;
}

export async function buildSpace(spec: CampaignSpec): Promise<SearchSpace> {
  await initChem();
  const definition: SpaceDefinition = {
    parameters: spaceParameters(spec),
    forbidden: spec.space.forbidden.map((rule) =>
      Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    ),
  };
  if (spec.space.scope) {
    const file = resolveSpecPath(spec, spec.space.scope.file);
    const { rows } = await readCsv(file);
    definition.scope = { rows, columns: spec.space.scope.columns, source: file };
  }
  return new SearchSpace(definition);
}

export function recommenderFor(spec: CampaignSpec): Recommender {
  const planner = spec.planner;
  if (planner.strategy === 'random') return new RandomDesign();
  if (planner.strategy === 'diverse') return new DiverseDesign();
  return new BayesianRecommender({
    acquisition: {
      name: planner.acquisition,
      xi: planner.xi,
      ...(planner.beta !== undefined ? { beta: planner.beta } : {}),
    },
    initialResults: planner.initial_results ?? spec.budget.batch,
    penaltyLength: planner.penalty_length,
    initialDesign: planner.initial_design,
  });
}

export interface RuntimeOptions {
  campaignId: string;
  /** Athanor home: simulated labs keep their journals under it. */
  home: string;
}

export async function buildRuntime(spec: CampaignSpec, options: RuntimeOptions): Promise<CampaignRuntime> {
  const space = await buildSpace(spec);
  const capacity = labCapacity(spec);
  const lab = spec.lab;
  switch (lab.type) {
    case 'simulator': {
      const file = resolveSpecPath(spec, lab.dataset);
      const { rows } = await readCsv(file);
      const bounds = spec.objective.bounds ? { [spec.objective.target]: spec.objective.bounds } : undefined;
      const simulator = new DatasetSimulator({
        rows,
        source: file,
        keyOfRow: (row) => space.keyOfRow(row, lab.columns),
        results: lab.results,
        ...(bounds ? { bounds } : {}),
        noiseSd: lab.noise_sd,
        latencyMs: lab.latency_ms,
        failureRate: lab.failure_rate,
        seed: spec.seed,
        capacity,
        journalPath: join(options.home, 'labs', options.campaignId, 'simulator-journal.jsonl'),
      });
      return {
        space,
        recommender: recommenderFor(spec),
        lab: simulator,
        capacity,
        reference: simulator.reference(spec.objective.target, spec.objective.direction),
      };
    }
  }
}
