/**
 * Substance suggestions for a campaign, as plain data in and out so that the service can compute
 * them on a worker thread (heavy-work): the campaign file, its results and its newest stored model
 * in; the report of proposeSubstances with the reaction it was asked for out. The CLI computes
 * the same through the same steps (prepareCampaignScreen → proposeSubstances).
 */
import type { CampaignSpec } from '../campaign/index.js';
import type { Measurement } from '../measurements/measurements.js';
import { prepareCampaignScreen, type CampaignScreen, type ScreenRequest } from '../screening/campaign-screen.js';
import { loadedModelOf, type StoredModelVersion } from '../server/stored-models.js';
import type { MolecularAutoencoder } from './autoencoder.js';
import { proposeSubstances, type ForwardCheck, type ProposalReport } from './propose-substances.js';

export interface SuggestionRequest extends ScreenRequest {
  count: number;
  minSimilarity?: number;
  allowReactive?: string[];
  rounds?: number;
  seed?: number;
}

export interface CampaignSuggestions extends ProposalReport {
  role: string;
  reaction: CampaignScreen['reaction'];
  basis: string;
  target: string;
  unit: string | undefined;
  model: CampaignScreen['model'];
}

export interface SuggestionSources {
  spec: CampaignSpec;
  observations: readonly Measurement[];
  /** the campaign's newest model version, or null when none has been trained */
  model: StoredModelVersion | null;
}

export async function suggestForCampaign(sources: SuggestionSources, request: SuggestionRequest, autoencoder: MolecularAutoencoder, forward?: ForwardCheck): Promise<CampaignSuggestions> {
  const { spec, observations, model } = sources;
  const setup = await prepareCampaignScreen(
    { spec, observations, model: async (space) => (model ? loadedModelOf(model, spec, space, [spec.objective.target]) : undefined) },
    request,
  );
  return suggestWithSetup(setup, request, autoencoder, forward);
}

/** Suggestions for a campaign already prepared for the role (the CLI prepares it from its own database). */
export async function suggestWithSetup(
  setup: CampaignScreen,
  request: SuggestionRequest,
  autoencoder: MolecularAutoencoder,
  forward?: ForwardCheck,
  onProgress?: (message: string) => void,
): Promise<CampaignSuggestions> {
  const report = await proposeSubstances({
    ...setup.settings,
    substances: setup.substances,
    autoencoder,
    count: request.count,
    ...(forward ? { forward } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(request.minSimilarity !== undefined ? { minSimilarity: request.minSimilarity } : {}),
    ...(request.allowReactive ? { allowReactive: request.allowReactive } : {}),
    ...(request.rounds ? { rounds: request.rounds } : {}),
    ...(request.seed ? { seed: request.seed } : {}),
  });
  return { ...report, role: setup.settings.role, reaction: setup.reaction, basis: setup.basis, target: setup.target, unit: setup.unit, model: setup.model };
}
