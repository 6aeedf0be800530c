/**
 * Pd-catalysed C–H arylation of imidazoles with (hetero)aryl bromides, 24 phosphine ligands:
 * J. Y. Wang, J. M. Stevens, S. K. Kariofillis et al., A. G. Doyle, "Identifying general reaction
 * conditions by bandit optimization", Nature 626, 1025–1033 (2024), doi:10.1038/s41586-024-07021-y.
 * 24 ligands × 8 aryl bromides × 8 imidazoles = 1,536 reactions, yield %.
 *
 * Source: beef-broccoli/ochem-data (CC BY 4.0, the authors' data repository),
 * deebo/aryl-scope-ligand.csv. Download it and run
 *   npx tsx bench/suite/convert/imidazole-arylation.ts aryl-scope-ligand.csv
 * The conversion renames columns and keeps every row and value as published (yields above 100 %
 * are the assay's own), and writes bench/suite/tasks/imidazole-arylation/.
 */
import { checkRows, gridSize, numberOf, parseCsvRecords, readSource, roleFromRows, writeCampaign, writeTaskCsv, type SourceFile } from './lib.js';

const TASK = 'imidazole-arylation';
export const SOURCE: SourceFile = {
  repo: 'beef-broccoli/ochem-data',
  commit: 'e739f4d4d2002218fd225de5e8b2e6c235cabd6b',
  path: 'deebo/aryl-scope-ligand.csv',
  sha256: 'c522309d47837fc8b01219d4a67672837608ae7ed08e1010305ffef1eb363f90',
};
const PUBLISHED_ROWS = 1536;

const source = parseCsvRecords(readSource(SOURCE));
const rows = source.map((r, i) => ({
  aryl_bromide: r['electrophile_name'] ?? '',
  aryl_bromide_smiles: r['electrophile_smiles'] ?? '',
  imidazole: r['nucleophile_name'] ?? '',
  imidazole_smiles: r['nucleophile_smiles'] ?? '',
  ligand: r['ligand_name'] ?? '',
  ligand_smiles: r['ligand_smiles'] ?? '',
  product_smiles: r['product_smiles'] ?? '',
  yield: numberOf(r['yield'], `row ${i + 2} yield`),
}));
checkRows(TASK, rows, ['aryl_bromide', 'imidazole', 'ligand'], PUBLISHED_ROWS);

const records = rows.map((r) => ({ ...r, yield: String(r.yield) }));
const substances = {
  aryl_bromide: roleFromRows(records, 'aryl_bromide', 'aryl_bromide_smiles'),
  imidazole: roleFromRows(records, 'imidazole', 'imidazole_smiles'),
  ligand: roleFromRows(records, 'ligand', 'ligand_smiles'),
};
const grid = gridSize({ substances });
if (grid !== PUBLISHED_ROWS) throw new Error(`${TASK}: the grid has ${grid} combinations, the data ${PUBLISHED_ROWS} rows`);

writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'C-H arylation of imidazoles: Wang et al., Doyle, Nature 626, 1025 (2024).',
    '8 aryl bromides x 8 imidazoles x 24 ligands = 1,536 reactions, the complete grid of the published data.',
    'Yields are as published (the highest is 110.3 %), hence bounds up to 120.',
  ],
  name: 'C-H arylation of imidazoles (Wang 2024)',
  description: 'Pd-catalysed C-H arylation of imidazoles with aryl bromides; choose the aryl bromide, the imidazole and the phosphine ligand to maximise the yield. Simulated from the published 1,536-reaction dataset.',
  objective: { target: 'yield', direction: 'maximize', bounds: [0, 120], unit: '%' },
  substances,
  columns: { aryl_bromide: 'aryl_bromide_smiles', imidazole: 'imidazole_smiles', ligand: 'ligand_smiles' },
  scope: false,
  results: { yield: 'yield' },
  product: 'product_smiles',
});
console.log(`${TASK}: ${rows.length} rows written`);
