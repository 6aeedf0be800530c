/**
 * Substance suggestions for a campaign: the campaign prepared for the role (prepareCampaignScreen,
 * as a screen is), then proposeSubstances, reported with the reaction it was asked for. The
 * service's worker thread (heavy-work) and the CLI both come through here.
 */
import { prepareCampaignScreen, type CampaignScreen, type ScreenRequest, type ScreenSources } from '../screening/campaign-screen.js';
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

/** Prepares the campaign for the role (its file, results and newest model) and suggests. */
export async function suggestForCampaign(sources: ScreenSources, request: SuggestionRequest, autoencoder: MolecularAutoencoder, forward?: ForwardCheck): Promise<CampaignSuggestions> {
  return suggestWithSetup(await prepareCampaignScreen(sources, request), request, autoencoder, forward);
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
