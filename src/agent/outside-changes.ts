/**
 * Changes made to running campaigns by someone other than their own loop — another process's API,
 * a person entering or excluding results — reach the runners here: followed through the event
 * table (a cursor over event ids), new settings are applied to the running machine, and a waiting
 * machine is told to look at the rows again.
 */
import type { Logger } from 'pino';
import { getCampaign, latestEventId, listEventHeadsSince, type Db } from '../db/index.js';
import type { CampaignRunner } from './campaign-runner.js';

/** Event types that, written by someone other than the campaign's own loop or its lab, change what it should do next. */
const OUTSIDE_CHANGES = new Set(['result.stored', 'result.excluded', 'result.included', 'experiment.cancelled', 'experiment.failed', 'prior.excluded', 'prior.included']);
/** Polls between full re-reads of every running campaign's settings (a safety net under the cursor). */
const RESYNC_EVERY = 30;
const PAGE = 1000;

/** Equal as JSON whatever the key order (jsonb stores an object's keys in an order of its own). */
function sameJson(a: unknown, b: unknown): boolean {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, sorted(v)]))
        : value;
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

export class OutsideChanges {
  private cursor?: number;
  private polls = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Starts following from the newest event (what happened before is already in the rows a runner starts from). */
  async init(): Promise<void> {
    this.cursor ??= await latestEventId(this.db);
  }

  async poll(runners: ReadonlyMap<string, CampaignRunner>): Promise<void> {
    await this.init();
    const amend = new Set<string>();
    const activity = new Set<string>();
    for (;;) {
      const events = await listEventHeadsSince(this.db, this.cursor ?? 0, PAGE);
      for (const event of events) {
        this.cursor = event.id;
        if (!event.campaignId || !runners.has(event.campaignId)) continue;
        if (event.type === 'campaign.settings-changed') amend.add(event.campaignId);
        else if (OUTSIDE_CHANGES.has(event.type) && !event.actor.startsWith('lab:') && event.actor !== 'agent') activity.add(event.campaignId);
      }
      if (events.length < PAGE) break;
    }
    // On PostgreSQL an event may commit after a later id was read: now and then, look at everything.
    if (++this.polls % RESYNC_EVERY === 0) {
      for (const id of runners.keys()) {
        amend.add(id);
        activity.add(id);
      }
    }
    for (const id of amend) {
      const row = await getCampaign(this.db, id);
      const runner = runners.get(id);
      if (!row || !runner) continue;
      const spec = row.spec;
      if (!sameJson(spec.budget, runner.spec.budget) || !sameJson(spec.planner, runner.spec.planner)) {
        runner.amendSpec({ budget: spec.budget, planner: spec.planner });
        this.log.info({ campaign: id }, 'settings changed elsewhere: applied');
      }
    }
    for (const id of activity) runners.get(id)?.noteActivity();
  }
}
