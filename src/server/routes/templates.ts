/** The shipped example campaigns as templates for new ones (src/server/templates.ts says which). */
import { z } from 'zod';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';
import { listTemplates, readCampaignTemplate } from '../templates.js';

const templateSchema = z.object({
  name: z.string().describe('What GET /api/templates/{name} and the panel’s /campaigns/new?template= take'),
  title: z.string().describe("The campaign's name in the file"),
  description: z.string().nullable(),
  lab: z.string().describe('simulator or analytic: templates run as written'),
});

export function templateRoutes(api: ApiBuilder): void {
  api.define(
    {
      method: 'get',
      path: '/api/templates',
      tag: 'campaigns',
      summary: 'The example campaigns a new campaign can start from',
      description: 'The shipped examples that run as written (on a dataset simulator or an analytic function); robots need a lab profile, so their examples are not offered.',
      access: 'read',
      responses: { 200: { description: 'Templates by name', schema: z.object({ templates: z.array(templateSchema) }) } },
    },
    async (c) => c.json({ templates: await listTemplates() }),
  );

  api.define(
    {
      method: 'get',
      path: '/api/templates/:name',
      tag: 'campaigns',
      summary: 'One template: its campaign file as written',
      description: 'POST the `source` (changed or not) to /api/campaigns as application/yaml to start it.',
      access: 'read',
      params: z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a template name: lower-case letters, digits and dashes').describe('Template name') }),
      responses: {
        200: { description: 'The template and its file', schema: templateSchema.extend({ source: z.string() }) },
        404: { description: 'No template has this name', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const template = await readCampaignTemplate(params.name);
      if (!template) throw apiError(404, 'template_not_found', `no template is named ${params.name} (GET /api/templates lists them)`, 'name');
      return c.json(template);
    },
  );
}
