/**
 * The engine every simulated lab shares (dataset simulator, emulator, analytic functions, and the
 * reference robots behind their protocols): a job table with a queue, seeded latency, failures and
 * noise, and a journal so that, like a real robot, it runs an experiment id once however often it
 * is dispatched and redelivers results nobody acknowledged. A subclass says only how an
 * experiment comes out (`measure`).
 */
import { normal, rngFor } from '../util/random.js';
import {
  RefusedResultError,
  TransientLabError,
  type DispatchReceipt,
  type ExperimentOrder,
  type LabAdapter,
  type LabExperimentStatus,
  type LabHealth,
  type LabResult,
  type ResultHandler,
} from './contract.js';
import { Journal } from './journal.js';
import { describeError, labLogger, type Logger } from './log.js';

export interface SimulatedLabOptions {
  name: string;
  /** Experiments accepted and not yet finished, at most; beyond it dispatch is refused as busy. */
  capacity: number;
  /** Experiments running at once (default: capacity); the others wait in the queue, in order. */
  parallel?: number;
  seed: number;
  /** Standard deviation of Gaussian noise added to every measured value. */
  noiseSd?: number;
  /** Mean of an exponential run time per experiment, in ms. */
  latencyMs?: number;
  /** Shortest run time: added to the exponential part (a robot's run takes at least this long). */
  minLatencyMs?: number;
  /** Probability that an experiment fails (seeded by the candidate and its replicate number). */
  failureRate?: number;
  /** Noisy values are clipped into these bounds (a yield is never below 0 %). */
  bounds?: Record<string, [number, number]>;
  /** Where the lab keeps its memory; without one it forgets on restart. */
  journalPath?: string;
  /** Wall clock, injectable for tests of latency. */
  now?: () => number;
  log?: Logger;
}

/** How one experiment comes out before noise and injected failures; raw goes into the result. */
export type Measurement = { values: Record<string, number>; raw?: Record<string, unknown> } | { failure: string; raw?: Record<string, unknown> };

export interface SimulatedJob {
  id: string;
  key: string;
  /**
   * What this experiment's random draws are keyed by: the candidate and how many experiments of
   * it this lab accepted before. Experiment ids are random UUIDs, so draws keyed by them made a
   * seeded campaign come out differently on every run; this key is the same on a repeat run.
   */
  drawKey: string;
  /** The whole order (older journals of the dataset simulator hold only the key). */
  order?: ExperimentOrder;
}

type JournalEntry =
  | { t: 'accepted'; id: string; key: string; at: number; order?: ExperimentOrder; queued?: true }
  | { t: 'started'; id: string; at: number }
  | { t: 'finished'; id: string; result: LabResult }
  | { t: 'delivered'; id: string }
  | { t: 'cancelled'; id: string };

interface Job extends SimulatedJob {
  acceptedAt: number;
  startedAt?: number;
  state: 'queued' | 'running' | 'finished' | 'delivered' | 'cancelled';
  result?: LabResult;
  timer?: NodeJS.Timeout;
}

export abstract class SimulatedLab implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  protected readonly log: Logger;
  private readonly jobs = new Map<string, Job>();
  /** Times each id was accepted (from the journal, then this process): 1 for an idempotent lab. */
  private readonly accepted = new Map<string, number>();
  /** Distinct experiments accepted per candidate key, for each new job's replicate number. */
  private readonly replicates = new Map<string, number>();
  private readonly journal: Journal<JournalEntry>;
  private readonly parallel: number;
  private handler?: ResultHandler;
  private deliveryChain: Promise<void> = Promise.resolve();
  private running = false;
  private readonly now: () => number;

  constructor(protected readonly common: SimulatedLabOptions) {
    this.name = common.name;
    this.capacity = common.capacity;
    this.parallel = Math.max(1, common.parallel ?? common.capacity);
    this.now = common.now ?? Date.now;
    this.log = common.log ?? labLogger(common.name);
    this.journal = new Journal<JournalEntry>(common.journalPath);
    this.replayJournal();
  }

  /** The experiment before noise and injected failures. */
  protected abstract measure(job: SimulatedJob): Measurement;

  /** For health(): what this lab answers from. */
  protected abstract describe(): string;

  async start(handler: ResultHandler): Promise<void> {
    this.handler = handler;
    this.running = true;
    for (const job of this.jobs.values()) {
      if (job.state === 'running') this.schedule(job);
      if (job.state === 'finished') this.deliver(job);
    }
    this.pump();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    await this.deliveryChain;
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    if (this.jobs.has(order.id)) return { duplicate: true };
    const unfinished = this.count('queued') + this.count('running');
    if (unfinished >= this.capacity) {
      throw new TransientLabError(`${this.name} is full (${unfinished}/${this.capacity} experiments in progress)`);
    }
    const queued = this.count('running') >= this.parallel;
    const at = this.now();
    const job: Job = { id: order.id, key: order.candidateKey, drawKey: this.nextDrawKey(order.candidateKey), order, acceptedAt: at, state: queued ? 'queued' : 'running' };
    if (!queued) job.startedAt = at;
    this.journal.append({ t: 'accepted', id: job.id, key: job.key, at, order, ...(queued ? { queued: true as const } : {}) });
    this.accepted.set(job.id, (this.accepted.get(job.id) ?? 0) + 1);
    this.jobs.set(job.id, job);
    if (this.running && !queued) this.schedule(job);
    return { duplicate: false };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const job = this.jobs.get(experimentId);
    if (!job) return 'unknown';
    if (job.state === 'cancelled' || job.state === 'queued' || job.state === 'running') return job.state;
    return job.result?.status === 'failed' ? 'failed' : 'completed';
  }

  async cancel(experimentId: string): Promise<boolean> {
    const job = this.jobs.get(experimentId);
    if (!job || (job.state !== 'running' && job.state !== 'queued')) return false;
    clearTimeout(job.timer);
    job.state = 'cancelled';
    this.journal.append({ t: 'cancelled', id: job.id });
    this.pump();
    return true;
  }

  async health(): Promise<LabHealth> {
    return { ok: true, detail: this.describe() };
  }

  /** How many times each experiment id was accepted: always 1 for an idempotent lab. */
  acceptedCounts(): Map<string, number> {
    return new Map(this.accepted);
  }

  /** The outcome of a finished experiment, for protocols that report it on request. */
  resultOf(experimentId: string): LabResult | undefined {
    return this.jobs.get(experimentId)?.result;
  }

  orderOf(experimentId: string): ExperimentOrder | undefined {
    return this.jobs.get(experimentId)?.order;
  }

  /** Experiments in the queue and on the deck, for health reports. */
  load(): { queued: number; running: number } {
    return { queued: this.count('queued'), running: this.count('running') };
  }

  /** The n-th experiment of a candidate gets `key#n`: replayed from the journal in acceptance order, so stable across restarts. */
  private nextDrawKey(key: string): string {
    const n = this.replicates.get(key) ?? 0;
    this.replicates.set(key, n + 1);
    return `${key}#${n}`;
  }

  private count(state: Job['state']): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.state === state) n++;
    return n;
  }

  private replayJournal(): void {
    for (const entry of this.journal.read()) {
      if (entry.t === 'accepted') {
        this.accepted.set(entry.id, (this.accepted.get(entry.id) ?? 0) + 1);
        if (this.jobs.has(entry.id)) continue;
        const job: Job = { id: entry.id, key: entry.key, drawKey: this.nextDrawKey(entry.key), acceptedAt: entry.at, state: entry.queued ? 'queued' : 'running' };
        if (entry.order) job.order = entry.order;
        if (!entry.queued) job.startedAt = entry.at;
        this.jobs.set(entry.id, job);
        continue;
      }
      const job = this.jobs.get(entry.id);
      if (!job) continue;
      if (entry.t === 'started') Object.assign(job, { state: 'running', startedAt: entry.at });
      else if (entry.t === 'finished') Object.assign(job, { state: 'finished', result: entry.result });
      else if (entry.t === 'delivered') job.state = 'delivered';
      else job.state = 'cancelled';
    }
  }

  /** Starts queued experiments, oldest first, while there is room on the deck. */
  private pump(): void {
    if (!this.running) return;
    let free = this.parallel - this.count('running');
    for (const job of this.jobs.values()) {
      if (free <= 0) break;
      if (job.state !== 'queued') continue;
      job.state = 'running';
      job.startedAt = this.now();
      this.journal.append({ t: 'started', id: job.id, at: job.startedAt });
      this.schedule(job);
      free--;
    }
  }

  private latencyOf(job: Job): number {
    const mean = this.common.latencyMs ?? 0;
    const floor = this.common.minLatencyMs ?? 0;
    if (mean <= 0) return floor;
    const u = rngFor(this.common.seed, 'latency', job.drawKey)();
    return floor - Math.log(1 - u) * mean;
  }

  private schedule(job: Job): void {
    const due = (job.startedAt ?? job.acceptedAt) + this.latencyOf(job);
    job.timer = setTimeout(() => this.finish(job), Math.max(0, due - this.now()));
  }

  private finish(job: Job): void {
    if (job.state !== 'running' || !this.running) return;
    job.result = this.outcome(job);
    job.state = 'finished';
    this.journal.append({ t: 'finished', id: job.id, result: job.result });
    this.deliver(job);
    this.pump();
  }

  /** The measurement, then the injected failure, then the noise: the order fixes the random draws. */
  private outcome(job: Job): LabResult {
    const measured = this.measure(job);
    const raw = measured.raw ?? {};
    if ('failure' in measured) return { experimentId: job.id, status: 'failed', reason: measured.failure, raw };
    const rng = rngFor(this.common.seed, 'measure', job.drawKey);
    if (rng() < (this.common.failureRate ?? 0)) {
      return { experimentId: job.id, status: 'failed', reason: 'simulated failure (failure_rate)', raw };
    }
    const values: Record<string, number> = {};
    for (const [quantity, exact] of Object.entries(measured.values)) {
      let value = exact + (this.common.noiseSd ?? 0) * normal(rng);
      const bounds = this.common.bounds?.[quantity];
      if (bounds) value = Math.min(bounds[1], Math.max(bounds[0], value));
      values[quantity] = value;
    }
    return { experimentId: job.id, status: 'completed', values, raw: { ...raw, values } };
  }

  private deliver(job: Job): void {
    this.deliveryChain = this.deliveryChain.then(async () => {
      if (!this.running || !this.handler || job.state !== 'finished' || !job.result) return;
      try {
        await this.handler(job.result);
        job.state = 'delivered';
        this.journal.append({ t: 'delivered', id: job.id });
      } catch (error) {
        if (error instanceof RefusedResultError) {
          // refused for good: offering it again cannot make it valid
          this.log.warn({ experimentId: job.id, code: error.code, field: error.field }, `result refused: ${error.message}`);
          job.state = 'delivered';
          this.journal.append({ t: 'delivered', id: job.id });
          return;
        }
        // not acknowledged: offer it again shortly, like a robot retrying its callback
        this.log.debug({ experimentId: job.id, error: describeError(error) }, 'result not acknowledged; offering it again');
        setTimeout(() => this.deliver(job), 1000).unref();
      }
    });
  }
}
