/**
 * A lab reached through shared folders (docs/lab-protocols.md):
 *   outbox/   Athanor writes a worklist per batch (and a plate map for well-plate runs), and
 *             cancellation lists; the lab takes them
 *   inbox/    the lab drops result files (CSV); Athanor reads each once it is complete
 *   archive/  result files Athanor has taken, moved here once every row is stored, each with
 *             <name>.outcome.csv saying what became of every row (the file protocol's ack)
 *   error/    result files it refused, each with <name>.reason.txt saying why
 * Dispatches closer together than the batch window share one worklist. The adapter journals what
 * it accepted and wrote, so a dispatch is never written twice and one accepted just before a crash
 * is written at the next start.
 *
 * Everything it creates, writes, reads or moves must really be inside the lab folder: a subfolder
 * or an inbox file that is a link leading elsewhere is refused, checked right before each use (the
 * folder itself was confined to the data folders, or chosen by an administrator, before this runs).
 */
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWithin, realPathOfSync } from '../../util/data-folders.js';
import {
  RefusedResultError,
  TransientLabError,
  type DispatchReceipt,
  type ExperimentOrder,
  type LabAdapter,
  type LabExperimentStatus,
  type LabHealth,
  type ResultHandler,
} from '../contract.js';
import { Journal } from '../journal.js';
import { describeError, labLogger, type Logger } from '../log.js';
import type { ResultExpectations } from '../result-payload.js';
import { csvText, writeFileAtomic } from './csv-text.js';
import { parseResultFile } from './result-file.js';
import { SettledFiles } from './settled-files.js';
import { plateMapCsv, worklistCsv } from './worklist.js';

export interface FileDropOptions {
  name?: string;
  /** The campaign id: names the files, so campaigns can share folders. */
  labId: string;
  /** Root of outbox/, inbox/, archive/ and error/ (created when missing). */
  folder: string;
  capacity: number;
  /** Well-plate runs: a worklist holds at most one plate and has a plate map beside it. */
  plateWells?: number;
  batchWindowMs?: number;
  pollIntervalMs?: number;
  settleMs?: number;
  /** The adapter's own memory; without one it forgets on restart. */
  journalPath?: string;
  expectations?: ResultExpectations;
  log?: Logger;
}

type JournalEntry =
  | { t: 'accepted'; id: string; order: ExperimentOrder }
  | { t: 'written'; file: string; ids: string[] }
  | { t: 'result'; id: string; status: 'completed' | 'failed' }
  | { t: 'cancelled'; id: string };

interface Entry {
  order: ExperimentOrder;
  written: boolean;
  outcome?: 'completed' | 'failed' | 'cancelled';
}

export const FOLDERS = ['outbox', 'inbox', 'archive', 'error'] as const;

/** A path of the lab that leads outside its folder (through a link). */
export class OutsideLabFolderError extends Error {
  override readonly name = 'OutsideLabFolderError';
}

export class FileDropAdapter implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  readonly folders: Record<(typeof FOLDERS)[number], string>;
  /** The lab folder's real path: what everything the adapter touches must be inside. */
  private readonly root: string;
  private readonly log: Logger;
  private readonly journal: Journal<JournalEntry>;
  private readonly entries = new Map<string, Entry>();
  private readonly settled: SettledFiles;
  private readonly tag: string;
  private worklists = 0;
  private cancellations = 0;
  private flushTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private handler?: ResultHandler;
  private running = false;

  constructor(private readonly options: FileDropOptions) {
    this.name = options.name ?? `file-drop ${options.folder}`;
    this.capacity = options.capacity;
    this.log = options.log ?? labLogger(this.name);
    this.tag = options.labId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'lab';
    const root = realPathOfSync(options.folder);
    if (root === undefined) throw new OutsideLabFolderError(`cannot resolve the lab folder ${options.folder}`);
    this.root = root;
    this.folders = Object.fromEntries(FOLDERS.map((f) => [f, join(root, f)])) as FileDropAdapter['folders'];
    for (const folder of Object.values(this.folders)) mkdirSync(this.inside(folder), { recursive: true });
    this.settled = new SettledFiles(this.folders.inbox, options.settleMs ?? 1000);
    this.journal = new Journal<JournalEntry>(options.journalPath);
    this.replay();
  }

  /** `path` when it really leads inside the lab folder (links resolved), else an OutsideLabFolderError. */
  private inside(path: string): string {
    const real = realPathOfSync(path);
    if (real === undefined || !isWithin(this.root, real)) throw new OutsideLabFolderError(`${path} leads outside the lab folder ${this.root}`);
    return path;
  }

  async start(handler: ResultHandler): Promise<void> {
    this.handler = handler;
    this.running = true;
    this.flush(); // anything accepted before a crash and not yet written
    this.schedulePoll(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.pollTimer);
    this.flush();
    await this.polling;
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    if (this.entries.has(order.id)) return { duplicate: true };
    // the file drop's lab fault: a folder that cannot take files (unmounted share, read-only, replaced);
    // the experiment is held, not accepted into a worklist nobody could read
    const problem = this.folderProblem();
    if (problem) throw new TransientLabError(`${this.name}: ${problem}; the experiment is held until the folder takes files again`);
    const out = [...this.entries.values()].filter((e) => e.outcome === undefined).length;
    if (out >= this.capacity) throw new TransientLabError(`${this.name} is full (${out}/${this.capacity} experiments out in the lab)`);
    this.journal.append({ t: 'accepted', id: order.id, order });
    this.entries.set(order.id, { order, written: false });
    const unwritten = this.unwritten().length;
    if (unwritten >= (this.options.plateWells ?? this.capacity)) this.flush();
    else {
      clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(() => this.flush(), this.options.batchWindowMs ?? 500);
    }
    return { duplicate: false };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const entry = this.entries.get(experimentId);
    if (!entry) return 'unknown';
    return entry.outcome ?? 'queued';
  }

  async cancel(experimentId: string): Promise<boolean> {
    const entry = this.entries.get(experimentId);
    if (!entry || entry.outcome !== undefined) return false;
    if (entry.written) {
      // the lab has the worklist already: tell it, and treat any result that still comes as late
      const file = `cancel-${this.tag}-${String(++this.cancellations).padStart(4, '0')}-${Date.now()}.csv`;
      writeFileAtomic(this.inside(join(this.inside(this.folders.outbox), file)), csvText(['experiment_id', 'seq'], [[experimentId, entry.order.seq]]));
    }
    entry.outcome = 'cancelled';
    this.journal.append({ t: 'cancelled', id: experimentId });
    return true;
  }

  async health(): Promise<LabHealth> {
    const missing = Object.values(this.folders).filter((f) => !existsSync(f));
    if (missing.length > 0) return { ok: false, detail: `missing folders: ${missing.join(', ')}` };
    const problem = this.folderProblem();
    if (problem) return { ok: false, detail: problem };
    return { ok: true, detail: `worklists to ${this.folders.outbox}, results from ${this.folders.inbox}` };
  }

  /** Why outbox/ or inbox/ cannot be used now (not a folder, not writable), or undefined. */
  private folderProblem(): string | undefined {
    for (const folder of [this.folders.outbox, this.folders.inbox]) {
      try {
        if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
        accessSync(folder, fsConstants.R_OK | fsConstants.W_OK); // EROFS on a read-only file system, even for root
      } catch (error) {
        return `cannot use ${folder} (${describeError(error)})`;
      }
    }
    return undefined;
  }

  private replay(): void {
    for (const entry of this.journal.read()) {
      if (entry.t === 'accepted') {
        if (!this.entries.has(entry.id)) this.entries.set(entry.id, { order: entry.order, written: false });
      } else if (entry.t === 'written') {
        this.worklists++;
        for (const id of entry.ids) {
          const known = this.entries.get(id);
          if (known) known.written = true;
        }
      } else {
        const known = this.entries.get(entry.id);
        if (known) known.outcome = entry.t === 'cancelled' ? 'cancelled' : entry.status;
      }
    }
  }

  private unwritten(): Entry[] {
    return [...this.entries.values()].filter((e) => !e.written && e.outcome !== 'cancelled');
  }

  /** Writes every accepted, unwritten experiment: one worklist per plate (or per batch). */
  private flush(): void {
    clearTimeout(this.flushTimer);
    try {
      this.writeWorklists();
    } catch (error) {
      // accepted and journaled already: keep trying until the folder takes the file
      this.log.error({ folder: this.folders.outbox, error: describeError(error) }, 'cannot write a worklist; will try again');
      this.flushTimer = setTimeout(() => this.flush(), 1000);
      this.flushTimer.unref();
    }
  }

  private writeWorklists(): void {
    const pending = this.unwritten();
    if (pending.length > 0) this.inside(this.folders.outbox);
    const size = this.options.plateWells ?? Math.max(1, pending.length);
    for (let i = 0; i < pending.length; i += size) {
      const chunk = pending.slice(i, i + size);
      const orders = chunk.map((e) => e.order);
      const number = String(++this.worklists).padStart(4, '0');
      const file = `worklist-${this.tag}-${number}.csv`;
      // the plate map first: when the worklist appears, everything that belongs to it is there
      if (this.options.plateWells) writeFileAtomic(this.inside(join(this.folders.outbox, `platemap-${this.tag}-${number}.csv`)), plateMapCsv(orders, this.options.plateWells));
      writeFileAtomic(this.inside(join(this.folders.outbox, file)), worklistCsv(orders, this.options.plateWells));
      this.journal.append({ t: 'written', file, ids: chunk.map((e) => e.order.id) });
      for (const e of chunk) e.written = true;
    }
  }

  private schedulePoll(delayMs: number): void {
    if (!this.running) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.pollInbox()
        .catch((error: unknown) => this.log.error({ error: describeError(error) }, 'reading the inbox failed; will try again'))
        .finally(() => this.schedulePoll(this.options.pollIntervalMs ?? 500));
    }, delayMs);
  }

  private async pollInbox(): Promise<void> {
    this.inside(this.folders.inbox); // an inbox swapped for a link elsewhere is not read from
    for (const name of this.settled.scan()) {
      if (!this.running) return;
      await this.ingest(name);
    }
  }

  private async ingest(name: string): Promise<void> {
    const path = join(this.folders.inbox, name);
    if (!name.toLowerCase().endsWith('.csv')) return this.refuseFile(name, 'only .csv result files are read');
    try {
      this.inside(path);
    } catch {
      return this.refuseFile(name, 'a link leading outside the lab folder: not read');
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      this.log.warn({ file: name, error: describeError(error) }, 'cannot read a result file; will try again');
      return;
    }
    let results;
    try {
      results = parseResultFile(text, this.options.expectations);
    } catch (error) {
      if (error instanceof RefusedResultError) return this.refuseFile(name, error.message);
      throw error;
    }
    const outcomes: string[][] = [];
    for (const result of results) {
      if (!this.handler) return;
      try {
        const outcome = await this.handler(result);
        outcomes.push([result.experimentId, outcome ?? 'stored', '']);
        const entry = this.entries.get(result.experimentId);
        if (entry && entry.outcome === undefined) {
          entry.outcome = result.status;
          this.journal.append({ t: 'result', id: result.experimentId, status: result.status });
        }
      } catch (error) {
        if (error instanceof RefusedResultError) {
          this.log.warn({ file: name, experimentId: result.experimentId, code: error.code, field: error.field }, `result refused: ${error.message}`);
          outcomes.push([result.experimentId, 'refused', `${error.code}: ${error.message}`]);
          continue;
        }
        // not stored: the file stays in the inbox and is read again; rows already stored are duplicates then
        this.log.warn({ file: name, error: describeError(error) }, 'could not store a result file; will try again');
        return;
      }
    }
    const archived = this.moveAway(name, this.folders.archive);
    if (!archived) return;
    try {
      writeFileAtomic(this.inside(`${archived}.outcome.csv`), csvText(['experiment_id', 'outcome', 'detail'], outcomes));
    } catch (error) {
      this.log.error({ file: name, error: describeError(error) }, 'could not write what became of a result file');
    }
  }

  private refuseFile(name: string, reason: string): void {
    this.log.warn({ file: name, reason }, 'result file refused; moved to the error folder');
    const moved = this.moveAway(name, this.folders.error);
    if (!moved) return;
    try {
      writeFileSync(this.inside(`${moved}.reason.txt`), `${name}: refused, nothing of it was stored\n${reason}\n`);
    } catch (error) {
      this.log.error({ file: name, error: describeError(error) }, 'could not write why a result file was refused');
    }
  }

  /** Moves an inbox file into `folder` (a time prefix keeps earlier files of the same name). */
  private moveAway(name: string, folder: string): string | undefined {
    let target = join(folder, name);
    if (existsSync(target)) target = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
    try {
      // the file itself may be a link (it is moved as the link); the folders on both sides may not
      this.inside(folder);
      this.inside(this.folders.inbox);
      renameSync(join(this.folders.inbox, name), this.inside(target));
      this.settled.forget(name);
      return target;
    } catch (error) {
      this.log.error({ file: name, error: describeError(error) }, `could not move a result file to ${folder}`);
      return undefined;
    }
  }
}
