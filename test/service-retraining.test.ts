/**
 * Continuous retraining: the policy's decisions, fits on a worker thread giving the very model a
 * fit on this thread gives, and a campaign retraining after every k results (warm starts, a full
 * retrain every n versions) and on a timer.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildSpace,
  createNewCampaign,
  decideRetraining,
  DEFAULT_RETRAINING_POLICY,
  MainThreadTrainer,
  retrainingPolicyFor,
  runnerFor,
  SurrogateCampaignModel,
  WorkerTrainingPool,
  type CampaignModelOptions,
  type SurrogateTrainer,
} from '../src/agent/index.js';
import { campaignSpecSchema, loadCampaignFile } from '../src/campaign/index.js';
import { latestEventPayloads, openDatabase } from '../src/db/index.js';
import { loadSurrogate, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { EXAMPLES, simulatorLab, tempHome } from './helpers.js';

const { home, cleanup } = tempHome('athanor-retrain-');
const pool = new WorkerTrainingPool(1);
afterAll(async () => {
  await pool.close();
  cleanup();
});

describe('the retraining policy', () => {
  const policy = { everyResults: 3, fullEvery: 3, waitSeconds: 60 };
  const facts = (available: number, current?: number, warmSinceFull = 0) => ({
    available,
    fingerprint: `set-${available}`,
    warmSinceFull,
    ...(current !== undefined ? { current: { size: current, fingerprint: `set-${current}` } } : {}),
  });

  it('waits for k new results, trains fully first and every n-th version, warm otherwise', () => {
    expect(decideRetraining(policy, facts(1), 'results')).toMatchObject({ train: false });
    expect(decideRetraining(policy, facts(2), 'results')).toMatchObject({ train: true, mode: 'full' });
    expect(decideRetraining(policy, facts(4, 2), 'results')).toMatchObject({ train: false });
    expect(decideRetraining(policy, facts(5, 2), 'results')).toMatchObject({ train: true, mode: 'warm' });
    expect(decideRetraining(policy, facts(8, 5, 2), 'results')).toMatchObject({ train: true, mode: 'full' });
    expect(decideRetraining(policy, facts(5, 5), 'results')).toMatchObject({ train: false }); // nothing new
  });

  it('retrains at once when the set changed without growing (an exclusion), and on the timer below k', () => {
    expect(decideRetraining(policy, { available: 5, fingerprint: 'other', warmSinceFull: 0, current: { size: 5, fingerprint: 'set-5' } }, 'results')).toMatchObject({ train: true });
    expect(decideRetraining(policy, facts(4, 2), 'timer')).toMatchObject({ train: true, mode: 'warm' });
  });

  it("takes a campaign's own planner.retraining settings over the service's, ignoring invalid ones", () => {
    const service = { everyResults: 2, fullEvery: 4, waitSeconds: 60 };
    expect(retrainingPolicyFor({ retraining: { every_results: 5, every_seconds: 30, wait_seconds: 0 } }, service)).toEqual({ everyResults: 5, everySeconds: 30, fullEvery: 4, waitSeconds: 0 });
    expect(retrainingPolicyFor({ retraining: { every_results: -1, full_every: 2.5 } }, service)).toEqual(service);
    expect(retrainingPolicyFor({}, service)).toEqual(service);
  });

  it('is a field of the campaign file, checked like the rest of it', () => {
    const planner = campaignSpecSchema.shape.planner;
    const parsed = planner.parse({ retraining: { every_results: 4, wait_seconds: 0 } });
    expect(retrainingPolicyFor(parsed, DEFAULT_RETRAINING_POLICY)).toEqual({ ...DEFAULT_RETRAINING_POLICY, everyResults: 4, waitSeconds: 0 });
    expect(planner.safeParse({ retraining: { every_result: 4 } }).success).toBe(false); // a typo
    expect(planner.safeParse({ retraining: { full_every: 0 } }).success).toBe(false);
  });
});

describe('fits on a worker thread', () => {
  it('give the same model as a fit on this thread, warm starts included', async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    const space = await buildSpace(spec);
    const schema = schemaFromSpace(space, ['yield']);
    const inputs = Array.from({ length: 12 }, (_, i) => reactionInputOf(space, i * 97));
    const request = { schema, data: { inputs, targets: { yield: inputs.map((_, i) => (i * 37) % 89) } }, seed: 3 };
    const [inWorker, here] = await Promise.all([pool.fit(request), new MainThreadTrainer().fit(request)]);
    expect(inWorker.saved.kind).toBe(here.saved.kind);
    const warm = await pool.fit({ ...request, warmStart: inWorker.saved });
    expect(warm.warmStarted).toBe(true);
    const probe = inputs.slice(0, 4);
    const a = await (await loadSurrogate(schema, inWorker.saved)).predict(probe);
    const b = await (await loadSurrogate(schema, here.saved)).predict(probe);
    expect(Array.from(a.yield?.mean ?? [])).toEqual(Array.from(b.yield?.mean ?? []));
  });
});

describe('a campaign under a retraining policy', () => {
  async function run(name: string, latencyMs: number, options: CampaignModelOptions, withTimer = false) {
    const database = await openDatabase({ home: join(home, name) });
    try {
      const { spec, source } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
      const edited = { ...spec, budget: { experiments: 15, batch: 3 }, planner: { ...spec.planner, initial_results: 3 }, lab: { ...simulatorLab(spec), latency_ms: latencyMs } };
      const campaign = await createNewCampaign(database.db, edited, source, 'test');
      const runner = await runnerFor(database.db, campaign, join(home, name), options);
      await runner.start();
      if (withTimer && runner.runtime.model instanceof SurrogateCampaignModel) runner.runtime.model.startTimer();
      expect((await runner.done).status).toBe('completed');
      return (await latestEventPayloads(database.db, campaign.id, 'model.trained', 100)).reverse();
    } finally {
      await database.close();
    }
  }

  it('trains after every k results, warm-started, with a full retrain every n versions, on the worker', async () => {
    // Results come one by one: the machine asks after each, the policy says when.
    const gaps = (sizes: unknown[]) => sizes.slice(1).map((n, i) => Number(n) - Number(sizes[i]));
    const trained = await run('every-k', 0, { policy: { everyResults: 3, fullEvery: 2, waitSeconds: 60 }, trainer: pool });
    expect(trained.length).toBeGreaterThanOrEqual(3);
    expect(gaps(trained.map((t) => t.trainingSize)).every((gap) => gap >= 3)).toBe(true);
    expect(trained.map((t) => t.mode)).toEqual(trained.map((_, i) => (i % 2 === 0 ? 'full' : 'warm')));
    expect(trained.every((t) => t.where === 'worker' && t.trigger === 'results')).toBe(true);
    const fewer = await run('every-6', 0, { policy: { everyResults: 6, fullEvery: 10, waitSeconds: 60 } });
    expect(fewer.length).toBeGreaterThanOrEqual(2);
    expect(gaps(fewer.map((t) => t.trainingSize)).every((gap) => gap >= 6)).toBe(true);
    expect(fewer.slice(1).every((t) => t.mode === 'warm' && t.where === 'main')).toBe(true);
  });

  it('does not hold planning up for a fit longer than the policy waits: the newest finished version plans', async () => {
    let fits = 0;
    const stuck: SurrogateTrainer = { where: 'worker', fit: () => (fits++, new Promise<never>(() => undefined)), close: async () => undefined };
    const trained = await run('no-wait', 0, { policy: { everyResults: 1, fullEvery: 10, waitSeconds: 0.05 }, trainer: stuck });
    expect(fits).toBe(1); // asked once; later requests join the one still queued behind it
    expect(trained).toEqual([]); // and the campaign ran its budget anyway
  });

  it('retrains on its timer between the results that call for it', async () => {
    // every_results 100 is never reached in a budget of 15: every fit after the first is the timer's
    const trained = await run('timer', 150, { policy: { everyResults: 100, everySeconds: 0.1, fullEvery: 10, waitSeconds: 60 } }, true);
    expect(trained.filter((t) => t.trigger === 'results').length).toBeLessThanOrEqual(1); // only a first model, if the timer did not make it
    expect(trained.some((t) => t.trigger === 'timer')).toBe(true);
  });
});
