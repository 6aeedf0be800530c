/**
 * What planning knows when it plans, through the real loop (openCampaign, the XState machine, the
 * retraining policy, PGlite, RDKit and the dataset simulator): the model a batch is planned with
 * has every result stored before planning started, its predictions stay within the objective's
 * bounds, and spaces with "none" choices run and propose them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign, type CampaignRunner } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec, type SimulatorLabSpec } from '../src/campaign/index.js';
import { listEvents, listExperiments, openDatabase, type Database } from '../src/db/index.js';
import { EXAMPLES, tempHome } from './helpers.js';

let base: CampaignSpec & { lab: SimulatorLabSpec };
let database: Database;
const { home, cleanup } = tempHome();

beforeAll(async () => {
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  if (spec.lab.type !== 'simulator') throw new Error('the example runs on the dataset simulator');
  base = { ...spec, lab: spec.lab };
  database = await openDatabase({ home });
}, 300_000); // a fresh PGlite runs every migration: minutes on a busy machine
afterAll(async () => {
  await database.close();
  cleanup();
});

async function run(spec: CampaignSpec): Promise<CampaignRunner> {
  const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
  await runner.start();
  const end = await runner.done;
  expect(end).toEqual({ status: 'completed', outcome: 'budget spent' });
  return runner;
}

async function eventsOf(campaignId: string, type: string): Promise<Record<string, unknown>[]> {
  return (await listEvents(database.db, campaignId, 0, 10_000)).filter((e) => e.type === type).map((e) => e.payload as Record<string, unknown>);
}

describe('planning with the model', () => {
  it('plans every model batch with a model trained on every result stored before planning', { timeout: 600_000 }, async () => {
    // The simulator answers at once: the rest of a batch lands while the model fits on its first
    // results, which is when a planner that did not look again used a model of two.
    for (const seed of [1, 2, 3]) {
      const runner = await run({ ...base, seed, budget: { experiments: 20, batch: 5 }, lab: { ...base.lab, latency_ms: 0 } });
      const experiments = await listExperiments(database.db, runner.campaignId);
      const trained = new Map((await eventsOf(runner.campaignId, 'model.trained')).map((p) => [p.version as number, p.trainingSize as number]));
      const planned = (await eventsOf(runner.campaignId, 'batch.planned')).filter((p) => p.modelVersion !== undefined);
      // budget 20, batch 5: the diverse design, then three batches the model plans
      expect(planned.map((p) => p.batch)).toEqual([2, 3, 4]);
      for (const p of planned) {
        // a synchronous campaign plans a batch once the whole previous one is back: all of it is stored
        const before = experiments.filter((e) => e.batch < (p.batch as number) && e.status === 'completed').length;
        expect(before).toBe(((p.batch as number) - 1) * 5);
        expect({ seed, batch: p.batch, trainedOn: trained.get(p.modelVersion as number) }).toEqual({ seed, batch: p.batch, trainedOn: before });
        expect(p.modelTrainingSize).toBe(before);
        expect(p.resultsAvailable).toBe(before);
        expect(p.modelBehind).toBeUndefined();
      }
      // predictions held to the objective's bounds [0, 100]
      for (const e of experiments.filter((x) => x.proposal.mean !== undefined)) {
        expect(e.proposal.mean!).toBeGreaterThanOrEqual(0);
        expect(e.proposal.mean!).toBeLessThanOrEqual(100);
        expect(e.proposal.sigma!).toBeLessThanOrEqual(50);
      }
    }
  });

  it('says why when the retraining policy leaves results out of the model', { timeout: 600_000 }, async () => {
    // retrain only after 10 new results: the first fit (on the first two results) stays in use
    const spec: CampaignSpec = {
      ...base,
      seed: 4,
      budget: { experiments: 15, batch: 5 },
      planner: { ...base.planner, retraining: { every_results: 10 } } as CampaignSpec['planner'],
    };
    const runner = await run(spec);
    const planned = (await eventsOf(runner.campaignId, 'batch.planned')).filter((p) => p.modelVersion !== undefined);
    expect(planned.map((p) => [p.batch, p.modelTrainingSize, p.resultsAvailable])).toEqual([
      [2, 2, 5],
      [3, 2, 10],
    ]);
    expect(planned.map((p) => p.modelBehind)).toEqual(['3 new result(s), waiting for 10', '8 new result(s), waiting for 10']);
  });
});

describe('a space with "none" choices', () => {
  it('runs through the loop and proposes the empty choice of each role that has one', { timeout: 600_000 }, async () => {
    const dir = tempHome('athanor-none-');
    try {
      // 3 additives (one none) x 3 bases (one none) x 3 temperatures; the best reaction has no additive
      const additives: Record<string, string> = { none: '', pyridine: 'c1ccncc1', 'acetic acid': 'CC(=O)O' };
      const bases: Record<string, string> = { none: '', 'potassium carbonate': 'O=C([O-])[O-].[K+].[K+]', triethylamine: 'CCN(CC)CC' };
      const rows = ['additive,base,temperature,yield'];
      let k = 0;
      for (const [a, as] of Object.entries(additives)) {
        for (const [b, bs] of Object.entries(bases)) {
          for (const t of [40, 60, 80]) rows.push(`${as},${bs},${t},${(a === 'none' ? 60 : 20) + (b === 'none' ? 0 : 15) + t / 10 + (k++ % 3)}`);
        }
      }
      writeFileSync(join(dir.home, 'data.csv'), `${rows.join('\n')}\n`);
      const yamlOf = (choices: Record<string, string>) => Object.entries(choices).map(([n, s]) => `      ${JSON.stringify(n)}: '${s}'`).join('\n');
      writeFileSync(
        join(dir.home, 'campaign.yaml'),
        [
          'name: none choices',
          'objective: { target: yield, direction: maximize, bounds: [0, 100] }',
          'space:',
          '  substances:',
          '    additive:',
          yamlOf(additives),
          '    base:',
          yamlOf(bases),
          '  numeric:',
          '    temperature: { values: [40, 60, 80] }',
          'budget: { experiments: 12, batch: 3 }',
          'seed: 5',
          'lab:',
          '  type: simulator',
          '  dataset: data.csv',
          '  columns: { additive: additive, base: base, temperature: temperature }',
          '  results: { yield: yield }',
          '',
        ].join('\n'),
      );
      const { spec } = await loadCampaignFile(join(dir.home, 'campaign.yaml'));
      const runner = await run(spec);
      const experiments = await listExperiments(database.db, runner.campaignId);
      expect(experiments).toHaveLength(12);
      expect(experiments.every((e) => e.status === 'completed')).toBe(true);
      const modelled = experiments.filter((e) => e.proposal.strategy.startsWith('bayes-'));
      expect(modelled.length).toBeGreaterThan(0);
      // the empty choice of each role is proposed and sent to the lab as ''
      for (const role of ['additive', 'base']) {
        expect(experiments.some((e) => e.parameters[role] === 'none' && e.substances[role] === '')).toBe(true);
      }
      // and the model goes for the best region, which has no additive
      expect(modelled.filter((e) => e.parameters.additive === 'none').length).toBeGreaterThanOrEqual(modelled.length / 2);
    } finally {
      dir.cleanup();
    }
  });
});
