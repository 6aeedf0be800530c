/** Several campaigns' best-so-far curves side by side (the panel's /compare page draws the same). */
import { z } from 'zod';
import { compareCampaigns, MAX_COMPARED } from '../comparison.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const comparisonQuery = z.object({
  campaigns: z
    .string()
    .transform((text) => text.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(UUID, 'each campaign id is a UUID')).min(1, 'choose at least one campaign').max(MAX_COMPARED, `at most ${MAX_COMPARED} campaigns on one plot`))
    .describe(`Campaign ids, comma-separated (1 to ${MAX_COMPARED})`),
});

const comparedSchema = z.object({
  campaignId: z.string(),
  name: z.string(),
  status: z.string(),
  budget: z.int(),
  bestSoFar: z.array(z.number().nullable()).describe('Best value after each result, in experiment order'),
  best: z.object({ experiment: z.int(), value: z.number() }).nullable(),
  firstTop1At: z.int().nullable().describe("The experiment that first reached the dataset's top 1 % (dataset simulators), else null"),
});

export const comparisonSchema = z.object({
  target: z.string(),
  unit: z.string().nullable(),
  direction: z.enum(['maximize', 'minimize', 'match']),
  campaigns: z.array(comparedSchema).describe('The compared campaigns, in the order asked'),
  leftOut: z.array(z.object({ campaignId: z.string(), name: z.string(), reason: z.string() })).describe('Campaigns whose objective differs from the plotted one, with why'),
});

export function comparisonRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/comparison',
      tag: 'campaigns',
      summary: "Several campaigns' best-so-far curves, to compare on one plot",
      description:
        'Curves share an axis only when the campaigns measure the same target in the same unit and aim the same way: ' +
        'the plot takes what most of them share (on a tie, the first one asked), and any other is listed in `leftOut` with the reason. Lab tokens compare only their own campaigns.',
      access: 'read',
      query: comparisonQuery,
      responses: {
        200: { description: 'The curves', schema: comparisonSchema },
        403: { description: 'A lab token asked for a campaign it is not bound to', schema: errorSchema },
        404: { description: 'A campaign does not exist', schema: errorSchema },
      },
    },
    async (c, { query }) => c.json(await compareCampaigns(services, c.get('principal')!, query.campaigns)),
  );
}
