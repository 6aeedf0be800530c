/** Stepwise chains over HTTP: two- and three-step sequences from an inventory (docs/discovery.md). */
import { z } from 'zod';
import { canonicalSmiles, SmilesError } from '../../chem/index.js';
import { searchChains } from '../../discovery/chains.js';
import { apiError } from '../errors.js';
import { forwardPredictor } from '../forward-access.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';

const chainsQuery = z.object({
  inventory: z.string().min(1).max(4_000).describe('Reagents on the shelf: SMILES separated by commas (at most 30)'),
  target: z.string().min(1).max(1_000).optional().describe('Score chains by the similarity of their final product to this molecule'),
  novel: z.enum(['true', 'false']).optional().describe('Score chains by the novelty of their final product against the inventory'),
  steps: z.coerce.number().int().min(2).max(3).default(3).describe('Longest chain'),
  top: z.coerce.number().int().min(1).max(20).default(5).describe('Chains to return'),
});

const chainSchema = z.object({
  product: z.string().describe('Canonical SMILES of the final product'),
  score: z.number().describe('probability × value'),
  probability: z.number().describe("Product of the steps' probabilities"),
  closeness: z.number().describe('Similarity of the final product to the target, or its novelty against the inventory'),
  value: z.number().describe('What the final product is worth: similarity³ toward a target, novelty otherwise'),
  steps: z.array(
    z.object({
      reactants: z.array(z.string()),
      added: z.array(z.string()).describe('Inventory reagents added at this step'),
      product: z.string(),
      probability: z.number(),
      template: z.string(),
    }),
  ),
});

export function chainRoutes(api: ApiBuilder): void {
  api.define(
    {
      method: 'get',
      path: '/api/reactions/chains',
      tag: 'reactions',
      summary: 'Propose two- and three-step reaction sequences from an inventory',
      description: "The forward model applied step after step; each chain scored by its probability × its final product's similarity³ to the target (or novelty). Scoring and search: docs/discovery.md.",
      access: 'read',
      query: chainsQuery,
      responses: {
        200: { description: 'Chains, best first, one per final product', schema: z.object({ chains: z.array(chainSchema), predictions: z.int() }) },
        400: { description: 'Invalid SMILES, or neither or both of target and novel', schema: errorSchema },
        503: { description: 'No forward model is installed', schema: errorSchema },
      },
    },
    async (c, { query }) => {
      const novel = query.novel === 'true';
      if (Boolean(query.target) === novel) throw apiError(400, 'invalid_query', 'give exactly one of target and novel=true', 'target');
      const inventory = query.inventory.split(',').map((s) => s.trim()).filter(Boolean);
      if (inventory.length < 2 || inventory.length > 30) throw apiError(400, 'invalid_query', 'give between 2 and 30 inventory reagents', 'inventory');
      const predictor = await forwardPredictor();
      for (const [field, smiles] of [...inventory.map((s) => ['inventory', s] as const), ...(query.target ? [['target', query.target] as const] : [])]) {
        try {
          canonicalSmiles(smiles);
        } catch (error) {
          if (error instanceof SmilesError) throw apiError(400, 'invalid_smiles', error.message, field);
          throw error;
        }
      }
      const result = searchChains({
        inventory,
        goal: query.target ? { target: query.target } : { novelty: true },
        oracle: (reactants) => predictor.predict(reactants, { topK: 3 }),
        maxSteps: query.steps,
        limit: query.top,
      });
      return c.json(result);
    },
  );
}
