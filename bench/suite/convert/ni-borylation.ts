/**
 * Ni-catalysed borylation of aryl halides and aryl sulfamates with B2(OH)4: 33 substrates × 24
 * phosphine ligands × 2 alcohol solvents (EtOH, MeOH): J. M. Stevens, J. Li, E. M. Simmons,
 * S. R. Wisniewski, S. DiSomma, K. J. Fraunhoffer, P. Geng, B. Hao, E. W. Jackson, "Advancing Base
 * Metal Catalysis through Data Science: Insight and Predictive Models for Ni-Catalyzed Borylation
 * through Supervised Machine Learning", Organometallics 41, 1847–1864 (2022),
 * doi:10.1021/acs.organomet.2c00089. 1,578 reactions (PnBu3·HBF4 was not run with 3 substrates,
 * so 6 of the 1,584 combinations are absent), yield %.
 *
 * Source: beef-broccoli/ochem-data (CC BY 4.0), NiB/rxns/inchi.csv, which identifies molecules by
 * InChI only. The SMILES below were written from the names and are checked here, molecule by
 * molecule, against the source's InChI (RDKit's standard InChI of our SMILES must equal it), so a
 * wrong structure stops the conversion. Download the file and run
 *   npx tsx bench/suite/convert/ni-borylation.ts inchi.csv
 */
import { loadRdkit } from '../../../src/chem/index.js';
import { checkRows, numberOf, parseCsvRecords, readSource, writeCampaign, writeTaskCsv, type Role, type SourceFile } from './lib.js';

const TASK = 'ni-borylation';
export const SOURCE: SourceFile = {
  repo: 'beef-broccoli/ochem-data',
  commit: 'e739f4d4d2002218fd225de5e8b2e6c235cabd6b',
  path: 'NiB/rxns/inchi.csv',
  sha256: '6e918dabeb209f8e54a8d6ec6ab63e093864992477e68d009554dcac6036d859',
};
const PUBLISHED_ROWS = 1578;

/* Substrate names as in the source (s1–s33); BMS-929356 is ethyl 4-bromo-1-ethylpyrrole-2-carboxylate. */
const SUBSTRATES: Role = {
  '1H-indol-5-yl N,N-dimethylsulfamate': 'CN(C)S(=O)(=O)Oc1ccc2[nH]ccc2c1',
  "2-bromo-1,1'-biphenyl": 'Brc1ccccc1-c1ccccc1',
  '2-Chloro-5-fluorotoluene': 'Cc1cc(F)ccc1Cl',
  '2-Chloro-m-xylene': 'Cc1cccc(C)c1Cl',
  '(2-Methyl-1,3-benzothiazol-5-yl) N,N-dimethylsulfamate': 'Cc1nc2cc(OS(=O)(=O)N(C)C)ccc2s1',
  '3-Bromothiophene': 'Brc1ccsc1',
  '3-Chloro-2-methylaniline': 'Cc1c(N)cccc1Cl',
  '4-Bromoanisole': 'COc1ccc(Br)cc1',
  '4-Bromobenzotrifluoride': 'FC(F)(F)c1ccc(Br)cc1',
  '4-Chloro-N,N-dimethylbenzamide': 'CN(C)C(=O)c1ccc(Cl)cc1',
  '5-chloroindole': 'Clc1ccc2[nH]ccc2c1',
  'BMS-929356': 'CCOC(=O)c1cc(Br)cn1CC',
  'Ethyl 4-chloro-3-fluorobenzoate': 'CCOC(=O)c1ccc(Cl)c(F)c1',
  'methyl 4-bromobenzoate': 'COC(=O)c1ccc(Br)cc1',
  'quinolin-6-yl dimethylsulfamate': 'CN(C)S(=O)(=O)Oc1ccc2ncccc2c1',
  '3-Bromoquinoline': 'Brc1cnc2ccccc2c1',
  '3-bromo-2-methylpyridine': 'Cc1ncccc1Br',
  Clofibrate: 'CCOC(=O)C(C)(C)Oc1ccc(Cl)cc1',
  '4-Bromo-2-fluoroanisole': 'COc1ccc(Br)cc1F',
  '4-Bromo-2-fluorobenzonitrile': 'N#Cc1ccc(Br)cc1F',
  '(4-Phenylphenyl) N,N-dimethylsulfamate': 'CN(C)S(=O)(=O)Oc1ccc(-c2ccccc2)cc1',
  '4-Bromo-1,2-(methylenedioxy)benzene': 'Brc1ccc2OCOc2c1',
  '5-Bromobenzofuran': 'Brc1ccc2occc2c1',
  '4-chloro-1-fluoro-2-methoxybenzene': 'COc1cc(Cl)ccc1F',
  '4-chlorobenzotrifluoride': 'FC(F)(F)c1ccc(Cl)cc1',
  '3-chloroquinoline': 'Clc1cnc2ccccc2c1',
  '5-bromo-2,4-dimethoxypyrimidine': 'COc1ncc(Br)c(OC)n1',
  'methyl 4-chlorobenzoate': 'COC(=O)c1ccc(Cl)cc1',
  '5-Chloro-1,3-benzodioxole': 'Clc1ccc2OCOc2c1',
  '4-chloro-2-fluoro-1-methoxybenzene': 'COc1ccc(Cl)cc1F',
  '4-Chlorobiphenyl': 'Clc1ccc(-c2ccccc2)cc1',
  '4-Bromobiphenyl': 'Brc1ccc(-c2ccccc2)cc1',
  '4-Chloro-2-fluorobenzonitrile': 'N#Cc1ccc(Cl)cc1F',
};

/* Ligands as used: the HBF4 salts as phosphonium tetrafluoroborates. */
const LIGANDS: Role = {
  'A-paPhos': 'CN(C)c1ccc(P(c2ccccc2)c2ccccc2)cc1',
  'CX-FBu': 'CCCCC1(c2ccccc2-c2ccccc21)[PH+](C1CCCCC1)C1CCCCC1.F[B-](F)(F)F',
  'CX-PCy': 'C1CCC(CC1)P(C1CCCCC1)c1cccn1-c1ccccc1',
  'Cy-BippyPhos': 'C1CCC(CC1)P(C1CCCCC1)c1ccnn1-c1c(-c2ccccc2)nn(-c2ccccc2)c1-c1ccccc1',
  'Cy-JohnPhos': 'C1CCC(CC1)P(C1CCCCC1)c1ccccc1-c1ccccc1',
  'Cy-PhenCar-Phos': 'C1CCC(CC1)P(C1CCCCC1)c1ccccc1-n1c2ccccc2c2ccccc21',
  'Cy-vBRIDP': 'CC(=C(c1ccccc1)c1ccccc1)P(C1CCCCC1)C1CCCCC1',
  Kwong: 'C1CCC(CC1)P(C1CCCCC1)n1c(-c2ccccc2)cc2ccccc21',
  'MeO-KITPHOS': 'COc1ccccc1C1=C(P(C2CCCCC2)C2CCCCC2)C2c3ccccc3C1c1ccccc12',
  MePhos: 'Cc1ccccc1-c1ccccc1P(C1CCCCC1)C1CCCCC1',
  'P(o-Anis)3': 'COc1ccccc1P(c1ccccc1OC)c1ccccc1OC',
  'P(p-Anis)3': 'COc1ccc(P(c2ccc(OC)cc2)c2ccc(OC)cc2)cc1',
  'P(p-F-Ph)3': 'Fc1ccc(P(c2ccc(F)cc2)c2ccc(F)cc2)cc1',
  'PCy3 HBF4': 'C1CCC(CC1)[PH+](C1CCCCC1)C1CCCCC1.F[B-](F)(F)F',
  'PMe3 HBF4': 'C[PH+](C)C.F[B-](F)(F)F',
  PPh2Cy: 'C1CCC(CC1)P(c1ccccc1)c1ccccc1',
  PPh3: 'c1ccc(P(c2ccccc2)c2ccccc2)cc1',
  PPhtBu2: 'CC(C)(C)P(c1ccccc1)C(C)(C)C',
  PXy3: 'Cc1cc(C)cc(P(c2cc(C)cc(C)c2)c2cc(C)cc(C)c2)c1',
  'Ph-DavePhos': 'CN(C)c1ccccc1-c1ccccc1P(c1ccccc1)c1ccccc1',
  'Ph-SPhos': 'COc1cccc(OC)c1-c1ccccc1P(c1ccccc1)c1ccccc1',
  'Ph-XPhos': 'CC(C)c1cc(C(C)C)c(-c2ccccc2P(c2ccccc2)c2ccccc2)c(C(C)C)c1',
  'PnBu3 HBF4': 'CCCC[PH+](CCCC)CCCC.F[B-](F)(F)F',
  VPhos: 'COc1cc(C(C)(C)C)cc(C(C)(C)C)c1-c1ccccc1P(C1CCCCC1)C1CCCCC1',
};

const SOLVENTS: Role = { EtOH: 'CCO', MeOH: 'CO' };

const rdkit = await loadRdkit();
function inchiOf(smiles: string): string {
  const mol = rdkit.get_mol(smiles);
  if (!mol) throw new Error(`SMILES does not parse: ${smiles}`);
  try {
    return mol.get_inchi();
  } finally {
    mol.delete();
  }
}

/** The role's SMILES for a source row, refused unless its InChI is the source's. */
function checked(role: Role, what: string, name: string, inchi: string, verified: Set<string>): string {
  const smiles = role[name];
  if (smiles === undefined) throw new Error(`${what} "${name}" is not in the converter's table`);
  if (!verified.has(name)) {
    const ours = inchiOf(smiles);
    if (ours !== inchi) throw new Error(`${what} "${name}": the InChI of ${smiles} is\n  ${ours}\nthe source says\n  ${inchi}`);
    verified.add(name);
  }
  return smiles;
}

const source = parseCsvRecords(readSource(SOURCE));
const verified = { substrate: new Set<string>(), ligand: new Set<string>(), solvent: new Set<string>() };
const rows = source.map((r, i) => {
  const substrate = r['electrophile_name'] ?? '';
  const ligand = r['ligand_name'] ?? '';
  const solvent = r['solvent_name'] ?? '';
  return {
    substrate_id: r['electrophile_id'] ?? '',
    substrate,
    substrate_smiles: checked(SUBSTRATES, 'substrate', substrate, r['electrophile_inchi'] ?? '', verified.substrate),
    ligand,
    ligand_smiles: checked(LIGANDS, 'ligand', ligand, r['ligand_inchi'] ?? '', verified.ligand),
    solvent,
    solvent_smiles: checked(SOLVENTS, 'solvent', solvent, r['solvent_inchi'] ?? '', verified.solvent),
    yield: numberOf(r['yield'], `row ${i + 2} yield`),
  };
});
checkRows(TASK, rows, ['substrate', 'ligand', 'solvent'], PUBLISHED_ROWS);
for (const [role, table, seen] of [['substrate', SUBSTRATES, verified.substrate], ['ligand', LIGANDS, verified.ligand], ['solvent', SOLVENTS, verified.solvent]] as const) {
  const unused = Object.keys(table).filter((n) => !seen.has(n));
  if (unused.length > 0) throw new Error(`${role}s in the converter's table but not in the data: ${unused.join(', ')}`);
}

const sorted = (role: Role): Role => Object.fromEntries(Object.entries(role).sort(([a], [b]) => a.localeCompare(b, 'en')));
writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'Ni-catalysed borylation: Stevens et al., Organometallics 41, 1847 (2022).',
    '33 substrates x 24 ligands x 2 solvents would be 1,584 reactions; the dataset holds 1,578 of them',
    '(PnBu3 HBF4 was not run with 3 substrates), so space.scope makes the space exactly its rows.',
  ],
  name: 'Ni-catalysed borylation (Stevens 2022)',
  description: 'Ni-catalysed borylation of aryl halides and sulfamates; choose the substrate, the phosphine ligand and the alcohol solvent to maximise the yield. Simulated from the published 1,578-reaction dataset.',
  objective: { target: 'yield', direction: 'maximize', bounds: [0, 100], unit: '%' },
  substances: { substrate: sorted(SUBSTRATES), ligand: sorted(LIGANDS), solvent: SOLVENTS },
  columns: { substrate: 'substrate_smiles', ligand: 'ligand_smiles', solvent: 'solvent_smiles' },
  scope: true,
  results: { yield: 'yield' },
});
console.log(`${TASK}: ${rows.length} rows written, ${verified.substrate.size + verified.ligand.size + verified.solvent.size} structures checked against the source's InChI`);
