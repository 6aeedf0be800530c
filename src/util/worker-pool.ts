/**
 * A small pool of worker threads for work that must not hold the event loop: each job runs on
 * a worker with a memory ceiling (V8's resourceLimits) and a time limit. A job that runs over its
 * time has its worker terminated — the only way to stop synchronous work — and a fresh one takes
 * the slot; a worker that dies (out of memory, a crash) fails only its own job. Jobs wait in a
 * bounded queue; when it is full, or a job waits longer than its time limit, the caller hears at
 * once that the pool is busy rather than piling up work.
 *
 * The same shape as the training pool (src/agent/training-pool.ts), with the limits added.
 */
import { Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** The worker's entry (a .mjs file that loads the TypeScript body, see training-worker.mjs). */
  url: URL;
  /** Workers at most (started on demand). */
  size: number;
  /** Jobs that may wait for a free worker; one more is refused as busy. */
  maxQueued: number;
  /** A job's time limit, from when a worker starts it; also the longest a job waits in the queue. */
  timeoutMs: number;
  /** V8 old-generation ceiling of each worker, in MB (WebAssembly memory is not counted by V8). */
  memoryMb: number;
  /** For messages: what the pool does ("prediction", "campaign checks"). */
  name: string;
}

/** Why a job did not finish; `retryAfterSeconds` is a fair wait before asking again. */
export class WorkRefusedError extends Error {
  override readonly name = 'WorkRefusedError';
  constructor(
    readonly reason: 'busy' | 'timeout' | 'memory' | 'crashed' | 'closed' | 'cancelled',
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** What a worker posts back for a job: its value, or a failure the job itself reported. */
export type WorkReply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; failure: unknown };

/** What a worker may post while a job runs (a long job's progress), before its reply. */
export interface WorkProgress {
  id: number;
  progress: unknown;
}

/** Per job: where its progress goes, and a signal that stops it (queued: dropped; running: its worker terminated). */
export interface RunOptions {
  onProgress?(progress: unknown): void;
  signal?: AbortSignal;
}

/** A job's own failure (bad input found by the worker), carried back as plain data. */
export class WorkFailedError extends Error {
  override readonly name = 'WorkFailedError';
  constructor(readonly failure: unknown) {
    super('the job failed');
  }
}

interface Job<T, R> {
  id: number;
  task: T;
  options: RunOptions;
  resolve: (value: R) => void;
  reject: (error: Error) => void;
  queuedTimer?: NodeJS.Timeout;
}

interface Slot<T, R> {
  worker?: Worker;
  /** The worker has loaded its code (it posts WORKER_READY): a job's time counts from then. */
  ready?: boolean;
  job?: Job<T, R>;
  timer?: NodeJS.Timeout;
}

/** What a worker posts once its code is loaded, before any job. */
export const WORKER_READY = 'worker-ready';

/** How long a new worker may take to load its code, on top of its first job's time limit. */
const STARTUP_ALLOWANCE_MS = 60_000;

export class WorkerPool<T, R> {
  private readonly slots: Slot<T, R>[];
  private readonly queue: Job<T, R>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({}));
  }

  get queued(): number {
    return this.queue.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.job).length;
  }

  run(task: T, options: RunOptions = {}): Promise<R> {
    const { name, timeoutMs, maxQueued } = this.options;
    if (this.closed) return Promise.reject(new WorkRefusedError('closed', `the ${name} workers are shut down`, 5));
    const free = this.slots.some((s) => !s.job);
    if (!free && this.queue.length >= maxQueued) {
      return Promise.reject(new WorkRefusedError('busy', `the service is busy with other ${name} requests; try again shortly`, this.retryAfter()));
    }
    if (options.signal?.aborted) return Promise.reject(this.cancelled());
    return new Promise<R>((resolve, reject) => {
      const job: Job<T, R> = { id: this.nextId++, task, options, resolve, reject };
      options.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      // A job that cannot start within its own time limit would only answer later than asked for.
      job.queuedTimer = setTimeout(() => {
        const at = this.queue.indexOf(job);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(new WorkRefusedError('busy', `the service is busy with other ${name} requests; try again shortly`, this.retryAfter()));
      }, timeoutMs);
      job.queuedTimer.unref();
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const refusal = () => new WorkRefusedError('closed', `the ${this.options.name} workers are shut down`, 5);
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.queuedTimer);
      job.reject(refusal());
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.timer);
        slot.job?.reject(refusal());
        slot.job = undefined;
        const worker = slot.worker;
        slot.worker = undefined;
        await worker?.terminate();
      }),
    );
  }

  private cancelled(): WorkRefusedError {
    return new WorkRefusedError('cancelled', `the ${this.options.name} was cancelled`, 0);
  }

  /** Stops one job: out of the queue, or off its worker (terminated: the only way to stop synchronous work). */
  private cancel(job: Job<T, R>): void {
    const at = this.queue.indexOf(job);
    if (at >= 0) {
      this.queue.splice(at, 1);
      clearTimeout(job.queuedTimer);
      job.reject(this.cancelled());
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (slot) this.stopRunning(slot, job, this.cancelled()); // otherwise it has already finished
  }

  /** Fails a running job and terminates its worker (the only way to stop synchronous work); the next job gets a fresh one. */
  private stopRunning(slot: Slot<T, R>, job: Job<T, R>, why: WorkRefusedError): void {
    this.finish(slot);
    job.reject(why);
    const worker = slot.worker;
    slot.worker = undefined;
    void worker?.terminate();
    this.pump();
  }

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.options.timeoutMs / 1000));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      clearTimeout(job.queuedTimer);
      slot.job = job;
      const worker = (slot.worker ??= this.spawn(slot));
      worker.ref(); // a running job keeps the process alive; an idle worker does not
      // loading a fresh worker's code is not the job's time (the clock restarts when it is ready)
      slot.timer = setTimeout(() => this.overTime(slot, job), this.options.timeoutMs + (slot.ready ? 0 : STARTUP_ALLOWANCE_MS));
      worker.postMessage({ id: job.id, task: job.task });
    }
  }

  private finish(slot: Slot<T, R>): Job<T, R> | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    return job;
  }

  private overTime(slot: Slot<T, R>, job: Job<T, R>): void {
    if (slot.job !== job) return;
    const { name, timeoutMs } = this.options;
    this.stopRunning(slot, job, new WorkRefusedError('timeout', `the ${name} took longer than the limit of ${timeoutMs / 1000} s and was stopped`, this.retryAfter()));
  }

  private spawn(slot: Slot<T, R>): Worker {
    const { url, memoryMb, name } = this.options;
    const worker = new Worker(url, { resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    slot.ready = false;
    worker.unref();
    worker.on('message', (reply: WorkReply<R> | WorkProgress | typeof WORKER_READY) => {
      if (slot.worker !== worker) return;
      if (reply === WORKER_READY) {
        slot.ready = true;
        const job = slot.job;
        if (job) {
          clearTimeout(slot.timer);
          slot.timer = setTimeout(() => this.overTime(slot, job), this.options.timeoutMs);
        }
        return;
      }
      if (slot.job?.id !== reply.id) return;
      if ('progress' in reply) {
        slot.job.options.onProgress?.(reply.progress);
        return;
      }
      const job = this.finish(slot)!;
      worker.unref();
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new WorkFailedError(reply.failure));
      this.pump();
    });
    const fail = (error: Error) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const job = this.finish(slot);
      const memory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      job?.reject(
        memory
          ? new WorkRefusedError('memory', `the ${name} needed more than the limit of ${memoryMb} MB and was stopped`, this.retryAfter())
          : new WorkRefusedError('crashed', `the ${name} worker stopped: ${error.message}`, this.retryAfter()),
      );
      if (!this.closed) this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return worker;
  }
}
