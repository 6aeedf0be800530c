/**
 * Deoxyfluorination of alcohols with sulfonyl fluorides and amidine/guanidine/phosphazene bases:
 * M. K. Nielsen, D. T. Ahneman, O. Riera, A. G. Doyle, J. Am. Chem. Soc. 140, 5004–5008 (2018),
 * doi:10.1021/jacs.8b01523. 37 alcohols × 5 sulfonyl fluorides × 4 bases = 740 reactions, yield %.
 *
 * Source: beef-broccoli/ochem-data (CC BY 4.0), deebo/deoxyf.csv — the paper's data as compiled
 * for J. Y. Wang et al., Nature 626, 1025 (2024). Download it and run
 *   npx tsx bench/suite/convert/deoxyfluorination.ts deoxyf.csv
 * The conversion renames columns, keeps every row and value as published (yields above 100 % are
 * the paper's own), and writes bench/suite/tasks/deoxyfluorination/{data.csv,campaign.yaml}.
 */
import { checkRows, gridSize, numberOf, parseCsvRecords, readSource, roleFromRows, writeCampaign, writeTaskCsv, type SourceFile } from './lib.js';

const TASK = 'deoxyfluorination';
export const SOURCE: SourceFile = {
  repo: 'beef-broccoli/ochem-data',
  commit: 'e739f4d4d2002218fd225de5e8b2e6c235cabd6b',
  path: 'deebo/deoxyf.csv',
  sha256: '1c6b0f2401e2d945fc8f0fc0a905249eb2eb7e42fdc92782e85ab2cbb4c90e85',
};
const PUBLISHED_ROWS = 740;

const source = parseCsvRecords(readSource(SOURCE));
const rows = source.map((r, i) => ({
  alcohol: r['substrate_name'] ?? '',
  alcohol_smiles: r['substrate_smiles'] ?? '',
  sulfonyl_fluoride: r['fluoride_name'] ?? '',
  sulfonyl_fluoride_smiles: r['fluoride_smiles'] ?? '',
  base: r['base_name'] ?? '',
  base_smiles: r['base_smiles'] ?? '',
  yield: numberOf(r['yield'], `row ${i + 2} yield`),
}));
checkRows(TASK, rows, ['alcohol', 'sulfonyl_fluoride', 'base'], PUBLISHED_ROWS);

const records = rows.map((r) => ({ ...r, yield: String(r.yield) }));
const substances = {
  alcohol: roleFromRows(records, 'alcohol', 'alcohol_smiles'),
  sulfonyl_fluoride: roleFromRows(records, 'sulfonyl_fluoride', 'sulfonyl_fluoride_smiles'),
  base: roleFromRows(records, 'base', 'base_smiles'),
};
const grid = gridSize({ substances });
if (grid !== PUBLISHED_ROWS) throw new Error(`${TASK}: the grid has ${grid} combinations, the data ${PUBLISHED_ROWS} rows`);

writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'Deoxyfluorination with sulfonyl fluorides: Nielsen, Ahneman, Riera, Doyle, J. Am. Chem. Soc. 140, 5004 (2018).',
    '37 alcohols x 5 sulfonyl fluorides x 4 bases = 740 reactions, the complete grid of the published data.',
    'Yields are as published (a few exceed 100 %), hence bounds up to 110.',
  ],
  name: 'Deoxyfluorination (Nielsen 2018)',
  description: 'Deoxyfluorination of alcohols; choose the alcohol, the sulfonyl fluoride and the base to maximise the yield. Simulated from the published 740-reaction dataset.',
  objective: { target: 'yield', direction: 'maximize', bounds: [0, 110], unit: '%' },
  substances,
  columns: { alcohol: 'alcohol_smiles', sulfonyl_fluoride: 'sulfonyl_fluoride_smiles', base: 'base_smiles' },
  scope: false,
  results: { yield: 'yield' },
});
console.log(`${TASK}: ${rows.length} rows written`);
