/**
 * A library screened in a prepared campaign, as one report: what `athanor screen --json` prints and
 * what the API and the panel return. The campaign's own substance in the role is scored beside the
 * library's molecules, so that a chemist sees what "better" means.
 */
import { csvText } from '../util/csv-text.js';
import type { CampaignScreen } from './campaign-screen.js';
import type { LibraryRecord } from './library-reader.js';
import { screenLibrary, type ScreenProgress, type ScreenRanking, type ScreenReport } from './screen.js';

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
}

export interface LibraryScreenOptions {
  top: number;
  ranking: ScreenRanking;
  onProgress?(progress: ScreenProgress): void;
}

export async function screenInCampaign(setup: CampaignScreen, records: AsyncIterable<LibraryRecord>, options: LibraryScreenOptions): Promise<LibraryScreenResult> {
  const report = await screenLibrary(records, { ...setup.settings, keep: options.top, ranking: options.ranking, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const reference = await setup.settings.predict([setup.settings.context]);
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
  };
}

/** The ranked molecules as CSV, best first (`athanor screen --out`, the panel's download). */
export function rankedCsv(result: Pick<LibraryScreenResult, 'target' | 'ranked'>): string {
  const header = ['rank', 'name', 'smiles', `predicted_${result.target}`, 'sigma', 'heavy_atoms', 'library_line'];
  return csvText(header, result.ranked.map((m) => [m.rank, m.name, m.smiles, m.mean, m.sigma, m.heavyAtoms, m.line]));
}
