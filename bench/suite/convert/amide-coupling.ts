/**
 * Amide coupling of a carboxylic acid with ten poorly nucleophilic (hetero)aryl amines, screened
 * over 8 activators × 4 bases × 3 solvents: J. Y. Wang, J. M. Stevens, S. K. Kariofillis et al.,
 * A. G. Doyle, "Identifying general reaction conditions by bandit optimization", Nature 626,
 * 1025–1033 (2024), doi:10.1038/s41586-024-07021-y. 10 × 8 × 4 × 3 = 960 reactions, yield %.
 *
 * Source: beef-broccoli/ochem-data (CC BY 4.0, the authors' data repository), deebo/amidation.csv.
 * Download it and run
 *   npx tsx bench/suite/convert/amide-coupling.ts amidation.csv
 * The conversion renames columns and keeps every row and value as published (a few yields are
 * slightly negative, the assay's baseline), and writes bench/suite/tasks/amide-coupling/.
 */
import { checkRows, gridSize, numberOf, parseCsvRecords, readSource, roleFromRows, writeCampaign, writeTaskCsv, type SourceFile } from './lib.js';

const TASK = 'amide-coupling';
export const SOURCE: SourceFile = {
  repo: 'beef-broccoli/ochem-data',
  commit: 'e739f4d4d2002218fd225de5e8b2e6c235cabd6b',
  path: 'deebo/amidation.csv',
  sha256: 'e77f6a498387888eec63423265d6feb9d8b1ff9299b8afbc3bcc1218a7e5857a',
};
const PUBLISHED_ROWS = 960;

const source = parseCsvRecords(readSource(SOURCE));
const rows = source.map((r, i) => ({
  amine: r['nucleophile_name'] ?? '',
  amine_smiles: r['nucleophile_smiles'] ?? '',
  activator: r['activator_name'] ?? '',
  activator_smiles: r['activator_smiles'] ?? '',
  base: r['base_name'] ?? '',
  base_smiles: r['base_smiles'] ?? '',
  solvent: r['solvent_name'] ?? '',
  solvent_smiles: r['solvent_smiles'] ?? '',
  yield: numberOf(r['yield'], `row ${i + 2} yield`),
}));
checkRows(TASK, rows, ['amine', 'activator', 'base', 'solvent'], PUBLISHED_ROWS);

const records = rows.map((r) => ({ ...r, yield: String(r.yield) }));
const substances = {
  amine: roleFromRows(records, 'amine', 'amine_smiles'),
  activator: roleFromRows(records, 'activator', 'activator_smiles'),
  base: roleFromRows(records, 'base', 'base_smiles'),
  solvent: roleFromRows(records, 'solvent', 'solvent_smiles'),
};
const grid = gridSize({ substances });
if (grid !== PUBLISHED_ROWS) throw new Error(`${TASK}: the grid has ${grid} combinations, the data ${PUBLISHED_ROWS} rows`);

writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'Amide coupling with poorly nucleophilic amines: Wang et al., Doyle, Nature 626, 1025 (2024).',
    '10 amines x 8 activators x 4 bases x 3 solvents = 960 reactions, the complete grid of the published data.',
    'Yields are as published (the lowest is -0.8 %, assay baseline), hence bounds from -5.',
  ],
  name: 'Amide coupling (Wang 2024)',
  description: 'Amide coupling of a carboxylic acid with (hetero)aryl amines; choose the amine, activator, base and solvent to maximise the yield. Simulated from the published 960-reaction dataset.',
  objective: { target: 'yield', direction: 'maximize', bounds: [-5, 105], unit: '%' },
  substances,
  columns: { amine: 'amine_smiles', activator: 'activator_smiles', base: 'base_smiles', solvent: 'solvent_smiles' },
  scope: false,
  results: { yield: 'yield' },
});
console.log(`${TASK}: ${rows.length} rows written`);
