/**
 * Runs every unfinished campaign of the database in this process, each with its own machine and
 * lab; finished ones are let go. Used by `athanor serve`.
 */
import { EventEmitter } from 'node:events';
import { listCampaigns, type CampaignRow, type Db } from '../db/index.js';
import type { CampaignRunner } from './campaign-runner.js';
import { runnerFor } from './open-campaign.js';

export interface SupervisorEvents {
  started: [CampaignRow];
  ended: [CampaignRow, { status: string; outcome: string }];
  error: [CampaignRow, Error];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly runners = new Map<string, CampaignRunner>();

  constructor(
    private readonly db: Db,
    private readonly home: string,
  ) {
    super();
  }

  /** Starts every campaign that is neither finished nor already running here. */
  async startAll(): Promise<void> {
    for (const campaign of await listCampaigns(this.db, ['created', 'running', 'paused'])) await this.run(campaign);
  }

  async run(campaign: CampaignRow): Promise<void> {
    if (this.runners.has(campaign.id)) return;
    try {
      const runner = await runnerFor(this.db, campaign, this.home);
      this.runners.set(campaign.id, runner);
      await runner.start();
      this.emit('started', campaign);
      void runner.done.then((end) => {
        this.runners.delete(campaign.id);
        this.emit('ended', campaign, end);
      });
    } catch (error) {
      this.runners.delete(campaign.id);
      this.emit('error', campaign, error instanceof Error ? error : new Error(String(error)));
    }
  }

  runner(campaignId: string): CampaignRunner | undefined {
    return this.runners.get(campaignId);
  }

  get active(): number {
    return this.runners.size;
  }

  /** Stops proposing and lets every campaign rest as persisted; a restart resumes them. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.detach()));
    this.runners.clear();
  }
}
