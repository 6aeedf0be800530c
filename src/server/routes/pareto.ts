/** GET /api/campaigns/{id}/pareto: a Pareto campaign's front, dominated results and hypervolume curve (src/server/pareto-view.ts). */
import { z } from 'zod';
import { Objective } from '../../objectives/objective.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema } from '../openapi/schemas.js';
import { isParetoSpec, paretoView } from '../pareto-view.js';
import type { Services } from '../services.js';

const pointSchema = z.object({
  experiment: z.int(),
  status: z.enum(['front', 'dominated', 'infeasible']),
  values: z.record(z.string(), z.number()).describe('Every quantity the result measured'),
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  conditions: z.string().describe('The conditions in words: choice names, numbers with their units'),
});

export const paretoSchema = z.object({
  targets: z.array(z.object({ name: z.string(), direction: z.enum(['maximize', 'minimize']), unit: z.string().nullable() })),
  constraints: z.array(z.object({ target: z.string(), operator: z.enum(['<=', '>=']), bound: z.number() })),
  front: z.array(pointSchema).describe('The non-dominated results that keep to the constraints (the trade-off table), first target best first'),
  dominated: z.array(pointSchema),
  infeasible: z.array(pointSchema).describe('Results with every target that break an outcome constraint (or did not measure the constrained quantity)'),
  incomplete: z.array(z.int()).describe('Experiments whose result lacks a target'),
  reference: z
    .record(z.string(), z.number())
    .nullable()
    .describe("The hypervolume's reference point: the front's worst value on each target pushed out by 10 % of its range (the planner's rule, on the measured results)"),
  hypervolume: z
    .array(z.object({ experiment: z.int(), results: z.int(), value: z.number().nullable() }))
    .describe('The hypervolume after each usable result, in experiment order'),
  random: z
    .object({ hypervolume: z.array(z.number()).describe('Expected hypervolume of random search after n = 1 … results'), runs: z.int(), source: z.string() })
    .nullable(),
  randomMissing: z.string().nullable().describe('Why there is no random-search reference (only benchmark labs have one)'),
});

export function paretoRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/pareto',
      tag: 'results',
      summary: "A Pareto campaign's front: non-dominated and dominated results, the hypervolume after each result, random search's expectation",
      description: 'For campaigns whose objective is a Pareto objective (objective.pareto); docs/multi-objective.md.',
      access: 'read',
      params: campaignParams,
      responses: {
        200: { description: 'The front', schema: paretoSchema },
        404: { description: 'No such campaign', schema: errorSchema },
        409: { description: 'The campaign does not have a Pareto objective', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      if (!isParetoSpec(row.spec)) {
        throw apiError(409, 'not_pareto', `this campaign's objective is not a Pareto objective (${Objective.of(row.spec).describe()}): it has no front`, 'objective');
      }
      return c.json(await paretoView(services.db, row));
    },
  );
}
