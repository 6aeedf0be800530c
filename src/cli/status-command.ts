/** `athanor status [campaign]`: the campaigns in the database, or one in detail. */
import { buildRuntime, summarizeCampaign } from '../agent/index.js';
import type { CampaignSpec } from '../campaign/index.js';
import { countByStatus, getCampaign, listCampaigns, openDatabase, resolveHome } from '../db/index.js';
import { UsageError } from './errors.js';
import { formatSummary, formatValue } from './format.js';

export async function statusCommand(campaignId: string | undefined, options: { home?: string; json?: boolean }): Promise<number> {
  const home = resolveHome(options.home);
  const database = await openDatabase({ home });
  try {
    if (campaignId) {
      const campaign = await getCampaign(database.db, campaignId);
      if (!campaign) throw new UsageError(`no campaign has the id ${campaignId}`);
      const runtime = await buildRuntime(campaign.spec as unknown as CampaignSpec, { campaignId: campaign.id, home }).catch(() => undefined);
      const summary = await summarizeCampaign(database.db, campaign, runtime?.reference);
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary, database.location)}\n`);
      return 0;
    }
    const campaigns = await listCampaigns(database.db);
    const rows = [];
    for (const c of campaigns) {
      const counts = await countByStatus(database.db, c.id);
      const summary = await summarizeCampaign(database.db, c);
      rows.push({ id: c.id, name: c.name, status: c.status, experiments: summary.experiments, budget: c.budget, completed: counts.completed, best: summary.bestYield, unit: summary.unit });
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else if (rows.length === 0) {
      process.stdout.write(`No campaigns in ${database.location}. Start one with: athanor run examples/direct-arylation.yaml\n`);
    } else {
      for (const r of rows) {
        process.stdout.write(`${r.id}  ${r.status.padEnd(9)} ${String(r.experiments).padStart(4)}/${String(r.budget).padEnd(4)} best ${formatValue(r.best, r.unit).padEnd(9)} ${r.name}\n`);
      }
    }
    return 0;
  } finally {
    await database.close();
  }
}
