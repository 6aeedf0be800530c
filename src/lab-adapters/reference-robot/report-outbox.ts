/**
 * What the reference robot still has to report, until Athanor acknowledges it. Like a real robot
 * it misbehaves on request (seeded by experiment id): a late report waits `lateMs` before it is
 * first offered, a duplicated one is offered once more after it was acknowledged. With a journal
 * the robot remembers unacknowledged reports across its own restarts.
 */
import { randomUUID } from 'node:crypto';
import type { LabResult } from '../contract.js';
import { Journal } from '../journal.js';
import { resultToPayload } from '../result-payload.js';
import { rngFor } from '../../util/random.js';

export interface Report {
  /** The experiment id it reports on (a made-up one for injected garbage without an id). */
  id: string;
  /** What goes on the wire: normally the result's payload, anything at all when injected. */
  payload: unknown;
  campaignId: string;
  /** HTTP: where to post it (absent: only offered on GET /results). */
  callbackUrl?: string;
  /** Not offered before this time (lateness, backoff, redelivery). */
  dueAt: number;
  attempts: number;
  acked: boolean;
  duplicated: boolean;
}

export interface OutboxOptions {
  seed: number;
  duplicateRate?: number;
  lateRate?: number;
  lateMs?: number;
  journalPath?: string;
  now?: () => number;
}

type Entry = { t: 'report'; id: string; payload: unknown; campaignId: string; callbackUrl?: string; dueAt: number } | { t: 'ack'; id: string; refused?: string; outcome?: string };

export class ReportOutbox {
  private readonly reports = new Map<string, Report>();
  private readonly journal: Journal<Entry>;
  private readonly now: () => number;
  /** Reports acknowledged (accepted or refused) and how (Athanor's outcome: stored, duplicate, conflict, quarantined): for tests and logs. */
  readonly acks = new Map<string, { refused?: string; outcome?: string }>();

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.journal = new Journal<Entry>(options.journalPath);
    for (const entry of this.journal.read()) {
      if (entry.t === 'report') {
        this.reports.set(entry.id, { id: entry.id, payload: entry.payload, campaignId: entry.campaignId, ...(entry.callbackUrl ? { callbackUrl: entry.callbackUrl } : {}), dueAt: entry.dueAt, attempts: 0, acked: false, duplicated: false });
      } else {
        const report = this.reports.get(entry.id);
        if (report) report.acked = true;
        this.acks.set(entry.id, { ...(entry.refused ? { refused: entry.refused } : {}), ...(entry.outcome ? { outcome: entry.outcome } : {}) });
      }
    }
  }

  add(result: LabResult, campaignId: string, callbackUrl?: string): void {
    if (this.reports.has(result.experimentId)) return;
    const late = rngFor(this.options.seed, 'late', result.experimentId)() < (this.options.lateRate ?? 0);
    this.put(result.experimentId, resultToPayload(result), campaignId, callbackUrl, this.now() + (late ? (this.options.lateMs ?? 2000) : 0));
  }

  private put(id: string, payload: unknown, campaignId: string, callbackUrl: string | undefined, dueAt: number): void {
    this.journal.append({ t: 'report', id, payload, campaignId, ...(callbackUrl ? { callbackUrl } : {}), dueAt });
    this.reports.set(id, { id, payload, campaignId, ...(callbackUrl ? { callbackUrl } : {}), dueAt, attempts: 0, acked: false, duplicated: false });
  }

  /** Reports to offer now, oldest first. */
  due(limit = Infinity): Report[] {
    const now = this.now();
    const out: Report[] = [];
    for (const report of this.reports.values()) {
      if (out.length >= limit) break;
      if (!report.acked && report.dueAt <= now) out.push(report);
    }
    return out;
  }

  get(experimentId: string): Report | undefined {
    return this.reports.get(experimentId);
  }

  /** Not acknowledged this time: offer again after `delayMs`. */
  later(experimentId: string, delayMs: number): void {
    const report = this.reports.get(experimentId);
    if (report) {
      report.attempts++;
      report.dueAt = this.now() + delayMs;
    }
  }

  /** Acknowledged (or refused for good). Returns false for an unknown id. */
  ack(experimentId: string, refused?: string, outcome?: string): boolean {
    const report = this.reports.get(experimentId);
    if (!report) return false;
    if (report.acked) return true;
    report.acked = true;
    this.acks.set(experimentId, { ...(refused ? { refused } : {}), ...(outcome ? { outcome } : {}) });
    this.journal.append({ t: 'ack', id: experimentId, ...(refused ? { refused } : {}), ...(outcome ? { outcome } : {}) });
    const duplicate = !report.duplicated && !refused && rngFor(this.options.seed, 'duplicate', experimentId)() < (this.options.duplicateRate ?? 0);
    if (duplicate) {
      // the robot "forgets" it reported this and reports it once more
      report.duplicated = true;
      report.acked = false;
      report.dueAt = this.now() + 50;
    }
    return true;
  }

  /**
   * A report of the robot's own making, offered at once: a result again (a duplicate), one for an
   * experiment Athanor never sent, or a payload that breaks the protocol. Returns its id.
   */
  inject(payload: unknown, campaignId: string, callbackUrl?: string): string {
    const given = (payload as { experimentId?: unknown } | null)?.experimentId;
    const id = typeof given === 'string' && given !== '' ? given : `injected-${randomUUID()}`;
    this.reports.delete(id);
    this.put(id, payload, campaignId, callbackUrl, this.now());
    return id;
  }
}
