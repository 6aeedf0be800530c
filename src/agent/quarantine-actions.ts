/**
 * An operator's decisions on quarantined reports (shared by the HTTP API and the panel): store one
 * as the result of an experiment that has none (a late result of an experiment that timed out, a
 * report the lab sent under a wrong id), or discard it with a reason. Either way the row and its
 * raw payload stay, marked with the decision, who made it and when, and an event says so.
 */
import { assignQuarantined, discardQuarantined, getCampaign, getExperiment, getExperimentBySeq, IN_FLIGHT, QuarantineResolutionError } from '../db/index.js';
import { RefusedResultError } from '../lab-adapters/contract.js';
import { checkResultValues, resultExpectations } from '../lab-adapters/result-payload.js';
import { OperatorError, type ExperimentRef, type OperatorContext } from './operator-actions.js';

function asOperatorError(error: unknown): unknown {
  if (!(error instanceof QuarantineResolutionError)) return error;
  const kind = error.code === 'quarantine_not_found' || error.code === 'experiment_not_found' ? 'not_found' : 'conflict';
  const field = error.code === 'experiment_not_found' || error.code === 'experiment_completed' ? 'experiment' : 'quarantineId';
  return new OperatorError(kind, error.code, error.message, field);
}

async function campaignExists(ctx: OperatorContext, campaignId: string) {
  const campaign = await getCampaign(ctx.db, campaignId);
  if (!campaign) throw new OperatorError('not_found', 'campaign_not_found', `no campaign has the id ${campaignId}`, 'id');
  return campaign;
}

export async function assignQuarantinedResult(
  ctx: OperatorContext,
  campaignId: string,
  quarantineId: string,
  ref: ExperimentRef,
  reason?: string,
): Promise<{ seq: number; values: Record<string, number> }> {
  const campaign = await campaignExists(ctx, campaignId);
  const experiment = typeof ref === 'number' ? await getExperimentBySeq(ctx.db, campaignId, ref) : await getExperiment(ctx.db, ref).catch(() => undefined);
  if (!experiment || experiment.campaignId !== campaignId) throw new OperatorError('not_found', 'experiment_not_found', `the campaign has no experiment ${ref}`, 'experiment');
  let done: { seq: number; values: Record<string, number> };
  try {
    const expectations = resultExpectations(campaign.spec.objective);
    done = await assignQuarantined(ctx.db, { campaignId, quarantineId, experimentId: experiment.id, actor: ctx.actor, ...(reason ? { reason } : {}) }, (values) =>
      checkResultValues({ experimentId: experiment.id, status: 'completed', values, raw: null }, expectations),
    );
  } catch (error) {
    if (error instanceof RefusedResultError) throw new OperatorError('invalid', error.code, `the quarantined report cannot be stored: ${error.message}`, 'quarantineId');
    throw asOperatorError(error);
  }
  const runner = ctx.runnerOf(campaignId);
  // Its result is in: free the lab's place, as for any result entered by hand (false when the lab has finished it).
  if (runner && IN_FLIGHT.includes(experiment.status)) await runner.runtime.lab.cancel(experiment.id).catch(() => false);
  runner?.noteActivity();
  return done;
}

export async function discardQuarantinedResult(ctx: OperatorContext, campaignId: string, quarantineId: string, reason: string): Promise<void> {
  await campaignExists(ctx, campaignId);
  try {
    await discardQuarantined(ctx.db, { campaignId, quarantineId, actor: ctx.actor, reason });
  } catch (error) {
    throw asOperatorError(error);
  }
}
