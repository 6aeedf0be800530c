/**
 * A dataset-backed lab: answers each experiment by looking its candidate up in a table of published
 * results, with optional seeded noise, latency and failures. It keeps its own journal, so like a
 * real robot it runs an experiment id once however often it is dispatched, and redelivers results
 * that were never acknowledged.
 */
import { normal, rngFor } from '../util/random.js';
import {
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

export interface DatasetSimulatorOptions {
  name?: string;
  rows: Record<string, string>[];
  /** Where the rows came from, for messages. */
  source: string;
  /** The candidate key a row describes, or null when it describes none of the space. */
  keyOfRow: (row: Record<string, string>) => string | null;
  /** Measured quantity → column. */
  results: Record<string, string>;
  /** Noisy values are clipped into these bounds (a yield is never below 0 %). */
  bounds?: Record<string, [number, number]>;
  noiseSd?: number;
  /** Mean of an exponential latency per experiment, in ms. */
  latencyMs?: number;
  failureRate?: number;
  seed: number;
  capacity: number;
  /** Where the simulated robot keeps its memory; without one it forgets on restart. */
  journalPath?: string;
  /** Wall clock, injectable for tests of latency. */
  now?: () => number;
}

type JournalEntry =
  | { t: 'accepted'; id: string; key: string; at: number }
  | { t: 'finished'; id: string; result: LabResult }
  | { t: 'delivered'; id: string }
  | { t: 'cancelled'; id: string };

interface Job {
  id: string;
  key: string;
  acceptedAt: number;
  state: 'running' | 'finished' | 'delivered' | 'cancelled';
  result?: LabResult;
  timer?: NodeJS.Timeout;
}

export interface DatasetReference {
  quantity: string;
  /** Distinct candidates with a value. */
  count: number;
  max: number;
  min: number;
  /** The value of the ceil(1 %)-th best row: reaching it means a top-1 % result. */
  top1Threshold: number;
  /** Candidates at or beyond the threshold (ties included). */
  top1Count: number;
}

export class DatasetSimulator implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  private readonly table = new Map<string, Record<string, number>>();
  private readonly jobs = new Map<string, Job>();
  private readonly journal: Journal<JournalEntry>;
  private handler?: ResultHandler;
  private deliveryChain: Promise<void> = Promise.resolve();
  private running = false;
  private readonly now: () => number;

  constructor(private readonly options: DatasetSimulatorOptions) {
    this.name = options.name ?? 'dataset-simulator';
    this.capacity = options.capacity;
    this.now = options.now ?? Date.now;
    this.journal = new Journal<JournalEntry>(options.journalPath);
    this.indexRows();
    this.replayJournal();
  }

  /** Facts about the dataset a campaign is measured against (best value, top-1 % threshold). */
  reference(quantity: string, direction: 'maximize' | 'minimize' = 'maximize'): DatasetReference {
    const values = [...this.table.values()].map((v) => v[quantity]).filter((v): v is number => v !== undefined);
    if (values.length === 0) throw new Error(`the dataset ${this.options.source} has no values for ${quantity}`);
    const sign = direction === 'maximize' ? -1 : 1;
    values.sort((a, b) => sign * (a - b)); // best first
    const k = Math.max(1, Math.ceil(values.length * 0.01));
    const threshold = values[k - 1] as number;
    return {
      quantity,
      count: values.length,
      max: values.reduce((a, b) => Math.max(a, b)),
      min: values.reduce((a, b) => Math.min(a, b)),
      top1Threshold: threshold,
      top1Count: values.filter((v) => sign * (v - threshold) <= 0).length,
    };
  }

  async start(handler: ResultHandler): Promise<void> {
    this.handler = handler;
    this.running = true;
    for (const job of this.jobs.values()) {
      if (job.state === 'running') this.schedule(job);
      if (job.state === 'finished') this.deliver(job);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    await this.deliveryChain;
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    if (this.jobs.has(order.id)) return { duplicate: true };
    const busy = [...this.jobs.values()].filter((j) => j.state === 'running').length;
    if (busy >= this.capacity) throw new TransientLabError(`${this.name} is full (${busy}/${this.capacity} experiments running)`);
    const job: Job = { id: order.id, key: order.candidateKey, acceptedAt: this.now(), state: 'running' };
    this.journal.append({ t: 'accepted', id: job.id, key: job.key, at: job.acceptedAt });
    this.jobs.set(job.id, job);
    if (this.running) this.schedule(job);
    return { duplicate: false };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const job = this.jobs.get(experimentId);
    if (!job) return 'unknown';
    if (job.state === 'cancelled') return 'cancelled';
    if (job.state === 'running') return 'running';
    return job.result?.status === 'failed' ? 'failed' : 'completed';
  }

  async cancel(experimentId: string): Promise<boolean> {
    const job = this.jobs.get(experimentId);
    if (!job || job.state !== 'running') return false;
    clearTimeout(job.timer);
    job.state = 'cancelled';
    this.journal.append({ t: 'cancelled', id: job.id });
    return true;
  }

  async health(): Promise<LabHealth> {
    return { ok: true, detail: `${this.table.size} dataset candidates from ${this.options.source}` };
  }

  /** How many times each experiment id was accepted: always 1 for an idempotent lab. */
  acceptedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.journal.read()) {
      if (entry.t === 'accepted') counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
    }
    return counts;
  }

  private indexRows(): void {
    const sums = new Map<string, { sums: Record<string, number>; n: number }>();
    for (const row of this.options.rows) {
      const key = this.options.keyOfRow(row);
      if (key === null) continue;
      const values: Record<string, number> = {};
      let complete = true;
      for (const [quantity, column] of Object.entries(this.options.results)) {
        const value = Number.parseFloat(row[column] ?? '');
        if (Number.isFinite(value)) values[quantity] = value;
        else complete = false;
      }
      if (!complete) continue;
      const slot = sums.get(key) ?? { sums: {}, n: 0 };
      for (const [q, v] of Object.entries(values)) slot.sums[q] = (slot.sums[q] ?? 0) + v;
      slot.n++;
      sums.set(key, slot);
    }
    // replicate rows of one candidate: the lab reports their mean
    for (const [key, { sums: s, n }] of sums) {
      this.table.set(key, Object.fromEntries(Object.entries(s).map(([q, v]) => [q, v / n])));
    }
  }

  private replayJournal(): void {
    for (const entry of this.journal.read()) {
      if (entry.t === 'accepted') {
        if (!this.jobs.has(entry.id)) this.jobs.set(entry.id, { id: entry.id, key: entry.key, acceptedAt: entry.at, state: 'running' });
        continue;
      }
      const job = this.jobs.get(entry.id);
      if (!job) continue;
      if (entry.t === 'finished') Object.assign(job, { state: 'finished', result: entry.result });
      else if (entry.t === 'delivered') job.state = 'delivered';
      else job.state = 'cancelled';
    }
  }

  private latencyOf(id: string): number {
    const mean = this.options.latencyMs ?? 0;
    if (mean <= 0) return 0;
    const u = rngFor(this.options.seed, 'latency', id)();
    return -Math.log(1 - u) * mean;
  }

  private schedule(job: Job): void {
    const due = job.acceptedAt + this.latencyOf(job.id);
    job.timer = setTimeout(() => this.finish(job), Math.max(0, due - this.now()));
  }

  private finish(job: Job): void {
    if (job.state !== 'running' || !this.running) return;
    job.result = this.measure(job);
    job.state = 'finished';
    this.journal.append({ t: 'finished', id: job.id, result: job.result });
    this.deliver(job);
  }

  private measure(job: Job): LabResult {
    const truth = this.table.get(job.key);
    const raw = { key: job.key, source: this.options.source };
    if (!truth) {
      return { experimentId: job.id, status: 'failed', reason: `the dataset ${this.options.source} has no row for ${job.key}`, raw };
    }
    const rng = rngFor(this.options.seed, 'measure', job.id);
    if (rng() < (this.options.failureRate ?? 0)) {
      return { experimentId: job.id, status: 'failed', reason: 'simulated failure (failure_rate)', raw };
    }
    const values: Record<string, number> = {};
    for (const [quantity, exact] of Object.entries(truth)) {
      let value = exact + (this.options.noiseSd ?? 0) * normal(rng);
      const bounds = this.options.bounds?.[quantity];
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
      } catch {
        // not acknowledged: offer it again shortly, like a robot retrying its callback
        setTimeout(() => this.deliver(job), 1000).unref();
      }
    });
  }
}
