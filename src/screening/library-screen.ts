/**
 * A library screened in a prepared campaign, as one report: what `athanor screen --json` prints and
 * what the API and the panel return. The campaign's own substance in the role is scored beside the
 * library's molecules, so that a chemist sees what "better" means.
 */
import type { ForwardCheck } from '../generative/propose-substances.js';
import { csvText } from '../util/csv-text.js';
import type { CampaignScreen } from './campaign-screen.js';
import type { LibraryRecord } from './library-reader.js';
import { reactantsOf, screenLibrary, withSubstance, type ScreenedMolecule, type ScreenProgress, type ScreenRanking, type ScreenReport } from './screen.js';

/**
 * How many of the ranked molecules the forward model predicts a product for: about 0.1 s each for
 * a Buchwald–Hartwig reaction on 2 cores, so a report of the usual size (50) takes seconds, and
 * the largest the API allows (1,000) would take minutes.
 */
export const MAX_FORWARD_PRODUCTS = 100;

export interface ForwardProducts {
  /** Whether the forward model's products say something about the role here, and how many of them it found. */
  note: string;
  /** The forward model's top product for the campaign's own reaction, when its reaction involves the role. */
  inCampaign: string | null;
  /** How many of the ranked molecules were asked (the first ones; 0 when the reaction does not involve the role). */
  predicted: number;
}

export interface LibraryScreenResult extends ScreenReport {
  role: string;
  /** The reaction each molecule was tried in, as the campaign names its parameters. */
  reaction: Record<string, string | number>;
  basis: string;
  target: string;
  unit?: string;
  ranking: ScreenRanking;
  model: CampaignScreen['model'];
  /** The role's substance in `reaction`, scored by the same model. */
  inCampaign: { name: string; mean: number; sigma: number };
  /** Present when the forward model was asked: each of the first ranked molecules then has its `product`. */
  forward?: ForwardProducts;
  ranked: (ScreenedMolecule & { product?: string | null })[];
}

export interface LibraryScreenOptions {
  top: number;
  ranking: ScreenRanking;
  onProgress?(progress: ScreenProgress): void;
  /** The forward model, to predict each ranked molecule's product in the reaction (the first MAX_FORWARD_PRODUCTS). */
  forward?: ForwardCheck;
}

export async function screenInCampaign(setup: CampaignScreen, records: AsyncIterable<LibraryRecord>, options: LibraryScreenOptions): Promise<LibraryScreenResult> {
  const report = await screenLibrary(records, { ...setup.settings, keep: options.top, ranking: options.ranking, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const reference = await setup.settings.predict([setup.settings.context]);
  const forward = options.forward ? forwardProducts(setup, report.ranked, options.forward) : undefined;
  return {
    role: setup.settings.role,
    reaction: setup.reaction,
    basis: setup.basis,
    target: setup.target,
    ...(setup.unit ? { unit: setup.unit } : {}),
    ranking: options.ranking,
    model: setup.model,
    inCampaign: { name: String(setup.reaction[setup.settings.role]), mean: reference.mean[0]!, sigma: reference.sigma[0]! },
    ...report,
    ...(forward ? { forward: forward.summary, ranked: forward.ranked } : {}),
  };
}

/** The forward model's top product with each of the first ranked molecules in the reaction (null: its predicted reaction leaves the molecule out). */
function forwardProducts(setup: CampaignScreen, ranked: ScreenedMolecule[], forward: ForwardCheck): { summary: ForwardProducts; ranked: LibraryScreenResult['ranked'] } {
  const { context, role } = setup.settings;
  // A product says something about a molecule only when it carries the molecule's skeleton: a
  // campaign may list the reagents but not the fixed coupling partner, and the forward model's top
  // reaction is then one among the others (a ligand's demethylation) whatever the molecule.
  const others = reactantsOf(withSubstance(context, role, ''));
  const own = context.substances[role];
  const inCampaign = own ? forward.productWith(own, others) : null;
  const predicted = Math.min(ranked.length, MAX_FORWARD_PRODUCTS);
  const withProducts: LibraryScreenResult['ranked'] = ranked.map((m, i) => (i < predicted ? { ...m, product: forward.productWith(m.smiles, others) } : m));
  const found = withProducts.filter((m) => typeof m.product === 'string').length;
  if (found === 0 && inCampaign === null) {
    const note = `not applicable: the forward model's top reaction does not involve ${role} in this campaign's reaction (its other substances: ${others || 'none'})`;
    return { summary: { note, inCampaign: null, predicted: 0 }, ranked };
  }
  const note = `the top product of each molecule with the reaction's other substances; none where the predicted reaction leaves the molecule out (${found} of ${predicted} have one)`;
  return { summary: { note, inCampaign, predicted }, ranked: withProducts };
}

/** The ranked molecules as CSV, best first (`athanor screen --out`, the panel's download). */
export function rankedCsv(result: Pick<LibraryScreenResult, 'target' | 'ranked' | 'forward'>): string {
  const products = Boolean(result.forward?.predicted);
  const header = ['rank', 'name', 'smiles', `predicted_${result.target}`, 'sigma', 'heavy_atoms', 'library_line', ...(products ? ['forward_product'] : [])];
  return csvText(header, result.ranked.map((m) => [m.rank, m.name, m.smiles, m.mean, m.sigma, m.heavyAtoms, m.line, ...(products ? [m.product ?? ''] : [])]));
}
