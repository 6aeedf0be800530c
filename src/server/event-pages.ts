/**
 * Pages of a campaign's events (GET /api/campaigns/:id/events) from memory. Events are only ever
 * appended, and on the embedded database their ids appear in commit order (writes are serialised),
 * so the events up to the newest one read are final: each request asks the database only for what
 * came after it (usually nothing) instead of reading and parsing up to 500 rows with their payloads
 * again. On PostgreSQL a transaction that took an id early may commit late, so there every page is
 * read from the database as before.
 */
import { listEvents, type Db, type EventRow } from '../db/index.js';

/** Events kept per campaign; later ones are read from the database. */
const MAX_EVENTS_PER_CAMPAIGN = 3_000;
/** Campaigns kept; the least recently read goes first. */
const MAX_CAMPAIGNS = 16;
const PAGE = 500;

interface Kept {
  /** Every event of the campaign with id ≤ upTo, oldest first. */
  rows: EventRow[];
  upTo: number;
  /** The latest read (and any reader waiting on it): one at a time per campaign. */
  reading: Promise<void>;
}

export class EventPages {
  private readonly kept = new Map<string, Kept>();
  /** The last page answered per campaign as JSON text, and which page it is. */
  private readonly texts = new Map<string, { key: string; text: string }>();

  constructor(
    private readonly db: Db,
    /** False on PostgreSQL (see above). */
    private readonly idsInCommitOrder: boolean,
    private readonly maxPerCampaign = MAX_EVENTS_PER_CAMPAIGN,
  ) {}

  /** Up to `limit` events of the campaign after the id `after`, oldest first: what listEvents answers. */
  async page(campaignId: string, after = 0, limit = PAGE): Promise<EventRow[]> {
    if (!this.idsInCommitOrder) return listEvents(this.db, campaignId, after, limit);
    const kept = this.keptFor(campaignId);
    // After the previous read, whether it worked or not (its own request heard of a failure).
    const reading = kept.reading.catch(() => undefined).then(() => this.catchUp(campaignId, kept));
    kept.reading = reading;
    await reading;
    const first = firstAfter(kept.rows, after);
    const page = kept.rows.slice(first, first + limit);
    // Beyond what is kept (a campaign with more events than that): the rest from the database.
    if (page.length < limit && kept.rows.length >= this.maxPerCampaign) {
      page.push(...(await listEvents(this.db, campaignId, Math.max(after, kept.upTo), limit - page.length)));
    }
    return page;
  }

  /**
   * `{"events": rows}` as JSON, the same text as last time when the page is the same: most reads
   * ask for the same page again (a campaign's first 500 events, or all of a younger one's), and
   * turning up to 500 events with their payloads into text was a large share of the request.
   * Events never change once written and ids only grow, so a page's first id, last id and length
   * tell whether it is the same page.
   */
  pageJson(campaignId: string, rows: readonly EventRow[]): string {
    const key = rows.length === 0 ? '' : `${rows[0]!.id}:${rows[rows.length - 1]!.id}:${rows.length}`;
    const known = this.texts.get(campaignId);
    if (known?.key === key) return known.text;
    const text = JSON.stringify({ events: rows });
    this.texts.delete(campaignId);
    this.texts.set(campaignId, { key, text });
    if (this.texts.size > MAX_CAMPAIGNS) this.texts.delete(this.texts.keys().next().value!);
    return text;
  }

  private keptFor(campaignId: string): Kept {
    let kept = this.kept.get(campaignId);
    if (kept) this.kept.delete(campaignId);
    else kept = { rows: [], upTo: 0, reading: Promise.resolve() };
    this.kept.set(campaignId, kept);
    if (this.kept.size > MAX_CAMPAIGNS) this.kept.delete(this.kept.keys().next().value!);
    return kept;
  }

  /** Reads what was appended since the last read, while there is room. */
  private async catchUp(campaignId: string, kept: Kept): Promise<void> {
    while (kept.rows.length < this.maxPerCampaign) {
      const wanted = Math.min(PAGE, this.maxPerCampaign - kept.rows.length);
      const rows = await listEvents(this.db, campaignId, kept.upTo, wanted);
      for (const row of rows) kept.rows.push(row);
      if (rows.length > 0) kept.upTo = rows[rows.length - 1]!.id;
      if (rows.length < wanted) return;
    }
  }
}

/** Index of the first row with an id above `after` (rows sorted by id). */
function firstAfter(rows: readonly EventRow[], after: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
