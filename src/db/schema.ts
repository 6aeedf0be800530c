/**
 * The one Drizzle schema for PGlite and PostgreSQL. The database is the truth (docs/design.md, invariant 1):
 * every row a campaign needs to resume after a crash lives here.
 */
import { sql } from 'drizzle-orm';
import type { CampaignSpec } from '../campaign/types.js';
import {
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();


/** What the spec column takes: a validated spec on the way in; read back as unknown JSON and parsed. */
type StoredSpecJson = CampaignSpec | Record<string, unknown>;

export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  /** The validated campaign spec (snake_case, as in the file), after command-line overrides. */
  // Read back through parseStoredSpec (repositories/campaigns.ts), never trusted as typed JSON.
  spec: jsonb('spec').$type<StoredSpecJson>().notNull(),
  /** The file as the user wrote it, for provenance. */
  specSource: text('spec_source').notNull(),
  /** Fingerprint of the effective spec: `run --resume` finds the unfinished campaign with the same one. */
  specHash: text('spec_hash').notNull(),
  status: text('status').$type<CampaignStatus>().notNull().default('created'),
  seed: integer('seed').notNull(),
  budget: integer('budget').notNull(),
  batchSize: integer('batch_size').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  /** Why the campaign ended (budget, goal, stopped, error …). */
  outcome: text('outcome'),
  /**
   * The process running the campaign, when several share one PostgreSQL: a lease it renews
   * every ttl/3 and another process takes over once it has expired (src/agent/campaign-leases.ts).
   */
  leaseOwner: text('lease_owner'),
  leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true, mode: 'date' }),
  /** Bumped on every acquisition: tells one tenure of the lease from the next in logs and events. */
  leaseEpoch: integer('lease_epoch').notNull().default(0),
}, (t) => [index('campaigns_spec_hash_idx').on(t.specHash), index('campaigns_status_idx').on(t.status)]);

export type CampaignStatus = 'created' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed';

/** Every distinct molecule a campaign mentions, keyed by canonical SMILES. */
export const molecules = pgTable('molecules', {
  smiles: text('smiles').primaryKey(),
  heavyAtoms: integer('heavy_atoms').notNull(),
  formalCharge: integer('formal_charge').notNull(),
  fragments: integer('fragments').notNull(),
  createdAt: createdAt(),
});

export type ExperimentStatus = 'planned' | 'dispatched' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ProposalInfo {
  strategy: string;
  rank: number;
  reason: string;
  mean?: number;
  sigma?: number;
  acquisition?: number;
  /** What the candidate should give, best first (discovery campaigns: the forward model's products). */
  products?: { smiles: string; probability: number; observed?: boolean }[];
  /** Approved for dispatch by a person (the approval gate), or by the gate's timer (`auto`). A chemist's own suggestion carries its author's approval. */
  approval?: { by: string; at: string; auto?: boolean };
  /** Changes a person made to the proposal before it was dispatched, oldest first. */
  edits?: { by: string; at: string; parameter: string; from: string | number; to: string | number; reason?: string }[];
  /** Rejected by a person before dispatch: the planner never proposes this candidate again. */
  rejection?: { by: string; at: string; reason: string };
}

export const experiments = pgTable('experiments', {
  /** The idempotency key end to end (docs/design.md, invariant 2): labs see this id. */
  id: uuid('id').primaryKey(),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  /** 1-based order of planning within the campaign. */
  seq: integer('seq').notNull(),
  batch: integer('batch').notNull(),
  candidateKey: text('candidate_key').notNull(),
  /** Parameter → value as chosen (choice name for substances and categoricals, number for numerics). */
  parameters: jsonb('parameters').$type<Record<string, string | number>>().notNull(),
  /** Role → canonical SMILES of the chosen substance ('' = none). */
  substances: jsonb('substances').$type<Record<string, string>>().notNull(),
  status: text('status').$type<ExperimentStatus>().notNull().default('planned'),
  proposal: jsonb('proposal').$type<ProposalInfo>().notNull(),
  /** How many times Athanor handed it to the lab (a re-attach after a crash counts too). */
  dispatchCount: integer('dispatch_count').notNull().default(0),
  failureReason: text('failure_reason'),
  createdAt: createdAt(),
  dispatchedAt: timestamp('dispatched_at', { withTimezone: true, mode: 'date' }),
  finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
}, (t) => [
  uniqueIndex('experiments_campaign_seq_uq').on(t.campaignId, t.seq),
  index('experiments_campaign_status_idx').on(t.campaignId, t.status),
  index('experiments_campaign_candidate_idx').on(t.campaignId, t.candidateKey),
]);

export const results = pgTable('results', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  /** Unique: every result a lab reports is stored exactly once. */
  experimentId: uuid('experiment_id').notNull().references(() => experiments.id, { onDelete: 'cascade' }),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  values: jsonb('values').$type<Record<string, number>>().notNull(),
  /** The payload exactly as the lab sent it. */
  raw: jsonb('raw').notNull(),
  source: text('source').notNull(),
  /** Excluded from training by an operator, with the reason. */
  excludedReason: text('excluded_reason'),
  receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [uniqueIndex('results_experiment_uq').on(t.experimentId), index('results_campaign_idx').on(t.campaignId)]);

/**
 * Results that could not be matched to a live experiment: kept and reported, never dropped
 * (invariant 3). Always in the campaign the report was sent to (its URL, its lab's key), whatever
 * experiment id it names: rows without one are from before reports were scoped to campaigns.
 */
export const quarantinedResults = pgTable('quarantined_results', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  campaignId: uuid('campaign_id'),
  experimentId: text('experiment_id'),
  reason: text('reason').notNull(),
  raw: jsonb('raw').notNull(),
  source: text('source').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** An operator's decision: 'assigned' (stored as the result of assigned_experiment_id) or 'discarded'. */
  resolution: text('resolution'),
  assignedExperimentId: uuid('assigned_experiment_id'),
  /** Why it was discarded (required) or assigned (optional). */
  resolutionReason: text('resolution_reason'),
  resolvedBy: text('resolved_by'),
  resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('quarantined_results_campaign_idx').on(t.campaignId, t.receivedAt)]);

export const modelVersions = pgTable('model_versions', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  kind: text('kind').notNull(),
  featurizerVersion: text('featurizer_version').notNull(),
  backend: text('backend').notNull(),
  trainingSize: integer('training_size').notNull(),
  metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
  weights: bytea('weights'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('model_versions_campaign_version_uq').on(t.campaignId, t.version)]);

export const events = pgTable('events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'cascade' }),
  type: text('type').notNull(),
  /** Who caused it: 'planner', 'lab:<name>', 'cli', an operator's token name … */
  actor: text('actor').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [index('events_campaign_idx').on(t.campaignId, t.id)]);

/** The persisted XState snapshot of each campaign's machine, rewritten on every transition. */
export const machineSnapshots = pgTable('machine_snapshots', {
  campaignId: uuid('campaign_id').primaryKey().references(() => campaigns.id, { onDelete: 'cascade' }),
  state: text('state').notNull(),
  snapshot: jsonb('snapshot').$type<unknown>().notNull(),
  revision: integer('revision').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export type TokenRole = 'viewer' | 'operator' | 'lab';

/** API tokens for the HTTP API and the control panel. Only a hash is kept: a leaked database does not leak tokens. */
export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  /** Who holds it; recorded as the actor of every operator action made with it. */
  name: text('name').notNull(),
  role: text('role').$type<TokenRole>().notNull(),
  /** SHA-256 of the token, hex. */
  tokenHash: text('token_hash').notNull(),
  /** The token's first characters, so a person can tell their tokens apart in a list. */
  prefix: text('prefix').notNull(),
  /**
   * The campaigns a lab token may report results for and read (null: bound to none, see
   * src/auth/tenancy.ts). Kept as ids, not a join table: deleting a campaign must never widen a token.
   */
  campaignIds: jsonb('campaign_ids').$type<string[]>(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
}, (t) => [uniqueIndex('api_tokens_hash_uq').on(t.tokenHash), index('api_tokens_name_idx').on(t.name)]);

/**
 * Control-panel sessions. Signing in with a token creates one; the cookie holds only a random
 * session secret (256 bits), stored here as its SHA-256, so the token itself never sits in a
 * browser. Expiry and revocation are the server's: a copied cookie dies with its row.
 */
export const sessions = pgTable('sessions', {
  /** SHA-256 of the session secret the cookie carries, hex. */
  idHash: text('id_hash').primaryKey(),
  /** The token signed in with: the session acts as it, and dies with it. */
  tokenId: uuid('token_id').notNull().references(() => apiTokens.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set by signing out (or revoking the token): the session no longer authenticates. */
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('sessions_token_idx').on(t.tokenId), index('sessions_expires_idx').on(t.expiresAt)]);

export type CampaignCommandType = 'pause' | 'resume' | 'stop' | 'cancel-experiment';

/**
 * Operator requests for a campaign that runs in another process (several `serve` on one
 * PostgreSQL): the process holding the campaign's lease applies them in order and marks them done.
 */
export const campaignCommands = pgTable('campaign_commands', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  command: text('command').$type<CampaignCommandType>().notNull(),
  actor: text('actor').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  /** When the process running the campaign applied it (or gave up on it); null while pending. */
  doneAt: timestamp('done_at', { withTimezone: true, mode: 'date' }),
  /** What came of it: the machine state after a pause, an error message … */
  outcome: text('outcome'),
  /** True when it was applied, false when it could not be (the message is in outcome). */
  ok: boolean('ok'),
}, (t) => [index('campaign_commands_pending_idx').on(t.campaignId, t.doneAt)]);

/**
 * Prior data a campaign learns from (docs/transfer.md): rows of an earlier campaign or of a CSV of
 * historical experiments, placed on this campaign's candidates. Not experiments: never dispatched,
 * never counted against the budget; excluded by an operator like any result.
 */
export const priorResults = pgTable('prior_results', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  /** 1-based order within the campaign's prior data (how people and the API name a row). */
  seq: integer('seq').notNull(),
  /** Where it came from: `file:<path>` or `campaign:<id>`, with the task value when the file has a task column. */
  source: text('source').notNull(),
  /** The source's label as people read it (the entry's name, the file's name, the campaign's name). */
  sourceName: text('source_name').notNull(),
  /** 'same': the campaign's own task (joins its training set); 'related': another task (multi-task surrogate). */
  task: text('task').$type<'same' | 'related'>().notNull(),
  /** The CSV line (header = line 1) or the source campaign's experiment number. */
  origin: integer('origin').notNull(),
  candidateKey: text('candidate_key').notNull(),
  parameters: jsonb('parameters').$type<Record<string, string | number>>().notNull(),
  values: jsonb('values').$type<Record<string, number>>().notNull(),
  excludedReason: text('excluded_reason'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('prior_results_campaign_seq_uq').on(t.campaignId, t.seq), index('prior_results_campaign_idx').on(t.campaignId)]);

/** Where a screening job is: waiting for a worker, on one, or ended (docs/screening.md). */
export type ScreeningJobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/**
 * A library screened in the background (docs/screening.md, "Large libraries"): uploaded to the
 * service's upload folder in a stream, beyond the request limit, and scored on a worker thread
 * with its progress written here, so that any process of the service (and the panel) can show it
 * and another process takes it over when the one running it stops.
 */
export const screeningJobs = pgTable('screening_jobs', {
  id: uuid('id').primaryKey(),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  status: text('status').$type<ScreeningJobStatus>().notNull().default('queued'),
  /** The library's file name as the user sent it (for people; the stored file is named by the job). */
  libraryName: text('library_name').notNull(),
  format: text('format').notNull(),
  libraryBytes: doublePrecision('library_bytes').notNull(),
  /** The screen's settings: role, top, ranking, fixed parameters, filters, forward (the API's query). */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  /** Rows read, molecules scored and set aside, bytes of the library read, seconds (updated while it runs). */
  progress: jsonb('progress').$type<Record<string, number>>(),
  /** The report (the synchronous screen's answer) once done. */
  result: jsonb('result').$type<Record<string, unknown>>(),
  /** Why it failed or was cancelled: { code, message, field? }. */
  error: jsonb('error').$type<{ code: string; message: string; field?: string }>(),
  /** Who asked (the token's or session's name). */
  actor: text('actor').notNull(),
  /** The process running it and when it last said so: a job whose heartbeat is old is taken over. */
  runner: text('runner'),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }),
  createdAt: createdAt(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
  finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('screening_jobs_campaign_idx').on(t.campaignId), index('screening_jobs_status_idx').on(t.status)]);
