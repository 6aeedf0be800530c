/**
 * Screening jobs: libraries larger than a request may carry (a supplier catalogue of a million
 * molecules), uploaded to the service's upload folder and screened in the background on a worker
 * thread of their own, with their progress in the database (docs/screening.md, "Large libraries").
 *
 * Any process of the service may run a job: each claims the oldest waiting one, writes its
 * progress about every second (the heartbeat), and a job whose runner has not been heard of for a
 * minute is taken over by another process, or by this one after a restart, from its file. A job
 * ends once: done (its report stored), failed (why), or cancelled; its library file is then removed.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import {
  claimScreeningJob,
  ENDED_SCREENING_STATUSES,
  finishScreeningJob,
  getCampaign,
  recordScreeningProgress,
  screeningJobs,
  type Db,
  type ScreeningJobRow,
} from '../db/index.js';
import type { LibraryFormat } from '../screening/library-reader.js';
import { ensurePrivateDir } from '../util/private-files.js';
import { WorkerPool, WorkFailedError, WorkRefusedError } from '../util/worker-pool.js';
import { REFUSAL_CODES, wholeNumberFromEnv } from './heavy-work/index.js';
import type { HeavyResult, HeavyTask, ScreenFileProgress, TaskFailure } from './heavy-work/tasks.js';
import type { TaskFault } from './heavy-work/worker.js';
import { screenRequestOf, workerSources, type ScreenQuery } from './routes/screening.js';

export interface ScreeningJobSettings {
  /** Where uploaded libraries wait for their screen (inside the service's home). */
  folder: string;
  /** The largest library an upload may carry, in bytes. */
  maxUploadBytes: number;
  /** Jobs this process screens at once, each on its own worker thread. */
  threads: number;
  /** A job's time limit on its worker (ms). */
  timeoutMs: number;
  /** V8 heap ceiling of a job's worker (MB). */
  memoryMb: number;
  /** A running job whose heartbeat is older than this is taken over (ms). */
  staleMs: number;
}

export const DEFAULT_SCREENING_JOBS: Omit<ScreeningJobSettings, 'folder'> = {
  maxUploadBytes: 512 * 1024 * 1024,
  threads: 1,
  timeoutMs: 6 * 3600_000,
  memoryMb: 1024,
  staleMs: 60_000,
};

/** ATHANOR_SCREEN_UPLOAD_MB, ATHANOR_SCREEN_THREADS, ATHANOR_SCREEN_TIMEOUT_MIN, ATHANOR_SCREEN_MEMORY_MB. */
export function screeningJobSettingsFromEnv(folder: string, env: NodeJS.ProcessEnv = process.env): ScreeningJobSettings {
  const mb = wholeNumberFromEnv(env, 'ATHANOR_SCREEN_UPLOAD_MB', 1);
  const minutes = wholeNumberFromEnv(env, 'ATHANOR_SCREEN_TIMEOUT_MIN', 1);
  return {
    ...DEFAULT_SCREENING_JOBS,
    folder,
    ...(mb ? { maxUploadBytes: mb * 1024 * 1024 } : {}),
    threads: wholeNumberFromEnv(env, 'ATHANOR_SCREEN_THREADS', 1) ?? DEFAULT_SCREENING_JOBS.threads,
    ...(minutes ? { timeoutMs: minutes * 60_000 } : {}),
    memoryMb: wholeNumberFromEnv(env, 'ATHANOR_SCREEN_MEMORY_MB', 1) ?? DEFAULT_SCREENING_JOBS.memoryMb,
  };
}

/** How often a running job's progress (its heartbeat) is written, and how often waiting jobs are looked for. */
const PROGRESS_EVERY_MS = 1000;
const LOOK_EVERY_MS = 5000;

type Log = { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
const quiet: Log = { info() {}, warn() {}, error() {} };

export class ScreeningJobs {
  /** Names this process in the jobs it runs. */
  readonly runner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly pool: WorkerPool<HeavyTask, HeavyResult>;
  /** The jobs this process runs: how to stop each, and when it has finished with it. */
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private looking?: Promise<void>;
  private closed = false;

  constructor(
    private readonly db: Db,
    readonly settings: ScreeningJobSettings,
    private readonly log: Log = quiet,
  ) {
    ensurePrivateDir(settings.folder); // uploads are users' data, private like the rest of the home
    this.pool = new WorkerPool({
      url: new URL('./heavy-work/worker.mjs', import.meta.url),
      size: settings.threads,
      maxQueued: settings.threads,
      timeoutMs: settings.timeoutMs,
      memoryMb: settings.memoryMb,
      name: 'library screen',
    });
  }

  /** Where a job's library is kept until it ends. */
  libraryPath(id: string, format: LibraryFormat): string {
    return join(this.settings.folder, `${id}.${format}`);
  }

  /** Looks for waiting jobs now and every few seconds (jobs left by a stopped process among them). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.poke(), LOOK_EVERY_MS);
    this.timer.unref();
    this.poke();
  }

  /** Takes waiting jobs while a worker is free (after an upload, at once). */
  poke(): void {
    if (this.closed || this.looking) return;
    this.looking = (async () => {
      while (!this.closed && this.running.size < this.settings.threads) {
        const job = await claimScreeningJob(this.db, this.runner, this.settings.staleMs);
        if (!job) break;
        const controller = new AbortController();
        // run() catches what it can; a fault left (the database gone at shutdown) is logged, never unhandled
        const done = this.run(job, controller).catch((err: unknown) => this.log.error({ err, job: job.id }, 'screening job stopped by a fault'));
        this.running.set(job.id, { controller, done });
        void done.finally(() => {
          this.running.delete(job.id);
          this.poke();
        });
      }
    })()
      .catch((err: unknown) => this.log.error({ err }, 'looking for screening jobs failed; will look again'))
      .finally(() => (this.looking = undefined));
  }

  /** Stops a job this process runs (the API has marked it cancelled). */
  stopLocal(id: string): void {
    this.running.get(id)?.controller.abort();
  }

  /** Stops the workers; the jobs they ran go back to waiting, for the next start or another process. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const ids = [...this.running.keys()];
    const finishing = [...this.running.values()].map((r) => r.done);
    for (const { controller } of this.running.values()) controller.abort();
    await this.pool.close();
    await this.looking;
    await Promise.all(finishing);
    if (ids.length > 0) {
      await this.db
        .update(screeningJobs)
        .set({ status: 'queued', runner: null, progress: null })
        .where(and(inArray(screeningJobs.id, ids), eq(screeningJobs.runner, this.runner), eq(screeningJobs.status, 'running')));
      this.log.info({ jobs: ids }, 'screening jobs handed back: they run again at the next start');
    }
  }

  private async run(job: ScreeningJobRow, controller: AbortController): Promise<void> {
    const path = this.libraryPath(job.id, job.format as LibraryFormat);
    let latest: ScreenFileProgress | undefined;
    let writing: Promise<unknown> = Promise.resolve();
    // the heartbeat: the latest progress, every second, whether or not the screen has moved
    const heartbeat = setInterval(() => {
      const progress = latest ? { ...latest } : { read: 0, screened: 0, rejected: 0, seconds: 0, bytesRead: 0 };
      writing = writing
        .then(() => recordScreeningProgress(this.db, job.id, this.runner, progress as unknown as Record<string, number>))
        .then((ours) => {
          if (!ours) controller.abort(); // cancelled, or taken over by another process
        })
        .catch((err: unknown) => this.log.warn({ err, job: job.id }, 'could not record a screening job’s progress'));
    }, PROGRESS_EVERY_MS);
    /** No more heartbeats, and the last one written, before the job's end is. */
    const stopHeartbeat = async () => {
      clearInterval(heartbeat);
      await writing;
    };
    this.log.info({ job: job.id, campaign: job.campaignId, library: job.libraryName, bytes: job.libraryBytes }, 'screening job started');
    try {
      const campaign = await getCampaign(this.db, job.campaignId);
      if (!campaign) throw new Error(`campaign ${job.campaignId} is gone`);
      const query = job.settings as unknown as ScreenQuery; // what the upload stored: the API's screen query
      const result = await this.pool.run(
        {
          kind: 'screen-file',
          sources: await workerSources(this.db, campaign),
          request: screenRequestOf(query),
          library: { path, format: job.format as LibraryFormat },
          top: query.top,
          ranking: query.rank,
          forward: query.forward !== 'false',
        },
        { signal: controller.signal, onProgress: (progress) => (latest = progress as ScreenFileProgress) },
      );
      await stopHeartbeat();
      const final = { ...latest, bytesRead: job.libraryBytes };
      if (await finishScreeningJob(this.db, job.id, this.runner, { status: 'done', result: result as unknown as Record<string, unknown>, progress: final as unknown as Record<string, number> })) {
        this.log.info({ job: job.id, seconds: latest?.seconds }, 'screening job done');
      }
      this.forget(path);
    } catch (error) {
      await stopHeartbeat();
      if (error instanceof WorkRefusedError && (error.reason === 'cancelled' || error.reason === 'closed')) {
        // closing: the job waits for the next start with its file. Cancelled: the file goes, unless
        // another process took the job over (this one was too slow to beat) and reads it now.
        if (error.reason === 'cancelled' && (await this.ended(job.id))) this.forget(path);
        return;
      }
      const failure = failureOf(error);
      this.log.warn({ job: job.id, failure }, 'screening job failed');
      await finishScreeningJob(this.db, job.id, this.runner, { status: 'failed', error: failure }).catch((err: unknown) => this.log.error({ err, job: job.id }, 'could not record a screening job’s failure'));
      this.forget(path);
    }
  }

  /** True once the job has ended (cancelled, or gone with its campaign). */
  private async ended(id: string): Promise<boolean> {
    const [row] = await this.db.select({ status: screeningJobs.status }).from(screeningJobs).where(eq(screeningJobs.id, id));
    return !row || ENDED_SCREENING_STATUSES.includes(row.status);
  }

  private forget(path: string): void {
    rmSync(path, { force: true });
  }
}

/** The share of a job's library read so far (1 once done; null before its first progress). */
export function fractionRead(job: Pick<ScreeningJobRow, 'status' | 'progress' | 'libraryBytes'>): number | null {
  if (job.status === 'done') return 1;
  const bytesRead = job.progress?.bytesRead;
  return bytesRead !== undefined && job.libraryBytes > 0 ? Math.min(1, bytesRead / job.libraryBytes) : null;
}

/** What a job's failure says to the people who asked for it: the API's error fields. */
function failureOf(error: unknown): { code: string; message: string; field?: string } {
  if (error instanceof WorkFailedError) {
    const failure = error.failure as TaskFailure | TaskFault;
    if ('fault' in failure) return { code: 'screen_failed', message: `${failure.fault.name}: ${failure.fault.message}` };
    return { code: failure.code, message: failure.message, ...(failure.field ? { field: failure.field } : {}) };
  }
  if (error instanceof WorkRefusedError) return { code: REFUSAL_CODES[error.reason], message: error.message };
  return { code: 'screen_failed', message: error instanceof Error ? error.message : String(error) };
}
