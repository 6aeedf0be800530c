/**
 * One molecule under two names in one role (a solvent at two volume ratios, a base from two
 * suppliers), as real datasets have it: the campaign accepts it with a warning, the model tells
 * the two apart, and a campaign over such a space runs through the real loop (PGlite, RDKit, the
 * dataset simulator) and through `athanor run`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign } from '../src/agent/index.js';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { CampaignSpecError, loadCampaignFile, substanceWarnings } from '../src/campaign/index.js';
import { listExperiments, openDatabase, type Database } from '../src/db/index.js';
import { GaussianProcessSurrogate, initTensorBackend, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { ROOT, tempHome } from './helpers.js';

const { home, cleanup } = tempHome('athanor-twins-');
let database: Database;

beforeAll(async () => {
  await initTensorBackend({ log: null });
  database = await openDatabase({ home: join(home, 'db') });
}, 300_000); // a fresh PGlite runs every migration: minutes on a busy machine
afterAll(async () => {
  await database.close();
  cleanup();
});

const SOLVENTS: Record<string, string> = { 'DMAc 1:1': 'CC(=O)N(C)C', 'DMAc 4:1': 'CN(C)C(C)=O', toluene: 'Cc1ccccc1', MeCN: 'CC#N' };
const BASES: Record<string, string> = { 'K2CO3 (Aldrich)': 'O=C([O-])[O-].[K+].[K+]', 'K2CO3 (Acros)': 'O=C([O-])[O-].[K+].[K+]', Et3N: 'CCN(CC)CC' };
const TEMPERATURES = [40, 60, 80, 100];

/** The 4:1 mixture and Acros' base work far better than their twins: only the names say which is which. */
function truth(solvent: string, base: string, t: number): number {
  return (solvent === 'DMAc 4:1' ? 55 : solvent === 'DMAc 1:1' ? 15 : 25) + (base === 'K2CO3 (Acros)' ? 25 : base === 'Et3N' ? 10 : 2) + t / 20;
}

function writeCampaign(dir: string): string {
  const rows = ['solvent,base,temperature,yield'];
  for (const s of Object.keys(SOLVENTS)) for (const b of Object.keys(BASES)) for (const t of TEMPERATURES) rows.push(`${s},${b},${t},${truth(s, b, t)}`);
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  const block = (choices: Record<string, string>) => Object.entries(choices).map(([n, s]) => `      ${JSON.stringify(n)}: '${s}'`).join('\n');
  const file = join(dir, 'campaign.yaml');
  writeFileSync(
    file,
    [
      'name: twins',
      'objective: { target: yield, direction: maximize, bounds: [0, 100] }',
      'space:',
      '  substances:',
      '    solvent:',
      block(SOLVENTS),
      '    base:',
      block(BASES),
      '  numeric:',
      `    temperature: { values: [${TEMPERATURES.join(', ')}] }`,
      'budget: { experiments: 15, batch: 3 }',
      'seed: 3',
      'lab:',
      '  type: simulator',
      '  dataset: data.csv',
      '  columns: { solvent: solvent, base: base, temperature: temperature }',
      '  results: { yield: yield }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('two choices of one role that are one molecule', () => {
  it('are accepted with a warning naming both; two "none" choices are still an error', async () => {
    const dir = tempHome('athanor-twins-file-');
    try {
      const file = writeCampaign(dir.home);
      const { spec } = await loadCampaignFile(file);
      const warnings = substanceWarnings(spec);
      expect(warnings.map((w) => w.path)).toEqual(['space.substances.solvent.DMAc 4:1', 'space.substances.base.K2CO3 (Acros)']);
      expect(warnings[0]!.message).toMatch(/^same molecule as "DMAc 1:1" \(CC\(=O\)N\(C\)C\): kept as a separate choice/);
      const space = await buildSpace(spec);
      expect(space.size).toBe(4 * 3 * 4);

      const noneTwice = join(dir.home, 'none.yaml');
      writeFileSync(noneTwice, readFileSync(file, 'utf8').replace(`      "MeCN": 'CC#N'`, `      "none": ''\n      "nothing": ''`));
      const error = await loadCampaignFile(noneTwice).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CampaignSpecError);
      expect((error as CampaignSpecError).issues.map((i) => i.message)).toContain('"none" already stands for no solvent');
    } finally {
      dir.cleanup();
    }
  });

  it('are told apart by the model when their results differ', async () => {
    const dir = tempHome('athanor-twins-gp-');
    try {
      const { spec } = await loadCampaignFile(writeCampaign(dir.home));
      const space = await buildSpace(spec);
      const candidates = Array.from({ length: space.size }, (_, i) => i);
      const valueOf = (i: number) => {
        const v = space.valuesOf(i);
        return truth(String(v.solvent), String(v.base), Number(v.temperature));
      };
      // half of the space, every other candidate: the rest is predicted
      const train = candidates.filter((i) => i % 2 === 0);
      const test = candidates.filter((i) => i % 2 === 1);
      const model = new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] }));
      await model.fit({ inputs: train.map((i) => reactionInputOf(space, i)), targets: { yield: train.map(valueOf) } }, { seed: 1 });
      const predicted = (await model.predict(test.map((i) => reactionInputOf(space, i)))).yield!;
      const meanWhere = (role: string, choice: string) => {
        const picked = test.flatMap((i, k) => (space.valuesOf(i)[role] === choice ? [predicted.mean[k]!] : []));
        return picked.reduce((a, b) => a + b, 0) / picked.length;
      };
      // the twins' true gaps are 40 (solvent) and 23 (base); one SMILES alone would predict no gap
      expect(meanWhere('solvent', 'DMAc 4:1') - meanWhere('solvent', 'DMAc 1:1')).toBeGreaterThan(20);
      expect(meanWhere('base', 'K2CO3 (Acros)') - meanWhere('base', 'K2CO3 (Aldrich)')).toBeGreaterThan(10);
    } finally {
      dir.cleanup();
    }
  });

  it('run through the loop, which proposes both twins and finds the better one', { timeout: 600_000 }, async () => {
    const dir = tempHome('athanor-twins-loop-');
    try {
      const { spec } = await loadCampaignFile(writeCampaign(dir.home));
      const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
      await runner.start();
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      const experiments = await listExperiments(database.db, runner.campaignId);
      expect(experiments).toHaveLength(15);
      expect(experiments.every((e) => e.status === 'completed')).toBe(true);
      const solvents = new Set(experiments.map((e) => e.parameters.solvent));
      expect(solvents.has('DMAc 1:1') && solvents.has('DMAc 4:1')).toBe(true);
      // the twins reach the lab with their shared SMILES, and the results are stored by name
      const twin = experiments.find((e) => e.parameters.solvent === 'DMAc 4:1')!;
      expect(twin.substances.solvent).toBe('CC(=O)N(C)C');
      const modelled = experiments.filter((e) => e.proposal.strategy.startsWith('bayes-'));
      expect(modelled.length).toBeGreaterThan(0);
      expect(modelled.filter((e) => e.parameters.solvent === 'DMAc 4:1').length).toBeGreaterThanOrEqual(modelled.length / 2);
    } finally {
      dir.cleanup();
    }
  });

  it('`athanor run` prints the warning and runs the campaign', { timeout: 600_000 }, () => {
    const dir = tempHome('athanor-twins-cli-');
    try {
      const file = writeCampaign(dir.home);
      const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'athanor.js'), 'run', file, '--budget', '3', '--json', '--home', join(dir.home, 'home')], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('warning: space.substances.solvent.DMAc 4:1: same molecule as "DMAc 1:1"');
      expect(result.stderr).toContain('warning: space.substances.base.K2CO3 (Acros): same molecule as "K2CO3 (Aldrich)"');
    } finally {
      dir.cleanup();
    }
  });
});
