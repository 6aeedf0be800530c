/**
 * What the supervisor does when a campaign cannot start: it says why where an operator looks (a
 * `campaign.start-failed` event with the error, on every attempt), tries again later with a
 * growing wait while the cause may pass (a database or lab hiccup), and gives up — the campaign
 * ends `failed`, with the reason as its outcome — when the cause cannot pass (its space cannot be
 * built from its own file) or after MAX_START_ATTEMPTS. A failed campaign is never retried and
 * can be deleted.
 */
import { CampaignSpecError } from '../campaign/index.js';
import { appendEvent, setCampaignStatus, type Db } from '../db/index.js';
import { SpaceError } from '../planner/space.js';

/** A campaign failing to start this many times in a row ends as failed (about 6 minutes of tries). */
export const MAX_START_ATTEMPTS = 10;
/** The first wait before trying again; it doubles each time, up to START_RETRY_MAX_MS. */
export const START_RETRY_FIRST_MS = 5_000;
export const START_RETRY_MAX_MS = 60_000;

export interface StartVerdict {
  /** The campaign was ended as failed: never try again. */
  gaveUp: boolean;
  /** Otherwise: wait this long before the next attempt. */
  retryInMs: number;
}

/** Errors that the same campaign file would raise on every attempt. */
function permanent(error: Error): boolean {
  return error instanceof SpaceError || error instanceof CampaignSpecError;
}

export class StartFailures {
  private readonly attempts = new Map<string, { count: number; notBefore: number; nextDelayMs: number }>();

  /** Whether a campaign may be tried now (not within the wait after its last failure). */
  due(campaignId: string, now = Date.now()): boolean {
    return now >= (this.attempts.get(campaignId)?.notBefore ?? 0);
  }

  started(campaignId: string): void {
    this.attempts.delete(campaignId);
  }

  /** Records the failure (event; failed status when giving up) and says what next. */
  async failed(db: Db, campaignId: string, error: Error): Promise<StartVerdict> {
    const previous = this.attempts.get(campaignId);
    const count = (previous?.count ?? 0) + 1;
    const delayMs = previous?.nextDelayMs ?? START_RETRY_FIRST_MS;
    const gaveUp = permanent(error) || count >= MAX_START_ATTEMPTS;
    const message = error.message;
    await appendEvent(db, {
      campaignId,
      type: 'campaign.start-failed',
      actor: 'agent',
      payload: { error: message, attempt: count, ...(gaveUp ? { final: true } : { retryInSeconds: delayMs / 1000 }) },
    });
    if (gaveUp) {
      this.attempts.delete(campaignId);
      const outcome = `could not start: ${message}`;
      await setCampaignStatus(db, campaignId, 'failed', outcome);
      await appendEvent(db, { campaignId, type: 'campaign.failed', actor: 'agent', payload: { error: outcome, attempts: count } });
      return { gaveUp, retryInMs: 0 };
    }
    this.attempts.set(campaignId, { count, notBefore: Date.now() + delayMs, nextDelayMs: Math.min(START_RETRY_MAX_MS, delayMs * 2) });
    return { gaveUp, retryInMs: delayMs };
  }
}
