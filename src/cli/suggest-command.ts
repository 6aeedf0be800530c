/**
 * `athanor suggest-substances <campaign> --role R`: new substances for a role, generated with the
 * molecular autoencoder near the role's best performers, checked (size, elements, reactive groups,
 * rings, the forward model's reaction) and ranked by the campaign's model. Suggestions only: a
 * chemist adds the ones worth making to the campaign's space; nothing is dispatched.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { initChem } from '../chem/index.js';
import { csvText } from '../util/csv-text.js';
import { CAMPAIGN_ID } from './arguments.js';
import { UsageError } from './errors.js';
import { formatValue } from './format.js';
import { parseElements, parseFixed, withCampaignScreen } from './screen-command.js';

export interface SuggestOptions {
  home?: string;
  role?: string;
  count: number;
  with?: string[];
  maxHeavyAtoms?: number;
  elements?: string;
  allowReactive?: string[];
  /** false with --no-forward-check */
  forwardCheck: boolean;
  autoencoder?: string;
  rounds?: number;
  minSimilarity?: number;
  seed: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function suggestSubstancesCommand(campaignId: string, options: SuggestOptions): Promise<number> {
  if (!CAMPAIGN_ID.test(campaignId)) throw new UsageError(`campaign: "${campaignId}" is not a campaign id (a UUID; athanor status lists them)`);
  if (!options.role) throw new UsageError('--role: required (the substance role to suggest new substances for)');
  if (options.autoencoder && !existsSync(options.autoencoder)) throw new UsageError(`--autoencoder: no such file ${options.autoencoder}`);
  const { REACTIVE_GROUPS } = await import('../generative/structure-checks.js');
  const unknownGroups = (options.allowReactive ?? []).filter((g) => !(g in REACTIVE_GROUPS));
  if (unknownGroups.length > 0) throw new UsageError(`--allow-reactive: ${unknownGroups.join(', ')}: not a group name (${Object.keys(REACTIVE_GROUPS).join(', ')})`);
  if (options.minSimilarity !== undefined && !(options.minSimilarity >= 0 && options.minSimilarity <= 1)) throw new UsageError('--min-similarity: a number from 0 to 1');
  const fixed = parseFixed(options.with ?? []);
  const elements = parseElements(options.elements);
  await initChem();
  const [{ initTensorBackend }, { readAutoencoder, AutoencoderMissingError }, { suggestWithSetup }] = await Promise.all([
    import('../models/backend.js'),
    import('../generative/autoencoder-file.js'),
    import('../generative/campaign-suggestions.js'),
  ]);
  await initTensorBackend({ log: null });
  let loaded;
  try {
    loaded = readAutoencoder(options.autoencoder ? resolve(options.autoencoder) : undefined);
  } catch (error) {
    if (error instanceof AutoencoderMissingError) throw new UsageError(`--autoencoder: ${error.message}`);
    throw error;
  }
  const say = (text: string) => {
    if (!options.quiet) process.stderr.write(text);
  };
  const request = { role: options.role, fixed, ...(options.maxHeavyAtoms ? { maxHeavyAtoms: options.maxHeavyAtoms } : {}), ...(elements ? { elements } : {}) };
  const id = campaignId.toLowerCase();
  return withCampaignScreen(id, options.home, request, 'suggesting substances', async (row, setup) => {
    say(`suggesting ${options.count} new ${setup.settings.role} substances for "${row.name}" with model version ${setup.model.version} (${setup.model.kind}, ${setup.model.trainingSize} results)\n`);
    say(`  each is tried in ${setup.basis}\n`);
    const forward = options.forwardCheck ? await forwardCheck() : undefined;
    const report = await suggestWithSetup(
      setup,
      {
        ...request,
        count: options.count,
        seed: options.seed,
        ...(options.rounds ? { rounds: options.rounds } : {}),
        ...(options.allowReactive ? { allowReactive: options.allowReactive } : {}),
        ...(options.minSimilarity !== undefined ? { minSimilarity: options.minSimilarity } : {}),
      },
      loaded.model,
      forward,
      (m) => say(`  ${m}\n`),
    );
    loaded.model.dispose();
    if (options.out) {
      const header = ['rank', 'smiles', `predicted_${setup.target}`, 'sigma', 'nearest_substance', 'similarity', 'forward_product'];
      await writeFile(options.out, csvText(header, report.proposals.map((p) => [p.rank, p.smiles, p.mean, p.sigma, p.nearest.name, p.nearest.similarity, p.product ?? ''])));
      say(`  wrote ${report.proposals.length} suggestions to ${options.out}\n`);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ campaignId: id, ...report })}\n`);
      return 0;
    }
    const aside = Object.entries(report.setAside).map(([k, n]) => `${k}: ${n}`).join('; ');
    const lines = [
      `forward model's check: ${report.forwardCheck}`,
      `${report.decoded} latent points decoded around ${report.startedFrom.join(', ')}: ${report.valid} valid molecules, ${report.novel} new ones that fit the role${aside ? `; set aside — ${aside}` : ''} (${report.seconds.toFixed(1)} s)`,
      '',
      report.proposals.length === 0 ? 'no suggestion passed the checks: try more --rounds, --allow-reactive, or another role' : `${report.proposals.length} suggestions, best first by predicted ${setup.target} + 2σ (add the ones worth making to the campaign file)`,
      ...report.proposals.map(
        (p) =>
          `${String(p.rank).padStart(3)}  ${formatValue(p.mean, null)} ± ${formatValue(p.sigma, setup.unit ?? null)}  ${p.smiles}  (like ${p.nearest.name}, similarity ${p.nearest.similarity.toFixed(2)})${p.product ? `\n       forward model's product: ${p.product}` : ''}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** The shipped forward model's check of each suggestion's reaction. */
async function forwardCheck() {
  return (await import('../generative/forward-check.js')).shippedForwardCheck();
}
