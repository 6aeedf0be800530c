/**
 * Enantioselective addition of thiols to N-acylimines catalysed by chiral phosphoric acids:
 * A. F. Zahrt, J. J. Henle, B. T. Rose, Y. Wang, W. T. Darrow, S. E. Denmark, "Prediction of
 * higher-selectivity catalysts by computer-driven workflow and machine learning", Science 363,
 * eaau5631 (2019), doi:10.1126/science.aau5631. 43 catalysts × 5 imines × 5 thiols = 1,075
 * reactions; the outcome is the selectivity as ΔΔG‡ (kcal/mol) computed from the measured er.
 *
 * Source: licheng-xu-echo/SPMS (MIT), Example/Reaction_Result/Denmark_Reaction_Data.csv — the
 * paper's data as used in L. Xu et al., Synlett 32, 1837 (2021) — with SMILES only. Download it
 * and run
 *   npx tsx bench/suite/convert/cpa-thiol-addition.ts Denmark_Reaction_Data.csv
 * The conversion names the imines and thiols (the source has SMILES only), numbers the catalysts
 * CPA-1 … CPA-43 in the order they first appear, and keeps every row and value as published.
 */
import { checkRows, gridSize, numberOf, parseCsvRecords, readSource, writeCampaign, writeTaskCsv, type Role, type SourceFile } from './lib.js';

const TASK = 'cpa-thiol-addition';
export const SOURCE: SourceFile = {
  repo: 'licheng-xu-echo/SPMS',
  commit: '2fac46f1aff7a8c9656228151b5977a4057a7d89',
  path: 'Example/Reaction_Result/Denmark_Reaction_Data.csv',
  sha256: '213d9307df3dfc4bcbc47cbfd291bd8037e921bede21ac9017e689f50e908854',
};
const PUBLISHED_ROWS = 1075;

/* N-benzoyl imines ArCH=NC(O)Ph, named by their aryl group. */
const IMINES: Record<string, string> = {
  'O=C(C1=CC=CC=C1)/N=C/C2=CC=CC=C2': 'phenyl',
  'O=C(C1=CC=CC=C1)/N=C/C2=CC=C(C(F)(F)F)C=C2': '4-(trifluoromethyl)phenyl',
  'O=C(C1=CC=CC=C1)/N=C/C2=CC=C(OC)C=C2': '4-methoxyphenyl',
  'O=C(C1=CC=CC=C1)/N=C/C2=CC=CC3=C2C=CC=C3': '1-naphthyl',
  'O=C(C1=CC=CC=C1)/N=C/C2=CC=C(Cl)C=C2Cl': '2,4-dichlorophenyl',
};
const THIOLS: Record<string, string> = {
  'SC1=CC=CC=C1': 'thiophenol',
  'CCS': 'ethanethiol',
  'SC1CCCCC1': 'cyclohexanethiol',
  'SC1=CC=C(OC)C=C1': '4-methoxythiophenol',
  'SC1=CC=CC=C1C': '2-methylthiophenol',
};

function named(table: Record<string, string>, what: string, smiles: string): string {
  const name = table[smiles];
  if (name === undefined) throw new Error(`unknown ${what} ${smiles}`);
  return name;
}

const source = parseCsvRecords(readSource(SOURCE));
const catalystNames = new Map<string, string>();
const rows = source.map((r, i) => {
  const catalyst = r['Catalyst'] ?? '';
  if (!catalystNames.has(catalyst)) catalystNames.set(catalyst, `CPA-${catalystNames.size + 1}`);
  const imine = r['Imine'] ?? '';
  const thiol = r['Thiol'] ?? '';
  return {
    catalyst: catalystNames.get(catalyst) as string,
    catalyst_smiles: catalyst,
    imine: named(IMINES, 'imine', imine),
    imine_smiles: imine,
    thiol: named(THIOLS, 'thiol', thiol),
    thiol_smiles: thiol,
    ddG: numberOf(r['Output'], `row ${i + 2} Output`),
  };
});
checkRows(TASK, rows, ['catalyst', 'imine', 'thiol'], PUBLISHED_ROWS);

const invert = (table: Record<string, string>): Role => Object.fromEntries(Object.entries(table).map(([smiles, name]) => [name, smiles]));
const substances = {
  catalyst: Object.fromEntries([...catalystNames].map(([smiles, name]) => [name, smiles])),
  imine: invert(IMINES),
  thiol: invert(THIOLS),
};
const grid = gridSize({ substances });
if (grid !== PUBLISHED_ROWS) throw new Error(`${TASK}: the grid has ${grid} combinations, the data ${PUBLISHED_ROWS} rows`);

writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'Chiral phosphoric acid catalysed thiol addition to N-acylimines: Zahrt et al., Denmark, Science 363, eaau5631 (2019).',
    '43 catalysts x 5 imines x 5 thiols = 1,075 reactions, the complete grid; the objective is the',
    'enantioselectivity as ddG (kcal/mol), maximised. Catalysts are numbered CPA-1 ... CPA-43 (the source gives SMILES only).',
  ],
  name: 'CPA-catalysed thiol addition (Zahrt 2019)',
  description: 'Enantioselective addition of thiols to N-acylimines; choose the chiral phosphoric acid catalyst, the imine and the thiol to maximise the selectivity (ddG). Simulated from the published 1,075-reaction dataset.',
  objective: { target: 'ddG', direction: 'maximize', bounds: [-5, 5], unit: 'kcal/mol' },
  substances,
  columns: { catalyst: 'catalyst_smiles', imine: 'imine_smiles', thiol: 'thiol_smiles' },
  scope: false,
  results: { ddG: 'ddG' },
});
console.log(`${TASK}: ${rows.length} rows written`);
