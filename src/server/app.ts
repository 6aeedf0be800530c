/**
 * The HTTP API and status pages of `athanor serve`. Read-only for now: mutating routes arrive with
 * token authentication (control-panel issue), so nothing here changes state.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { summarizeCampaign, type Supervisor } from '../agent/index.js';
import { getCampaign, listCampaigns, listEvents, listExperiments, type Database } from '../db/index.js';
import { apiError, handleError } from './errors.js';
import { campaignPage, campaignListPage } from './pages.js';

export interface AppDeps {
  database: Database;
  supervisor: Supervisor;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createApp({ database, supervisor, maxBodyBytes = 1_000_000 }: AppDeps): Hono {
  const { db } = database;
  const app = new Hono();
  app.use('*', secureHeaders());
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw apiError(413, 'body_too_large', `request bodies are limited to ${maxBodyBytes} bytes`);
      },
    }),
  );
  app.onError(handleError);
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  const campaignOr404 = async (id: string) => {
    if (!UUID.test(id)) throw apiError(400, 'invalid_id', 'a campaign id is a UUID', 'id');
    const campaign = await getCampaign(db, id);
    if (!campaign) throw apiError(404, 'campaign_not_found', `no campaign has the id ${id}`, 'id');
    return campaign;
  };
  const summaryOf = async (id: string) => {
    const campaign = await campaignOr404(id);
    return summarizeCampaign(db, campaign, supervisor.runner(id)?.runtime.reference);
  };

  app.get('/api/health', (c) => c.json({ ok: true, database: database.kind, activeCampaigns: supervisor.active }));

  app.get('/api/campaigns', async (c) => {
    const campaigns = await listCampaigns(db);
    const summaries = await Promise.all(campaigns.map((row) => summarizeCampaign(db, row, supervisor.runner(row.id)?.runtime.reference)));
    return c.json({ campaigns: summaries.map((s) => ({ ...s, state: supervisor.runner(s.campaignId)?.state ?? null })) });
  });

  app.get('/api/campaigns/:id', async (c) => {
    const summary = await summaryOf(c.req.param('id'));
    return c.json({ ...summary, state: supervisor.runner(summary.campaignId)?.state ?? null });
  });

  app.get('/api/campaigns/:id/experiments', async (c) => {
    const campaign = await campaignOr404(c.req.param('id'));
    return c.json({ experiments: await listExperiments(db, campaign.id) });
  });

  app.get('/api/campaigns/:id/events', async (c) => {
    const campaign = await campaignOr404(c.req.param('id'));
    const after = Number(c.req.query('after') ?? 0);
    if (!Number.isInteger(after) || after < 0) throw apiError(400, 'invalid_query', 'after must be a non-negative integer', 'after');
    return c.json({ events: await listEvents(db, campaign.id, after) });
  });

  app.get('/', async (c) => {
    const campaigns = await listCampaigns(db);
    const summaries = await Promise.all(campaigns.map((row) => summarizeCampaign(db, row)));
    return c.html(campaignListPage(summaries));
  });

  app.get('/campaigns/:id', async (c) => {
    const summary = await summaryOf(c.req.param('id'));
    const experiments = await listExperiments(db, summary.campaignId);
    return c.html(campaignPage(summary, experiments, supervisor.runner(summary.campaignId)?.state ?? null));
  });

  return app;
}
