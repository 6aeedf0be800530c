/**
 * Runs one campaign: wires its lab to the database, drives its state machine, and persists the
 * machine's snapshot on every transition. Started again on the same campaign after a crash, it
 * restores the snapshot, lets the lab redeliver what it holds, and reconciles with the rows.
 */
import { EventEmitter } from 'node:events';
import { createActor, fromCallback, fromPromise, type Actor, type SnapshotFrom } from 'xstate';
import type { BudgetSpec, CampaignSpec, PlannerSpec } from '../campaign/index.js';
import {
  appendEvent,
  approveWaiting,
  countByStatus,
  listExperiments,
  loadSnapshot,
  quarantineReport,
  recordFailureReport,
  saveSnapshot,
  setCampaignStatus,
  storeResult,
  type Db,
} from '../db/index.js';
import { RefusedResultError, type LabResult, type ReportOutcome } from '../lab-adapters/contract.js';
import { checkResultValues, resultExpectations } from '../lab-adapters/result-payload.js';
import { CAMPAIGN_MACHINE_VERSION, campaignMachine } from './campaign-machine.js';
import { recommenderFor, type CampaignRuntime } from './campaign-runtime.js';
import { CampaignSteps } from './campaign-steps.js';
import { LeaseLostError } from './campaign-leases.js';
import { quarantineGuard, quarantineLimiter } from './quarantine-limit.js';

type CampaignActor = Actor<typeof campaignMachine>;

export interface RunnerEvents {
  /** A lab reported on an experiment (stored, duplicate, quarantined or failed). */
  result: [{ seq?: number; outcome: string; values?: Record<string, number>; reason?: string }];
  /** The machine moved, e.g. 'running.awaiting'. */
  state: [string];
  /** A step found the campaign's lease gone: the runner stops acting; its supervisor detaches it. */
  'lease-lost': [string];
  /** The lab stayed unhealthy too long or refused our credentials: the campaign paused itself with this reason. */
  'lab-outage': [string];
}

export interface CampaignEnd {
  status: 'completed' | 'stopped' | 'failed';
  outcome: string;
}

interface StoredSnapshot {
  version: number;
  snapshot: unknown;
}

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return `${key}.${stateName(inner)}`;
}

export class CampaignRunner extends EventEmitter<RunnerEvents> {
  readonly steps: CampaignSteps;
  private actor?: CampaignActor;
  private persisting: Promise<void> = Promise.resolve();
  private readonly activity = new EventEmitter();
  /** Steps that write (plan, dispatch, finish …) still under way: a detach lets them finish. */
  private readonly writingSteps = new Set<Promise<unknown>>();
  private settle!: (end: CampaignEnd) => void;
  /** Resolves when the campaign reaches a final state and its last snapshot is written. */
  readonly done: Promise<CampaignEnd>;
  /** Limits quarantine writes from this campaign's lab (a RetryLaterError makes the lab send again later). */
  quarantineLimiter = quarantineLimiter();

  constructor(
    private readonly db: Db,
    readonly campaignId: string,
    readonly spec: CampaignSpec,
    readonly runtime: CampaignRuntime,
  ) {
    super();
    this.steps = new CampaignSteps(db, campaignId, spec, runtime);
    this.steps.onLabOutage = (reason) => this.pauseForLabOutage(reason);
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.activity.setMaxListeners(0);
  }

  async start(): Promise<void> {
    await this.runtime.lab.start((result) => this.onLabResult(result), { quarantine: (report) => this.quarantineUntrusted(report) });
    const stored = await loadSnapshot(this.db, this.campaignId);
    const persisted = stored?.snapshot as StoredSnapshot | undefined;
    const machine = this.machineWithSteps();
    const restorable = persisted?.version === CAMPAIGN_MACHINE_VERSION;
    this.actor = restorable
      ? createActor(machine, { snapshot: persisted.snapshot as SnapshotFrom<typeof campaignMachine>, input: { campaignId: this.campaignId } })
      : createActor(machine, { input: { campaignId: this.campaignId } });
    // A snapshot past `initializing` never runs reconcile again: look at what is in the lab now,
    // or an experiment recorded as dispatched by a process that died before the lab had it waits for ever.
    if (restorable && stored && (/^running\.(?!initializing)/.test(stored.state) || stored.state === 'paused')) {
      await this.steps.reattachInFlight();
    }
    if (stored && !restorable) {
      await appendEvent(this.db, {
        campaignId: this.campaignId,
        type: 'campaign.snapshot-discarded',
        actor: 'agent',
        payload: { reason: `snapshot of machine version ${String(persisted?.version)}, now ${CAMPAIGN_MACHINE_VERSION}` },
      });
    }
    this.actor.subscribe({
      next: (snapshot) => this.onTransition(snapshot),
      error: (error) => this.persist(() => this.steps.fail(String(error))).then(() => this.settle({ status: 'failed', outcome: String(error) })),
    });
    this.actor.start();
    const initial = this.actor.getSnapshot();
    if (initial.status === 'done') this.onTransition(initial);
  }

  pause(by: string): Promise<void> {
    return this.operatorAction('PAUSE', by, 'paused');
  }

  resume(by: string): Promise<void> {
    this.steps.labGate.reset(); // a person says the lab is back: dispatching tries again at once
    return this.operatorAction('RESUME', by, 'running');
  }

  /**
   * The lab has been unhealthy past lab.pause_after_unhealthy_s, or refused our credentials: the
   * campaign pauses (held experiments stay planned, nothing fails, no budget is spent) and says
   * why — in its status and outcome (API, panel, CLI) and an event — until an operator resumes it.
   */
  private async pauseForLabOutage(reason: string): Promise<void> {
    const actor = this.requireActor();
    const before = this.state;
    actor.send({ type: 'PAUSE', actor: 'agent' });
    if (this.state === before) return;
    await this.persist(async () => {
      await setCampaignStatus(this.db, this.campaignId, 'paused', reason);
      await appendEvent(this.db, { campaignId: this.campaignId, type: 'campaign.paused', actor: 'agent', payload: { reason, labOutage: true } });
    });
    this.emit('lab-outage', reason);
  }

  async stop(by: string, reason?: string): Promise<void> {
    this.requireActor().send({ type: 'STOP', actor: by, ...(reason ? { reason } : {}) });
  }

  /**
   * An operator changed the budget or the planner settings (already saved in the database). The
   * steps read this same spec object, so the next planning round uses the new values.
   */
  amendSpec(change: { budget?: BudgetSpec; planner?: PlannerSpec }): void {
    if (change.budget) Object.assign(this.spec.budget, change.budget);
    if (change.planner) {
      Object.assign(this.spec.planner, change.planner);
      this.runtime.recommender = recommenderFor(this.spec);
    }
    this.noteActivity();
  }

  /** The rows changed outside the lab (a manual result, a cancellation): a waiting machine looks again. */
  noteActivity(): void {
    this.activity.emit('activity');
  }

  /**
   * A chemist added an experiment: a machine waiting for results goes round its loop now
   * (ingest, plan) so that the suggestion is dispatched without waiting for the lab.
   */
  wake(): void {
    this.actor?.send({ type: 'RESULTS' });
    this.noteActivity();
  }

  /**
   * Leaves the campaign as it is (for shutdown): nothing new is proposed, a step already writing
   * (a batch inserted, a dispatch recorded and sent) finishes first, and the snapshot on disk
   * resumes it later.
   */
  async detach(graceMs = 15_000): Promise<void> {
    this.runtime.model?.close?.();
    this.actor?.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.writingSteps]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    await this.runtime.lab.stop();
    await this.persisting;
  }

  get state(): string {
    return this.actor ? stateName(this.actor.getSnapshot().value) : 'not started';
  }

  private requireActor(): CampaignActor {
    if (!this.actor) throw new Error('the campaign runner has not started');
    return this.actor;
  }

  private async operatorAction(type: 'PAUSE' | 'RESUME', by: string, status: 'paused' | 'running'): Promise<void> {
    const actor = this.requireActor();
    const before = this.state;
    actor.send({ type, actor: by });
    if (this.state === before) return; // not allowed from here (e.g. RESUME while running)
    await this.persist(async () => {
      // resumed: the reason it was paused for (a lab outage) no longer describes it
      await setCampaignStatus(this.db, this.campaignId, status, status === 'running' ? null : undefined);
      await appendEvent(this.db, { campaignId: this.campaignId, type: `campaign.${status === 'paused' ? 'paused' : 'resumed'}`, actor: by, payload: {} });
    });
  }

  private onTransition(snapshot: SnapshotFrom<typeof campaignMachine>): void {
    const state = stateName(snapshot.value);
    const persisted: StoredSnapshot = { version: CAMPAIGN_MACHINE_VERSION, snapshot: this.actor?.getPersistedSnapshot() };
    void this.persist(() => saveSnapshot(this.db, this.campaignId, state, persisted));
    this.emit('state', state);
    if (snapshot.status === 'done') {
      const status = state as CampaignEnd['status'];
      const outcome = snapshot.context.error ?? snapshot.context.outcome ?? status;
      this.runtime.model?.close?.();
      void this.persisting.then(async () => {
        await this.runtime.lab.stop();
        this.settle({ status, outcome });
      });
    }
  }

  /** Serialises database writes that follow transitions, so snapshots land in order. */
  private persist(write: () => Promise<void>): Promise<void> {
    this.persisting = this.persisting.then(write).catch((error: unknown) => {
      this.emit('result', { outcome: 'error', reason: `could not persist the campaign state: ${String(error)}` });
    });
    return this.persisting;
  }

  /** A report the adapter could not trust (an unsigned MQTT result): kept in quarantine, never stored as a result. */
  private async quarantineUntrusted(report: { experimentId: string; reason: string; raw: unknown }): Promise<void> {
    const guard = quarantineGuard(this.quarantineLimiter, 'lab', `the lab ${this.runtime.lab.name}`);
    await quarantineReport(this.db, { campaignId: this.campaignId, ...report, source: `lab:${this.runtime.lab.name}` }, guard);
    this.emit('result', { outcome: 'quarantined', reason: report.reason });
  }

  private async onLabResult(result: LabResult): Promise<ReportOutcome> {
    const source = `lab:${this.runtime.lab.name}`;
    // Whatever id the lab names, its report belongs to this campaign: an id of another campaign is quarantined here.
    const guard = quarantineGuard(this.quarantineLimiter, 'lab', `the lab ${this.runtime.lab.name}`);
    if (result.status === 'failed') {
      const recorded = await recordFailureReport(this.db, { campaignId: this.campaignId, experimentId: result.experimentId, reason: result.reason, raw: result.raw, source }, guard);
      this.emit('result', recorded.outcome === 'quarantined' ? { outcome: 'quarantined', reason: recorded.reason } : { outcome: 'failed', seq: recorded.seq, reason: result.reason });
      this.activity.emit('activity');
      return recorded.outcome === 'failed' ? 'stored' : recorded.outcome;
    } else {
      // Every lab's results pass here: a value the objective forbids is refused before storage.
      // The adapter logs the refusal and tells the lab; the experiment stays open, nothing is
      // stored as a result, and the report is kept in quarantine (never dropped without a trace:
      // an operator sees it, and discards it or fixes the lab).
      try {
        checkResultValues(result, resultExpectations(this.spec.objective));
      } catch (error) {
        if (error instanceof RefusedResultError) {
          await quarantineReport(this.db, { campaignId: this.campaignId, experimentId: result.experimentId, reason: `refused (${error.code}): ${error.message}`, raw: result.raw ?? { experimentId: result.experimentId, status: result.status, values: result.values }, source }, guard);
          this.emit('result', { outcome: 'refused', reason: error.message });
        }
        throw error;
      }
      const stored = await storeResult(this.db, { campaignId: this.campaignId, experimentId: result.experimentId, values: result.values, raw: result.raw, source }, guard);
      this.emit('result', {
        outcome: stored.outcome,
        values: result.values,
        ...('seq' in stored ? { seq: stored.seq } : {}),
        ...(stored.outcome === 'quarantined' || stored.outcome === 'conflict' ? { reason: stored.reason } : {}),
      });
      this.activity.emit('activity');
      return stored.outcome;
    }
  }

  /**
   * A step that writes: tracked, so that a detach lets it finish its writes. If it finds the
   * lease gone it must not move the machine (to `failing`, which would write the campaign off):
   * it then never settles, and the supervisor detaches the runner.
   */
  private writingStep<T>(step: Promise<T>): Promise<T> {
    this.writingSteps.add(step);
    const settled = () => this.writingSteps.delete(step);
    step.then(settled, settled);
    return step.catch((error: unknown) => {
      if (!(error instanceof LeaseLostError)) throw error;
      this.emit('lease-lost', error.message);
      return new Promise<T>(() => undefined);
    });
  }

  private machineWithSteps() {
    const steps = this.steps;
    return campaignMachine.provide({
      actors: {
        reconcile: fromPromise(() => this.writingStep(steps.reconcile())),
        plan: fromPromise(({ signal }) => this.writingStep(steps.plan(signal))),
        dispatch: fromPromise(({ signal }) => this.writingStep(steps.dispatch(signal))),
        ingest: fromPromise(() => steps.ingest()),
        retrain: fromPromise<void>(({ signal }) => steps.retrain(signal)),
        awaitApproval: fromCallback(({ sendBack }) => {
          let open = true;
          let autoTimer: NodeJS.Timeout | undefined;
          const check = async () => {
            const planned = await listExperiments(this.db, this.campaignId, ['planned']);
            const waiting = await steps.awaitingApproval();
            if (!open) return;
            if (planned.length === 0) return sendBack({ type: 'REPLAN' });
            if (waiting.length === 0) return sendBack({ type: 'APPROVED' });
            const after = this.spec.planner.approval?.auto_approve_after_s;
            if (after !== undefined && !autoTimer) {
              const since = Math.min(...waiting.map((e) => e.createdAt.getTime()));
              autoTimer = setTimeout(() => {
                if (!open) return;
                void approveWaiting(this.db, this.campaignId, undefined, 'agent', { auto: true, note: `nobody decided within ${after} s (planner.approval.auto_approve_after_s)` })
                  .then(checkSafely);
              }, Math.max(0, since + after * 1000 - Date.now()));
            }
          };
          const checkSafely = () => {
            check().catch((error: unknown) => this.emit('result', { outcome: 'error', reason: String(error) }));
          };
          this.activity.on('activity', checkSafely);
          // A decision taken through another process (several services on one PostgreSQL) is seen within seconds.
          const poll = setInterval(checkSafely, 5_000);
          poll.unref();
          checkSafely();
          return () => {
            open = false;
            clearTimeout(autoTimer);
            clearInterval(poll);
            this.activity.off('activity', checkSafely);
          };
        }),
        watchResults: fromCallback(({ sendBack, input }) => {
          let open = true;
          // Asked on every report from the lab: one count, not the whole progress (which reads every observation).
          const check = () => {
            countByStatus(this.db, this.campaignId)
              .then((c) => {
                const finished = c.completed + c.failed + c.cancelled; // as CampaignSteps.progress counts it
                if (open && finished > (input as { finishedSeen: number }).finishedSeen) sendBack({ type: 'RESULTS' });
              })
              .catch((error: unknown) => this.emit('result', { outcome: 'error', reason: String(error) }));
          };
          this.activity.on('activity', check);
          check();
          return () => {
            open = false;
            this.activity.off('activity', check);
          };
        }),
        finish: fromPromise(({ input }) => this.writingStep(steps.finish(input.status, input.outcome, input.actor))),
        fail: fromPromise(({ input }) => this.writingStep(steps.fail(input.error))),
      },
    });
  }
}
