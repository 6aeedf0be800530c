/**
 * What a person may do to a campaign, shared by the HTTP API and the CLI: create, pause, resume,
 * stop, change budget or planner settings, cancel an experiment, exclude a result, enter results
 * by hand or from a CSV. Every action records an event naming who did it (the event's `at` says
 * when). Failures are OperatorErrors whose `kind` a caller maps to its own vocabulary (HTTP
 * status, exit code).
 */
import type { z } from 'zod';
import { campaignSpecSchema, confinedSpecPath, parseCampaignSpec, type CampaignOrigin, type LabProfiles, type BudgetSpec, type CampaignSpec, type PlannerSpec, type SourceFormat, CampaignSpecError, type CampaignIssue } from '../campaign/index.js';
import {
  appendEvent,
  deleteFinishedCampaign,
  listExperiments,
  setCampaignStatus,
  FINISHED_STATUSES,
  getCampaign,
  getExperiment,
  getExperimentBySeq,
  IN_FLIGHT,
  markCancelled,
  setResultExclusion,
  updateCampaignSettings,
  type CampaignRow,
  type Db,
  type ExperimentRow,
  type MoleculeFacts,
} from '../db/index.js';
import type { CampaignRunner } from './campaign-runner.js';
import { forwardToLeaseHolder } from './campaign-commands.js';
import { createNewCampaign, moleculesOf } from './open-campaign.js';

export type OperatorErrorKind = 'not_found' | 'conflict' | 'invalid';

export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly kind: OperatorErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Every problem, when there are several (a CSV, a campaign file). */
    readonly issues?: CampaignIssue[],
  ) {
    super(message);
  }
}

export interface OperatorContext {
  db: Db;
  /** Who acts: a token's name, or 'cli'. */
  actor: string;
  /** The live runner of a campaign in this process, if any (the supervisor's `runner`). */
  runnerOf: (campaignId: string) => CampaignRunner | undefined;
  /**
   * Whether a request for a campaign that another process runs is sent to that process (default
   * true); the supervisor applying such a request sets it false.
   */
  forward?: boolean;
}

async function campaignOrThrow(ctx: OperatorContext, campaignId: string): Promise<CampaignRow> {
  const campaign = await getCampaign(ctx.db, campaignId);
  if (!campaign) throw new OperatorError('not_found', 'campaign_not_found', `no campaign has the id ${campaignId}`, 'id');
  return campaign;
}

function requireUnfinished(campaign: CampaignRow): void {
  if (FINISHED_STATUSES.includes(campaign.status)) {
    throw new OperatorError('conflict', 'campaign_finished', `the campaign has ended (${campaign.status}${campaign.outcome ? `: ${campaign.outcome}` : ''})`);
  }
}

function requireRunner(ctx: OperatorContext, campaign: CampaignRow): CampaignRunner {
  requireUnfinished(campaign);
  const runner = ctx.runnerOf(campaign.id);
  if (!runner) {
    throw new OperatorError('conflict', 'campaign_not_running_here', 'the campaign is not running in this process (start it with `athanor serve`)');
  }
  return runner;
}

/**
 * Several `serve` on one PostgreSQL: a campaign that runs in another process gets the request
 * through the database (campaign-commands.ts) and answers it. Undefined when the campaign runs
 * here or nowhere, for the caller's usual path.
 */
async function forwardIfElsewhere(ctx: OperatorContext, campaign: CampaignRow, command: 'pause' | 'resume' | 'stop' | 'cancel-experiment', payload: Record<string, unknown> = {}): Promise<string | undefined> {
  if (ctx.forward === false || ctx.runnerOf(campaign.id)) return undefined;
  requireUnfinished(campaign);
  const answer = await forwardToLeaseHolder(ctx.db, { campaignId: campaign.id, command, actor: ctx.actor, payload });
  if (!answer) return undefined;
  if (!answer.ok) throw new OperatorError(answer.error.kind, answer.error.code, answer.error.message);
  return answer.state;
}

// ---------------------------------------------------------------------------------------------
// Create

export interface NewCampaignRequest {
  text: string;
  format?: SourceFormat;
  /** Relative paths in the file (datasets, scope tables) resolve here, and must stay inside it
   * or inside one of dataFolders. */
  baseDir: string;
  /** Further folders the campaign's files may be in (the service's configured data folders). */
  dataFolders?: readonly string[];
  /** 'api' (the default here): robots only through registered lab profiles, no environment
   * variable names nor listen addresses (campaign/lab-access.ts). */
  origin?: CampaignOrigin;
  /** Lab profiles the administrator registered. */
  profiles?: LabProfiles;
  /** The largest grid accepted (the service's ATHANOR_MAX_CANDIDATES; default the campaign file's own). */
  maxCandidates?: number;
}

/** Validates a campaign file's text and records the campaign; the caller starts it. */
export async function createCampaignFromText(ctx: OperatorContext, request: NewCampaignRequest): Promise<CampaignRow> {
  const spec = await validateCampaignText(request);
  return asInvalidCampaign(() => createNewCampaign(ctx.db, spec, request.text, ctx.actor));
}

/** Prior data is read when the campaign is recorded (docs/transfer.md): a source that does not map is an invalid file, with its field. */
async function asInvalidCampaign<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CampaignSpecError) throw new OperatorError('invalid', 'invalid_campaign', error.message, error.issues[0]?.path || undefined, error.issues);
    throw error;
  }
}

/**
 * Records a campaign whose file was validated elsewhere (the service checks files on a worker
 * thread, with the molecules' facts: checkCampaignText), so that nothing heavy runs here.
 */
export async function createCampaignFromChecked(ctx: OperatorContext, checked: CheckedCampaign, text: string): Promise<CampaignRow> {
  return asInvalidCampaign(() => createNewCampaign(ctx.db, checked.spec, text, ctx.actor, checked.molecules));
}

export interface CheckedCampaign {
  spec: CampaignSpec;
  molecules: MoleculeFacts[];
}

/** validateCampaignText, plus the facts of every substance the campaign records with it. */
export async function checkCampaignText(request: NewCampaignRequest): Promise<CheckedCampaign> {
  const spec = await validateCampaignText(request);
  return { spec, molecules: moleculesOf(spec) };
}

/** Every problem of a campaign file at once, with its field path and line, as OperatorError('invalid'). */
export async function validateCampaignText(request: NewCampaignRequest): Promise<CampaignSpec> {
  try {
    const spec = await parseCampaignSpec(request.text, {
      baseDir: request.baseDir,
      ...(request.format ? { format: request.format } : {}),
      ...(request.maxCandidates !== undefined ? { maxCandidates: request.maxCandidates } : {}),
      ...(request.dataFolders ? { dataFolders: request.dataFolders } : {}),
      ...(request.profiles ? { profiles: request.profiles } : {}),
      origin: request.origin ?? 'api',
    });
    return spec;
  } catch (error) {
    if (error instanceof CampaignSpecError) {
      const first = error.issues[0];
      throw new OperatorError('invalid', 'invalid_campaign', error.message, first?.path || undefined, error.issues);
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Pause, resume, stop

export async function pauseCampaign(ctx: OperatorContext, campaignId: string): Promise<string> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  const elsewhere = await forwardIfElsewhere(ctx, campaign, 'pause');
  if (elsewhere !== undefined) return elsewhere;
  const runner = requireRunner(ctx, campaign);
  const before = runner.state;
  if (before === 'paused') return before;
  await runner.pause(ctx.actor);
  if (runner.state === before) throw new OperatorError('conflict', 'cannot_pause', `the campaign cannot be paused while ${before}`);
  return runner.state;
}

export async function resumeCampaign(ctx: OperatorContext, campaignId: string): Promise<string> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  const elsewhere = await forwardIfElsewhere(ctx, campaign, 'resume');
  if (elsewhere !== undefined) return elsewhere;
  const runner = requireRunner(ctx, campaign);
  const before = runner.state;
  if (before !== 'paused') return before; // already running: resuming is a no-op, not an error
  await runner.resume(ctx.actor);
  return runner.state;
}

export async function stopCampaign(ctx: OperatorContext, campaignId: string, reason?: string): Promise<void> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  if ((await forwardIfElsewhere(ctx, campaign, 'stop', reason ? { reason } : {})) !== undefined) return;
  requireUnfinished(campaign);
  // The machine's own `campaign.stopped` event is written by the agent; this one says who asked.
  await appendEvent(ctx.db, { campaignId, type: 'campaign.stop-requested', actor: ctx.actor, payload: reason ? { reason } : {} });
  const runner = ctx.runnerOf(campaign.id);
  if (runner) await runner.stop(ctx.actor, reason ?? `stopped by ${ctx.actor}`);
  else await stopIdle(ctx, campaign, reason ?? `stopped by ${ctx.actor}`);
}

/**
 * Stops a campaign that runs nowhere (it never started, or its start keeps failing): nothing is
 * in a lab that this process could reach, so its open experiments are cancelled in the database
 * (a late result for one is quarantined, never lost) and it ends as stopped.
 */
async function stopIdle(ctx: OperatorContext, campaign: CampaignRow, outcome: string): Promise<void> {
  for (const experiment of await listExperiments(ctx.db, campaign.id, ['planned', ...IN_FLIGHT])) {
    await markCancelled(ctx.db, experiment.id, ctx.actor, `campaign stopped while not running: ${outcome}`);
  }
  await setCampaignStatus(ctx.db, campaign.id, 'stopped', outcome);
  await appendEvent(ctx.db, { campaignId: campaign.id, type: 'campaign.stopped', actor: ctx.actor, payload: { outcome } });
}

/** Deletes a finished campaign with everything recorded for it; an unfinished one must be stopped first. */
export async function deleteCampaign(ctx: OperatorContext, campaignId: string): Promise<void> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  if (!FINISHED_STATUSES.includes(campaign.status) || ctx.runnerOf(campaignId)) {
    throw new OperatorError('conflict', 'campaign_not_finished', `the campaign is ${campaign.status}: stop it before deleting it`);
  }
  if (!(await deleteFinishedCampaign(ctx.db, campaignId))) throw new OperatorError('not_found', 'campaign_not_found', `no campaign has the id ${campaignId}`, 'id');
}

// ---------------------------------------------------------------------------------------------
// Settings

export interface SettingsChange {
  budget?: Partial<BudgetSpec>;
  /** Planner settings (initial design, acquisition …): whatever the campaign file's `planner` accepts. */
  planner?: Partial<PlannerSpec> & Record<string, unknown>;
}

/** Changes the budget or the planner settings of an unfinished campaign, in the database and in its running loop. */
export async function changeSettings(ctx: OperatorContext, campaignId: string, change: SettingsChange): Promise<CampaignSpec> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  requireUnfinished(campaign);
  const spec = campaign.spec;
  const budget = parsePart('budget', campaignSpecSchema.shape.budget, { ...spec.budget, ...change.budget });
  const planner = parsePart('planner', campaignSpecSchema.shape.planner, { ...spec.planner, ...change.planner });
  const forwardModel = planner.discovery?.forward_model;
  if (typeof forwardModel === 'string' && forwardModel !== spec.planner.discovery?.forward_model) {
    // a path like any other of the campaign: inside its data folders, judged before anything is read
    await confinedSpecPath(spec, ['planner', 'discovery', 'forward_model'], forwardModel).catch((error: unknown) => {
      if (error instanceof CampaignSpecError) throw new OperatorError('invalid', 'invalid_settings', error.message, 'planner.discovery.forward_model', error.issues);
      throw error;
    });
  }
  const updated: CampaignSpec = { ...spec, budget, planner };
  const changes: Record<string, unknown> = {};
  if (JSON.stringify(budget) !== JSON.stringify(spec.budget)) changes.budget = { from: spec.budget, to: budget };
  if (JSON.stringify(planner) !== JSON.stringify(spec.planner)) changes.planner = { from: spec.planner, to: planner };
  if (Object.keys(changes).length === 0) return spec;
  const outcome = await updateCampaignSettings(
    ctx.db,
    campaignId,
    { spec: updated, budget: budget.experiments, batchSize: budget.batch },
    { actor: ctx.actor, changes },
  );
  if (!outcome.updated) {
    throw new OperatorError('invalid', 'budget_below_used', `the campaign has already used ${outcome.used} experiments; the budget cannot be less`, 'budget.experiments');
  }
  ctx.runnerOf(campaignId)?.amendSpec({ budget, planner });
  return updated;
}

/** One part of the spec, validated by the campaign file's own schema for that part. */
function parsePart<S extends z.ZodType>(field: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: [field, ...i.path.map(String)].join('.'), message: i.message }));
  throw new OperatorError('invalid', 'invalid_settings', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues[0]?.path, issues);
}

// ---------------------------------------------------------------------------------------------
// Experiments and results

/** An experiment named by its id (UUID) or its number in the campaign. */
export type ExperimentRef = string | number;

async function experimentOf(ctx: OperatorContext, campaignId: string, ref: ExperimentRef): Promise<ExperimentRow | undefined> {
  const experiment = typeof ref === 'number' ? await getExperimentBySeq(ctx.db, campaignId, ref) : await getExperiment(ctx.db, ref).catch(() => undefined);
  return experiment?.campaignId === campaignId ? experiment : undefined;
}

export async function cancelExperiment(ctx: OperatorContext, campaignId: string, ref: ExperimentRef, reason?: string): Promise<ExperimentRow> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  const experiment = await experimentOf(ctx, campaignId, ref);
  if (!experiment) throw new OperatorError('not_found', 'experiment_not_found', `the campaign has no experiment ${ref}`, 'experiment');
  if (!['planned', ...IN_FLIGHT].includes(experiment.status)) {
    throw new OperatorError('conflict', 'experiment_finished', `experiment ${experiment.seq} is already ${experiment.status}`, 'experiment');
  }
  requireUnfinished(campaign);
  if (experiment.status !== 'planned') {
    const runner = ctx.runnerOf(campaignId);
    // in the lab of another process: that process cancels it and records who asked
    if (!runner && (await forwardIfElsewhere(ctx, campaign, 'cancel-experiment', { experimentId: experiment.id, ...(reason ? { reason } : {}) })) !== undefined) {
      return { ...experiment, status: 'cancelled' };
    }
    if (!runner) throw new OperatorError('conflict', 'campaign_not_running_here', 'the experiment is in the lab, and only the process running the campaign can ask the lab to cancel it');
    if (!(await cancelInLab(runner, experiment.id))) {
      throw new OperatorError('conflict', 'not_cancellable', `the lab could not cancel experiment ${experiment.seq} (it has just finished)`, 'experiment');
    }
  }
  await markCancelled(ctx.db, experiment.id, ctx.actor, reason ?? `cancelled by ${ctx.actor}`);
  ctx.runnerOf(campaignId)?.noteActivity();
  return { ...experiment, status: 'cancelled' };
}

/**
 * Asks the lab to cancel. An experiment is recorded as dispatched just before the lab is called,
 * so the lab may not know it for a moment: ask again briefly rather than refuse.
 */
async function cancelInLab(runner: CampaignRunner, experimentId: string): Promise<boolean> {
  const lab = runner.runtime.lab;
  for (let attempt = 0; attempt < 30; attempt++) {
    if (await lab.cancel(experimentId)) return true;
    const status = await lab.status(experimentId);
    if (status === 'cancelled') return true;
    if (status !== 'unknown') return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export async function setExclusion(ctx: OperatorContext, campaignId: string, ref: ExperimentRef, reason: string | null): Promise<{ seq: number; changed: boolean }> {
  await campaignOrThrow(ctx, campaignId);
  const experiment = await experimentOf(ctx, campaignId, ref);
  if (!experiment) throw new OperatorError('not_found', 'experiment_not_found', `the campaign has no experiment ${ref}`, 'experiment');
  const outcome = await setResultExclusion(ctx.db, campaignId, experiment.id, reason, ctx.actor);
  if (outcome.outcome === 'no_result') throw new OperatorError('conflict', 'no_result', `experiment ${experiment.seq} has no result to exclude`, 'experiment');
  return { seq: outcome.seq, changed: outcome.outcome === 'changed' };
}
