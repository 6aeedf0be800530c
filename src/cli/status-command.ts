/**
 * `athanor status [campaign]`: the campaigns in the database, or one in detail. While `athanor
 * serve` holds the home, the same through the service's API (src/cli/service-client.ts).
 */
import { buildRuntime, summarizeCampaign, type CampaignSummary } from '../agent/index.js';
import { countByStatus, getCampaign, listCampaigns, resolveHome, type Database } from '../db/index.js';
import { UsageError } from './errors.js';
import { formatSummary, formatValue } from './format.js';
import { withHome, type ServiceClient } from './service-client.js';
import { CAMPAIGN_ID } from './arguments.js';


interface StatusRow {
  id: string;
  name: string;
  status: string;
  experiments: number;
  budget: number;
  completed: number;
  target: string;
  best: number | null;
  unit: string | null;
}

type Status = { summary: CampaignSummary; location: string } | { rows: StatusRow[]; location: string };

function rowOf(summary: CampaignSummary): StatusRow {
  return {
    id: summary.campaignId,
    name: summary.name,
    status: summary.status,
    experiments: summary.experiments,
    budget: summary.budget,
    completed: summary.counts.completed,
    target: summary.target,
    best: summary.best?.value ?? null,
    unit: summary.unit,
  };
}

async function fromDatabase(database: Database, home: string, campaignId: string | undefined): Promise<Status> {
  if (campaignId) {
    const campaign = await getCampaign(database.db, campaignId);
    if (!campaign) throw new UsageError(`no campaign has the id ${campaignId}`);
    const runtime = await buildRuntime(campaign.spec, { campaignId: campaign.id, home }).catch(() => undefined);
    return { summary: await summarizeCampaign(database.db, campaign, runtime?.reference), location: database.location };
  }
  const rows: StatusRow[] = [];
  for (const c of await listCampaigns(database.db)) {
    const counts = await countByStatus(database.db, c.id);
    rows.push({ ...rowOf(await summarizeCampaign(database.db, c)), completed: counts.completed });
  }
  return { rows, location: database.location };
}

async function fromService(client: ServiceClient, campaignId: string | undefined): Promise<Status> {
  if (campaignId) {
    // the API answers 400 for a malformed id; say it as the local path does
    if (!CAMPAIGN_ID.test(campaignId)) throw new UsageError(`no campaign has the id ${campaignId}`);
    const { state: _state, ...summary } = await client.request<CampaignSummary & { state: unknown }>('GET', `/api/campaigns/${campaignId}`);
    return { summary, location: client.location };
  }
  const { campaigns } = await client.request<{ campaigns: CampaignSummary[] }>('GET', '/api/campaigns');
  return { rows: campaigns.map(rowOf), location: client.location };
}

export async function statusCommand(campaignId: string | undefined, options: { home?: string; json?: boolean }): Promise<number> {
  const home = resolveHome(options.home);
  const status = await withHome(home, (database) => fromDatabase(database, home, campaignId), (client) => fromService(client, campaignId));
  if ('summary' in status) {
    process.stdout.write(options.json ? `${JSON.stringify(status.summary)}\n` : `${formatSummary(status.summary, status.location)}\n`);
    return 0;
  }
  const { rows } = status;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } else if (rows.length === 0) {
    process.stdout.write(`No campaigns in ${status.location}. Start one with: athanor run examples/direct-arylation.yaml\n`);
  } else {
    for (const r of rows) {
      process.stdout.write(`${r.id}  ${r.status.padEnd(9)} ${String(r.experiments).padStart(4)}/${String(r.budget).padEnd(4)} best ${formatValue(r.best, r.unit).padEnd(9)} ${r.name}\n`);
    }
  }
  return 0;
}
