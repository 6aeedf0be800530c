/**
 * The leases this process holds on campaigns: taken before a campaign runs here, renewed every
 * ttl/3 in one statement for all of them (and once more by the fencing check before each act
 * outside the database), given back when a campaign ends or the process shuts down. A renewal
 * that finds another holder reports the lease lost at once, naming the holder; a lease whose
 * renewals fail (the database unreachable) is reported lost once the database may no longer be
 * counting it as ours. The runner then stops acting before another process takes the campaign.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { acquireLease, liveLeaseHolder, releaseLease, renewLeases, type Db, type LeaseGrant } from '../db/index.js';

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(readonly campaignId: string, reason: string) {
    super(`lost the lease on campaign ${campaignId}: ${reason}`);
  }
}

export interface LeaseOptions {
  /** This process's name in the lease column; unique per process. */
  owner?: string;
  /** How long a lease lasts without renewal. */
  ttlMs?: number;
  /** Take leases whoever holds them: right for the embedded database, whose home lock already guarantees one process. */
  exclusive?: boolean;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;

/** host:pid:random — readable in the database, unique even when a pid is reused. */
export function processOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

interface Held {
  epoch: number;
  /** Local monotonic time before which the lease surely has not expired (sent-at of the last renewal + ttl). */
  safeUntil: number;
}

export class CampaignLeases {
  readonly owner: string;
  readonly ttlMs: number;
  private readonly exclusive: boolean;
  private readonly held = new Map<string, Held>();
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;

  constructor(
    private readonly db: Db,
    options: LeaseOptions,
    /** Told once per lost lease; the campaign must stop acting at once. */
    private readonly onLost: (campaignId: string, reason: string) => void,
  ) {
    this.owner = options.owner ?? processOwnerId();
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.exclusive = options.exclusive ?? false;
  }

  /** Takes the campaign's lease if it is free (or expired, or ours); undefined when another process runs it. */
  async acquire(campaignId: string): Promise<LeaseGrant | undefined> {
    const sentAt = performance.now();
    const grant = await acquireLease(this.db, campaignId, this.owner, this.ttlMs, this.exclusive);
    if (!grant) return undefined;
    this.held.set(campaignId, { epoch: grant.epoch, safeUntil: sentAt + this.safeMs });
    this.timer ??= setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
    return grant;
  }

  /** How long after sending a renewal this process trusts it: a tenth short of the ttl, for clocks that run at slightly different rates. */
  private get safeMs(): number {
    return this.ttlMs * 0.9;
  }

  holds(campaignId: string): boolean {
    // The embedded database: no other process can exist, so a late renewal (a starved event loop) loses nothing.
    if (this.exclusive) return this.held.has(campaignId);
    const held = this.held.get(campaignId);
    return held !== undefined && performance.now() < held.safeUntil;
  }

  epochOf(campaignId: string): number | undefined {
    return this.held.get(campaignId)?.epoch;
  }

  get count(): number {
    return this.held.size;
  }

  /**
   * Fencing, asked before anything that acts outside the database (a dispatch): renews the lease
   * in one conditional statement, which succeeds only while the database still names this process
   * as the holder — a stalled process whose lease merely ran late keeps its campaign, one whose
   * campaign was taken over learns it here. Throws LeaseLostError, naming the new holder, otherwise.
   */
  async fence(campaignId: string): Promise<void> {
    const held = this.held.get(campaignId);
    if (!held) throw new LeaseLostError(campaignId, 'this process no longer holds it');
    const sentAt = performance.now();
    const kept = await renewLeases(this.db, this.owner, [campaignId], this.ttlMs);
    if (kept.has(campaignId)) {
      if (this.held.get(campaignId) === held) held.safeUntil = sentAt + this.safeMs;
      return;
    }
    const reason = await this.takenOverReason(campaignId);
    this.lose(campaignId, reason);
    throw new LeaseLostError(campaignId, reason);
  }

  /** What an operator reads when a renewal finds the lease in other hands. */
  private async takenOverReason(campaignId: string): Promise<string> {
    const holder = await liveLeaseHolder(this.db, campaignId).catch(() => undefined);
    return holder ? `another process holds it now (${holder})` : 'another process took it and has given it back';
  }

  /** Renews every held lease in one statement; those missing from the answer were taken over. */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const sentAt = performance.now();
    let kept: Set<string>;
    try {
      kept = await renewLeases(this.db, this.owner, ids, this.ttlMs);
    } catch (error) {
      // The database may be briefly away: the leases stay ours until their safe time runs out.
      const why = error instanceof Error ? error.message : String(error);
      for (const id of ids) if (!this.holds(id)) this.lose(id, `not renewed in time: the database did not answer (${why})`);
      return;
    }
    for (const id of ids) {
      const held = this.held.get(id);
      if (!held) continue; // released meanwhile
      if (kept.has(id)) held.safeUntil = sentAt + this.safeMs;
      else this.lose(id, await this.takenOverReason(id));
    }
  }

  private lose(campaignId: string, reason: string): void {
    if (!this.held.delete(campaignId)) return;
    this.onLost(campaignId, reason);
  }

  async release(campaignId: string): Promise<void> {
    if (!this.held.delete(campaignId)) return;
    await releaseLease(this.db, campaignId, this.owner);
  }

  /** Stops renewing and gives every lease back (shutdown). */
  async releaseAll(): Promise<void> {
    this.stop();
    const ids = [...this.held.keys()];
    this.held.clear();
    await Promise.all(ids.map((id) => releaseLease(this.db, id, this.owner).catch(() => false)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
