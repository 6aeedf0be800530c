/**
 * `athanor screen <campaign> --role R --library FILE`: virtual screening of a compound library
 * (CSV, SMILES lines or SDF; streamed) in one substance role of a campaign with its newest model,
 * the other parameters at the best result's (or fixed with --with). Prints the best molecules with
 * their predicted value ± σ, writes them all as CSV with --out, progress on stderr.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { initChem } from '../chem/index.js';
import { getCampaign, resolveHome, type CampaignRow } from '../db/index.js';
import { databaseSources, prepareCampaignScreen, ScreenSetupError, type CampaignScreen, type ScreenRequest } from '../screening/campaign-screen.js';
import { libraryFormatOf, LibraryFormatError, readLibrary } from '../screening/library-reader.js';
import type { ForwardCheck } from '../generative/propose-substances.js';
import { MAX_FORWARD_PRODUCTS, rankedCsv, screenInCampaign } from '../screening/library-screen.js';
import { UsageError } from './errors.js';
import { withHome } from './service-client.js';
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
  return withCampaignScreen(id, options.home, request, 'screening', (row, setup) => runScreen(id, row.name, setup, options as ScreenOptions & { library: string }));
}

/**
 * Opens the campaign's home, prepares the campaign for a role (screen or suggestions) and hands it
 * to `use`; what is missing is a usage error naming the option at fault.
 */
export async function withCampaignScreen(id: string, home: string | undefined, request: ScreenRequest, doing: string, use: (row: CampaignRow, setup: CampaignScreen) => Promise<number>): Promise<number> {
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
    // the space is built from them: this needs the database itself.
    async (client) => {
      throw new UsageError(`athanor serve holds this home (${client.location}): ${doing} reads the campaign and its model from the database; stop the service meanwhile, or run both on PostgreSQL (DATABASE_URL)`);
    },
  );
}

async function runScreen(campaignId: string, name: string, setup: CampaignScreen, options: ScreenOptions & { library: string }): Promise<number> {
  const say = (text: string) => {
    if (!options.quiet) process.stderr.write(text);
  };
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
      onProgress: (p) => say(`  ${p.read.toLocaleString('en')} rows read, ${p.screened.toLocaleString('en')} molecules scored, ${p.rejected.toLocaleString('en')} unusable (${Math.round(p.read / Math.max(p.seconds, 1e-3)).toLocaleString('en')}/s)\n`),
    });
  } catch (error) {
    if (error instanceof LibraryFormatError) throw new UsageError(`--library: ${error.message}`);
    throw error;
  }
  if (options.out) {
    await writeFile(options.out, rankedCsv(report));
    say(`  wrote the ${report.ranked.length} best to ${options.out}\n`);
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
    `best ${report.ranked.length} by predicted ${setup.target}${options.rank === 'ucb' ? ' (optimistic: mean + 2σ)' : ''}`,
    ...report.ranked.map((m) => `${String(m.rank).padStart(4)}  ${formatValue(m.mean, null)} ± ${formatValue(m.sigma, setup.unit ?? null)}  ${m.name ? `${m.name}  ` : ''}${m.smiles}  (line ${m.line})${productNote(m.product)}`),
    `for comparison, ${inCampaign.name} (in the campaign): ${formatValue(inCampaign.mean, null)} ± ${formatValue(inCampaign.sigma, setup.unit ?? null)}${report.forward?.inCampaign ? productNote(report.forward.inCampaign) : ''}`,
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
