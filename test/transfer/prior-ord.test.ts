// Open Reaction Database datasets as prior data: a campaign's results written as an ORD Dataset
// (the export's own format, .pb.gz), then read back as the prior data of a new campaign on real
// PGlite and RDKit: every reaction lands on the candidate it was, with its yield; the flattened
// table names its columns for the prior entry to map. Data: examples/data/direct_arylation.csv
// (Shields et al., Nature 2021; attribution in examples/data/README.md).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measuredQuantities, openCampaign } from '../../src/agent/index.js';
import { canonicalSmiles, initChem } from '../../src/chem/index.js';
import { CampaignSpecError, loadCampaignFile, specParameters, type CampaignSpec } from '../../src/campaign/index.js';
import { listPriorResults, openDatabase, type Database } from '../../src/db/index.js';
import { encodeOrd, ordDataset, type OrdExperiment } from '../../src/export/ord/index.js';
import { readOrdTable } from '../../src/export/ord/table.js';
import { readCsv, type CsvRow } from '../../src/util/csv.js';
import { EXAMPLES, exampleChoiceName, tempHome } from '../helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'athanor-prior-ord-'));
const { home, cleanup } = tempHome();
let spec: CampaignSpec;
let database: Database;
let source: CsvRow[];

beforeAll(async () => {
  await initChem();
  ({ spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml')));
  const { rows } = await readCsv(join(EXAMPLES, 'data', 'direct_arylation.csv'));
  // 24 earlier experiments at 120 °C, as another lab would have run them
  source = rows.filter((r) => r.Temp_C === '120').slice(0, 24);
  const experiments: OrdExperiment[] = source.map((r, i) => ({
    id: randomUUID(),
    seq: i + 1,
    parameters: { base: r.Base!, ligand: exampleChoiceName(r.Ligand!), solvent: exampleChoiceName(r.Solvent!), concentration: Number(r.Concentration), temperature: 120 },
    smiles: { base: canonicalSmiles(r.Base_SMILES!), ligand: canonicalSmiles(r.Ligand_SMILES!), solvent: canonicalSmiles(r.Solvent_SMILES!) },
    values: { yield: Number(r.yield) },
    excludedReason: null,
    dispatchedAt: new Date('2026-11-01T09:00:00Z'),
    resultStoredAt: new Date('2026-11-01T17:00:00Z'),
  }));
  const campaign = { id: randomUUID(), name: 'Plates at 120 °C', spec, parameters: specParameters(spec), quantities: measuredQuantities(spec) };
  const dataset = ordDataset(campaign, experiments, { email: 'ada@example.org', name: 'Ada' });
  writeFileSync(join(folder, 'plates.ord.pb.gz'), encodeOrd(dataset, 'pb.gz'));
  writeFileSync(join(folder, 'plates.ord.json'), encodeOrd(dataset, 'json'));
  database = await openDatabase({ home });
}, 60_000);
afterAll(async () => {
  await database?.close();
  cleanup();
  rmSync(folder, { recursive: true, force: true });
});

describe('an ORD dataset as prior data', () => {
  it('reads as a table of its reactions: input SMILES by key and by role, temperature in °C, yield, metadata', async () => {
    const { header, rows } = await readOrdTable(join(folder, 'plates.ord.pb.gz'));
    expect(header).toEqual(expect.arrayContaining(['reaction_id', 'base', 'ligand', 'solvent', 'ligand name', 'CATALYST', 'SOLVENT', 'REAGENT', 'temperature', 'yield', 'concentration']));
    expect(rows).toHaveLength(24);
    rows.forEach((row, i) => {
      expect(row.ligand).toBe(canonicalSmiles(source[i]!.Ligand_SMILES!));
      expect(row.CATALYST).toBe(row.ligand);
      expect(Number(row.temperature)).toBe(120);
      expect(Number(row.concentration)).toBe(Number(source[i]!.Concentration));
      expect(Number(row.yield)).toBe(Number(source[i]!.yield));
    });
    expect(await readOrdTable(join(folder, 'plates.ord.json'))).toEqual({ header, rows });
  });

  it('lands every reaction on its candidate with its yield, as a same-task prior of a new campaign', async () => {
    const columns = { base: 'base', ligand: 'ligand', solvent: 'solvent', concentration: 'concentration', temperature: 'temperature' };
    const withPrior: CampaignSpec = { ...spec, dataFolders: [EXAMPLES, folder], prior: [{ name: 'plates', file: join(folder, 'plates.ord.pb.gz'), columns, results: { yield: 'yield' }, task: 'same' }] };
    const { runner } = await openCampaign(database.db, { spec: withPrior, source: '', home, actor: 'test' });
    const prior = await listPriorResults(database.db, runner.campaignId);
    expect(prior).toHaveLength(24);
    for (const [i, row] of source.entries()) {
      const found = prior.find((p) => p.origin === i + 2)!;
      expect(found.parameters).toEqual({ base: row.Base, ligand: exampleChoiceName(row.Ligand!), solvent: exampleChoiceName(row.Solvent!), concentration: Number(row.Concentration), temperature: 120 });
      expect(found.values.yield).toBe(Number(row.yield));
    }
  });

  it('a column the dataset does not have is an error naming the field and the columns it has', async () => {
    const bad: CampaignSpec = { ...spec, dataFolders: [EXAMPLES, folder], prior: [{ file: join(folder, 'plates.ord.pb.gz'), columns: { base: 'base', ligand: 'ligand', solvent: 'solvent', concentration: 'concentration', temperature: 'temp' }, results: { yield: 'yield' }, task: 'same' }] };
    const error = await openCampaign(database.db, { spec: bad, source: '', home, actor: 'test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignSpecError);
    expect(String((error as Error).message)).toMatch(/prior\[0\]\.columns\.temperature.*column "temp" is not in the header.*temperature/);
    writeFileSync(join(folder, 'broken.pb.gz'), 'not a dataset');
    const broken = await openCampaign(database.db, { spec: { ...bad, prior: [{ ...bad.prior![0]!, file: join(folder, 'broken.pb.gz') }] }, source: '', home, actor: 'test' }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(CampaignSpecError);
    expect(String((broken as Error).message)).toMatch(/prior\[0\]\.file.*not an Open Reaction Database Dataset/);
  });
});
