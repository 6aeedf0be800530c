/** Forward prediction over HTTP: ranked products of reactants, with the atoms each product changed. */
import { z } from 'zod';
import { chainSvg } from '../../mechanism/chain-picture.js';
import { MAX_PREDICTION_HEAVY_ATOMS } from '../heavy-work/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

export const predictionQuery = z.object({
  reactants: z.string().min(1).max(2_000).describe('Reactant SMILES, "." between molecules; reagents may follow as `reactants>reagents>`'),
  top: z.coerce.number().int().min(1).max(20).default(5).describe('How many products to return'),
  mechanism: z.enum(['true', 'false']).optional().describe('Ask the mechanisms for a second opinion: each product gets `mechanismSupport`, the share of the best mechanisms that end in it (the ranking stays the forward model\'s)'),
});

export const predictedProductSchema = z.object({
  rank: z.int(),
  product: z.string().describe('Canonical SMILES'),
  probability: z.number(),
  template: z.string().describe('Reaction centre of the template that proposed it (SMARTS)'),
  drawing: z.string().describe('The product written so that changedAtoms index its atoms'),
  changedAtoms: z.array(z.int()).describe('Atoms of `drawing` whose bonds, hydrogens or charge changed'),
  reactantAtoms: z.array(z.int()).describe('Atoms of the reactants, numbered as they are written, that end up in the product'),
  mechanismSupport: z.number().optional().describe('With `mechanism=true`: the share of the best mechanisms (chains of elementary steps) that end in this product'),
});

export function reactionRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/reactions/predict',
      tag: 'reactions',
      summary: 'Predict the major products of reactants',
      description:
        'Templates extracted from USPTO-15K propose candidates; a graph network ranks them (docs/forward-prediction.md). Products always sanitise. ' +
        'With `mechanism=true` each product carries the mechanisms\' second opinion beside the forward ranking (docs/mechanisms.md). ' +
        `Runs on a worker thread: at most ${MAX_PREDICTION_HEAVY_ATOMS} heavy atoms in all (400 \`too_large\` beyond), and within the service's time limit (503 with Retry-After beyond it, or when the workers are busy).`,
      access: 'read',
      query: predictionQuery,
      responses: {
        200: { description: 'Ranked products (empty when no template applies)', schema: z.object({ reactants: z.string(), products: z.array(predictedProductSchema) }) },
        400: { description: `The reactants are not valid SMILES, or have more than ${MAX_PREDICTION_HEAVY_ATOMS} heavy atoms`, schema: errorSchema },
        503: { description: 'No forward model is installed; or the workers are busy or the prediction ran over the time limit (Retry-After says when to ask again)', schema: errorSchema },
      },
    },
    async (c, { query }) => c.json({ reactants: query.reactants, products: await services.work.predict(query.reactants, query.top, query.mechanism === 'true') }),
  );

  api.define(
    {
      method: 'get',
      path: '/api/reactions/mechanism',
      tag: 'reactions',
      summary: 'Predict how reactants react, step by step: ranked mechanisms of curved-arrow elementary steps',
      description:
        'Elementary-step templates counted over the train split of mech-USPTO-15K propose steps, a graph network over the species (message passing over atoms, the changed atom pairs) scores them and the decision to stop, and chains come from beam search over its step probabilities (docs/mechanisms.md); `scoring` says whether the network ranked them (`learned`) or template precedent did. ' +
        '`outsideKnowledge` is true when no step with precedent in its context applies, `lowConfidence` also when the step model finds the best chain less likely than not: the chains are then guesses. With `pictures=true` every step carries its arrow-pushing drawing (SVG). ' +
        `Runs on a worker thread: at most ${MAX_PREDICTION_HEAVY_ATOMS} heavy atoms in all (400 \`too_large\` beyond), within the service's time limit (503 with Retry-After beyond it).`,
      access: 'read',
      query: mechanismQuery,
      responses: {
        200: { description: 'Ranked mechanisms (empty when no known step applies)', schema: mechanismSchema },
        400: { description: `The reactants are not valid SMILES, reuse an atom map, or have more than ${MAX_PREDICTION_HEAVY_ATOMS} heavy atoms`, schema: errorSchema },
        503: { description: 'The workers are busy or the search ran over the time limit (Retry-After says when to ask again)', schema: errorSchema },
      },
    },
    async (c, { query }) => c.json(await services.work.mechanism(query.reactants, query.top, query.pictures === 'true' ? query.top : 0)),
  );

  api.define(
    {
      method: 'get',
      path: '/api/reactions/mechanism.svg',
      tag: 'reactions',
      summary: 'The most likely mechanism of reactants as one picture: each step with its curved arrows, top to bottom',
      description: 'The best chain of `/api/reactions/mechanism`, its step drawings stacked under a title line (what the panel shows beside a proposal\'s predicted product). A drawing that says so when no known step applies.',
      access: 'read',
      query: mechanismPictureQuery,
      responses: {
        200: { description: 'SVG drawing', contentType: 'image/svg+xml' },
        400: { description: `The reactants are not valid SMILES, reuse an atom map, or have more than ${MAX_PREDICTION_HEAVY_ATOMS} heavy atoms`, schema: errorSchema },
        503: { description: 'The workers are busy or the search ran over the time limit (Retry-After says when to ask again)', schema: errorSchema },
      },
    },
    async (c, { query }) => {
      const svg = chainSvg(await services.work.mechanism(query.reactants, 1, 1));
      // the same reactants give the same picture with the same model: let the browser keep it
      return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, max-age=3600' });
    },
  );
}

const mechanismPictureQuery = z.object({
  reactants: z.string().min(1).max(2_000).describe('Reactant and reagent SMILES, "." between molecules'),
});

const mechanismQuery = z.object({
  reactants: z.string().min(1).max(2_000).describe('Reactant and reagent SMILES, "." between molecules; atom maps optional (unmapped atoms are numbered)'),
  top: z.coerce.number().int().min(1).max(10).default(3).describe('How many mechanisms to return'),
  pictures: z.enum(['true', 'false']).optional().describe('Include each step’s arrow-pushing drawing (SVG)'),
});

const mechanismSchema = z.object({
  reactants: z.string(),
  scoring: z.enum(['learned', 'precedent']).describe('Who ranked the steps: the learned step model, or template precedent (no model file)'),
  outsideKnowledge: z.boolean(),
  confidence: z.number().nullable().describe('The best mechanism\'s own probability under the learned step model (its steps\' and stopping at its end); null when steps were ranked by precedent'),
  lowConfidence: z.boolean().describe('outsideKnowledge, or the best mechanism is less likely than not (confidence < 0.5): the chains are guesses'),
  mechanisms: z.array(
    z.object({
      rank: z.int(),
      probability: z.number(),
      products: z.array(z.string()).describe('The species the mechanism ends with, canonical SMILES'),
      steps: z.array(
        z.object({
          arrows: z.array(z.string()).describe('Curved arrows in MechFinder notation: "8 → 21" (lone pair of atom 8 to atom 21), "[21,22] → 22" (the bond pair to atom 22)'),
          species: z.array(z.string()),
          probability: z.number(),
          svg: z.string().optional(),
        }),
      ),
    }),
  ),
});
