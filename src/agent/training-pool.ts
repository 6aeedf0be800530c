/**
 * Surrogate fits on worker threads, so that the service's event loop — results coming in, the
 * panel, every other campaign's steps — never waits for training. A small fixed pool (one worker
 * by default: the machine's other cores are busy serving) takes jobs in order; a worker that dies
 * fails only its own job and is replaced on the next one. Each worker loads RDKit and the tensor
 * backend once and keeps them.
 */
import { Worker } from 'node:worker_threads';
import { FitAbortedError } from '../models/index.js';
import type { FitRequest, FitResult, SurrogateTrainer } from './surrogate-training.js';
import type { TrainingJobMessage, TrainingReply } from './training-worker.js';

const WORKER_URL = new URL('./training-worker.mjs', import.meta.url);

interface Job {
  id: number;
  request: FitRequest;
  resolve: (result: FitResult) => void;
  reject: (error: Error) => void;
  signal?: AbortSignal;
}

interface Slot {
  worker?: Worker;
  job?: Job;
}

export class TrainingWorkerError extends Error {
  override readonly name = 'TrainingWorkerError';
}

export class WorkerTrainingPool implements SurrogateTrainer {
  readonly where = 'worker' as const;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = 1) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({}));
  }

  /** Starts every worker now, so the first fit does not wait for one to load RDKit and the tensor backend. */
  warm(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.worker) continue;
      slot.worker = this.spawn(slot);
      slot.worker.unref();
    }
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.job).length;
  }

  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    if (this.closed) return Promise.reject(new TrainingWorkerError('the training pool is closed'));
    if (signal?.aborted) return Promise.reject(new FitAbortedError());
    return new Promise<FitResult>((resolve, reject) => {
      // A job aborted while it waits leaves the queue; one already running finishes and is ignored
      // (interrupting a fit mid-way would cost a worker restart, more than the fit itself).
      const onAbort = () => {
        const at = this.queue.indexOf(job);
        if (at >= 0) this.queue.splice(at, 1);
        reject(new FitAbortedError());
      };
      // The signal lives as long as its campaign: a settled job lets go of it (and of its data).
      const settled = () => signal?.removeEventListener('abort', onAbort);
      const job: Job = {
        id: this.nextId++,
        request,
        resolve: (result) => (settled(), resolve(result)),
        reject: (error) => (settled(), reject(error)),
        ...(signal ? { signal } : {}),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new TrainingWorkerError('the training pool closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.job?.reject(new TrainingWorkerError('the training pool closed'));
        slot.job = undefined;
        const worker = slot.worker;
        slot.worker = undefined;
        await worker?.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      const worker = (slot.worker ??= this.spawn(slot));
      const message: TrainingJobMessage = { id: job.id, request: job.request };
      worker.ref(); // a running fit keeps the process alive; an idle worker does not
      worker.postMessage(message);
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(WORKER_URL);
    worker.on('message', (reply: TrainingReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      slot.job = undefined;
      worker.unref();
      if (reply.ok) job.resolve(reply.result);
      else job.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      this.pump();
    });
    const fail = (error: Error) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new TrainingWorkerError(`the training worker stopped: ${error.message}`));
      if (!this.closed) this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return worker;
  }
}
