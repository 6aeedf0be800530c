/**
 * The work each state of the campaign machine does. Every step reads the truth from the database
 * and is safe to run again after a crash: it first looks at what is already recorded, then does
 * only what is missing.
 */
import { randomUUID } from 'node:crypto';
import type { CampaignSpec } from '../campaign/index.js';
import {
  appendEvent,
  awaitsApproval,
  countByStatus,
  insertPlannedBatch,
  latestEventPayloads,
  IN_FLIGHT,
  listExperiments,
  listObservations,
  listUsablePriorResults,
  markCancelled,
  markDispatching,
  markFailed,
  markHeld,
  setCampaignStatus,
  type Db,
  type ExperimentRow,
  type StatusCounts,
} from '../db/index.js';
import { PermanentLabError, TransientLabError, type ExperimentOrder } from '../lab-adapters/contract.js';
import { labLogger } from '../lab-adapters/log.js';
import { LabFaultGate, LabOutageError } from './lab-fault-gate.js';
import { Measurements } from '../measurements/measurements.js';
import { observationsWithPrior, priorCandidates } from '../measurements/prior.js';
import { Objective } from '../objectives/objective.js';
import { matchView } from '../planner/match-view.js';
import type { CampaignRuntime } from './campaign-runtime.js';
import { retry } from './retry.js';

export type PlanOutcome = { next: 'dispatch' } | { next: 'approve' } | { next: 'await' } | { next: 'complete'; outcome: string };
export type IngestOutcome = { next: 'plan' | 'retrain'; finished: number } | { next: 'complete'; outcome: string; finished: number };

export interface CampaignProgress {
  counts: StatusCounts;
  /** Experiments that count against the budget (everything but cancelled ones). */
  used: number;
  finished: number;
  inFlight: number;
  best?: { seq: number; value: number; parameters: Record<string, string | number> };
}

/** How long a lab may stay unhealthy before the campaign pauses, unless the campaign file says (lab.pause_after_unhealthy_s). */
export const DEFAULT_PAUSE_AFTER_UNHEALTHY_S = 300;

export class CampaignSteps {
  /** Operators edit a running campaign's budget and planner, never its objective. */
  private readonly objective: Objective;
  /** Shared by every dispatch of this campaign: one outage, one backoff, one probe at a time. */
  readonly labGate: LabFaultGate;
  /**
   * Called when the lab stays unhealthy too long or refuses our credentials: the runner pauses
   * the campaign with this reason (until then the held experiments wait, none fails).
   */
  onLabOutage?: (reason: string) => Promise<void>;
  private readonly log = labLogger('dispatch');

  constructor(
    private readonly db: Db,
    private readonly campaignId: string,
    private readonly spec: CampaignSpec,
    private readonly runtime: CampaignRuntime,
  ) {
    this.objective = Objective.of(spec);
    const configured = (spec.lab as { pause_after_unhealthy_s?: number }).pause_after_unhealthy_s;
    this.labGate = new LabFaultGate(runtime.lab, { pauseAfterMs: (configured ?? DEFAULT_PAUSE_AFTER_UNHEALTHY_S) * 1000 });
  }

  async progress(): Promise<CampaignProgress> {
    const counts = await countByStatus(this.db, this.campaignId);
    const found = Measurements.from(await listObservations(this.db, this.campaignId)).best(this.objective);
    const best = found ? { seq: found.item.seq, value: found.value, parameters: found.item.parameters } : undefined;
    return {
      counts,
      used: counts.planned + counts.dispatched + counts.running + counts.completed + counts.failed,
      finished: counts.completed + counts.failed + counts.cancelled,
      inFlight: counts.dispatched + counts.running,
      ...(best ? { best } : {}),
    };
  }

  private goalReached(progress: CampaignProgress): boolean {
    return this.objective.goalReached(progress.best?.value);
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
    if (progress.counts.planned > 0) return this.dispatchOrApprove(); // a batch planned before a restart, or a chemist's suggestion
    if (this.goalReached(progress)) return { next: 'complete', outcome: `goal reached (${this.objective.target} ${progress.best?.value})` };
    const remaining = this.spec.budget.experiments - progress.used;
    if (remaining <= 0) return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: 'budget spent' };
    const count = this.batchRoom(progress);
    if (count <= 0) return { next: 'await' };

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
    let rejected = 0;
    for (const e of experiments) {
      const index = space.indexOfKey(e.candidateKey);
      if (index === undefined) continue;
      if (e.status === 'cancelled') {
        // a person rejected it at the approval gate: never proposed again; other cancellations may be
        if (e.proposal.rejection) {
          taken.add(index);
          rejected++;
        }
        continue;
      }
      const inLab = IN_FLIGHT.includes(e.status) || e.status === 'planned';
      // With replicates allowed, only what is in the lab right now is off limits.
      if (!replicates || inLab) taken.add(index);
      if (IN_FLIGHT.includes(e.status)) pending.push(index);
    }
    const objective = this.objective;
    // prior data (docs/transfer.md): same-task rows are results the planner knows, never re-proposed unless replicates are allowed
    const prior = await listUsablePriorResults(this.db, this.campaignId);
    if (!replicates) for (const index of priorCandidates(prior, space)) taken.add(index);
    const observations = observationsWithPrior(Measurements.from(await listObservations(this.db, this.campaignId)), prior, space, objective);
    const round = Math.max(0, ...experiments.map((e) => e.batch)) + 1;
    const trained = this.runtime.model?.view();
    // A match objective: the model learns the target, the planner maximises −|target − match|.
    const model = trained && objective.match ? matchView(trained, objective.match.value) : trained;
    const { proposals, maxExpectedImprovement } = await this.runtime.recommender.recommend({
      space,
      count,
      seed: this.spec.seed,
      round,
      observations,
      pending,
      taken,
      direction: objective.plannerDirection,
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
        ...(rejected > 0 ? { rejectedCandidatesExcluded: rejected } : {}),
        ...(this.approvalRequired ? { awaitingApproval: true } : {}),
      },
    );
    // None fitted in the budget as the database has it (an operator cut it meanwhile): it is spent.
    if (inserted.length === 0) return progress.inFlight > 0 ? { next: 'await' } : { next: 'complete', outcome: 'budget spent' };
    return this.approvalRequired ? { next: 'approve' } : { next: 'dispatch' };
  }

  /** planner.approval.required: every planned batch waits for a person before dispatch. */
  get approvalRequired(): boolean {
    return this.spec.planner.approval?.required === true;
  }

  /** What the gate holds back now: planned proposals nobody has approved (none when the gate is off). */
  async awaitingApproval(): Promise<ExperimentRow[]> {
    if (!this.approvalRequired) return [];
    return (await listExperiments(this.db, this.campaignId, ['planned'])).filter(awaitsApproval);
  }

  private async dispatchOrApprove(): Promise<PlanOutcome> {
    return (await this.awaitingApproval()).length > 0 ? { next: 'approve' } : { next: 'dispatch' };
  }

  /**
   * How many experiments planning proposes now: a whole batch once the lab has room for one (or
   * for what remains of the budget); asynchronous campaigns fill every slot as soon as it frees
   * up. 0: planning waits for results.
   */
  private batchRoom(progress: CampaignProgress): number {
    const remaining = this.spec.budget.experiments - progress.used;
    const free = this.runtime.capacity - progress.inFlight;
    const count = Math.min(this.spec.budget.batch, remaining, free);
    const needed = this.spec.planner.asynchronous ? 1 : Math.min(this.spec.budget.batch, remaining, this.runtime.capacity);
    return count < needed || count <= 0 ? 0 : count;
  }

  /**
   * The machine's retraining step, after each ingest: fits only when planning is about to plan a
   * batch (plan() brings the model up to date itself before it plans, so this is where the fit
   * starts, not a second one). While a synchronous campaign waits for the rest of its batch nothing
   * is fitted: which of the batch's results such a fit would see depends on when the lab's
   * answers land, and every later fit warm-starts from it (and the full_every count includes it),
   * so those fits made the campaign's proposals depend on timing instead of its seed.
   */
  async retrain(signal?: AbortSignal): Promise<void> {
    const model = this.runtime.model;
    if (!model) return; // model-free strategies (the initial designs) have no model to fit
    const progress = await this.progress();
    if (progress.counts.planned > 0 || this.goalReached(progress) || this.batchRoom(progress) === 0) return;
    await model.retrain(signal);
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

  /**
   * Sends every planned experiment, concurrently up to the lab's capacity, so one order the robot
   * is slow to answer does not hold up the rest of the batch. A lab fault holds the experiment
   * (back to planned, no budget lost) and it is sent again once the lab is healthy; only the
   * robot's own refusal fails it. A lab unhealthy too long pauses the campaign (onLabOutage).
   */
  async dispatch(signal?: AbortSignal): Promise<void> {
    const planned = await listExperiments(this.db, this.campaignId, ['planned']);
    // with the approval gate on, a proposal nobody approved never leaves (one added while the batch went out waits for the next round)
    const queue = this.approvalRequired ? planned.filter((e) => !awaitsApproval(e)) : [...planned];
    let outage: LabOutageError | undefined;
    const worker = async () => {
      for (let experiment = queue.shift(); experiment && !signal?.aborted && !outage; experiment = queue.shift()) {
        try {
          await this.sendUntilTaken(experiment, signal);
        } catch (error) {
          if (error instanceof LabOutageError) outage ??= error;
          else if (!signal?.aborted) throw error;
        }
      }
    };
    const workers = Math.max(1, Math.min(this.runtime.lab.capacity, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (outage && !signal?.aborted) {
      await appendEvent(this.db, { campaignId: this.campaignId, type: 'lab.outage', actor: `lab:${this.runtime.lab.name}`, payload: { reason: outage.message } });
      await this.onLabOutage?.(outage.message);
    }
  }

  /** Sends one experiment, waiting out lab faults on the campaign's gate; returns once the lab took it or refused it. */
  private async sendUntilTaken(experiment: ExperimentRow, signal?: AbortSignal): Promise<void> {
    for (;;) {
      await this.labGate.ready(signal);
      const fault = await this.send(experiment);
      if (!fault) {
        this.labGate.noteSuccess();
        return;
      }
      this.labGate.noteFault(fault);
    }
  }

  /** One attempt; returns the lab fault that held the experiment, or nothing when it was sent (or refused for good). */
  private async send(experiment: ExperimentRow): Promise<TransientLabError | undefined> {
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
      const receipt = await this.runtime.lab.dispatch(order);
      await appendEvent(this.db, {
        campaignId: this.campaignId,
        type: 'experiment.dispatched',
        actor: `lab:${this.runtime.lab.name}`,
        payload: { experimentId: experiment.id, seq: experiment.seq, duplicate: receipt.duplicate },
      });
      return undefined;
    } catch (error) {
      if (error instanceof TransientLabError) {
        // a lab fault, not the experiment's: held, sent again (same id) when the lab is healthy
        const held = await markHeld(this.db, experiment.id, error.message, `lab:${this.runtime.lab.name}`);
        this.log.warn({ campaignId: this.campaignId, seq: experiment.seq, held, retryAfterMs: error.retryAfterMs }, `lab fault, experiment held: ${error.message}`);
        return held ? error : undefined;
      }
      if (!(error instanceof PermanentLabError)) throw error;
      // the robot's own refusal of this experiment: the only way dispatch fails one
      await markFailed(this.db, experiment.id, `the lab refused it: ${error.message}`, `lab:${this.runtime.lab.name}`);
      return undefined;
    }
  }

  async ingest(): Promise<IngestOutcome> {
    const progress = await this.progress();
    if (this.goalReached(progress)) {
      return { next: 'complete', outcome: `goal reached (${this.objective.target} ${progress.best?.value})`, finished: progress.finished };
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
      // a held experiment was sent at least once: the robot may have it (a dispatch that timed out), so it is cancelled there too
      if (experiment.status !== 'planned' || experiment.dispatchCount > 0) {
        await retry(() => this.runtime.lab.cancel(experiment.id), { label: 'cancel', attempts: 3 }).catch(() => false);
      }
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
