/**
 * `athanor experiments <campaign>`: every experiment of a campaign with its parameters, status and
 * result, as a table (default), JSON (--json: one object per experiment, the result's raw payload
 * included) or CSV (--csv: one column per parameter and per measured quantity).
 */
import type { CampaignSpec } from '../campaign/index.js';
import { getCampaign, listExperiments, listResults, resolveHome, type ExperimentStatus } from '../db/index.js';
import { withHome } from './service-client.js';
import { csvText } from '../util/csv-text.js';
import { UsageError } from './errors.js';
import { formatParameters, formatValue } from './format.js';
import { CAMPAIGN_ID } from './arguments.js';

const STATUSES: ExperimentStatus[] = ['planned', 'dispatched', 'running', 'completed', 'failed', 'cancelled'];

/** The fields of an experiment and of a result this command shows: database rows and API JSON alike. */
interface ExperimentJson {
  id: string;
  seq: number;
  batch: number;
  status: string;
  parameters: Record<string, string | number>;
  failureReason?: string | null;
}
interface ResultJson {
  experimentId: string;
  values: Record<string, number>;
  excludedReason: string | null;
  source: string;
  raw?: unknown;
}
interface CampaignExperiments {
  campaign: { id: string; name: string };
  spec: CampaignSpec;
  experiments: ExperimentJson[];
  results: ResultJson[];
}

export interface ExperimentsOptions {
  home?: string;
  json?: boolean;
  csv?: boolean;
  status?: string;
}

export async function experimentsCommand(campaignId: string, options: ExperimentsOptions): Promise<number> {
  if (!CAMPAIGN_ID.test(campaignId)) throw new UsageError(`campaign: "${campaignId}" is not a campaign id (a UUID; athanor status lists them)`);
  if (options.json && options.csv) throw new UsageError('--json and --csv: choose one');
  const statuses = options.status?.split(',').map((s) => s.trim()) as ExperimentStatus[] | undefined;
  const unknown = statuses?.find((s) => !STATUSES.includes(s));
  if (unknown !== undefined) throw new UsageError(`--status: "${unknown}" is not one of ${STATUSES.join(', ')}`);
  const id = campaignId.toLowerCase();
  const { campaign, spec, experiments, results } = await withHome(
    resolveHome(options.home),
    async ({ db, location }): Promise<CampaignExperiments> => {
      const row = await getCampaign(db, id);
      if (!row) throw new UsageError(`campaign: no campaign has the id ${campaignId} in ${location}`);
      return {
        campaign: { id: row.id, name: row.name },
        spec: row.spec as unknown as CampaignSpec,
        experiments: await listExperiments(db, row.id, statuses),
        results: await listResults(db, row.id, { raw: true }),
      };
    },
    // while `athanor serve` holds the home: the same rows through its API
    async (client): Promise<CampaignExperiments> => {
      const { spec } = await client.request<{ spec: CampaignSpec }>('GET', `/api/campaigns/${id}/spec`).catch((error: unknown) => {
        throw error instanceof UsageError ? new UsageError(`campaign: ${error.message.replace(/^id: /, '')} (asked ${client.location})`) : error;
      });
      const query = statuses ? `?status=${encodeURIComponent(statuses.join(','))}` : '';
      const { experiments: listed } = await client.request<{ experiments: ExperimentJson[] }>('GET', `/api/campaigns/${id}/experiments${query}`);
      const { results: stored } = await client.request<{ results: ResultJson[] }>('GET', `/api/campaigns/${id}/results?raw=true`);
      return { campaign: { id, name: spec.name }, spec, experiments: listed, results: stored };
    },
  );
  const resultOf = new Map(results.map((r) => [r.experimentId, r]));
  const rows = experiments.map((e) => {
    const result = resultOf.get(e.id);
    return {
      seq: e.seq,
      id: e.id,
      batch: e.batch,
      status: e.status,
      parameters: e.parameters,
      values: result?.values ?? null,
      excluded: result?.excludedReason ?? null,
      failureReason: e.failureReason ?? null,
      source: result?.source ?? null,
      raw: result?.raw ?? null,
    };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const parameterNames = [...new Set(experiments.flatMap((e) => Object.keys(e.parameters)))];
  const quantities = [...new Set([spec.objective.target, ...rows.flatMap((r) => Object.keys(r.values ?? {}))])];
  if (options.csv) {
    const header = ['seq', 'experiment_id', 'batch', 'status', ...parameterNames, ...quantities, 'excluded', 'failure_reason', 'source'];
    const lines = rows.map((r) => [
      r.seq,
      r.id,
      r.batch,
      r.status,
      ...parameterNames.map((p) => r.parameters[p]),
      ...quantities.map((q) => r.values?.[q]),
      r.excluded ?? undefined,
      r.failureReason ?? undefined,
      r.source ?? undefined,
    ]);
    process.stdout.write(csvText(header, lines));
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`No experiments${statuses ? ` with status ${statuses.join(', ')}` : ''} in campaign ${campaign.id} "${campaign.name}".\n`);
    return 0;
  }
  const target = spec.objective.target;
  const unit = spec.objective.unit ?? null;
  process.stdout.write(`${'#'.padStart(4)}  ${'status'.padEnd(10)} ${target.padStart(10)}  conditions\n`);
  for (const r of rows) {
    const note = r.failureReason ? `  (${r.failureReason})` : r.excluded ? `  (excluded: ${r.excluded})` : '';
    process.stdout.write(`${String(r.seq).padStart(4)}  ${r.status.padEnd(10)} ${formatValue(r.values?.[target], unit).padStart(10)}  ${formatParameters(r.parameters)}${note}\n`);
  }
  return 0;
}
