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

/** A file name from the campaign's name: letters, digits and dashes only. */
export function exportFileName(name: string, extension: string): string {
  const stem = name.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'campaign';
  return `${stem}-experiments.${extension}`;
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
