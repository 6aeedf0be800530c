/**
 * One benchmark campaign through the product's own loop — openCampaign, the XState runner, the
 * campaign model with its retraining policy, the campaign's lab adapter — exactly what
 * `athanor run` executes, and what it observed: the value of every experiment in the order the
 * planner proposed them, and how long each planning cycle kept the lab waiting.
 */
import { performance } from 'node:perf_hooks';
import { openCampaign } from '../../src/agent/index.js';
import type { CampaignSpec } from '../../src/campaign/index.js';
import { latestEventPayloads, listExperiments, listObservations, type Db } from '../../src/db/index.js';

/** One planning cycle: from the result that completed a batch to the next batch's dispatch. */
export interface PlanningCycle {
  /** Results stored when the batch was planned. */
  results: number;
  /** Wall time from that result's storage to the dispatch (retraining + planning + the machine's steps). */
  seconds: number;
  /**
   * CPU time this process used over the same span (every thread: the loop, the surrogate, the
   * embedded database's thread). On a shared machine the wall time grows with everyone else's load
   * while this does not: it is what the cycle costs, and about what it takes on an idle machine
   * (the loop waits for each database answer, so its threads rarely run at once). Absent in traces
   * recorded before it was measured.
   */
  cpuSeconds?: number;
  /** Training-set size of the model the batch was planned with (absent: planned without a model). */
  modelTrainingSize?: number;
}

export interface CampaignTrace {
  /** Target value of experiment 1, 2, … in proposal order; null for an experiment that failed or was cancelled. */
  values: (number | null)[];
  /** Pareto objectives: every measured quantity of experiment 1, 2, … (bench:multiobjective scores the front). */
  allValues?: (Record<string, number> | null)[];
  cycles: PlanningCycle[];
  /** Every surrogate fit: training-set size and the fit's own seconds. */
  fits: { trainingSize: number; seconds: number }[];
  wallSeconds: number;
  status: string;
  outcome: string;
}

/** CPU time of this process so far (user + system, all threads). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export async function runCampaign(db: Db, spec: CampaignSpec, home: string): Promise<CampaignTrace> {
  const started = performance.now();
  const { campaign, runner } = await openCampaign(db, { spec, source: '', home, actor: 'bench' });
  const cycles: PlanningCycle[] = [];
  let stored = 0;
  let lastResultAt: number | undefined;
  let lastResultCpu = 0;
  runner.on('result', (result) => {
    if (result.outcome !== 'stored' && result.outcome !== 'failed') return;
    stored++;
    lastResultAt = performance.now();
    lastResultCpu = cpuSeconds();
  });
  runner.on('state', (state) => {
    // The first batch is planned before any result: it is the initial design, not a cycle.
    if (state === 'running.dispatching' && lastResultAt !== undefined) {
      cycles.push({ results: stored, seconds: (performance.now() - lastResultAt) / 1000, cpuSeconds: cpuSeconds() - lastResultCpu });
    }
  });
  await runner.start();
  const end = await runner.done;
  const wallSeconds = (performance.now() - started) / 1000;

  const target = spec.objective.target;
  const experiments = await listExperiments(db, campaign.id);
  const observations = await listObservations(db, campaign.id);
  const bySeq = new Map(observations.map((o) => [o.seq, o.values[target]]));
  const ordered = experiments.filter((e) => e.status !== 'cancelled' || bySeq.has(e.seq)).sort((a, b) => a.seq - b.seq);
  const values = ordered.map((e) => bySeq.get(e.seq) ?? null);
  const valuesBySeq = new Map(observations.map((o) => [o.seq, o.values]));
  const allValues = spec.objective.pareto ? ordered.map((e) => valuesBySeq.get(e.seq) ?? null) : undefined;

  // Which model each batch was planned with: the batch's model version, that version's training size.
  const fitEvents = await latestEventPayloads(db, campaign.id, 'model.trained', 10_000);
  const sizeOfVersion = new Map(fitEvents.map((p) => [p.version as number, p.trainingSize as number]));
  const batches = (await latestEventPayloads(db, campaign.id, 'batch.planned', 10_000)).reverse().slice(1);
  batches.forEach((batch, i) => {
    const cycle = cycles[i];
    const size = typeof batch.modelVersion === 'number' ? sizeOfVersion.get(batch.modelVersion) : undefined;
    if (cycle && size !== undefined) cycle.modelTrainingSize = size;
  });
  const fits = fitEvents.reverse().map((p) => ({ trainingSize: Number(p.trainingSize), seconds: Number(p.seconds) }));
  return { values, ...(allValues ? { allValues } : {}), cycles, fits, wallSeconds, status: end.status, outcome: end.outcome };
}
