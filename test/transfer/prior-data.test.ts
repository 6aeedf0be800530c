// Prior data end to end on real PGlite, RDKit and the dataset simulator (docs/transfer.md): a CSV of
// historical Buchwald–Hartwig plates for other aryl halides, mapped onto a campaign that runs one;
// rows that do not map are reported with their line and the rest imported; prior rows are stored
// apart, never counted against the budget, excludable; a same-task prior is never re-proposed;
// bad sources are errors naming the field. Data: examples/data/buchwald_hartwig_3955.csv (Ahneman
// et al., Science 2018, in the repository with its attribution in examples/data/README.md).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign, summarizePrior } from '../../src/agent/index.js';
import { priorSection } from '../../src/server/panel/prior-section.js';
import { CampaignSpecError, loadCampaignFile, type CampaignSpec } from '../../src/campaign/index.js';
import { listEvents, listExperiments, listModelVersions, listPriorResults, listUsablePriorResults, openDatabase, setPriorExclusion, type Database } from '../../src/db/index.js';
import { sourcedShare } from '../../src/planner/bayesian-recommender.js';
import { readCsv, type CsvRow } from '../../src/util/csv.js';
import { EXAMPLES, tempHome } from '../helpers.js';

const TARGET = 'FC(F)(F)c1ccc(Br)cc1';
const SOURCES = ['FC(F)(F)c1ccc(I)cc1', 'FC(F)(F)c1ccc(Cl)cc1'];
let base: CampaignSpec;
let rows: CsvRow[];
let header: string[];
let database: Database;
const folder = mkdtempSync(join(tmpdir(), 'athanor-prior-'));
const { home, cleanup } = tempHome();

function csv(lines: CsvRow[], extra: string[] = []): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header.join(','), ...lines.map((r) => header.map((h) => quote(r[h] ?? '')).join(',')), ...extra].join('\n') + '\n';
}

beforeAll(async () => {
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'buchwald-hartwig.yaml'));
  ({ header, rows } = await readCsv(join(EXAMPLES, 'data', 'buchwald_hartwig_3955.csv')));
  const targetRows = rows.filter((r) => r.aryl_halide_smiles === TARGET);
  const additives = [...new Set(targetRows.map((r) => r.additive_smiles!))].slice(0, 6);
  const pick = (role: string, smiles: string[]) => Object.fromEntries(Object.entries(spec.space.substances[role]!).filter(([, s]) => smiles.includes(s)));
  const { scope: _scope, ...space } = spec.space;
  base = {
    ...spec,
    space: { ...space, substances: { ...spec.space.substances, aryl_halide: pick('aryl_halide', [TARGET]), additive: pick('additive', additives) } },
    budget: { experiments: 6, batch: 3 },
    dataFolders: [EXAMPLES, folder],
  };
  // the plates of the two other aryl halides of the same arene, and three rows that cannot be used
  const sourceRows = rows.filter((r) => SOURCES.includes(r.aryl_halide_smiles!));
  const bad = [
    { ...sourceRows[0]!, ligand_smiles: 'CCCCP(CCCC)CCCC' }, // a ligand the space does not have
    { ...sourceRows[1]!, yield: '150' }, // outside the objective's bounds [0, 100]
    { ...sourceRows[2]!, yield: 'n.d.' }, // not a number
  ];
  writeFileSync(join(folder, 'plates.csv'), csv([...sourceRows, ...bad]));
  writeFileSync(join(folder, 'same.csv'), csv(targetRows.filter((r) => additives.includes(r.additive_smiles!)).slice(0, 10)));
  writeFileSync(join(folder, 'nothing.csv'), csv(sourceRows.slice(0, 3).map((r) => ({ ...r, ligand_smiles: 'CCCCP(CCCC)CCCC' }))));
  database = await openDatabase({ home });
}, 60_000);
afterAll(async () => {
  await database.close();
  cleanup();
  rmSync(folder, { recursive: true, force: true });
});

const columns = { ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };

describe('prior data', () => {
  it('imports a related-task CSV (each unmatched row reported), runs on the simulator without spending budget on it, and can exclude rows', async () => {
    const spec: CampaignSpec = {
      ...base,
      planner: { ...base.planner, model: { substance_kernel: 'morgan', hyper_samples: 0, transfer: 'multitask' } },
      prior: [{ name: 'other halides', file: join(folder, 'plates.csv'), columns, results: { yield: 'yield' }, task: 'related', task_column: 'aryl_halide_smiles' }],
    };
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    const { db } = database;
    const prior = await listPriorResults(db, runner.campaignId);
    const sourceRows = rows.filter((r) => SOURCES.includes(r.aryl_halide_smiles!));
    const additives = new Set(Object.values(base.space.substances.additive!));
    const mappable = sourceRows.filter((r) => additives.has(r.additive_smiles!));
    expect(prior).toHaveLength(mappable.length);
    expect(new Set(prior.map((p) => p.sourceName))).toEqual(new Set(SOURCES.map((s) => `other halides (${s})`)));
    expect(prior.every((p) => p.task === 'related' && p.parameters.aryl_halide !== undefined)).toBe(true);
    // every row left out is reported with its line, the three bad ones with why
    const imported = (await listEvents(db, runner.campaignId)).filter((e) => e.type === 'prior.imported');
    const problems = imported.flatMap((e) => e.payload.problems as { origin: number; reason: string }[]);
    expect(problems).toHaveLength(sourceRows.length - mappable.length + 3);
    const last = sourceRows.length + 1; // the bad rows are the file's last three lines (header = line 1)
    expect(problems.find((p) => p.origin === last + 1)?.reason).toMatch(/"ligand_smiles" .* matches no choice of "ligand"/);
    expect(problems.find((p) => p.origin === last + 2)?.reason).toMatch(/yield 150 is outside the objective's bounds \[0, 100\]/);
    expect(problems.find((p) => p.origin === last + 3)?.reason).toMatch(/yield "n.d." is not a number/);

    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    const experiments = await listExperiments(db, runner.campaignId);
    expect(experiments).toHaveLength(6); // the budget is the campaign's own experiments
    // the first batch: as much of it from the sources as they agree beyond chance, planned by the
    // model, the rest space-filling
    const versions = await listModelVersions(db, runner.campaignId);
    const firstModel = versions.reduce((a, b) => (a.version < b.version ? a : b));
    const agreement = firstModel.metrics.source_agreement;
    expect(agreement).toBeGreaterThanOrEqual(0);
    expect(agreement).toBeLessThanOrEqual(1);
    const first = experiments.filter((e) => e.batch === 1);
    const fromSources = first.filter((e) => /planned from prior data of related tasks/.test(e.proposal.reason));
    expect(fromSources).toHaveLength(sourcedShare(agreement, first.length));
    expect(fromSources.every((e) => e.proposal.strategy.startsWith('bayes'))).toBe(true);
    expect(first.length - fromSources.length).toBeGreaterThanOrEqual(1);
    const newest = versions.at(-1)!;
    expect(newest.kind).toBe('gp-multitask');
    for (const s of SOURCES) expect(Math.abs(newest.metrics[`task_correlation:other halides (${s})`]!)).toBeLessThanOrEqual(1);

    const excluded = await setPriorExclusion(db, runner.campaignId, 1, 'plate 1 was contaminated', 'test');
    expect(excluded.changed).toBe(true);
    expect((await listUsablePriorResults(db, runner.campaignId)).length).toBe(prior.length - 1);
    expect((await listPriorResults(db, runner.campaignId))[0]!.excludedReason).toBe('plate 1 was contaminated');
    expect((await setPriorExclusion(db, runner.campaignId, 1, null, 'test')).changed).toBe(true);
  }, 180_000);

  it('by default (planner.model.transfer: ranking-ensemble), weighs each source by how it ranks the campaign\'s results; the summary and the panel show the weights', async () => {
    const spec: CampaignSpec = {
      ...base,
      name: 'ranking ensemble',
      seed: 5,
      prior: [{ name: 'other halides', file: join(folder, 'plates.csv'), columns, results: { yield: 'yield' }, task: 'related', task_column: 'aryl_halide_smiles' }],
    };
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    expect(await listExperiments(database.db, runner.campaignId)).toHaveLength(6);
    const newest = (await listModelVersions(database.db, runner.campaignId)).reduce((a, b) => (a.version > b.version ? a : b));
    expect(newest.kind).toBe('gp-ranking-ensemble');
    const summary = await summarizePrior(database.db, runner.campaignId);
    expect(summary.modelVersion).toBe(newest.version);
    const weights = summary.sources.map((s) => s.weight!);
    for (const w of weights) expect(w).toBeGreaterThanOrEqual(0);
    expect(weights.reduce((a, b) => a + b, 0) + summary.ownWeight!).toBeCloseTo(1, 9);
    const section = String(priorSection(summary));
    expect(section).toMatch(/w \d\.\d\d/);
    expect(section).toMatch(/ranking-weighted ensemble: how often each source ranks the campaign(?:'|&#39;)s own results best; the campaign(?:'|&#39;)s own model has \d\.\d\d/);
  }, 180_000);

  it('same-task prior rows join the results: the campaign never proposes them again', async () => {
    const spec: CampaignSpec = { ...base, seed: 3, prior: [{ file: join(folder, 'same.csv'), columns: { ...columns, aryl_halide: 'aryl_halide_smiles' }, results: { yield: 'yield' }, task: 'same' }] };
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    const prior = await listPriorResults(database.db, runner.campaignId);
    expect(prior).toHaveLength(10);
    await runner.start();
    await runner.done;
    const proposed = (await listExperiments(database.db, runner.campaignId)).map((e) => e.candidateKey);
    expect(proposed).toHaveLength(6);
    for (const p of prior) expect(proposed).not.toContain(p.candidateKey);
    // with ten results already, the model plans from the first batch on
    const first = (await listExperiments(database.db, runner.campaignId)).filter((e) => e.batch === 1);
    expect(first.every((e) => e.proposal.strategy.startsWith('bayes'))).toBe(true);
  }, 180_000);

  it('refuses a source none of whose rows maps, a missing column, and a source campaign with another objective', async () => {
    const open = (prior: CampaignSpec['prior']) => openCampaign(database.db, { spec: { ...base, prior }, source: '', home, actor: 'test' });
    await expect(open([{ file: join(folder, 'nothing.csv'), columns, results: { yield: 'yield' }, task: 'related' }])).rejects.toThrow(/prior\[0\].*none of the rows .* maps onto this campaign's space \(3 rows: line 2: "ligand_smiles"/);
    await expect(open([{ file: join(folder, 'plates.csv'), columns: { ...columns, ligand: 'Ligand' }, results: { yield: 'yield' }, task: 'related' }])).rejects.toThrow(/prior\[0\]\.columns\.ligand.*column "Ligand" is not in the header/);
    await expect(open([{ file: join(EXAMPLES, '..', 'package.json'), columns, results: { yield: 'yield' }, task: 'related' }])).rejects.toBeInstanceOf(CampaignSpecError);
    const other = { ...base, name: 'minimising one', objective: { ...base.objective, direction: 'minimize' as const } };
    const { campaign } = await openCampaign(database.db, { spec: other, source: '', home, actor: 'test' });
    await expect(open([{ campaign: campaign.id, task: 'same' }])).rejects.toThrow(/prior\[0\]\.campaign.*has another objective \(minimize yield; this campaign: maximize yield\)/);
  }, 120_000);
});
