/**
 * `athanor run` and the approval gate (planner.approval): whenever a batch waits, either approve
 * it at once (`--approve`, as the operator "cli") or ask on the terminal — approve all, drop one
 * with a reason, reject the batch with a reason — with the same operator actions as the API, so
 * every decision is an event naming who.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { approvalState, approveProposals, OperatorError, rejectProposals, type CampaignRunner } from '../agent/index.js';
import type { Db, ExperimentRow } from '../db/index.js';
import type { ApprovalMode } from './arguments.js';
import { formatParameters } from './format.js';

export type { ApprovalMode };

export interface ApprovalPromptOptions {
  mode: ApprovalMode | undefined;
  out: (line: string) => void;
  input?: Readable;
  actor?: string;
}

const HELP = 'a = approve all · d N REASON = drop experiment N · r REASON = reject the whole batch · ? = show again';

function describe(e: ExperimentRow): string {
  const predicted = e.proposal.mean !== undefined ? `  predicted ${e.proposal.mean.toFixed(1)}${e.proposal.sigma !== undefined ? ` ± ${e.proposal.sigma.toFixed(1)}` : ''}` : '';
  return `  #${e.seq}  ${formatParameters(e.parameters)}${predicted}\n        ${e.proposal.reason}`;
}

/** Follows the runner; returns a function that stops following. */
export function attendApprovals(runner: CampaignRunner, db: Db, options: ApprovalPromptOptions): () => void {
  const ctx = { db, actor: options.actor ?? 'cli', runnerOf: () => runner };
  const campaignId = runner.campaignId;
  let lines: AsyncIterator<string> | undefined;
  let closeInput: (() => void) | undefined;
  let busy = false;
  let stopped = false;

  const nextLine = async (): Promise<string | undefined> => {
    if (!lines) {
      const rl = createInterface({ input: options.input ?? process.stdin, terminal: false });
      closeInput = () => rl.close();
      lines = rl[Symbol.asyncIterator]();
    }
    const next = await lines.next();
    return next.done ? undefined : String(next.value);
  };

  const decide = async (): Promise<void> => {
    for (;;) {
      const { awaiting } = await approvalState(ctx, campaignId);
      if (awaiting.length === 0 || stopped) return;
      if (options.mode === 'all') {
        const approved = await approveProposals(ctx, campaignId);
        options.out(`  approved ${approved.length} proposal${approved.length === 1 ? '' : 's'} (--approve)`);
        return;
      }
      if (options.mode !== 'ask') {
        options.out(`  ${awaiting.length} proposal${awaiting.length === 1 ? '' : 's'} wait for approval (planner.approval): run with --approve, or answer on a terminal`);
        return;
      }
      options.out(`Waiting for approval:\n${awaiting.map(describe).join('\n')}\n${HELP}`);
      const answer = (await nextLine())?.trim();
      if (answer === undefined) {
        options.out('  no more input: the batch keeps waiting');
        return;
      }
      try {
        const drop = /^d(?:rop)?\s+(\d+)\s+(.+)$/i.exec(answer);
        const reject = /^r(?:eject)?\s+(.+)$/i.exec(answer);
        if (/^a(?:pprove)?$/i.test(answer)) {
          const approved = await approveProposals(ctx, campaignId);
          options.out(`  approved ${approved.length}`);
        } else if (drop) {
          await rejectProposals(ctx, campaignId, drop[2] as string, [Number(drop[1])]);
          options.out(`  dropped #${drop[1]}`);
        } else if (reject) {
          const rejected = await rejectProposals(ctx, campaignId, reject[1] as string);
          options.out(`  rejected ${rejected.length}: the planner proposes others`);
        } else if (answer !== '?') {
          options.out(`  not understood: ${HELP}`);
        }
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        options.out(`  ${error.message}`);
      }
    }
  };

  const onState = (state: string) => {
    if (state !== 'running.approving' || busy) return;
    busy = true;
    decide()
      .catch((error: unknown) => options.out(`  ! approval: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        busy = false;
        // the machine may have come back to approving while we asked (a rejection replans)
        if (!stopped && runner.state === 'running.approving') onState(runner.state);
      });
  };
  runner.on('state', onState);
  if (runner.state === 'running.approving') onState(runner.state);
  return () => {
    stopped = true;
    runner.off('state', onState);
    closeInput?.();
  };
}

