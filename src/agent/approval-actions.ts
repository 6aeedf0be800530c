/**
 * The approval gate's operator actions (planner.approval in the campaign file), shared by the HTTP
 * API, the panel and the CLI: see what waits, approve (all or some), edit a waiting proposal to
 * another candidate of the space, reject with a reason (the planner never proposes a rejected
 * candidate again, and plans anew once nothing waits), and add one's own experiment with its
 * reason. Every action is written as an event naming who; the loop (CampaignRunner's
 * awaitApproval) sees the decision in the database, so it holds across restarts and processes.
 */
import { randomUUID } from 'node:crypto';
import type { CampaignSpec } from '../campaign/index.js';
import {
  approveWaiting,
  editWaiting,
  FINISHED_STATUSES,
  getCampaign,
  insertSuggestion,
  IN_FLIGHT,
  listAwaitingApproval,
  listExperiments,
  rejectWaiting,
  type CampaignRow,
  type ExperimentRow,
} from '../db/index.js';
import { choiceCount, choiceMatcher, valueAt, type ParameterValue } from '../planner/parameters.js';
import type { SearchSpace } from '../planner/space.js';
import { buildSpace } from '../planner/space-builder.js';
import { OperatorError, type OperatorContext } from './operator-actions.js';

export interface ApprovalState {
  required: boolean;
  autoApproveAfterS: number | null;
  /** Proposals waiting for a decision, in planning order. */
  awaiting: ExperimentRow[];
}

async function campaignOrThrow(ctx: OperatorContext, campaignId: string): Promise<CampaignRow> {
  const campaign = await getCampaign(ctx.db, campaignId);
  if (!campaign) throw new OperatorError('not_found', 'campaign_not_found', `no campaign has the id ${campaignId}`, 'id');
  return campaign;
}

function requireUnfinished(campaign: CampaignRow): void {
  if (FINISHED_STATUSES.includes(campaign.status)) throw new OperatorError('conflict', 'campaign_finished', `the campaign has ended (${campaign.status})`);
}

function approvalOf(spec: CampaignSpec): { required: boolean; autoApproveAfterS: number | null } {
  const gate = spec.planner.approval;
  return { required: gate?.required === true, autoApproveAfterS: gate?.auto_approve_after_s ?? null };
}

export async function approvalState(ctx: OperatorContext, campaignId: string): Promise<ApprovalState> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  const gate = approvalOf(campaign.spec);
  return { ...gate, awaiting: gate.required ? await listAwaitingApproval(ctx.db, campaignId) : [] };
}

/** The waiting proposals an operator named by number (all of them when none are named). */
async function chosenWaiting(ctx: OperatorContext, campaign: CampaignRow, experiments: number[] | undefined): Promise<ExperimentRow[]> {
  requireUnfinished(campaign);
  if (!approvalOf(campaign.spec).required) {
    throw new OperatorError('conflict', 'approval_not_required', 'this campaign has no approval gate (planner.approval.required is off): its batches are dispatched as planned');
  }
  const waiting = await listAwaitingApproval(ctx.db, campaign.id);
  if (waiting.length === 0) throw new OperatorError('conflict', 'nothing_awaits_approval', 'no proposal waits for approval now');
  if (!experiments) return waiting;
  if (experiments.length === 0) throw new OperatorError('invalid', 'invalid_experiments', 'name at least one experiment, or leave `experiments` out for the whole batch', 'experiments');
  const bySeq = new Map(waiting.map((e) => [e.seq, e]));
  const missing = experiments.filter((seq) => !bySeq.has(seq));
  if (missing.length > 0) {
    throw new OperatorError('conflict', 'not_awaiting_approval', `experiment ${missing.join(', ')} does not wait for approval (waiting: ${waiting.map((e) => e.seq).join(', ')})`, 'experiments');
  }
  return experiments.map((seq) => bySeq.get(seq) as ExperimentRow);
}

/** Approves the whole waiting batch, or the experiments named; the loop dispatches once nothing waits. */
export async function approveProposals(ctx: OperatorContext, campaignId: string, experiments?: number[]): Promise<ExperimentRow[]> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  const chosen = await chosenWaiting(ctx, campaign, experiments);
  const approved = await approveWaiting(ctx.db, campaignId, chosen.map((e) => e.id), ctx.actor);
  ctx.runnerOf(campaignId)?.noteActivity();
  return approved;
}

/**
 * Rejects the whole waiting batch, or the experiments named, with the reason: they are cancelled
 * (no budget used) and their candidates are never proposed again; once nothing waits the planner
 * plans anew (or, when some were approved, the approved ones are dispatched).
 */
export async function rejectProposals(ctx: OperatorContext, campaignId: string, reason: string, experiments?: number[]): Promise<ExperimentRow[]> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  if (!reason.trim()) throw new OperatorError('invalid', 'reason_required', 'say why the proposals are rejected: the reason is kept with them', 'reason');
  const chosen = await chosenWaiting(ctx, campaign, experiments);
  const rejected = await rejectWaiting(ctx.db, campaignId, chosen.map((e) => e.id), ctx.actor, reason.trim());
  ctx.runnerOf(campaignId)?.noteActivity();
  return rejected;
}

interface Candidate {
  candidateKey: string;
  parameters: Record<string, string | number>;
  substances: Record<string, string>;
}

/**
 * The candidate of the space these values name, or an 'invalid' OperatorError naming the field:
 * an unknown parameter, a value that is none of the parameter's choices, or a combination the
 * space leaves out (a forbidden combination, a row missing from the scope table).
 */
export function candidateOf(space: SearchSpace, values: Record<string, ParameterValue>): Candidate {
  const names = new Set(space.parameters.map((p) => p.name));
  for (const name of Object.keys(values)) {
    if (!names.has(name)) throw new OperatorError('invalid', 'unknown_parameter', `the campaign has no parameter ${name} (it has ${[...names].join(', ')})`, `parameters.${name}`);
  }
  const row: Record<string, string> = {};
  for (const p of space.parameters) {
    const value = values[p.name];
    if (value === undefined || value === '') throw new OperatorError('invalid', 'missing_parameter', `give a value for ${p.name}`, `parameters.${p.name}`);
    const code = choiceMatcher(p)(value);
    if (code < 0) {
      const allowed = Array.from({ length: choiceCount(p) }, (_, i) => String(valueAt(p, i)));
      throw new OperatorError('invalid', 'invalid_value', `${JSON.stringify(value)} is not a value of ${p.name} (allowed: ${allowed.join(', ')})`, `parameters.${p.name}`);
    }
    row[p.name] = String(valueAt(p, code));
  }
  const key = space.keyOfRow(row, Object.fromEntries(space.parameters.map((p) => [p.name, p.name])));
  const index = key === null ? undefined : space.indexOfKey(key);
  if (index === undefined) {
    throw new OperatorError('invalid', 'not_in_space', 'this combination is not in the campaign\'s space (a forbidden combination, or not a row of its scope table)', 'parameters');
  }
  return { candidateKey: space.keyOf(index), parameters: space.valuesOf(index), substances: space.substancesOf(index) };
}

async function spaceOf(ctx: OperatorContext, campaign: CampaignRow, space?: SearchSpace): Promise<SearchSpace> {
  return space ?? ctx.runnerOf(campaign.id)?.runtime.space ?? buildSpace(campaign.spec);
}

/** Refuses a candidate already planned or in the lab (unless the campaign allows replicates), or rejected before. */
async function requireNew(ctx: OperatorContext, campaign: CampaignRow, candidateKey: string, except?: string): Promise<void> {
  const same = (await listExperiments(ctx.db, campaign.id)).filter((e) => e.candidateKey === candidateKey && e.id !== except);
  const open = same.find((e) => e.status === 'planned' || IN_FLIGHT.includes(e.status));
  if (open) throw new OperatorError('conflict', 'duplicate_candidate', `experiment ${open.seq} already has these conditions (${open.status})`, 'parameters');
  if (!campaign.spec.planner.replicates) {
    const done = same.find((e) => e.status === 'completed' || e.status === 'failed');
    if (done) throw new OperatorError('conflict', 'duplicate_candidate', `experiment ${done.seq} already ran these conditions (the campaign does not allow replicates)`, 'parameters');
  }
}

/** Changes some parameters of a waiting proposal (each to another allowed value); the edit is recorded with who and why. */
export async function editProposal(
  ctx: OperatorContext,
  campaignId: string,
  seq: number,
  changes: Record<string, ParameterValue>,
  reason?: string,
  space?: SearchSpace,
): Promise<ExperimentRow> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  if (Object.keys(changes).length === 0) throw new OperatorError('invalid', 'no_change', 'name at least one parameter to change', 'parameters');
  const [experiment] = await chosenWaiting(ctx, campaign, [seq]);
  const target = candidateOf(await spaceOf(ctx, campaign, space), { ...experiment!.parameters, ...changes });
  if (target.candidateKey === experiment!.candidateKey) return experiment!;
  await requireNew(ctx, campaign, target.candidateKey, experiment!.id);
  const at = new Date().toISOString();
  const edits = Object.keys(target.parameters)
    .filter((name) => target.parameters[name] !== experiment!.parameters[name])
    .map((name) => ({ by: ctx.actor, at, parameter: name, from: experiment!.parameters[name] as ParameterValue, to: target.parameters[name] as ParameterValue, ...(reason?.trim() ? { reason: reason.trim() } : {}) }));
  const updated = await editWaiting(ctx.db, campaignId, experiment!.id, { ...target, edits }, ctx.actor);
  if (!updated) throw new OperatorError('conflict', 'not_awaiting_approval', `experiment ${seq} was decided on meanwhile`, 'experiment');
  ctx.runnerOf(campaignId)?.noteActivity();
  return updated;
}

/**
 * A chemist's own experiment with its reason: added to the queue as planned, approved by its
 * author, within the budget; the loop dispatches it with the batch that waits, or at once.
 */
export async function suggestExperiment(
  ctx: OperatorContext,
  campaignId: string,
  values: Record<string, ParameterValue>,
  reason: string,
  space?: SearchSpace,
): Promise<ExperimentRow> {
  const campaign = await campaignOrThrow(ctx, campaignId);
  requireUnfinished(campaign);
  if (!reason.trim()) throw new OperatorError('invalid', 'reason_required', 'say why this experiment is worth running: the reason is shown with it', 'reason');
  const candidate = candidateOf(await spaceOf(ctx, campaign, space), values);
  await requireNew(ctx, campaign, candidate.candidateKey);
  const row = await insertSuggestion(
    ctx.db,
    campaignId,
    {
      id: randomUUID(),
      ...candidate,
      proposal: { strategy: 'chemist', rank: 0, reason: reason.trim(), approval: { by: ctx.actor, at: new Date().toISOString() } },
    },
    ctx.actor,
  );
  if (!row) throw new OperatorError('conflict', 'budget_spent', 'the budget has no room for another experiment: raise budget.experiments first', 'budget.experiments');
  ctx.runnerOf(campaignId)?.wake();
  return row;
}
