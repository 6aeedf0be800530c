/**
 * The work each state of the campaign machine does. Every step reads the truth from the database
 * and is safe to run again after a crash: it first looks at what is already recorded, then does
 * only what is missing.
 */
import { randomUUID } from 'node:crypto';
import type { CampaignSpec } from '../campaign/index.js';
import {
  appendEvent,
  countByStatus,
  insertPlannedBatch,
  latestEventPayloads,
  IN_FLIGHT,
  listExperiments,
  listObservations,
  markCancelled,
  markDispatching,
  markFailed,
  setCampaignStatus,
  type Db,
  type ExperimentRow,
  type StatusCounts,
} from '../db/index.js';
import { PermanentLabError, TransientLabError, type ExperimentOrder } from '../lab-adapters/contract.js';
import type { Observation } from '../planner/recommender.js';
import type { CampaignRuntime } from './campaign-runtime.js';
import { retry } from './retry.js';

export type PlanOutcome = { next: 'dispatch' } | { next: 'await' } | { next: 'complete'; outcome: string };
export type IngestOutcome = { next: 'plan' | 'retrain'; finished: number } | { next: 'complete'; outcome: string; finished: number };

export interface CampaignProgress {
  counts: StatusCounts;
  /** Experiments that count against the budget (everything but cancelled ones). */
  used: number;
  finished: number;
  inFlight: number;
  best?: { seq: number; value: number; parameters: Record<string, string | number> };
}

export class CampaignSteps {
  constructor(
    private readonly db: Db,
    private readonly campaignId: string,
    private readonly spec: CampaignSpec,
    private readonly runtime: CampaignRuntime,
  ) {}

  private get target(): string {
    return this.spec.objective.target;
  }

  private better(a: number, b: number): boolean {
    return this.spec.objective.direction === 'maximize' ? a > b : a < b;
  }

  async progress(): Promise<CampaignProgress> {
    const counts = await countByStatus(this.db, this.campaignId);
    const observations = await listObservations(this.db, this.campaignId);
    let best: CampaignProgress['best'];
    for (const o of observations) {
      const value = o.values[this.target];
      if (value !== undefined && (!best || this.better(value, best.value))) best = { seq: o.seq, value, parameters: o.parameters };
    }
    return {
      counts,
      used: counts.planned + counts.dispatched + counts.running + counts.completed + counts.failed,
      finished: counts.completed + counts.failed + counts.cancelled,
      inFlight: counts.dispatched + counts.running,
      ...(best ? { best } : {}),
    };
  }

  private goalReached(progress: CampaignProgress): boolean {
    const goal = this.spec.objective.goal;
    return goal !== undefined && progress.best !== undefined && !this.better(goal, progress.best.value);
  }

  /** After a restart: experiments the database says are in the lab are checked with the lab, never blindly re-sent. */
  async reconcile(): Promise<void> {
    await setCampaignStatus(this.db, this.campaignId, 'running');
    await this.reattachInFlight();
  }

  /**
   * Asks the lab about every experiment the database says is in it: known ones are re-attached
   * (their results come through the lab's redelivery), unknown ones — recorded as dispatched by a
   * process that died before the lab had them — are sent now (idempotent by id). Also run when a
   * campaign resumes from a snapshot past `initializing`, which would otherwise never look.
   */
  async reattachInFlight(): Promise<void> {
    const inFlight = await listExperiments(this.db, this.campaignId, IN_FLIGHT);
    let reattached = 0;
    let resent = 0;
    for (const experiment of inFlight) {
      const status = await retry(() => this.runtime.lab.status(experiment.id), { label: 'lab status' });
      if (status === 'unknown') {
        // recorded as dispatched, but the process died before the lab had it: send it now (idempotent by id)
        await this.send(experiment);
        resent++;
      } else if (status === 'cancelled') {
        await markCancelled(this.db, experiment.id, `lab:${this.runtime.lab.name}`, 'the lab reports it cancelled');
      } else {
        reattached++;
      }
    }
    if (inFlight.length > 0) {
      await appendEvent(this.db, {
        campaignId: this.campaignId,
        type: 'campaign.reconciled',
        actor: 'agent',
        payload: { inFlight: inFlight.length, reattached, resent },
      });
    }
  }

  /** `signal`: the machine left the step (a pause or stop); ends a wait for the model, not the fit. */
  async plan(signal?: AbortSignal): Promise<PlanOutcome> {
    const progress = await this.progress();
    if (progress.counts.planned > 0) return { next: 'dispatch' }; // a batch planned before a restart
    if (this.goalReached(progress)) return { next: 'complete', outcome: `goal reached (${this.target} ${progress.best?.value})` };
    const remaining = this.spec.budget.experiments - progress.used;
    if (remaining <= 0) return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: 'budget spent' };

    // Propose a whole batch once the lab has room for one (or for what remains of the budget);
    // asynchronous campaigns fill every slot as soon as it frees up.
    const free = this.runtime.capacity - progress.inFlight;
    const count = Math.min(this.spec.budget.batch, remaining, free);
    const needed = this.spec.planner.asynchronous ? 1 : Math.min(this.spec.budget.batch, remaining, this.runtime.capacity);
    if (count < needed || count <= 0) return { next: 'await' };

    // Plan with a model of every result stored now. Results that arrived while the retraining step
    // fitted (the rest of a batch landing during the fit on its first two) are not in that fit:
    // bring the model up to date first, waiting as long as the retraining policy allows. A no-op
    // when the newest version has them all; what it could not cover is recorded with the batch.
    await this.runtime.model?.retrain(signal);

    const { space } = this.runtime;
    const experiments = await listExperiments(this.db, this.campaignId);
    const taken = new Set<number>();
    const pending: number[] = [];
    const replicates = this.spec.planner.replicates;
    for (const e of experiments) {
      const index = space.indexOfKey(e.candidateKey);
      if (index === undefined || e.status === 'cancelled') continue;
      const inLab = IN_FLIGHT.includes(e.status) || e.status === 'planned';
      // With replicates allowed, only what is in the lab right now is off limits.
      if (!replicates || inLab) taken.add(index);
      if (IN_FLIGHT.includes(e.status)) pending.push(index);
    }
    const observations: Observation[] = [];
    const sign = this.spec.objective.direction === 'maximize' ? 1 : -1;
    for (const o of await listObservations(this.db, this.campaignId)) {
      const index = space.indexOfKey(o.candidateKey);
      const value = o.values[this.target];
      const product = (o.raw as { product?: unknown } | null)?.product;
      if (index !== undefined && value !== undefined) {
        observations.push({ candidate: index, value: sign * value, ...(typeof product === 'string' && product !== '' ? { product } : {}) });
      }
    }
    const round = Math.max(0, ...experiments.map((e) => e.batch)) + 1;
    const model = this.runtime.model?.view();
    const { proposals, maxExpectedImprovement } = await this.runtime.recommender.recommend({
      space,
      count,
      seed: this.spec.seed,
      round,
      observations,
      pending,
      taken,
      direction: this.spec.objective.direction,
      ...(model ? { model } : {}),
    });
    const exhausted = await this.improvementExhausted(maxExpectedImprovement);
    if (exhausted) return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: exhausted };
    if (proposals.length === 0) {
      return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: 'every candidate of the space has been tried' };
    }
    await this.runtime.fence?.();
    const inserted = await insertPlannedBatch(
      this.db,
      this.campaignId,
      proposals.map((p) => ({
        id: randomUUID(),
        candidateKey: space.keyOf(p.candidate),
        parameters: space.valuesOf(p.candidate),
        substances: space.substancesOf(p.candidate),
        proposal: {
          strategy: p.strategy,
          rank: p.rank,
          reason: p.reason,
          ...(p.mean !== undefined ? { mean: p.mean } : {}),
          ...(p.sigma !== undefined ? { sigma: p.sigma } : {}),
          ...(p.acquisition !== undefined ? { acquisition: p.acquisition } : {}),
          ...(p.products ? { products: p.products } : {}),
        },
      })),
      {
        round,
        strategy: this.runtime.recommender.name,
        ...(model ? { modelVersion: model.version, ...this.modelCoverage(model.trainingSize, observations.length) } : {}),
        ...(maxExpectedImprovement !== undefined ? { maxExpectedImprovement } : {}),
      },
    );
    // None fitted in the budget as the database has it (an operator cut it meanwhile): it is spent.
    if (inserted.length === 0) return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: 'budget spent' };
    return { next: 'dispatch' };
  }

  /**
   * What the batch's model was trained on against the results planning had: recorded with every
   * model-planned batch, with the reason when the model is behind (the retraining policy waits for
   * more results, or the fit outlasted the wait).
   */
  private modelCoverage(trainingSize: number | undefined, results: number): Record<string, unknown> {
    const behind = trainingSize !== undefined && trainingSize < results;
    return {
      ...(trainingSize !== undefined ? { modelTrainingSize: trainingSize } : {}),
      resultsAvailable: results,
      ...(behind ? { modelBehind: this.runtime.model?.staleness ?? 'the newest model predates some results' } : {}),
    };
  }

  /**
   * The documented early stop: the largest expected improvement anywhere in the untried space has
   * stayed below `ei_below` (target units) for `rounds` consecutive planning rounds, this one
   * included. Returns the outcome text, or null to go on.
   */
  private async improvementExhausted(current: number | undefined): Promise<string | null> {
    const rule = this.spec.planner.stop_when_exhausted;
    if (!rule || current === undefined || current >= rule.ei_below) return null;
    const earlier = await latestEventPayloads(this.db, this.campaignId, 'batch.planned', rule.rounds - 1);
    const values = earlier.map((p) => p.maxExpectedImprovement);
    if (values.length < rule.rounds - 1 || values.some((v) => typeof v !== 'number' || v >= rule.ei_below)) return null;
    return `converged: the largest expected improvement stayed below ${rule.ei_below} for ${rule.rounds} rounds (now ${current.toPrecision(2)})`;
  }

  async dispatch(signal?: AbortSignal): Promise<void> {
    const planned = await listExperiments(this.db, this.campaignId, ['planned']);
    for (const experiment of planned) {
      if (signal?.aborted) return;
      await this.send(experiment);
    }
  }

  private async send(experiment: ExperimentRow): Promise<void> {
    await this.runtime.fence?.(); // a process that lost the campaign's lease must not dispatch
    await markDispatching(this.db, experiment.id);
    const order: ExperimentOrder = {
      id: experiment.id,
      campaignId: experiment.campaignId,
      seq: experiment.seq,
      candidateKey: experiment.candidateKey,
      parameters: experiment.parameters,
      substances: experiment.substances,
    };
    try {
      const receipt = await retry(() => this.runtime.lab.dispatch(order), {
        label: `dispatch of experiment ${experiment.seq}`,
        retryOn: (error) => error instanceof TransientLabError,
      });
      await appendEvent(this.db, {
        campaignId: this.campaignId,
        type: 'experiment.dispatched',
        actor: `lab:${this.runtime.lab.name}`,
        payload: { experimentId: experiment.id, seq: experiment.seq, duplicate: receipt.duplicate },
      });
    } catch (error) {
      if (!(error instanceof PermanentLabError || error instanceof TransientLabError)) throw error;
      await markFailed(this.db, experiment.id, `the lab refused it: ${error.message}`, `lab:${this.runtime.lab.name}`);
    }
  }

  async ingest(): Promise<IngestOutcome> {
    const progress = await this.progress();
    if (this.goalReached(progress)) {
      return { next: 'complete', outcome: `goal reached (${this.target} ${progress.best?.value})`, finished: progress.finished };
    }
    if (progress.used >= this.spec.budget.experiments && progress.inFlight === 0 && progress.counts.planned === 0) {
      return { next: 'complete', outcome: 'budget spent', finished: progress.finished };
    }
    return { next: 'plan', finished: progress.finished };
  }

  /** Ends the campaign: whatever is still in the lab is cancelled, and the outcome recorded. */
  async finish(status: 'completed' | 'stopped', outcome: string, actor: string): Promise<void> {
    await this.runtime.fence?.();
    const open = await listExperiments(this.db, this.campaignId, ['planned', ...IN_FLIGHT]);
    for (const experiment of open) {
      if (experiment.status !== 'planned') await retry(() => this.runtime.lab.cancel(experiment.id), { label: 'cancel' }).catch(() => false);
      await markCancelled(this.db, experiment.id, actor, `campaign ${status}: ${outcome}`);
    }
    await setCampaignStatus(this.db, this.campaignId, status, outcome);
    await appendEvent(this.db, { campaignId: this.campaignId, type: `campaign.${status}`, actor, payload: { outcome } });
  }

  async fail(message: string): Promise<void> {
    await setCampaignStatus(this.db, this.campaignId, 'failed', message);
    await appendEvent(this.db, { campaignId: this.campaignId, type: 'campaign.failed', actor: 'agent', payload: { error: message } });
  }
}
