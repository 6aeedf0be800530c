/**
 * Runs a list of benchmark campaigns on `workers` child processes (each with its own embedded
 * database and its own share of the cores), or in this process when `workers` is 1, and reports
 * each finished campaign with an estimate of the time left.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CampaignSpec } from '../../src/campaign/index.js';
import { ROOT } from '../lib.js';
import { CampaignExecutor } from './executor.js';
import type { CampaignTrace } from './run-campaign.js';

export interface CampaignJob {
  id: string;
  /** Complete campaign spec, seed included. */
  spec: CampaignSpec;
  /** Jobs of one group (a task × strategy) are expected to take alike, for the time estimate. */
  group: string;
}

export type ToWorker = { type: 'run'; id: string; spec: CampaignSpec } | { type: 'stop' };
export type ToParent = { type: 'ready' } | { type: 'done'; id: string; trace: CampaignTrace } | { type: 'error'; id: string; message: string };

export interface Progress {
  job: CampaignJob;
  trace: CampaignTrace;
  finished: number;
  total: number;
  /** Seconds left, estimated from the campaigns finished so far (per group where it can). */
  etaSeconds: number;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Mean wall time per group, and overall, of what has finished: the estimate for what has not. */
class Estimator {
  private readonly byGroup = new Map<string, { sum: number; n: number }>();
  private sum = 0;
  private n = 0;
  add(group: string, seconds: number): void {
    const g = this.byGroup.get(group) ?? { sum: 0, n: 0 };
    g.sum += seconds;
    g.n++;
    this.byGroup.set(group, g);
    this.sum += seconds;
    this.n++;
  }
  secondsLeft(pending: readonly CampaignJob[], workers: number): number {
    const overall = this.n > 0 ? this.sum / this.n : 0;
    const total = pending.reduce((s, job) => {
      const g = this.byGroup.get(job.group);
      return s + (g ? g.sum / g.n : overall);
    }, 0);
    return total / workers;
  }
}

export interface PoolOptions {
  workers: number;
  onDone?: (p: Progress) => void;
  /** No campaign starts after this time (ms since the epoch); those running finish. */
  deadline?: number;
}

export async function runJobs(jobs: readonly CampaignJob[], options: PoolOptions): Promise<Map<string, CampaignTrace>> {
  const traces = new Map<string, CampaignTrace>();
  const queue = [...jobs];
  const running = new Set<CampaignJob>();
  const estimator = new Estimator();
  const workers = Math.max(1, Math.min(options.workers, jobs.length));
  const pastDeadline = () => options.deadline !== undefined && Date.now() > options.deadline;
  const finished = (job: CampaignJob, trace: CampaignTrace) => {
    traces.set(job.id, trace);
    running.delete(job);
    estimator.add(job.group, trace.wallSeconds);
    options.onDone?.({ job, trace, finished: traces.size, total: jobs.length, etaSeconds: estimator.secondsLeft([...queue, ...running], workers) });
  };

  if (workers === 1) {
    const executor = new CampaignExecutor();
    try {
      for (let job = queue.shift(); job && !pastDeadline(); job = queue.shift()) {
        running.add(job);
        finished(job, await executor.run(job.spec));
      }
    } finally {
      await executor.close();
    }
    return traces;
  }

  const children: ChildProcess[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const feed = (child: ChildProcess) => {
        if (pastDeadline()) queue.length = 0;
        const job = queue.shift();
        if (!job) {
          if (running.size === 0) resolve();
          return;
        }
        running.add(job);
        child.send({ type: 'run', id: job.id, spec: job.spec } satisfies ToWorker);
      };
      for (let w = 0; w < workers; w++) {
        const child = fork(WORKER, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (message: ToParent) => {
          if (failed) return;
          if (message.type === 'ready') return feed(child);
          const job = [...running].find((j) => j.id === message.id);
          if (!job) return;
          if (message.type === 'error') {
            failed = true;
            reject(new Error(`campaign ${job.id} failed to run: ${message.message}`));
            return;
          }
          finished(job, message.trace);
          feed(child);
        });
        child.on('exit', (code) => {
          if (!failed && (queue.length > 0 || running.size > 0)) {
            failed = true;
            reject(new Error(`a suite worker exited (code ${code}) with campaigns still to run`));
          }
        });
      }
    });
  } finally {
    for (const child of children) {
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
    }
    await Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))));
  }
  return traces;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
