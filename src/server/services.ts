/** What the routes share: the database, the running campaigns, the live event feed and model access. */
import type { Context } from 'hono';
import { buildSpace, summarizeCampaign, type CampaignSummary, type NewCampaignRequest, type OperatorContext, type Supervisor } from '../agent/index.js';
import { datasetReferenceOf } from '../agent/dataset-reference.js';
import { ServiceConfig } from '../agent/service-config.js';
import type { DatasetReference } from '../lab-adapters/dataset-simulator.js';
import { campaignExists, getCampaign, type CampaignRow, type Database, type Db } from '../db/index.js';
import type { SearchSpace } from '../planner/space.js';
import type { ServerEnv } from './env.js';
import { apiError } from './errors.js';
import type { EventFeed } from './event-feed.js';
import { EventPages } from './event-pages.js';
import { sharedHeavyWork, type HeavyWork } from './heavy-work/index.js';
import type { ScreeningJobs } from './screening-jobs.js';
import type { ModelAccess } from './model-access.js';

export interface CampaignView extends CampaignSummary {
  /** The machine state when the campaign runs in this process ('running.awaiting' …). */
  state: string | null;
}

export class Services {
  readonly db: Db;
  private readonly spaces = new Map<string, Promise<SearchSpace>>();
  private readonly references = new Map<string, Promise<DatasetReference | undefined>>();
  /** Where prediction, chain search and campaign checks run: worker threads with limits (heavy-work/). */
  work: HeavyWork = sharedHeavyWork();
  /** The request body limit (bytes): what the panel says a library sent with a page may weigh. */
  requestLimitBytes = 1_000_000;
  /** Libraries screened in the background (screening-jobs.ts); absent when the service keeps no upload folder. */
  screening?: ScreeningJobs;
  /** Campaign events, read from the database once each (event-pages.ts). */
  readonly events: EventPages;

  constructor(
    readonly database: Database,
    readonly supervisor: Supervisor,
    readonly feed: EventFeed,
    readonly models: ModelAccess,
    /** Folder that campaigns created over HTTP resolve their relative paths (datasets) in. */
    readonly dataDir: string,
    /** Further data folders, lab profiles and secrets the administrator registered. */
    readonly config: ServiceConfig = new ServiceConfig(),
  ) {
    this.db = database.db;
    this.events = new EventPages(database.db, database.kind === 'pglite');
  }

  /** How a campaign file sent over HTTP is read: paths in the data folders, robots only through lab profiles. */
  get campaignFiles(): Required<Pick<NewCampaignRequest, 'baseDir' | 'dataFolders' | 'profiles' | 'origin'>> {
    return { baseDir: this.dataDir, dataFolders: this.config.dataFolders, profiles: this.config.profiles, origin: 'api' };
  }

  async campaign(id: string): Promise<CampaignRow> {
    const row = await getCampaign(this.db, id);
    if (!row) throw apiError(404, 'campaign_not_found', `no campaign has the id ${id}`, 'id');
    return row;
  }

  /** The id of an existing campaign (404 otherwise), without reading its row: for routes that list what belongs to it. */
  async campaignId(id: string): Promise<string> {
    if (!(await campaignExists(this.db, id))) throw apiError(404, 'campaign_not_found', `no campaign has the id ${id}`, 'id');
    return id;
  }

  async view(row: CampaignRow): Promise<CampaignView> {
    const runner = this.supervisor.runner(row.id);
    const summary = await summarizeCampaign(this.db, row, await this.reference(row));
    return { ...summary, state: runner?.state ?? null };
  }

  /**
   * The dataset reference (top 1 %, best) a campaign is measured against: the running lab's, kept
   * once seen, else read again from a simulator's dataset, so it outlives the campaign's run.
   */
  async reference(row: CampaignRow): Promise<DatasetReference | undefined> {
    const key = `${row.id}:${row.specHash}`;
    const running = this.supervisor.runner(row.id)?.runtime.reference;
    if (running) {
      this.references.set(key, Promise.resolve(running));
      return running;
    }
    let found = this.references.get(key);
    if (!found) {
      // a dataset that cannot be read any more leaves the summary without a reference, as before
      found = this.space(row).then((space) => datasetReferenceOf(row.spec, space)).catch(() => undefined);
      this.references.set(key, found);
      if (this.references.size > 256) this.references.delete(this.references.keys().next().value as string);
    }
    return found;
  }

  /** The campaign's enumerated space: the running one's when it runs here, else built once and kept. */
  space(row: CampaignRow): Promise<SearchSpace> {
    const runner = this.supervisor.runner(row.id);
    if (runner) return Promise.resolve(runner.runtime.space);
    const key = `${row.id}:${row.specHash}`;
    let space = this.spaces.get(key);
    if (!space) {
      space = buildSpace(row.spec);
      space.catch(() => this.spaces.delete(key));
      this.spaces.set(key, space);
    }
    return space;
  }

  operator(c: Context<ServerEnv>): OperatorContext {
    const principal = c.get('principal');
    if (!principal) throw apiError(401, 'unauthenticated', 'sign in first');
    return { db: this.db, actor: principal.name, runnerOf: (id) => this.supervisor.runner(id) };
  }
}
