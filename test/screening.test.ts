/**
 * Virtual screening (issue 22): libraries read as streams in three formats with their line
 * numbers, molecules checked by real RDKit, scored by a real Gaussian process trained on
 * Buchwald–Hartwig results, the best kept; and `athanor screen` on a campaign `athanor run` made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSmiles, initChem, morganFingerprint } from '../src/chem/index.js';
import { useRdkit } from '../src/chem/runtime.js';
import { GaussianProcessSurrogate, DEFAULT_GP_CONFIG, initTensorBackend, type ModelSchema, type ReactionInput } from '../src/models/index.js';
import { LibraryFormatError, readLibrary, type LibraryRecord } from '../src/screening/library-reader.js';
import { atomsOf, defaultFilter, judgeMolecule } from '../src/screening/molecule-filter.js';
import { screenLibrary, withSubstance } from '../src/screening/screen.js';
import { rankedCsv, screenInCampaign } from '../src/screening/library-screen.js';
import { shippedForwardCheck } from '../src/generative/forward-check.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { athanorCli, EXAMPLES, runBuchwaldHartwig, tempHome } from './helpers.js';

const { home: scratch, cleanup } = tempHome('athanor-screen-');

const BH_ROLES = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };
const SCHEMA: ModelSchema = { roles: Object.keys(BH_ROLES), numeric: [], categorical: [], targets: ['yield'] };

/** Aryl halides, most of them outside the Buchwald–Hartwig set, and rows no screen can use. */
const LIBRARY = [
  ['Ic1cccnc1', '3-iodopyridine'],
  ['Brc1ccccn1', '2-bromopyridine'],
  ['Cc1ccc(I)cc1', '4-iodotoluene'],
  ['C1CC(N', 'broken'],
  ['COc1ccc(I)cc1', '4-iodoanisole'],
  ['N#Cc1ccc(Br)cc1', '4-bromobenzonitrile'],
  ['Cl[Pt]Cl', 'platinum chloride'],
  ['Ic1ccc2ccccc2c1', '2-iodonaphthalene'],
  ['c1cc(I)cnc1', '3-iodopyridine, written another way'],
  ['Ic1cccs1', '2-iodothiophene'],
  ['Brc1cnccn1', 'bromopyrazine'],
  ['FC(F)(F)c1ccc(Cl)cc1', '4-chlorobenzotrifluoride'],
  [`C${'C'.repeat(80)}`, 'a long alkane'],
  ['Clc1ccc(Cl)nc1', '2,5-dichloropyridine'],
];

afterAll(cleanup);

let gp: GaussianProcessSurrogate;
let context: ReactionInput;
let smiPath: string;

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
  const { rows } = await readCsv(join(EXAMPLES, 'data', 'buchwald_hartwig_3955.csv'));
  const inputs = rows.map((r) => ({ substances: Object.fromEntries(Object.entries(BH_ROLES).map(([role, column]) => [role, canonicalSmiles(r[column]!)])), conditions: {} }));
  const train = shuffled(rows.map((_, i) => i), rngFor(7, 'screen-test')).slice(0, 60);
  gp = new GaussianProcessSurrogate(SCHEMA, DEFAULT_GP_CONFIG);
  await gp.fit({ inputs: train.map((i) => inputs[i]!), targets: { yield: train.map((i) => Number(rows[i]!.yield)) } }, { seed: 1 });
  const bestRow = train.reduce((a, b) => (Number(rows[a]!.yield) >= Number(rows[b]!.yield) ? a : b));
  context = inputs[bestRow]!;
  smiPath = join(scratch, 'aryl-halides.smi');
  writeFileSync(smiPath, `# aryl halides\n${LIBRARY.map(([s, n]) => `${s} ${n}`).join('\n')}\n`);
}, 120_000);

const predict = async (inputs: ReactionInput[]) => gp.predict(inputs).then((p) => p.yield!);
const collect = async (records: AsyncIterable<LibraryRecord>) => {
  const out: LibraryRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
};

describe('reading a library', () => {
  it('reads SMILES lines, CSV with any column order and SDF, each record with its line in the file', async () => {
    const smi = await collect(readLibrary(smiPath));
    expect(smi).toHaveLength(LIBRARY.length);
    expect(smi[0]).toEqual({ line: 2, smiles: 'Ic1cccnc1', name: '3-iodopyridine' }); // line 1 is a comment

    const csvPath = join(scratch, 'library.csv');
    writeFileSync(csvPath, 'catalog_id,price,SMILES\nA-1,12,Brc1ccccn1\n\n"B-2","7,5",Ic1cccs1\n');
    expect(await collect(readLibrary(csvPath))).toEqual([
      { line: 2, name: 'A-1', smiles: 'Brc1ccccn1' },
      { line: 4, name: 'B-2', smiles: 'Ic1cccs1' },
    ]);

    const sdfPath = join(scratch, 'library.sdf');
    const blocks = ['Brc1ccccn1', 'Ic1cccs1'].map((s, k) => useRdkit((rdkit) => {
      const mol = rdkit.get_mol(s)!;
      try {
        return mol.get_molblock().replace(/^[^\n]*/, `compound ${k + 1}`);
      } finally {
        mol.delete();
      }
    }));
    writeFileSync(sdfPath, `${blocks[0]}\n>  <price>\n12\n\n$$$$\n${blocks[1]}\n$$$$\n`);
    const sdf = await collect(readLibrary(sdfPath));
    expect(sdf.map((r) => r.name)).toEqual(['compound 1', 'compound 2']);
    expect(sdf[1]!.line).toBe(blocks[0]!.split('\n').length + 5);
    const filter = defaultFilter([]);
    expect(sdf.map((r) => judgeMolecule(r, filter))).toEqual([
      { ok: true, smiles: 'Brc1ccccn1', heavyAtoms: 7 },
      { ok: true, smiles: 'Ic1cccs1', heavyAtoms: 6 },
    ]);
  });

  it('refuses a table without a SMILES column and an unknown extension, naming what it expected', async () => {
    const noSmiles = join(scratch, 'names.csv');
    writeFileSync(noSmiles, 'name,price\nA,1\n');
    await expect(collect(readLibrary(noSmiles))).rejects.toThrow(/no SMILES column in the header \(name, price\)/);
    expect(() => readLibrary(join(scratch, 'library.xlsx'))).toThrow(LibraryFormatError);
  });
});

describe('checking molecules', () => {
  it('counts heavy atoms and elements of canonical SMILES, and keeps the role\'s own elements allowed', () => {
    expect(atomsOf('[2H]c1cc[nH]c1')).toEqual({ elements: new Set(['C', 'N']), heavyAtoms: 5 });
    expect(atomsOf('CC(=O)[O-].[Cs+]')).toEqual({ elements: new Set(['C', 'O', 'Cs']), heavyAtoms: 5 });
    const bases = defaultFilter(['O=C([O-])[O-].[Cs+].[Cs+]']);
    expect(judgeMolecule({ smiles: 'CC(=O)[O-].[Cs+]' }, bases)).toMatchObject({ ok: true });
    expect(judgeMolecule({ smiles: 'CC(=O)[O-].[Cs+]' }, defaultFilter([]))).toEqual({ ok: false, reason: 'element Cs not allowed in this role' });
    expect(judgeMolecule({ smiles: 'C1CC(N' }, bases)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a molecule \(/) });
    expect(judgeMolecule({ smiles: 'CCCCCC' }, { ...bases, maxHeavyAtoms: 5 })).toEqual({ ok: false, reason: 'too large: 6 heavy atoms, the limit is 5' });
  });

  it('computes the model\'s fingerprints from the same parse, equal to those of the canonical SMILES parsed again', () => {
    const filter = defaultFilter([]);
    // written other ways than RDKit writes them: Kekulé, another atom order, with charges
    for (const [i, text] of ['C1=CC(I)=CN=C1', 'Brc1ccc(cc1)C(=O)OCC', 'O=[N+]([O-])c1ccc(Cl)cc1', 'Ic1ccccc1C'].entries()) {
      const radius = 1 + (i % 3);
      const verdict = judgeMolecule({ smiles: text }, filter, [{ radius, nBits: 2048 }]);
      expect(verdict.ok).toBe(true);
      const canonical = (verdict as { smiles: string }).smiles;
      const again = useRdkit((rdkit) => {
        const mol = rdkit.get_mol(canonical)!;
        try {
          return mol.get_morgan_fp(JSON.stringify({ radius, nBits: 2048 }));
        } finally {
          mol.delete();
        }
      });
      expect(Array.from(morganFingerprint(canonical, { radius, nBits: 2048 })).join('')).toBe(again);
    }
  });
});

describe('screening a library with a trained model', () => {
  it('ranks as scoring each molecule alone would, reports unusable rows by line and skips repeats', async () => {
    const filter = defaultFilter(['Ic1cccnc1']);
    const report = await screenLibrary(readLibrary(smiPath), { role: 'aryl_halide', context, direction: 'maximize', keep: 5, filter, predict, batchSize: 4, fingerprints: gp.substanceFingerprints });
    expect(report.read).toBe(LIBRARY.length);
    expect(report.rejected.count).toBe(3);
    expect(report.rejected.first.map((r) => [r.line, r.name])).toEqual([
      [5, 'broken'],
      [8, 'platinum chloride'],
      [14, 'a long alkane'],
    ]);
    expect(report.rejected.byReason).toEqual({ 'not a molecule': 1, 'element Pt not allowed in this role': 1, 'too large': 1 });
    expect(report.duplicates).toBe(1); // 3-iodopyridine written twice
    expect(report.screened).toBe(LIBRARY.length - 3 - 1);

    // each usable molecule alone, in the same reaction
    const usable = [...new Set(LIBRARY.map(([s]) => s!).filter((s) => judgeMolecule({ smiles: s }, filter).ok).map((s) => canonicalSmiles(s)))];
    const alone = await Promise.all(usable.map(async (s) => ({ s, mean: (await predict([withSubstance(context, 'aryl_halide', s)])).mean[0]! })));
    const expected = alone.sort((a, b) => b.mean - a.mean).slice(0, 5);
    expect(report.ranked.map((m) => m.smiles)).toEqual(expected.map((e) => e.s));
    report.ranked.forEach((m, k) => expect(m.mean).toBeCloseTo(expected[k]!.mean, 6));
    expect(report.ranked.map((m) => m.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(report.ranked.every((m) => m.sigma > 0)).toBe(true);

    // minimising reverses the order; the optimistic ranking weighs σ in
    const worst = await screenLibrary(readLibrary(smiPath), { role: 'aryl_halide', context, direction: 'minimize', keep: 1, filter, predict });
    expect(worst.ranked[0]!.smiles).toBe(alone.sort((a, b) => a.mean - b.mean)[0]!.s);
    const optimistic = await screenLibrary(readLibrary(smiPath), { role: 'aryl_halide', context, direction: 'maximize', keep: 20, filter, predict, ranking: 'ucb' });
    const ucb = optimistic.ranked.map((m) => m.mean + 2 * m.sigma);
    expect(ucb).toEqual([...ucb].sort((a, b) => b - a));
  });
});

describe("the forward model's product with each of the best", () => {
  it('predicts the product of each ranked molecule in the reaction when the reaction involves the role', async () => {
    // the Buchwald–Hartwig reaction with its fixed amine (p-toluidine) among the substances, as a
    // campaign that lists it would have; the model ignores a substance it was not trained on
    const withAmine: ReactionInput = { ...context, substances: { ...context.substances, amine: 'Cc1ccc(N)cc1' } };
    const setup = {
      settings: { role: 'aryl_halide', context: withAmine, direction: 'maximize' as const, filter: defaultFilter([context.substances.aryl_halide!]), predict, fingerprints: gp.substanceFingerprints },
      reaction: { aryl_halide: 'the best' },
      basis: 'the best training row',
      target: 'yield',
      unit: '%',
      model: { version: 1, kind: 'gp', trainingSize: 60 },
      substances: [{ name: 'the best', smiles: context.substances.aryl_halide! }, { name: 'iodobenzene', smiles: 'Ic1ccccc1' }],
    };
    const report = await screenInCampaign(setup, readLibrary(smiPath), { top: 4, ranking: 'mean', forward: shippedForwardCheck() });
    expect(report.forward?.note).toMatch(/^the top product of each molecule with the reaction's other substances.*\(4 of 4 have one\)$/);
    expect(report.forward?.predicted).toBe(4);
    // the campaign's aryl halide coupled to the amine's nitrogen
    expect(report.forward?.inCampaign).toMatch(/N/);
    const products = report.ranked.map((m) => m.product);
    expect(products.every((p) => typeof p === 'string')).toBe(true);
    expect(new Set(products).size).toBe(4); // each aryl halide gives its own product
    // each is the C–N coupling: the halogen replaced by the amine's nitrogen (4-iodotoluene would give Cc1ccc(Nc2ccc(C)cc2)cc1)
    for (const m of report.ranked) expect(canonicalSmiles(m.product!)).toBe(canonicalSmiles(m.smiles.replace(/Br|Cl|I/, 'N(c9ccc(C)cc9)')));
    expect(rankedCsv(report).split('\n')[0]).toBe('rank,name,smiles,predicted_yield,sigma,heavy_atoms,library_line,forward_product');
  }, 120_000);
});

describe('athanor screen', () => {
  const home = join(scratch, 'home');
  const athanor = athanorCli(home, 120_000);
  let campaignId = '';

  beforeAll(() => {
    campaignId = runBuchwaldHartwig(athanor);
  }, 180_000);

  it('prints the best molecules with predicted yield ± σ and the unusable rows, and writes them as CSV', () => {
    const out = join(scratch, 'best.csv');
    const r = athanor(['screen', campaignId, '--role', 'aryl_halide', '--library', smiPath, '--top', '4', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^14 rows read in [\d.]+ s \([\d,]+\/s\): 10 molecules scored, 1 duplicates, 3 unusable$/m);
    expect(r.stdout).toContain('line 5 (broken): not a molecule');
    expect(r.stdout.match(/^\s+[1-4]  \d+\.\d+ ± \d+\.\d+ %  /gm)).toHaveLength(4);
    expect(r.stdout).toMatch(/^for comparison, .+ \(in the campaign\): \d+\.\d+ ± \d+\.\d+ %$/m);
    // this campaign lists no amine: the forward model's top reaction does not involve the aryl halide, and it says so
    expect(r.stdout).toMatch(/^forward model's products: not applicable: the forward model's top reaction does not involve aryl_halide/m);
    expect(r.stderr).toMatch(/each molecule replaces aryl_halide in the best result so far \(experiment \d+, yield [\d.]+/);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('rank,name,smiles,predicted_yield,sigma,heavy_atoms,library_line');
    expect(csv).toHaveLength(5);

    const json = athanor(['screen', campaignId, '--role', 'aryl_halide', '--library', smiPath, '--top', '2', '--with', 'base=MTBD', '--json', '--quiet']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { reaction: Record<string, string>; ranked: { smiles: string }[]; screened: number };
    expect(report.reaction.base).toBe('MTBD');
    expect(report.ranked).toHaveLength(2);
    expect(report.screened).toBe(10);
  });

  it('refuses a role that is not a substance role, a parameter it does not have and a missing library, with exit code 2', () => {
    const notRole = athanor(['screen', campaignId, '--role', 'temperature', '--library', smiPath]);
    expect(notRole.code).toBe(2);
    expect(notRole.stderr).toContain('--role: "temperature" is not a substance role of this campaign (its roles: ');
    const badWith = athanor(['screen', campaignId, '--role', 'aryl_halide', '--library', smiPath, '--with', 'colour=blue']);
    expect(badWith.code).toBe(2);
    expect(badWith.stderr).toContain('--with: colour: not a parameter of this campaign');
    const missing = athanor(['screen', campaignId, '--role', 'aryl_halide', '--library', join(scratch, 'none.smi')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--library: no such file');
  });
});
