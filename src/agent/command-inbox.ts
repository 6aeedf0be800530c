/**
 * The receiving end of the cross-process mailbox (campaign-commands.ts): operator requests that
 * another process queued for campaigns running here are taken one at a time, oldest first,
 * applied with the same operator actions as a request made here, and answered in the database.
 */
import type { Logger } from 'pino';
import { claimCampaignCommand, finishCampaignCommand, pendingCampaignCommands, type CampaignCommandRow, type Db } from '../db/index.js';
import { encodeAnswer, type CommandAnswer } from './campaign-commands.js';
import type { CampaignRunner } from './campaign-runner.js';
import { cancelExperiment, OperatorError, pauseCampaign, resumeCampaign, stopCampaign, type OperatorContext } from './operator-actions.js';

export interface CommandInboxOptions {
  log: Logger;
  /** Told of every request applied, and whether it could be. */
  onApplied?: (command: string, ok: boolean) => void;
}

export class CommandInbox {
  constructor(
    private readonly db: Db,
    private readonly runnerOf: (campaignId: string) => CampaignRunner | undefined,
    private readonly options: CommandInboxOptions,
  ) {}

  /** Applies what is pending for these campaigns (those running here). */
  async applyPending(campaignIds: string[]): Promise<void> {
    if (campaignIds.length === 0) return;
    for (const command of await pendingCampaignCommands(this.db, campaignIds)) {
      if (!this.runnerOf(command.campaignId)) continue; // it left this process meanwhile
      // Claimed first: a request is applied at most once, and never after its requester gave up on it.
      if (!(await claimCampaignCommand(this.db, command.id))) continue;
      const answer = await this.apply(command);
      await finishCampaignCommand(this.db, command.id, answer.ok, encodeAnswer(answer));
      this.options.onApplied?.(command.command, answer.ok);
      this.options.log.info(
        { campaign: command.campaignId, command: command.command, actor: command.actor, ok: answer.ok, ...(answer.ok ? {} : { error: answer.error.message }) },
        'operator request from another process applied',
      );
    }
  }

  private async apply(command: CampaignCommandRow): Promise<CommandAnswer> {
    // `forward: false`: the campaign runs here, so nothing bounces back to the mailbox.
    const ctx: OperatorContext = { db: this.db, actor: command.actor, runnerOf: this.runnerOf, forward: false };
    const payload = command.payload as { reason?: string; experimentId?: string };
    const id = command.campaignId;
    try {
      switch (command.command) {
        case 'pause':
          return { ok: true, state: await pauseCampaign(ctx, id) };
        case 'resume':
          return { ok: true, state: await resumeCampaign(ctx, id) };
        case 'stop':
          await stopCampaign(ctx, id, payload.reason);
          return { ok: true, state: 'stopping' };
        case 'cancel-experiment':
          return { ok: true, state: (await cancelExperiment(ctx, id, payload.experimentId ?? '', payload.reason)).status };
      }
    } catch (error) {
      if (error instanceof OperatorError) return { ok: false, error: { kind: error.kind, code: error.code, message: error.message } };
      return { ok: false, error: { kind: 'conflict', code: 'failed', message: error instanceof Error ? error.message : String(error) } };
    }
  }
}
