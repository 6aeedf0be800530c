/**
 * Runs the campaigns of the database in this process, each with its own machine, lab and
 * capacity, for `athanor serve`. A campaign runs here only while this process holds its lease
 * (campaign-leases.ts), so several processes on one PostgreSQL share the campaigns, each running
 * in exactly one of them; a process that dies stops renewing, and the others take its campaigns
 * over. Every poll interval (a second by default) the supervisor
 *   - starts campaigns nobody runs — new ones (from the API, or another process) and those whose
 *     lease expired — in the background, so that a slow start never delays the two below;
 *   - applies operator requests other processes queued for its campaigns (command-inbox.ts);
 *   - notices changes made to its campaigns elsewhere (outside-changes.ts).
 * Finished campaigns let go of their lease at once; shutdown detaches every campaign (nothing new
 * proposed, writes under way finished) and gives the leases back.
 */
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { appendEvent, countInFlight, getCampaign, listLeaseStates, type CampaignRow, type Db } from '../db/index.js';
import { SurrogateCampaignModel } from './campaign-model.js';
import { CampaignLeases, type LeaseOptions } from './campaign-leases.js';
import type { CampaignRunner } from './campaign-runner.js';
import { CommandInbox } from './command-inbox.js';
import { InstrumentedLab } from './instrumented-lab.js';
import { runnerFor } from './open-campaign.js';
import { START_RETRY_FIRST_MS, StartFailures } from './start-failures.js';
import type { ServiceConfig } from './service-config.js';
import { OutsideChanges } from './outside-changes.js';
import type { RetrainingPolicy } from './retraining-policy.js';
import type { ServiceMetrics, MetricsSource } from './service-metrics.js';
import type { SurrogateTrainer } from './surrogate-training.js';

export interface SupervisorEvents {
  started: [CampaignRow];
  ended: [CampaignRow, { status: string; outcome: string }];
  /** The campaign could not start here (tried again later, or marked failed: start-failures.ts). Not 'error': that one throws without a listener. */
  'start-failed': [CampaignRow, Error];
  /** The campaign's lease was lost (not renewed in time, or taken over): it no longer runs here. */
  'lease-lost': [string, string];
}

export interface SupervisorOptions {
  log?: Logger;
  leases?: LeaseOptions;
  /** How often to look for new campaigns, requests and changes. */
  pollIntervalMs?: number;
  /** Campaigns this process runs at most (the others wait for a process with room). */
  maxCampaigns?: number;
  /** The service's default retraining policy (a campaign's `planner.retraining` overrides it). */
  retraining?: RetrainingPolicy;
  /** Where surrogates train (the service: a worker pool); default this thread. */
  trainer?: SurrogateTrainer;
  metrics?: ServiceMetrics;
  /** Lab profiles and secrets the administrator registered (service-config.ts). */
  config?: ServiceConfig;
}

/** Campaigns started at once. */
const START_CONCURRENCY = 8;

export class Supervisor extends EventEmitter<SupervisorEvents> implements MetricsSource {
  readonly leases: CampaignLeases;
  private readonly runners = new Map<string, CampaignRunner>();
  private readonly starting = new Set<string>();
  /** Starts under way (shutdown waits for them, then detaches what they started). */
  private readonly starts = new Set<Promise<void>>();
  /** Campaigns whose start failed: when to try again, when to give up (start-failures.ts). */
  private readonly startFailures = new StartFailures();
  private readonly log: Logger;
  private readonly pollIntervalMs: number;
  private readonly inbox: CommandInbox;
  private readonly changes: OutsideChanges;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private discovering?: Promise<void>;
  private closing = false;

  constructor(
    private readonly db: Db,
    private readonly home: string,
    private readonly options: SupervisorOptions = {},
  ) {
    super();
    this.log = options.log ?? pino({ level: 'silent' });
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.leases = new CampaignLeases(db, options.leases ?? {}, (id, reason) => this.onLeaseLost(id, reason));
    this.inbox = new CommandInbox(db, (id) => this.runners.get(id), {
      log: this.log,
      onApplied: (command, ok) => options.metrics?.operatorCommands.inc({ command, ok: String(ok) }),
    });
    this.changes = new OutsideChanges(db, this.log);
    options.metrics?.observe(this);
  }

  /** This process's name in the leases. */
  get owner(): string {
    return this.leases.owner;
  }

  /**
   * Keeps looking every poll interval until shutdown; resolves once the campaigns it could take
   * at first run here (never rejects: a campaign that cannot start is logged and tried again).
   */
  async start(): Promise<void> {
    await this.changes.init();
    if (this.closing) return;
    this.timer ??= setInterval(() => void this.tick(), this.pollIntervalMs);
    void this.tick();
    await this.discovering;
  }

  /** Runs the campaign here if its lease can be taken (API: a campaign just created). */
  run(campaign: CampaignRow): Promise<void> {
    const start = this.takeAndStart(campaign);
    this.starts.add(start);
    void start.finally(() => this.starts.delete(start));
    return start;
  }

  private async takeAndStart(campaign: CampaignRow): Promise<void> {
    const id = campaign.id;
    if (this.closing || this.runners.has(id) || this.starting.has(id)) return;
    // Full: the campaign waits for a process with room (another one, or this one later).
    if (this.runners.size + this.starting.size >= (this.options.maxCampaigns ?? Infinity)) return;
    this.starting.add(id);
    try {
      const grant = await this.leases.acquire(id);
      if (!grant) return; // another process runs it
      const row = (await getCampaign(this.db, id)) ?? campaign; // the settings as of now
      const runner = await this.startRunner(row);
      if (!runner) return;
      const previous = campaign.leaseOwner;
      await appendEvent(this.db, {
        campaignId: id,
        type: 'campaign.lease-acquired',
        actor: 'agent',
        payload: { owner: this.owner, epoch: grant.epoch, ...(previous && previous !== this.owner ? { takenOverFrom: previous } : {}) },
      });
      this.log.info({ campaign: id, name: row.name, epoch: grant.epoch, ...(previous && previous !== this.owner ? { takenOverFrom: previous } : {}) }, 'campaign running here');
      this.emit('started', row);
      void runner.done.then(async (end) => {
        if (this.runners.get(id) !== runner) return; // detached meanwhile
        this.runners.delete(id);
        await this.leases.release(id).catch((error: unknown) => this.log.warn({ campaign: id, err: error }, 'could not release the lease'));
        this.log.info({ campaign: id, ...end }, 'campaign ended');
        this.emit('ended', row, end);
      });
    } catch (error) {
      this.log.error({ campaign: id, err: error }, 'could not take the campaign');
    } finally {
      this.starting.delete(id);
    }
  }

  runner(campaignId: string): CampaignRunner | undefined {
    return this.runners.get(campaignId);
  }

  get active(): number {
    return this.runners.size;
  }

  /** Stops proposing, lets writes under way finish, and gives every lease back; a restart (or another process) resumes the campaigns. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Running campaigns stop proposing at once; one that a tick is starting right now follows.
    let detached = await this.detachAll();
    await Promise.all([this.ticking, this.discovering, ...this.starts]);
    detached += await this.detachAll();
    await this.leases.releaseAll();
    this.log.info({ campaigns: detached }, 'campaigns detached, leases released');
  }

  private async detachAll(): Promise<number> {
    const runners = [...this.runners.entries()];
    this.runners.clear();
    await Promise.all(runners.map(([id, r]) => r.detach().catch((error: unknown) => this.log.warn({ campaign: id, err: error }, 'detaching failed'))));
    return runners.length;
  }

  // ---- metrics (MetricsSource) ---------------------------------------------------------------

  campaignStates(): Map<string, number> {
    const states = new Map<string, number>();
    for (const runner of this.runners.values()) states.set(runner.state, (states.get(runner.state) ?? 0) + 1);
    return states;
  }

  leasesHeld(): number {
    return this.leases.count;
  }

  async experimentsInFlight(): Promise<number> {
    let total = 0;
    for (const n of (await countInFlight(this.db, [...this.runners.keys()])).values()) total += n;
    return total;
  }

  trainingQueue(): number {
    return this.options.trainer?.queued ?? 0;
  }

  // ---- the tick ------------------------------------------------------------------------------

  private tick(): Promise<void> {
    // Starting campaigns may take seconds each (building the space, asking the lab about what it
    // holds): it goes on beside the tick, so requests and changes for running campaigns never wait for it.
    this.discovering ??= this.discover()
      .catch((error: unknown) => this.log.warn({ err: error }, 'looking for campaigns to start failed; trying again at the next tick'))
      .finally(() => (this.discovering = undefined));
    this.ticking ??= (async () => {
      try {
        await this.inbox.applyPending([...this.runners.keys()]);
        await this.changes.poll(this.runners);
      } catch (error) {
        this.log.warn({ err: error }, 'supervisor tick failed; trying again at the next');
      }
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async discover(): Promise<void> {
    const max = this.options.maxCampaigns ?? Infinity;
    const waiting = (await listLeaseStates(this.db)).filter((state) => {
      if (this.runners.has(state.id) || this.starting.has(state.id)) return false;
      if (!state.claimable && !this.options.leases?.exclusive && state.leaseOwner !== this.owner) return false;
      return this.startFailures.due(state.id);
    });
    // A few at a time: a start is mostly waiting on the database, and on a busy event loop each
    // wait is long; one after the other, a hundred campaigns would take minutes to start.
    const starter = async () => {
      for (let state = waiting.shift(); state; state = waiting.shift()) {
        if (this.closing || this.runners.size + this.starting.size >= max) return;
        const campaign = await getCampaign(this.db, state.id);
        if (campaign) await this.run(campaign);
      }
    };
    await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, waiting.length) }, starter));
  }

  private async startRunner(campaign: CampaignRow): Promise<CampaignRunner | undefined> {
    const id = campaign.id;
    const { metrics, trainer, retraining, config } = this.options;
    let runner: CampaignRunner | undefined;
    try {
      runner = await runnerFor(this.db, campaign, this.home, {
        ...(retraining ? { policy: retraining } : {}),
        ...(trainer ? { trainer } : {}),
        onTrained: (v) => {
          metrics?.retrainSeconds.observe({ mode: v.mode, where: v.where, trigger: v.trigger }, v.seconds);
          this.log.debug({ campaign: id, ...v }, 'model trained');
        },
        onFailed: (error) => {
          metrics?.retrainFailures.inc();
          this.log.warn({ campaign: id, err: error }, 'retraining failed; the previous model stays');
        },
      }, config);
      runner.runtime.fence = () => this.leases.fence(id);
      if (metrics) {
        runner.runtime.lab = new InstrumentedLab(runner.runtime.lab, {
          error: (operation, kind) => metrics.labErrors.inc({ operation, kind }),
          dispatched: () => metrics.dispatches.inc(),
        });
      }
      const started = runner;
      started.on('result', (report) => {
        metrics?.labResults.inc({ outcome: report.outcome });
        if (report.outcome === 'refused') metrics?.labErrors.inc({ operation: 'result', kind: 'refused' });
        if (report.outcome === 'error' || report.outcome === 'quarantined' || report.outcome === 'refused') {
          this.log.warn({ campaign: id, ...report }, 'lab report not stored as a result');
        }
      });
      started.on('lease-lost', (reason) => this.onLeaseLost(id, reason));
      await started.start();
      this.startFailures.started(id);
      // Registered only once started, so that requests from other processes find a live machine.
      if (this.leases.epochOf(id) === undefined) {
        // lost while it started (found by a renewal, or by a step's fencing check)
        this.options.metrics?.leaseLosses.inc();
        this.log.warn({ campaign: id }, 'lease lost while the campaign started: it stops here');
        await started.detach(0).catch(() => undefined);
        return undefined;
      }
      this.runners.set(id, started);
      if (started.runtime.model instanceof SurrogateCampaignModel) started.runtime.model.startTimer();
      return started;
    } catch (error) {
      await runner?.detach(0).catch(() => undefined);
      metrics?.campaignStartFailures.inc();
      const e = error instanceof Error ? error : new Error(String(error));
      // said through the API (events, and the outcome when it gives up) before the lease goes back
      const verdict = await this.startFailures.failed(this.db, id, e).catch((recordError: unknown) => {
        this.log.warn({ campaign: id, err: recordError }, 'could not record the start failure');
        return { gaveUp: false, retryInMs: START_RETRY_FIRST_MS };
      });
      await this.leases.release(id).catch(() => undefined);
      if (verdict.gaveUp) this.log.error({ campaign: id, err: e }, 'campaign could not start and will not be tried again: it is marked failed');
      else this.log.error({ campaign: id, err: e, retryInSeconds: verdict.retryInMs / 1000 }, 'campaign could not start; trying again later');
      this.emit('start-failed', campaign, e);
      return undefined;
    }
  }

  private onLeaseLost(campaignId: string, reason: string): void {
    const runner = this.runners.get(campaignId);
    if (!runner) return;
    this.runners.delete(campaignId);
    this.options.metrics?.leaseLosses.inc();
    this.log.warn({ campaign: campaignId, reason }, 'lease lost: the campaign stops here at once');
    void runner.detach(0).catch((error: unknown) => this.log.warn({ campaign: campaignId, err: error }, 'detaching after a lost lease failed'));
    this.emit('lease-lost', campaignId, reason);
  }
}
