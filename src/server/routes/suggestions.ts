/** New substances for a campaign's role: the molecular autoencoder's suggestions, computed on a worker thread. */
import { z } from 'zod';
import type { CampaignRow } from '../../db/index.js';
import type { CampaignSuggestions, SuggestionRequest } from '../../generative/campaign-suggestions.js';
import { REACTIVE_GROUPS } from '../../generative/structure-checks.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';
import { fixedParameters, withQuery, workerSources } from './screening.js';

export const suggestionQuery = z.object({
  role: z.string().min(1).max(200).describe('The substance role to suggest new substances for'),
  count: z.coerce.number().int().min(1).max(50).default(10).describe('How many suggestions'),
  with: withQuery,
  min_similarity: z.coerce.number().min(0).max(1).optional().describe('Suggestions less similar (Tanimoto) than this to every substance of the role are set aside (default 0.3)'),
  allow_reactive: z
    .string()
    .max(500)
    .optional()
    .refine((text) => !text || text.split(',').every((g) => g.trim() in REACTIVE_GROUPS), { message: `reactive groups by name, separated by ",": ${Object.keys(REACTIVE_GROUPS).join(', ')}` })
    .describe('Reactive groups allowed although the role\'s substances lack them, separated by ","'),
  seed: z.coerce.number().int().min(1).max(1_000_000).default(1).describe('Random seed of the latent search'),
});

const suggestionSchema = z.object({
  rank: z.int(),
  smiles: z.string().describe('Canonical SMILES'),
  mean: z.number().describe('Predicted value of the objective'),
  sigma: z.number(),
  nearest: z.object({ name: z.string(), similarity: z.number() }).describe("The role's most similar substance (Tanimoto, Morgan radius 2)"),
  product: z.string().optional().describe("The forward model's top product with this substance, when its check applied"),
});

export const suggestionsSchema = z.object({
  role: z.string(),
  reaction: z.record(z.string(), z.union([z.string(), z.number()])).describe('The reaction each suggestion is tried in'),
  basis: z.string(),
  target: z.string(),
  proposals: z.array(suggestionSchema),
  decoded: z.int(),
  valid: z.int(),
  novel: z.int(),
  setAside: z.record(z.string(), z.int()),
  startedFrom: z.array(z.string()),
  forwardCheck: z.string(),
  seconds: z.number(),
});

/** The request a query asks for. */
export function suggestionRequestOf(query: z.infer<typeof suggestionQuery>): SuggestionRequest {
  const fixed = fixedParameters(query.with);
  return {
    role: query.role,
    count: query.count,
    seed: query.seed,
    ...(fixed ? { fixed } : {}),
    ...(query.min_similarity !== undefined ? { minSimilarity: query.min_similarity } : {}),
    ...(query.allow_reactive ? { allowReactive: query.allow_reactive.split(',').map((g) => g.trim()) } : {}),
  };
}

/** Suggestions for a campaign, on the service's worker threads. */
export async function campaignSuggestions(services: Services, row: CampaignRow, request: SuggestionRequest): Promise<CampaignSuggestions> {
  return services.work.suggestSubstances(await workerSources(services.db, row), request);
}

export function suggestionRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/substance-suggestions',
      tag: 'models',
      summary: "New substances for a role, generated near the role's best performers and ranked by the campaign's model",
      description:
        "The molecular autoencoder (docs/generative.md) searches its latent space around the role's substances the campaign's newest model likes best; what it decodes is checked (a valid molecule, size and elements, no reactive group or strained ring the role's substances lack, the forward model's reaction unchanged where it can judge) and ranked by mean + 2σ. " +
        'Suggestions only: a chemist adds the ones worth making to the campaign file; nothing is dispatched. Runs on a worker thread within the service\'s time limit (503 with Retry-After beyond it).',
      access: 'read',
      params: campaignParams,
      query: suggestionQuery,
      responses: {
        200: { description: 'Suggestions, best first, with what was set aside and why', schema: suggestionsSchema },
        400: { description: 'Not a substance role of the campaign, a fixed parameter it does not have, or an objective that is not one target', schema: errorSchema },
        404: { description: 'No such campaign', schema: errorSchema },
        409: { description: 'The campaign has no trained model yet', schema: errorSchema },
        503: { description: 'No autoencoder installed; or the workers are busy or the search ran over the time limit (Retry-After)', schema: errorSchema },
      },
    },
    async (c, { params, query }) => c.json(await campaignSuggestions(services, await services.campaign(params.id), suggestionRequestOf(query))),
  );
}
