/**
 * Runs benchmark campaigns one after another in this process, on one embedded database kept for
 * many campaigns (opening PGlite and migrating it costs seconds; a campaign of 100 experiments a
 * few). The database lives in a temporary home on tmpfs (/dev/shm) where there is one: measured
 * against PGlite's in-memory mode it is as fast, and it needs no hook in the product.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CampaignSpec } from '../../src/campaign/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { runCampaign, type CampaignTrace } from './run-campaign.js';

/** A fresh database after this many campaigns keeps the tables (events above all) small. */
const CAMPAIGNS_PER_DATABASE = 40;

function scratchRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export class CampaignExecutor {
  private database?: Database;
  private home?: string;
  private used = 0;

  async run(spec: CampaignSpec): Promise<CampaignTrace> {
    if (!this.database || this.used >= CAMPAIGNS_PER_DATABASE) {
      await this.close();
      this.home = mkdtempSync(join(scratchRoot(), 'athanor-suite-'));
      this.database = await openDatabase({ home: this.home });
      this.used = 0;
    }
    this.used++;
    return runCampaign(this.database.db, spec, this.home as string);
  }

  async close(): Promise<void> {
    await this.database?.close();
    if (this.home) rmSync(this.home, { recursive: true, force: true });
    this.database = undefined;
    this.home = undefined;
  }
}
