/**
 * Whole campaigns through the real machine, real PGlite, real RDKit and the dataset simulator.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign, summarizeCampaign, type CampaignRunner } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec, type SimulatorLabSpec } from '../src/campaign/index.js';
import {
  countByStatus,
  getCampaign,
  listEvents,
  listExperiments,
  listResults,
  loadSnapshot,
  openDatabase,
  type Database,
} from '../src/db/index.js';
import type { DatasetSimulator } from '../src/lab-adapters/dataset-simulator.js';
import { EXAMPLES, tempHome } from './helpers.js';

let base: CampaignSpec & { lab: SimulatorLabSpec };
let database: Database;
const { home, cleanup } = tempHome();

beforeAll(async () => {
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  if (spec.lab.type !== 'simulator') throw new Error('the example runs on the dataset simulator');
  base = { ...spec, lab: spec.lab };
  database = await openDatabase({ home });
});
afterAll(async () => {
  await database.close();
  cleanup();
});

function variant(patch: { budget?: number; batch?: number; seed?: number; latency?: number; failureRate?: number; goal?: number }): CampaignSpec {
  return {
    ...base,
    seed: patch.seed ?? base.seed,
    budget: { experiments: patch.budget ?? 20, batch: patch.batch ?? 5 },
    objective: { ...base.objective, ...(patch.goal !== undefined ? { goal: patch.goal } : {}) },
    lab: { ...base.lab, latency_ms: patch.latency ?? 0, failure_rate: patch.failureRate ?? 0 },
  };
}

async function start(spec: CampaignSpec): Promise<CampaignRunner> {
  const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
  await runner.start();
  return runner;
}

function waitFor(runner: CampaignRunner, predicate: (state: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    if (predicate(runner.state)) return resolve(runner.state);
    const onState = (state: string) => {
      if (predicate(state)) {
        runner.off('state', onState);
        resolve(state);
      }
    };
    runner.on('state', onState);
  });
}

describe('a campaign on the dataset simulator', () => {
  it('runs its whole budget in batches, each experiment dispatched once, and records everything', async () => {
    const runner = await start(variant({ budget: 20, batch: 5, seed: 7 }));
    const end = await runner.done;
    expect(end).toEqual({ status: 'completed', outcome: 'budget spent' });

    const { db } = database;
    const campaign = await getCampaign(db, runner.campaignId);
    expect(campaign?.status).toBe('completed');
    const experiments = await listExperiments(db, runner.campaignId);
    expect(experiments.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(experiments.map((e) => e.batch))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(experiments.map((e) => e.candidateKey)).size).toBe(20);
    expect(experiments.every((e) => e.status === 'completed' && e.dispatchCount === 1)).toBe(true);
    const lab = runner.runtime.lab as DatasetSimulator;
    expect([...lab.acceptedCounts().values()]).toEqual(Array(20).fill(1));

    const snapshot = await loadSnapshot(db, runner.campaignId);
    expect(snapshot?.state).toBe('completed');
    const types = (await listEvents(db, runner.campaignId)).map((e) => e.type);
    expect(types.filter((t) => t === 'result.stored')).toHaveLength(20);
    expect(types.filter((t) => t === 'batch.planned')).toHaveLength(4);
    expect(types.at(-1)).toBe('campaign.completed');

    const summary = await summarizeCampaign(db, campaign!, runner.runtime.reference);
    expect(summary.experiments).toBe(20);
    expect(summary.bestYield).toBe(Math.max(...summary.bestSoFar.filter((v): v is number => v !== null)));
    // the best yield is a real row of the dataset, found at the experiment the summary names
    const bestRow = experiments.find((e) => e.seq === summary.best?.experiment);
    expect(bestRow?.parameters).toEqual(summary.best?.parameters);
  });

  it('is reproducible: the same seed proposes the same experiments', async () => {
    const a = await start(variant({ budget: 10, seed: 11 }));
    await a.done;
    const b = await start(variant({ budget: 10, seed: 11 }));
    await b.done;
    const keys = async (id: string) => (await listExperiments(database.db, id)).map((e) => e.candidateKey);
    expect(await keys(a.campaignId)).toEqual(await keys(b.campaignId));
  });

  it('never proposes a forbidden combination, with the model driving the later batches', async () => {
    const spec = variant({ budget: 25, batch: 5, seed: 2 });
    const rules: CampaignSpec['space']['forbidden'] = [{ solvent: ['DMAc'] }, { ligand: ['XPhos'], base: ['Cesium acetate'] }];
    const forbidden = { ...spec, space: { ...spec.space, forbidden: rules } };
    const runner = await start(forbidden);
    await runner.done;
    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments).toHaveLength(25);
    expect(experiments.some((e) => e.proposal.strategy.startsWith('bayes-'))).toBe(true);
    for (const e of experiments) {
      expect(e.parameters.solvent).not.toBe('DMAc');
      expect(e.parameters.ligand === 'XPhos' && e.parameters.base === 'Cesium acetate').toBe(false);
    }
    const modelled = experiments.filter((e) => e.proposal.mean !== undefined);
    expect(modelled.length).toBeGreaterThan(0);
    expect(modelled.every((e) => (e.proposal.sigma ?? 0) > 0 && e.proposal.acquisition !== undefined)).toBe(true);
    const types = (await listEvents(database.db, runner.campaignId)).map((e) => e.type);
    expect(types).toContain('model.trained');
  });

  it('ends early once the expected improvement is exhausted (documented rule)', async () => {
    const spec = variant({ budget: 60, batch: 5, seed: 3 });
    // a threshold no expected improvement can reach: the first two model-driven rounds end it
    const runner = await start({ ...spec, planner: { ...spec.planner, stop_when_exhausted: { ei_below: 1e6, rounds: 2 } } });
    const end = await runner.done;
    expect(end.status).toBe('completed');
    expect(end.outcome).toMatch(/^converged: the largest expected improvement stayed below 1000000 for 2 rounds/);
    expect((await countByStatus(database.db, runner.campaignId)).completed).toBe(10); // initial batch + one model batch
  });

  it('asynchronous campaigns propose as soon as a slot frees up, avoiding the experiments in flight', async () => {
    // results a second apart on average (exponential), so they trickle in while the planner works
    // even on a busy machine (at 30 ms a slow planning round saw whole batches back at once)
    const spec = variant({ budget: 12, batch: 4, seed: 6, latency: 1_000 });
    const runner = await start({ ...spec, planner: { ...spec.planner, asynchronous: true } });
    await runner.done;
    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments).toHaveLength(12);
    expect(new Set(experiments.map((e) => e.candidateKey)).size).toBe(12);
    // smaller batches than 4 appear once results trickle in one by one
    const sizes = new Map<number, number>();
    for (const e of experiments) sizes.set(e.batch, (sizes.get(e.batch) ?? 0) + 1);
    expect(Math.min(...sizes.values())).toBeLessThan(4);
  });

  it('stops at the goal before the budget is spent', async () => {
    const runner = await start(variant({ budget: 200, batch: 5, seed: 1, goal: 40 }));
    const end = await runner.done;
    expect(end.status).toBe('completed');
    expect(end.outcome).toMatch(/^goal reached/);
    const counts = await countByStatus(database.db, runner.campaignId);
    expect(counts.completed).toBeLessThan(200);
  });

  it('counts failed experiments against the budget and still finishes', async () => {
    const runner = await start(variant({ budget: 15, batch: 5, seed: 3, failureRate: 0.3 }));
    const end = await runner.done;
    expect(end.status).toBe('completed');
    const counts = await countByStatus(database.db, runner.campaignId);
    expect(counts.failed).toBeGreaterThan(0);
    expect(counts.completed + counts.failed).toBe(15);
    const failed = await listExperiments(database.db, runner.campaignId, ['failed']);
    expect(failed[0]?.failureReason).toMatch(/simulated failure/);
  });

  it('repeats exactly when run again with the same seed: same experiments, failures and noisy results', async () => {
    // experiment ids are random UUIDs, so this holds only if the simulator's draws do not depend on them
    const spec = variant({ budget: 15, batch: 5, seed: 11, failureRate: 0.3 });
    const noisy = { ...spec, lab: { ...spec.lab, noise_sd: 5 } };
    const outline = async (): Promise<string[]> => {
      const runner = await start(noisy);
      expect((await runner.done).status).toBe('completed');
      const values = new Map((await listResults(database.db, runner.campaignId)).map((r) => [r.seq, r.values]));
      return (await listExperiments(database.db, runner.campaignId)).map(
        (e) => `${e.seq} ${e.candidateKey} ${e.status} ${JSON.stringify(values.get(e.seq) ?? null)}`,
      );
    };
    const first = await outline();
    const second = await outline();
    expect(first).toHaveLength(15);
    expect(first.some((line) => line.includes(' failed '))).toBe(true);
    expect(second).toEqual(first);
  });

  it('pauses (planning nothing new), resumes where it was, and finishes', async () => {
    const runner = await start(variant({ budget: 15, batch: 5, seed: 5, latency: 40 }));
    await waitFor(runner, (s) => s === 'running.awaiting');
    await runner.pause('tester');
    expect(runner.state).toBe('paused');
    expect((await getCampaign(database.db, runner.campaignId))?.status).toBe('paused');
    const planned = (await listExperiments(database.db, runner.campaignId)).length;
    await new Promise((r) => setTimeout(r, 400)); // the first batch's results arrive meanwhile
    const afterPause = await listExperiments(database.db, runner.campaignId);
    expect(afterPause.length).toBe(planned);
    expect(afterPause.every((e) => e.status === 'completed')).toBe(true); // results still stored while paused
    await runner.resume('tester');
    expect(runner.state).toMatch(/^running\./);
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    const types = (await listEvents(database.db, runner.campaignId)).map((e) => `${e.type}:${e.actor}`);
    expect(types).toContain('campaign.paused:tester');
    expect(types).toContain('campaign.resumed:tester');
  });

  it('stops on request: in-flight experiments are cancelled and nothing more is planned', async () => {
    // Latencies are exponential (mean one hour here), so a result may still arrive before the stop on
    // a slow machine: every experiment without one must be cancelled, none left in flight.
    const runner = await start(variant({ budget: 50, batch: 5, seed: 9, latency: 3_600_000 }));
    await waitFor(runner, (s) => s === 'running.awaiting');
    await runner.stop('tester', 'enough');
    expect(await runner.done).toEqual({ status: 'stopped', outcome: 'enough' });
    const counts = await countByStatus(database.db, runner.campaignId);
    expect(counts).toMatchObject({ dispatched: 0, planned: 0, running: 0 });
    expect(counts.cancelled).toBeGreaterThanOrEqual(1);
    expect(counts.cancelled + counts.completed).toBe(5);
    expect((await getCampaign(database.db, runner.campaignId))?.status).toBe('stopped');
  });
});
