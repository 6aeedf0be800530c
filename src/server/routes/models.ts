/** What the planner believes: model versions, predictions, the uncertainty landscape, atom attributions. */
import { z } from 'zod';
import { listModelVersions } from '../../db/index.js';
import { moleculeSvg } from '../../chem/depict.js';
import { apiError } from '../errors.js';
import { attributionsFor, explainPrediction, landscape, NoAttributionError, NoModelError, noModelReason, parameterImportance, predict, UnknownCandidateError } from '../insights.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import {
  attributionQuery,
  campaignParams,
  errorSchema,
  experimentParams,
  landscapeQuery,
  modelVersionSchema,
  predictionSchema,
  predictionsBody,
  refValue,
} from '../openapi/schemas.js';
import type { Services } from '../services.js';
import { experimentOr404 } from './lookups.js';

/** Model questions fail in two plain ways: no model yet (409) or a candidate the space does not have (422). */
export async function answering<T>(work: () => Promise<T>, field = 'candidates'): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof NoModelError) throw apiError(409, 'no_model', error.message);
    if (error instanceof NoAttributionError) throw apiError(409, 'no_attribution', error.message);
    if (error instanceof UnknownCandidateError) throw apiError(422, 'unknown_candidate', error.message, field === 'candidates' ? `candidates.${error.index}.parameters` : field);
    throw error;
  }
}

export function modelRoutes(api: ApiBuilder, services: Services): void {
  const { db } = services;

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/models',
      tag: 'models',
      summary: 'Trained model versions with their metrics, newest first',
      description: 'An empty list until the first model is trained (the initial design needs none).',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'Model versions (without weights)', schema: z.object({ models: z.array(modelVersionSchema) }) } },
    },
    async (c, { params }) => {
      return c.json({ models: await listModelVersions(db, await services.campaignId(params.id)) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/predictions',
      tag: 'models',
      summary: "The latest model's prediction (mean ± σ) for any candidates of the space",
      access: 'read',
      params: campaignParams,
      body: predictionsBody,
      responses: {
        200: { description: 'One prediction per candidate, in order', schema: z.object({ version: z.int(), kind: z.string(), predictions: z.array(predictionSchema) }) },
        409: { description: 'No model has been trained yet (`no_model`)', schema: errorSchema },
        422: { description: 'A candidate is not in the space (`unknown_candidate`)', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const campaign = await services.campaign(params.id);
      return c.json(await answering(() => predict(services, campaign, body.candidates.map((x) => x.parameters))));
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/landscape',
      tag: 'models',
      summary: 'The candidate space folded onto two parameters: mean σ and prediction per cell, or what was observed',
      description: "`mode` is `model` when a model exists (cells carry `sigma` and `mean`), else `observed` (cells carry `tried` and `best`).",
      access: 'read',
      params: campaignParams,
      query: landscapeQuery,
      responses: { 200: { description: 'A grid of cells', schema: z.record(z.string(), z.unknown()) }, 422: { description: 'Unknown parameter', schema: errorSchema } },
    },
    async (c, { params, query }) => {
      const campaign = await services.campaign(params.id);
      return c.json(await answering(() => landscape(services, campaign, query.x, query.y), 'x'));
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/experiments/:ref/explanation',
      tag: 'models',
      summary: "Why the latest model predicts what it does for an experiment's candidate",
      description:
        'Mean ± σ; `contributions`: exact Shapley values per parameter (they add up to `mean − base`, `base` being the average prediction over candidates spread across the space); ' +
        '`neighbours`: the measured experiments most alike to the model (kernel similarity, Gaussian processes only).',
      access: 'read',
      params: experimentParams,
      responses: {
        200: { description: 'The explanation', schema: z.record(z.string(), z.unknown()) },
        409: { description: 'No model yet (`no_model`)', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const campaign = await services.campaign(params.id);
      const experiment = await experimentOr404(services, campaign.id, refValue(params.ref));
      return c.json(await answering(() => explainPrediction(services, campaign, experiment), 'ref'));
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/importance',
      tag: 'models',
      summary: "Parameter importance of the latest model: mean |Shapley value| over the newest measured candidates, largest first",
      access: 'read',
      params: campaignParams,
      responses: {
        200: { description: 'Importance per parameter', schema: z.record(z.string(), z.unknown()) },
        409: { description: 'No model yet (`no_model`)', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const campaign = await services.campaign(params.id);
      const importance = await parameterImportance(services, campaign);
      if (!importance) throw apiError(409, 'no_model', noModelReason(campaign));
      return c.json(importance);
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/experiments/:ref/attribution.svg',
      tag: 'models',
      summary: "A substance of an experiment drawn with the atoms that drive the latest model's prediction",
      description: 'Red atoms raise the predicted value, blue ones lower it.',
      access: 'read',
      params: experimentParams,
      query: attributionQuery,
      responses: {
        200: { description: 'SVG drawing', contentType: 'image/svg+xml' },
        409: { description: 'No model yet (`no_model`), or its kind cannot attribute (`no_attribution`)', schema: errorSchema },
      },
    },
    async (c, { params, query }) => {
      const campaign = await services.campaign(params.id);
      const experiment = await experimentOr404(services, campaign.id, refValue(params.ref));
      const { attributions } = await answering(() => attributionsFor(services, campaign, experiment), 'ref');
      const chosen = query.role ? attributions.find((a) => a.role === query.role) : attributions.find((a) => a.smiles !== '');
      if (!chosen) throw apiError(404, 'role_not_found', `no attribution for the role ${query.role ?? '(any)'}`, 'role');
      const svg = moleculeSvg(chosen.smiles, { atomWeights: chosen.weights, width: 320, height: 240, legend: chosen.role });
      return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, max-age=60' });
    },
  );
}
