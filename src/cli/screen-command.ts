/**
 * `athanor screen <campaign> --role R --library FILE`: virtual screening of a compound library
 * (CSV, SMILES lines or SDF; streamed) in one substance role of a campaign with its newest model,
 * the other parameters at the best result's (or fixed with --with). Prints the best molecules with
 * their predicted value ± σ, writes them all as CSV with --out, progress on stderr.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { initChem } from '../chem/index.js';
import { getCampaign, resolveHome, type CampaignRow } from '../db/index.js';
import { databaseSources, prepareCampaignScreen, ScreenSetupError, type CampaignScreen, type ScreenRequest } from '../screening/campaign-screen.js';
import { libraryFormatOf, LibraryFormatError, readLibrary } from '../screening/library-reader.js';
import type { ForwardCheck } from '../generative/propose-substances.js';
import { MAX_FORWARD_PRODUCTS, rankedCsv, screenInCampaign, type LibraryScreenResult } from '../screening/library-screen.js';
import { UsageError } from './errors.js';
import { withHome, type ServiceClient } from './service-client.js';
import { formatValue } from './format.js';
import { CAMPAIGN_ID } from './arguments.js';


export interface ScreenOptions {
  home?: string;
  role?: string;
  library?: string;
  top: number;
  rank: 'mean' | 'ucb';
  with?: string[];
  maxHeavyAtoms?: number;
  elements?: string;
  out?: string;
  /** false with --no-forward: no product predicted for the best molecules */
  forward?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function screenCommand(campaignId: string, options: ScreenOptions): Promise<number> {
  if (!CAMPAIGN_ID.test(campaignId)) throw new UsageError(`campaign: "${campaignId}" is not a campaign id (a UUID; athanor status lists them)`);
  if (!options.role) throw new UsageError('--role: required (the substance role the library is screened in)');
  if (!options.library) throw new UsageError('--library: required (a CSV with a "smiles" column, a .smi file or an SDF)');
  if (!existsSync(options.library)) throw new UsageError(`--library: no such file ${options.library}`);
  const fixed = parseFixed(options.with ?? []);
  const elements = parseElements(options.elements);

  try {
    libraryFormatOf(options.library);
  } catch (error) {
    if (error instanceof LibraryFormatError) throw new UsageError(`--library: ${error.message}`);
    throw error;
  }
  await initChem();
  const id = campaignId.toLowerCase();

  const request = { role: options.role, fixed, ...(options.maxHeavyAtoms ? { maxHeavyAtoms: options.maxHeavyAtoms } : {}), ...(elements ? { elements } : {}) };
  const withLibrary = options as ScreenOptions & { library: string };
  return withCampaignScreen(id, options.home, request, 'screening', (row, setup) => runScreen(id, row.name, setup, withLibrary), (client) => screenThroughService(client, id, fixed, withLibrary));
}

/**
 * Opens the campaign's home, prepares the campaign for a role (screen or suggestions) and hands it
 * to `use`; what is missing is a usage error naming the option at fault.
 */
export async function withCampaignScreen(
  id: string,
  home: string | undefined,
  request: ScreenRequest,
  doing: string,
  use: (row: CampaignRow, setup: CampaignScreen) => Promise<number>,
  /** What to do instead while a service holds the home (default: refuse, saying why). */
  throughService?: (client: ServiceClient) => Promise<number>,
): Promise<number> {
  return withHome(
    resolveHome(home),
    async ({ db, location }) => {
      const row: CampaignRow | undefined = await getCampaign(db, id);
      if (!row) throw new UsageError(`campaign: no campaign has the id ${id} in ${location}`);
      let setup: CampaignScreen;
      try {
        setup = await prepareCampaignScreen(await databaseSources(db, row), request);
      } catch (error) {
        if (error instanceof ScreenSetupError) throw new UsageError(`${error.field === 'fixed' ? '--with' : error.field === 'role' ? '--role' : 'campaign'}: ${error.message}`);
        throw error;
      }
      return use(row, setup);
    },
    // The service's API hides where the campaign's files live (it never shows server paths), and
    // the space is built from them: this needs the database itself, or the service's own screen.
    async (client) => {
      if (throughService) return throughService(client);
      throw new UsageError(`athanor serve holds this home (${client.location}): ${doing} reads the campaign and its model from the database; stop the service meanwhile, or run both on PostgreSQL (DATABASE_URL)`);
    },
  );
}

const sayer = (options: ScreenOptions) => (text: string) => {
  if (!options.quiet) process.stderr.write(text);
};

const progressLine = (p: { read: number; screened: number; rejected: number; seconds: number }) =>
  `  ${p.read.toLocaleString('en')} rows read, ${p.screened.toLocaleString('en')} molecules scored, ${p.rejected.toLocaleString('en')} unusable (${Math.round(p.read / Math.max(p.seconds, 1e-3)).toLocaleString('en')}/s)\n`;

/** A background screen's job as the API gives it. */
interface ScreenJob {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  progress: { read: number; screened: number; rejected: number; seconds: number; bytesRead: number } | null;
  error: { code: string; message: string; field?: string } | null;
  result?: LibraryScreenResult;
}

/**
 * While `athanor serve` holds the home: the library goes to the service as a background screen
 * (streamed, docs/screening.md), followed here with the same progress lines and printed the same
 * way. Ctrl-C cancels the job.
 */
async function screenThroughService(client: ServiceClient, campaignId: string, fixedParameters: Record<string, string>, options: ScreenOptions & { library: string }): Promise<number> {
  const say = sayer(options);
  const query = new URLSearchParams({ role: options.role!, top: String(options.top), rank: options.rank, name: basename(options.library) });
  const fixed = Object.entries(fixedParameters).map(([k, v]) => `${k}=${v}`).join(';');
  if (fixed) query.set('with', fixed);
  if (options.maxHeavyAtoms) query.set('max_heavy_atoms', String(options.maxHeavyAtoms));
  if (options.elements) query.set('elements', options.elements);
  if (options.forward === false) query.set('forward', 'false');
  say(`screening ${options.library} as ${options.role} through ${client.location} (a background screen)\n`);
  let job = await client.upload<ScreenJob>(`/api/campaigns/${campaignId}/screens?${query.toString()}`, options.library);
  const path = `/api/campaigns/${campaignId}/screens/${job.id}`;
  const cancel = () => {
    say(`  cancelling the background screen ${job.id}\n`);
    void client.request('DELETE', path).finally(() => process.exit(130));
  };
  process.once('SIGINT', cancel);
  try {
    let lastRead = -1;
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await client.request<ScreenJob>('GET', path);
      if (job.progress && job.progress.read !== lastRead && job.status === 'running') {
        lastRead = job.progress.read;
        say(progressLine(job.progress));
      }
    }
  } finally {
    process.off('SIGINT', cancel);
  }
  if (job.status !== 'done' || !job.result) {
    const option: Record<string, string> = { library: '--library', role: '--role', with: '--with', campaign: 'campaign' };
    const why = job.error ? `${job.error.field ? `${option[job.error.field] ?? job.error.field}: ` : ''}${job.error.message}` : job.status;
    // what the request or the campaign got wrong is the user's to fix (exit 2), as on the local path
    if (job.error && ['invalid_request', 'invalid_library', 'no_model'].includes(job.error.code)) throw new UsageError(why);
    throw new Error(`the background screen ${job.id} ${job.status}: ${why}`);
  }
  return printScreen(campaignId, job.result, options);
}

async function runScreen(campaignId: string, name: string, setup: CampaignScreen, options: ScreenOptions & { library: string }): Promise<number> {
  const say = sayer(options);
  say(`screening ${options.library} as ${setup.settings.role} in "${name}" with model version ${setup.model.version} (${setup.model.kind}, ${setup.model.trainingSize} results)\n`);
  say(`  each molecule replaces ${setup.settings.role} in ${setup.basis}\n`);
  let report;
  const forward = options.forward === false ? undefined : await loadForwardCheck();
  if (forward) say(`  the forward model predicts the product of the best ${Math.min(options.top, MAX_FORWARD_PRODUCTS)} (--no-forward skips it)\n`);
  try {
    report = await screenInCampaign(setup, readLibrary(options.library), {
      top: options.top,
      ranking: options.rank,
      ...(forward ? { forward } : {}),
      onProgress: (p) => say(progressLine(p)),
    });
  } catch (error) {
    if (error instanceof LibraryFormatError) throw new UsageError(`--library: ${error.message}`);
    throw error;
  }
  return printScreen(campaignId, report, options);
}

/** The report on stdout (or as JSON), the ranked molecules to --out. */
async function printScreen(campaignId: string, report: LibraryScreenResult, options: ScreenOptions): Promise<number> {
  if (options.out) {
    await writeFile(options.out, rankedCsv(report));
    sayer(options)(`  wrote the ${report.ranked.length} best to ${options.out}\n`);
  }
  const { inCampaign } = report;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ campaignId, ...report })}\n`);
    return 0;
  }
  const lines = [
    `${report.read.toLocaleString('en')} rows read in ${report.seconds.toFixed(1)} s (${Math.round(report.perSecond).toLocaleString('en')}/s): ${report.screened.toLocaleString('en')} molecules scored, ${report.duplicates.toLocaleString('en')} duplicates, ${report.rejected.count.toLocaleString('en')} unusable`,
    ...report.rejected.first.slice(0, 10).map((r) => `  line ${r.line}${r.name ? ` (${r.name})` : ''}: ${r.reason}`),
    ...(report.rejected.count > 10 ? [`  … ${report.rejected.count - 10} more (${Object.entries(report.rejected.byReason).map(([k, n]) => `${k}: ${n}`).join('; ')})`] : []),
    '',
    `best ${report.ranked.length} by predicted ${report.target}${options.rank === 'ucb' ? ' (optimistic: mean + 2σ)' : ''}`,
    ...report.ranked.map((m) => `${String(m.rank).padStart(4)}  ${formatValue(m.mean, null)} ± ${formatValue(m.sigma, report.unit ?? null)}  ${m.name ? `${m.name}  ` : ''}${m.smiles}  (line ${m.line})${productNote(m.product)}`),
    `for comparison, ${inCampaign.name} (in the campaign): ${formatValue(inCampaign.mean, null)} ± ${formatValue(inCampaign.sigma, report.unit ?? null)}${report.forward?.inCampaign ? productNote(report.forward.inCampaign) : ''}`,
    ...(report.forward ? [`forward model's products: ${report.forward.note}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function productNote(product: string | null | undefined): string {
  if (product === undefined) return '';
  return product === null ? '  → no predicted reaction involves it' : `  → ${product}`;
}

/** The shipped forward model, loaded only when a screen asks for products. */
async function loadForwardCheck(): Promise<ForwardCheck> {
  return (await import('../generative/forward-check.js')).shippedForwardCheck();
}

/** --elements C,H,N,O,Br as symbols. */
export function parseElements(text: string | undefined): string[] | undefined {
  const elements = text?.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (elements?.some((e) => !/^[A-Z][a-z]?$/.test(e))) throw new UsageError(`--elements: element symbols separated by commas, e.g. C,H,N,O,Br (got "${text}")`);
  return elements;
}

/** --with NAME=VALUE (repeatable) as an assignment. */
export function parseFixed(pairs: string[]): Record<string, string> {
  const fixed: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--with: "${pair}" is not NAME=VALUE`);
    fixed[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return fixed;
}
