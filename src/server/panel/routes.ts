/** The control panel's pages: server-rendered HTML, signed in with a token for a server-side session (an HTTP-only cookie). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import { allows, authenticateToken, reachableCampaigns, type Principal } from '../../auth/index.js';
import { getCampaign, getScreeningJob, lastEventOf, listApiTokens, listCampaigns, listScreeningJobs } from '../../db/index.js';
import type { ServerEnv } from '../env.js';
import { signIn, signOut } from '../routes/session.js';
import type { Services } from '../services.js';
import { loadCampaignPage } from './campaign-data.js';
import { localPath } from './local-path.js';
import { campaignPage, liveSections, type CampaignPageQuery } from './campaign-page.js';
import { predictPage } from './predict-page.js';
import { suggestionsPage } from './suggestions-page.js';
import { screenPage } from './screen-page.js';
import { screenJobPage } from './screen-job-page.js';
import { screenForCampaign } from '../routes/screening.js';
import { libraryFormatOf, LibraryFormatError, type LibraryFormat } from '../../screening/library-reader.js';
import { campaignSuggestions } from '../routes/suggestions.js';
import type { CampaignSpec } from '../../campaign/index.js';
import { campaignFilePage, copyOfCampaignFile } from './campaign-file-page.js';
import { comparePage } from './compare-page.js';
import { tokensPage, tokenTable } from './tokens-page.js';
import { listTemplates, readCampaignTemplate } from '../templates.js';
import { compareCampaigns, distinctIds, type Comparison } from '../comparison.js';
import { HTTPException } from 'hono/http-exception';
import { initChem } from '../../chem/index.js';
import { withMechanismOpinion } from '../../mechanism/second-opinion.js';
import { campaignListPage, campaignRows, newCampaignPage, notFoundPage, signInPage, type ListEntry } from './pages.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only same-site paths: a crafted ?next= must not send a person elsewhere after signing in. */
const safeNext = (next: unknown): string => localPath(next);

function signedIn(c: Context<ServerEnv>): Principal | Response {
  const principal = c.get('principal');
  if (principal) return principal;
  const next = c.req.path + (new URL(c.req.url).search || '');
  return c.redirect(`/signin?next=${encodeURIComponent(next)}`, 303);
}

async function listEntries(services: Services): Promise<ListEntry[]> {
  const rows = await listCampaigns(services.db);
  const last = await lastEventOf(services.db, rows.map((r) => r.id));
  return Promise.all(rows.map(async (row) => ({ view: await services.view(row), spec: row.spec, lastEvent: last.get(row.id) })));
}

function pageQuery(c: Context<ServerEnv>): CampaignPageQuery & { explain?: number } {
  const explain = Number(c.req.query('explain'));
  return {
    ...(c.req.query('x') ? { x: c.req.query('x') } : {}),
    ...(c.req.query('y') ? { y: c.req.query('y') } : {}),
    ...(Number.isInteger(explain) && explain > 0 ? { explain } : {}),
    search: new URL(c.req.url).searchParams.toString(),
  };
}

/** The editor starts from the direct-arylation example, slowed down so its progress can be watched. */
async function editorTemplate(dataDir: string): Promise<string> {
  const example = await readFile(join(dataDir, 'direct-arylation.yaml'), 'utf8').catch(() => undefined);
  if (!example) return 'name: My campaign\n# see docs/campaign-file.md\n';
  return example
    .replace(/^name: (.*)$/m, 'name: $1 — from the panel')
    .replace(/^(\s*)experiments: \d+$/m, '$1experiments: 30')
    .replace(/^(\s*)latency_ms: 0$/m, '$1latency_ms: 800   # simulated time per experiment, so the page can be watched');
}

export function panelRoutes(app: Hono<ServerEnv>, services: Services, sessionHours: number): void {
  app.get('/signin', (c) => {
    if (c.get('principal')) return c.redirect(safeNext(c.req.query('next')), 303);
    return c.html(signInPage({ next: safeNext(c.req.query('next')) }));
  });

  app.post('/signin', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const next = safeNext(form.next);
    const principal = token ? await authenticateToken(services.db, token) : undefined;
    if (!principal) return c.html(signInPage({ next, error: 'This token is unknown or has been revoked.' }), 401);
    await signIn(c, services.db, principal, sessionHours);
    return c.redirect(next, 303);
  });

  app.post('/signout', async (c) => {
    await signOut(c, services.db);
    return c.redirect('/signin', 303);
  });

  app.get('/predict', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const reactants = (c.req.query('reactants') ?? '').trim();
    if (!reactants) return c.html(predictPage(principal, { reactants }));
    try {
      const [forward, mechanism] = await Promise.all([
        services.work.predict(reactants, 5),
        // the mechanisms are a second view (the best drawn, all five the products' second opinion):
        // a refusal or a busy worker leaves the products alone
        services.work.mechanism(reactants, 5, 1).catch(() => undefined),
      ]);
      if (!mechanism) return c.html(predictPage(principal, { reactants, products: forward }));
      await initChem();
      return c.html(predictPage(principal, { reactants, products: withMechanismOpinion(forward, mechanism.mechanisms), mechanism }));
    } catch (error) {
      // refused input (bad SMILES, too large) and a busy or over-time worker: said on the page
      if (error instanceof HTTPException) {
        const body = (await error.getResponse().clone().json()) as { error: { message: string } };
        return c.html(predictPage(principal, { reactants, error: body.error.message }), error.status);
      }
      throw error;
    }
  });

  app.get('/', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    return c.html(campaignListPage(principal, await listEntries(services)));
  });

  app.get('/fragments/campaigns', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    return c.html(campaignRows(await listEntries(services)));
  });

  app.get('/compare', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const rows = reachableCampaigns(principal, await listCampaigns(services.db));
    const chosen = distinctIds(c.req.queries('c') ?? []);
    const choices = await Promise.all(rows.map(async (row) => ({ view: await services.view(row), chosen: chosen.includes(row.id) })));
    if (chosen.length === 0) return c.html(comparePage(principal, choices, {}));
    let comparison: Comparison | undefined;
    try {
      comparison = await compareCampaigns(services, principal, chosen);
    } catch (error) {
      // a refused choice (too many, unknown, not this token's) is said on the page, with the list to choose again
      if (error instanceof HTTPException) {
        const body = (await error.getResponse().clone().json()) as { error: { message: string } };
        return c.html(comparePage(principal, choices, { error: body.error.message }), error.status);
      }
      throw error;
    }
    return c.html(comparePage(principal, choices, { comparison }));
  });

  // Tokens are handed out and revoked by operators only (the API's /api/tokens asks the same).
  const tokenData = async (c: Context<ServerEnv>) => {
    const showRevoked = c.req.query('all') === '1';
    const [tokens, campaigns] = await Promise.all([listApiTokens(services.db, { includeRevoked: showRevoked }), listCampaigns(services.db)]);
    return { tokens, campaigns, showRevoked };
  };

  app.get('/tokens', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    if (principal.role !== 'operator') return c.html(notFoundPage(principal, 'Managing tokens needs an operator token.'), 403);
    const { tokens, campaigns, showRevoked } = await tokenData(c);
    return c.html(tokensPage(principal, tokens, campaigns, showRevoked));
  });

  app.get('/fragments/tokens', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    if (principal.role !== 'operator') return c.html(notFoundPage(principal, 'Managing tokens needs an operator token.'), 403);
    const { tokens, campaigns, showRevoked } = await tokenData(c);
    c.header('cache-control', 'no-store');
    return c.html(tokenTable(principal, tokens, new Map(campaigns.map((r) => [r.id, r.name])), showRevoked));
  });

  app.get('/campaigns/new', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    if (principal.role !== 'operator') return c.html(notFoundPage(principal, 'Creating campaigns needs an operator token.'), 403);
    // ?from=ID: a copy of that campaign's file (its name marked as a copy)
    const from = c.req.query('from') ?? '';
    const source = UUID.test(from) ? await getCampaign(services.db, from) : undefined;
    const copy = source ? copyOfCampaignFile(source) : undefined;
    // ?template=NAME: one of the shipped examples, as written
    const available = await listTemplates();
    const asked = c.req.query('template');
    const template = asked ? await readCampaignTemplate(asked) : undefined;
    const error = asked && !template ? `No example is named “${asked}”; choose one from the list.` : undefined;
    return c.html(
      newCampaignPage(principal, copy ?? template?.source ?? (await editorTemplate(services.dataDir)), { available, ...(template ? { chosen: template.name } : {}), ...(error ? { error } : {}) }),
      error ? 404 : 200,
    );
  });

  app.get('/campaigns/:id/file', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const id = c.req.param('id');
    const row = UUID.test(id) ? await getCampaign(services.db, id) : undefined;
    if (!row) return c.html(notFoundPage(principal, `No campaign has the id ${id}.`), 404);
    return c.html(campaignFilePage(principal, row));
  });

  const campaignOrNotFound = async (c: Context<ServerEnv>, principal: Principal) => {
    const id = c.req.param('id') ?? '';
    const row = UUID.test(id) ? await getCampaign(services.db, id) : undefined;
    return row ?? c.html(notFoundPage(principal, `No campaign has the id ${id}.`), 404);
  };

  app.get('/campaigns/:id', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    const query = pageQuery(c);
    return c.html(campaignPage(await loadCampaignPage(services, row, query), principal, query));
  });

  app.get('/campaigns/:id/suggestions', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    const roles = Object.keys((row.spec as unknown as CampaignSpec).space.substances);
    const role = c.req.query('role') ?? '';
    const count = Math.min(50, Math.max(1, Number(c.req.query('count') ?? 10) || 10));
    const page = { campaignId: row.id, name: row.name, roles, role: role || roles[0] || '', count };
    if (!role) return c.html(suggestionsPage(principal, page));
    try {
      return c.html(suggestionsPage(principal, { ...page, suggestions: await campaignSuggestions(services, row, { role, count }) }));
    } catch (error) {
      // a role that is not one, no model yet, a busy or over-time worker: said on the page
      if (error instanceof HTTPException) {
        const body = (await error.getResponse().clone().json()) as { error: { message: string } };
        return c.html(suggestionsPage(principal, { ...page, error: body.error.message }), error.status);
      }
      throw error;
    }
  });

  const screenPageInput = async (row: { id: string; name: string; spec: unknown }, principal: Principal) => {
    const roles = Object.keys((row.spec as CampaignSpec).space.substances);
    const jobs = services.screening;
    // background screens store an upload: operators start them, anyone who reads the campaign follows them
    const background = jobs && allows(principal.role, 'operate') ? { uploadUrl: `/api/campaigns/${row.id}/screens`, uploadLimit: jobs.settings.maxUploadBytes } : undefined;
    return { campaignId: row.id, name: row.name, roles, role: roles[0] ?? '', top: 50, rank: 'mean' as const, requestLimit: services.requestLimitBytes, jobs: await listScreeningJobs(services.db, row.id, 20), ...(background ? { background } : {}) };
  };

  app.get('/campaigns/:id/screen', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    return c.html(screenPage(principal, await screenPageInput(row, principal)));
  });

  app.get('/campaigns/:id/screens/:job', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    const jobId = c.req.param('job');
    const job = UUID.test(jobId) ? await getScreeningJob(services.db, row.id, jobId) : undefined;
    if (!job) return c.html(notFoundPage(principal, 'This campaign has no such screen.'), 404);
    return c.html(screenJobPage(principal, { campaignId: row.id, name: row.name, job, mayCancel: allows(principal.role, 'operate') }));
  });

  app.post('/campaigns/:id/screen', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    const form = await c.req.parseBody();
    const file = form.library;
    const top = Math.min(1_000, Math.max(1, Math.trunc(Number(form.top ?? 50)) || 50));
    const rank = form.rank === 'ucb' ? ('ucb' as const) : ('mean' as const);
    const page = { ...(await screenPageInput(row, principal)), role: typeof form.role === 'string' ? form.role : '', top, rank };
    if (!(file instanceof File) || file.size === 0) return c.html(screenPage(principal, { ...page, error: 'Choose a library file to screen (a CSV with a "smiles" column, a .smi file or an SDF).' }), 400);
    let format: LibraryFormat;
    try {
      format = libraryFormatOf(file.name);
    } catch (error) {
      if (error instanceof LibraryFormatError) return c.html(screenPage(principal, { ...page, error: error.message }), 400);
      throw error;
    }
    try {
      const result = await screenForCampaign(services, row, { role: page.role, top, rank }, { text: await file.text(), format, label: file.name });
      return c.html(screenPage(principal, { ...page, library: file.name, result }));
    } catch (error) {
      // a role that is not one, no model yet, an unreadable library, a busy or over-time worker: said on the page
      if (error instanceof HTTPException) {
        const body = (await error.getResponse().clone().json()) as { error: { message: string } };
        return c.html(screenPage(principal, { ...page, error: body.error.message }), error.status);
      }
      throw error;
    }
  });

  app.get('/campaigns/:id/live', async (c) => {
    const principal = signedIn(c);
    if (principal instanceof Response) return principal;
    const row = await campaignOrNotFound(c, principal);
    if (row instanceof Response) return row;
    const query = pageQuery(c);
    c.header('cache-control', 'no-store');
    return c.html(liveSections(await loadCampaignPage(services, row, query), principal, query));
  });
}
