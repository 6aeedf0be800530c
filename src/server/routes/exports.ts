/** Getting a campaign's results out: its experiments as CSV and XLSX, and a printable report. */
import { listModelVersions } from '../../db/index.js';
import { csvText } from '../../util/csv-text.js';
import { campaignRecords, recordTable } from '../campaign-records.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema } from '../openapi/schemas.js';
import { reportPage } from '../panel/report-page.js';
import { isParetoSpec, paretoView } from '../pareto-view.js';
import { randomSearchCurve } from '../random-search.js';
import { noModelReason, predictedVsObserved } from '../insights.js';
import { apiError } from '../errors.js';
import type { CampaignSpec } from '../../campaign/index.js';
import type { Services } from '../services.js';
import { workbookOf } from '../xlsx-export.js';
import { fileStem } from '../../util/file-stem.js';
import { z } from 'zod';
import { initChem } from '../../chem/index.js';
import { campaignOrdExport, encodeOrd, ORD_EMAIL, ORD_FORMATS, ORD_ORCID } from '../../export/ord/index.js';

const ordQuery = z.object({
  email: z
    .string()
    .max(254)
    .regex(ORD_EMAIL, 'an e-mail address such as chemist@example.org (the Open Reaction Database requires one for every record)')
    .describe("The experimenter's e-mail address, recorded as the ORD requires in every reaction's provenance"),
  name: z.string().max(200).optional().describe("The experimenter's name (empty: none)"),
  orcid: z
    .string()
    .regex(ORD_ORCID, 'an ORCID iD such as 0000-0002-1825-0097')
    .optional()
    .describe("The experimenter's ORCID iD"),
  format: z.enum(ORD_FORMATS).default('pb.gz').describe('pb.gz: binary Dataset, gzipped, as the ORD distributes datasets; pb: not gzipped; json: the protobuf JSON mapping'),
});

const ORD_CONTENT_TYPES = { 'pb.gz': 'application/gzip', pb: 'application/x-protobuf', json: 'application/json' } as const;

/** A file name from the campaign's name: letters, digits and dashes only. */
export function exportFileName(name: string, extension: string): string {
  return `${fileStem(name)}-experiments.${extension}`;
}

export function exportRoutes(api: ApiBuilder, services: Services): void {
  const notFound = { 404: { description: 'No such campaign', schema: errorSchema } };

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/export.csv',
      tag: 'results',
      summary: 'Every experiment with its conditions, status, result and the prediction it was proposed with, as CSV',
      description: 'One row per experiment in planning order. Cells a spreadsheet would run as a formula (starting with = + - @) get a leading single quote.',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'CSV with a header row', contentType: 'text/csv' }, ...notFound },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const { header, rows } = recordTable(await campaignRecords(services.db, row));
      return c.body(csvText(header, rows), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${exportFileName(row.name, 'csv')}"`,
        'cache-control': 'no-store',
      });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/held-out.csv',
      tag: 'results',
      summary: "Each result as the latest model predicts it without that result (leave-one-out), with σ, as CSV",
      description: "The points of the panel's predicted-vs-observed plot; their R² and RMSE are the model's held-out ones. 409 `no_held_out` when the campaign has no model yet, or its kind keeps no held-out predictions.",
      access: 'read',
      params: campaignParams,
      responses: {
        200: { description: 'CSV: experiment, observed, predicted without it, σ, model version', contentType: 'text/csv' },
        409: { description: 'No held-out predictions yet, with why', schema: errorSchema },
        ...notFound,
      },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const heldOut = await predictedVsObserved(services, row);
      if (!heldOut || heldOut.points.length === 0) {
        throw apiError(409, 'no_held_out', heldOut ? `model version ${heldOut.version}: ${heldOut.missing ?? 'no results to compare yet'}` : noModelReason(row), 'id');
      }
      const { target, unit } = (row.spec as unknown as CampaignSpec).objective;
      const u = unit ? ` (${unit})` : '';
      const header = ['experiment', `observed ${target}${u}`, `predicted without it${u}`, `sigma${u}`, 'model version'];
      return c.body(csvText(header, heldOut.points.map((p) => [p.seq, p.observed, p.mean, p.sigma, heldOut.version])), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${exportFileName(row.name, 'csv').replace(/-experiments\.csv$/, '-held-out.csv')}"`,
        'cache-control': 'no-store',
      });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/export.ord',
      tag: 'results',
      summary: 'Every experiment with a result as an Open Reaction Database Dataset (ord-schema protobuf), validated',
      description:
        'One ORD Reaction per experiment with a stored result: the substances as inputs (SMILES, name, role), a temperature and a reaction time where the space has them, ' +
        'other conditions in the notes and reaction metadata, the measured quantities on the desired product (a yield in % as YIELD), and provenance naming the experimenter. ' +
        "The dataset is checked against the ORD's validation rules before it is sent; header `x-ord-warnings` counts the warnings (e.g. amounts the campaign file does not record).",
      access: 'read',
      params: campaignParams,
      query: ordQuery,
      responses: {
        200: { description: 'The Dataset in the chosen format', contentType: 'application/gzip' },
        409: { description: 'No experiment has a result yet', schema: errorSchema },
        400: { description: 'A query field is invalid (the e-mail is required)', schema: errorSchema },
        ...notFound,
      },
    },
    async (c, { params, query }) => {
      const row = await services.campaign(params.id);
      await initChem();
      const experimenter = { email: query.email, ...(query.name ? { name: query.name } : {}), ...(query.orcid ? { orcid: query.orcid } : {}) };
      const exported = await campaignOrdExport(services.db, row, experimenter);
      if (exported.reactions === 0) throw apiError(409, 'no_results', 'no experiment of this campaign has a result yet: an ORD dataset needs at least one reaction with an outcome', 'id');
      const extension = query.format === 'json' ? 'ord.json' : `ord.${query.format}`;
      return c.body(new Uint8Array(encodeOrd(exported.dataset, query.format)), 200, {
        'content-type': ORD_CONTENT_TYPES[query.format],
        'content-disposition': `attachment; filename="${`${fileStem(row.name)}.${extension}`}"`,
        'x-ord-reactions': String(exported.reactions),
        'x-ord-warnings': String(exported.validation.warnings.length),
        'cache-control': 'no-store',
      });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/export.xlsx',
      tag: 'results',
      summary: 'The same table as an Excel workbook',
      description:
        'Sheet "Experiments" (the CSV\'s columns, numbers as numbers), sheet "Campaign" (name, objective, best result, the model\'s held-out R² and RMSE) and, once a model ' +
        'keeps them, sheet "Held-out predictions": each result as the latest model predicts it without that result (leave-one-out), with σ.',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'An .xlsx workbook', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, ...notFound },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const data = await campaignRecords(services.db, row);
      const view = await services.view(row);
      const { header, rows } = recordTable(data);
      const { objective } = data.spec;
      // how well the latest model predicts each result it was not trained on (the panel's predicted-vs-observed)
      const heldOut = await predictedVsObserved(services, row).catch(() => undefined);
      const unitText = objective.unit ? ` (${objective.unit})` : '';
      const about: [string, string | number | undefined][] = [
        ['campaign', row.name],
        ['campaign id', row.id],
        ['status', view.status],
        ['objective', `${objective.direction} ${objective.target}${objective.unit ? ` (${objective.unit})` : ''}`],
        ['experiments', `${view.experiments} of ${view.budget}`],
        ['best result', view.best?.value],
        ['best experiment', view.best?.experiment],
        ...Object.entries(view.best?.parameters ?? {}).map(([k, v]): [string, string | number] => [`best: ${k}`, v]),
        ...(heldOut && heldOut.points.length > 0
          ? ([
              ['model', `version ${heldOut.version} (${heldOut.kind})`],
              ['held-out R²', heldOut.r2],
              [`held-out RMSE${unitText}`, heldOut.rmse],
            ] as [string, string | number | undefined][])
          : []),
        ['exported at', new Date().toISOString()],
      ];
      const heldOutSheet =
        heldOut && heldOut.points.length > 0
          ? [
              {
                name: 'Held-out predictions',
                header: ['experiment', `observed ${objective.target}${unitText}`, `predicted without it${unitText}`, `σ${unitText}`, `model version`],
                rows: heldOut.points.map((p) => [p.seq, p.observed, p.mean, p.sigma, heldOut.version]),
              },
            ]
          : [];
      const body = await workbookOf(
        [
          { name: 'Experiments', header, rows },
          { name: 'Campaign', header: ['field', 'value'], rows: about },
          ...heldOutSheet,
        ],
        { title: row.name },
      );
      return c.body(new Uint8Array(body), 200, {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': `attachment; filename="${exportFileName(row.name, 'xlsx')}"`,
        'cache-control': 'no-store',
      });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/report',
      tag: 'results',
      summary: 'A printable report: the best recipes with their conditions, best so far, the top results (a Pareto campaign: its front, hypervolume and trade-off table), the model’s held-out accuracy, what the planner tried',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'An HTML page (prints as a PDF from the browser)', contentType: 'text/html' }, ...notFound },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const [view, data, models] = await Promise.all([services.view(row), campaignRecords(services.db, row), listModelVersions(services.db, row.id)]);
      const random = await randomSearchCurve(data.spec, row.budget);
      const pareto = isParetoSpec(row.spec) ? await paretoView(services.db, row) : undefined;
      const principal = c.get('principal')!;
      return c.html(reportPage(principal, { view, data, models, random, generatedAt: new Date(), ...(pareto ? { pareto } : {}) }));
    },
  );
}
