/** Forward prediction over HTTP: ranked products of reactants, with the atoms each product changed. */
import { z } from 'zod';
import { SmilesError } from '../../chem/index.js';
import { apiError } from '../errors.js';
import { forwardPredictor } from '../forward-access.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';

export const predictionQuery = z.object({
  reactants: z.string().min(1).max(2_000).describe('Reactant SMILES, "." between molecules; reagents may follow as `reactants>reagents>`'),
  top: z.coerce.number().int().min(1).max(20).default(5).describe('How many products to return'),
});

export const predictedProductSchema = z.object({
  rank: z.int(),
  product: z.string().describe('Canonical SMILES'),
  probability: z.number(),
  template: z.string().describe('Reaction centre of the template that proposed it (SMARTS)'),
  drawing: z.string().describe('The product written so that changedAtoms index its atoms'),
  changedAtoms: z.array(z.int()).describe('Atoms of `drawing` whose bonds, hydrogens or charge changed'),
});

export function reactionRoutes(api: ApiBuilder): void {
  api.define(
    {
      method: 'get',
      path: '/api/reactions/predict',
      tag: 'reactions',
      summary: 'Predict the major products of reactants',
      description: 'Templates extracted from USPTO-15K propose candidates; a graph network ranks them (docs/forward-prediction.md). Products always sanitise.',
      access: 'read',
      query: predictionQuery,
      responses: {
        200: { description: 'Ranked products (empty when no template applies)', schema: z.object({ reactants: z.string(), products: z.array(predictedProductSchema) }) },
        400: { description: 'The reactants are not valid SMILES', schema: errorSchema },
        503: { description: 'No forward model is installed', schema: errorSchema },
      },
    },
    async (c, { query }) => {
      const predictor = await forwardPredictor();
      try {
        return c.json({ reactants: query.reactants, products: predictor.predict(query.reactants, { topK: query.top }) });
      } catch (error) {
        if (error instanceof SmilesError) throw apiError(400, 'invalid_smiles', error.message, 'reactants');
        throw error;
      }
    },
  );
}
