/** Stepwise chains over HTTP: two- and three-step sequences from an inventory (docs/discovery.md). */
import { z } from 'zod';
import { apiError } from '../errors.js';
import { MAX_CHAIN_INVENTORY, MAX_CHAIN_REAGENT_HEAVY_ATOMS } from '../heavy-work/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const chainsQuery = z.object({
  inventory: z.string().min(1).max(4_000).describe(`Reagents on the shelf: SMILES separated by commas (at most ${MAX_CHAIN_INVENTORY}, each at most ${MAX_CHAIN_REAGENT_HEAVY_ATOMS} heavy atoms)`),
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

export function chainRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/reactions/chains',
      tag: 'reactions',
      summary: 'Propose two- and three-step reaction sequences from an inventory',
      description:
        "The forward model applied step after step; each chain scored by its probability × its final product's similarity³ to the target (or novelty). Scoring and search: docs/discovery.md. " +
        "Runs on a worker thread within the service's time limit (503 with Retry-After beyond it, or when the workers are busy).",
      access: 'read',
      query: chainsQuery,
      responses: {
        200: { description: 'Chains, best first, one per final product', schema: z.object({ chains: z.array(chainSchema), predictions: z.int() }) },
        400: { description: 'Invalid SMILES, an inventory too long or a reagent too large, or neither or both of target and novel', schema: errorSchema },
        503: { description: 'No forward model is installed; or the workers are busy or the search ran over the time limit (Retry-After says when to ask again)', schema: errorSchema },
      },
    },
    async (c, { query }) => {
      const novel = query.novel === 'true';
      if (Boolean(query.target) === novel) throw apiError(400, 'invalid_query', 'give exactly one of target and novel=true', 'target');
      const inventory = query.inventory.split(',').map((s) => s.trim()).filter(Boolean);
      if (inventory.length < 2 || inventory.length > MAX_CHAIN_INVENTORY) {
        throw apiError(400, 'invalid_query', `give between 2 and ${MAX_CHAIN_INVENTORY} inventory reagents`, 'inventory');
      }
      const result = await services.work.chains({ inventory, ...(query.target ? { target: query.target } : {}), steps: query.steps, top: query.top });
      return c.json(result);
    },
  );
}
