/**
 * Virtual screening from the API and the panel: a library sent with the request (CSV, SMILES lines
 * or SDF, within the service's body limit) scored in one substance role of a campaign by its newest
 * model, on a worker thread within the service's time limit. A catalogue larger than that goes to
 * `athanor screen`, which streams it from a file (docs/screening.md).
 */
import { z } from 'zod';
import { listObservations, loadLatestModelVersion, type CampaignRow, type Db } from '../../db/index.js';
import type { CampaignSpec } from '../../campaign/index.js';
import type { LibraryFormat } from '../../screening/library-reader.js';
import { MAX_FORWARD_PRODUCTS, type LibraryScreenResult } from '../../screening/library-screen.js';
import type { ScreenRequest } from '../../screening/campaign-screen.js';
import { apiError } from '../errors.js';
import type { SuggestionSources } from '../heavy-work/tasks.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

export const LIBRARY_FORMATS = ['csv', 'tsv', 'smi', 'sdf'] as const;

/** `with=NAME=VALUE;NAME=VALUE`: parameters of the reaction fixed instead of the best result's (screens and suggestions). */
export const withQuery = z
  .string()
  .max(2_000)
  .regex(/^[^=;]+=[^;]*(;[^=;]+=[^;]*)*$/, 'NAME=VALUE pairs separated by ";"')
  .optional()
  .describe("Parameters of the reaction fixed instead of the best result's, as NAME=VALUE;NAME=VALUE");

export const screenQuery = z.object({
  role: z.string().min(1).max(200).describe('The substance role the library is screened in'),
  format: z.enum(LIBRARY_FORMATS).default('csv').describe('csv/tsv: a header with a "smiles" column (and "name", "id", … if present); smi: "SMILES name" per line; sdf: MDL SD records'),
  top: z.coerce.number().int().min(1).max(1_000).default(50).describe('How many of the best molecules to return'),
  rank: z.enum(['mean', 'ucb']).default('mean').describe('By the predicted value, or optimistically (mean + 2σ in the better direction)'),
  with: withQuery,
  elements: z
    .string()
    .max(300)
    .regex(/^[A-Z][a-z]?(,[A-Z][a-z]?)*$/, 'element symbols separated by ",", e.g. C,H,N,O,Br')
    .optional()
    .describe("Elements allowed (default: the organic set and the role's own substances' elements)"),
  max_heavy_atoms: z.coerce.number().int().min(1).max(500).optional().describe('Molecules with more heavy atoms are set aside (default 70)'),
  forward: z.enum(['true', 'false']).optional().describe(`Ask the forward model for each of the best molecules' product in the reaction (the first ${MAX_FORWARD_PRODUCTS}; default true)`),
});

const moleculeSchema = z.object({
  rank: z.int(),
  line: z.int().describe("The record's line in the library"),
  name: z.string(),
  smiles: z.string().describe('Canonical SMILES'),
  heavyAtoms: z.int(),
  mean: z.number().describe('Predicted value of the objective'),
  sigma: z.number(),
  product: z.string().nullable().optional().describe("The forward model's top product with this molecule and the reaction's other substances; null when the predicted reaction leaves the molecule out; absent when not asked or not applicable"),
});

export const screenSchema = z.object({
  role: z.string(),
  reaction: z.record(z.string(), z.union([z.string(), z.number()])).describe('The reaction each molecule was tried in'),
  basis: z.string(),
  target: z.string(),
  unit: z.string().optional(),
  ranking: z.enum(['mean', 'ucb']),
  model: z.object({ version: z.int(), kind: z.string(), trainingSize: z.int() }),
  inCampaign: z.object({ name: z.string(), mean: z.number(), sigma: z.number() }).describe("The role's substance in that reaction, by the same model"),
  read: z.int().describe('Records read'),
  screened: z.int().describe('Distinct molecules scored'),
  duplicates: z.int(),
  rejected: z.object({
    count: z.int(),
    byReason: z.record(z.string(), z.int()),
    first: z.array(z.object({ line: z.int(), name: z.string(), reason: z.string() })).describe('The first hundred unusable records, each with its line and why'),
  }),
  ranked: z.array(moleculeSchema),
  forward: z
    .object({
      note: z.string().describe("Whether the forward model's products say something about the role: 'not applicable: …' when its top reaction does not involve the role (then no product is given)"),
      inCampaign: z.string().nullable().describe("The forward model's top product with the role's campaign substance"),
      predicted: z.int().describe('How many of the best molecules it was asked for'),
    })
    .optional(),
  seconds: z.number(),
  perSecond: z.number(),
});

export interface LibraryUpload {
  text: string;
  format: LibraryFormat;
  /** How messages name it (the uploaded file's name, or "the library"). */
  label: string;
}

/** A screen's settings as the API's query gives them (the panel's form gives some of them). */
export type ScreenQuery = Pick<z.output<typeof screenQuery>, 'role' | 'top' | 'rank'> & Partial<Pick<z.output<typeof screenQuery>, 'with' | 'elements' | 'max_heavy_atoms' | 'forward'>>;

/** NAME=VALUE;NAME=VALUE as an assignment (split at each pair's first '=': a SMILES value has its own). */
export function fixedParameters(text: string | undefined): Record<string, string> | undefined {
  return text ? Object.fromEntries(text.split(';').map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()])) : undefined;
}

/** The screen a query asks for, as the screening code takes it. */
export function screenRequestOf(query: ScreenQuery): ScreenRequest {
  const fixed = fixedParameters(query.with);
  return {
    role: query.role,
    ...(fixed ? { fixed } : {}),
    ...(query.max_heavy_atoms ? { maxHeavyAtoms: query.max_heavy_atoms } : {}),
    ...(query.elements ? { elements: query.elements.split(',') } : {}),
  };
}

/** A library screened in a campaign, on the service's worker threads. */
export async function screenForCampaign(services: Services, row: CampaignRow, query: ScreenQuery, library: LibraryUpload): Promise<LibraryScreenResult> {
  if (library.text.trim() === '') throw apiError(400, 'invalid_library', `${library.label} is empty: send the library's text (a CSV with a "smiles" column, SMILES lines or an SDF)`, 'library');
  return services.work.screenLibrary({ sources: await workerSources(services.db, row), request: screenRequestOf(query), library, top: query.top, ranking: query.rank, forward: query.forward !== 'false' });
}

/** What a worker thread needs of a campaign to screen or suggest for it, read from the database here. */
export async function workerSources(db: Db, row: CampaignRow): Promise<SuggestionSources> {
  const [observations, model] = await Promise.all([listObservations(db, row.id), loadLatestModelVersion(db, row.id)]);
  return { spec: row.spec as unknown as CampaignSpec, observations, model: model ?? null };
}

export function screeningRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/screen',
      tag: 'models',
      summary: "Screen a library of molecules in one substance role with the campaign's model",
      description:
        "Each molecule of the library replaces the role's substance in the campaign's best result so far (or in the reaction `with` fixes) and is scored by the campaign's newest model; rows that are not molecules, too large, or of elements outside the allowed set are reported with their line. " +
        "The body is the library's text, up to the service's request limit (1 MB by default: about 20,000 SMILES); larger catalogues with `athanor screen`, which streams them from a file. Runs on a worker thread within the service's time limit (503 with Retry-After beyond it). Nothing is dispatched: a chemist adds the molecules worth trying to the campaign file.",
      access: 'read',
      params: campaignParams,
      query: screenQuery,
      rawBody: {
        required: true,
        contentTypes: {
          'text/csv': { description: 'smiles,name\nIc1ccccc1,iodobenzene' },
          'text/plain': { description: 'SMILES lines (format=smi) or an SDF (format=sdf)' },
          'chemical/x-mdl-sdfile': { description: 'An SDF (format=sdf)' },
        },
      },
      responses: {
        200: { description: 'The best molecules, with what was set aside and why', schema: screenSchema },
        400: { description: 'An empty or unreadable library, not a substance role of the campaign, a fixed parameter it does not have, or an objective that is not one target', schema: errorSchema },
        404: { description: 'No such campaign', schema: errorSchema },
        409: { description: 'The campaign has no trained model yet', schema: errorSchema },
        413: { description: 'The library is larger than the request limit', schema: errorSchema },
        503: { description: 'The workers are busy or the screen ran over the time limit (Retry-After)', schema: errorSchema },
      },
    },
    async (c, { params, query }) => {
      const row = await services.campaign(params.id);
      return c.json(await screenForCampaign(services, row, query, { text: await c.req.text(), format: query.format, label: 'the library' }));
    },
  );
}
