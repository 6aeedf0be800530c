/**
 * Operator requests across processes. When several `serve` share one PostgreSQL, the panel may
 * reach a process that does not run the campaign: the request is queued in the database for the
 * process holding the campaign's lease, which applies it on its next tick and records the answer,
 * and the requester waits for that answer. A request that nobody answers in time is withdrawn
 * (atomically: it is then never applied), so the requester's reply is always the truth.
 */
import {
  claimCampaignCommand,
  enqueueCampaignCommand,
  finishCampaignCommand,
  getCampaignCommand,
  liveLeaseHolder,
  type Db,
  type NewCampaignCommand,
} from '../db/index.js';

/** How the process that applied a command says what came of it (stored as JSON in `outcome`). */
export type CommandAnswer = { ok: true; state: string } | { ok: false; error: { kind: 'not_found' | 'conflict' | 'invalid'; code: string; message: string } };

export function encodeAnswer(answer: CommandAnswer): string {
  return JSON.stringify(answer);
}

function decodeAnswer(ok: boolean, outcome: string | null): CommandAnswer {
  try {
    const parsed = JSON.parse(outcome ?? '') as CommandAnswer;
    if (typeof parsed === 'object' && parsed !== null && 'ok' in parsed) return parsed;
  } catch {
    // not JSON: a plain message
  }
  return ok ? { ok: true, state: outcome ?? '' } : { ok: false, error: { kind: 'conflict', code: 'not_applied', message: outcome ?? 'not applied' } };
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Sends the request to the process holding the campaign's lease and returns its answer;
 * undefined when no process holds a live lease (nobody to ask: the caller decides).
 */
export async function forwardToLeaseHolder(
  db: Db,
  request: NewCampaignCommand,
  timeoutMs = Number(process.env.ATHANOR_COMMAND_TIMEOUT_MS ?? DEFAULT_COMMAND_TIMEOUT_MS),
): Promise<CommandAnswer | undefined> {
  const holder = await liveLeaseHolder(db, request.campaignId);
  if (!holder) return undefined;
  const id = await enqueueCampaignCommand(db, request);
  const deadline = Date.now() + timeoutMs;
  let takenByHolder = false;
  for (let wait = 50; ; wait = Math.min(500, wait * 2)) {
    const row = await getCampaignCommand(db, id);
    if (row?.ok !== null && row?.ok !== undefined) return decodeAnswer(row.ok, row.outcome);
    if (Date.now() >= deadline) {
      if (!takenByHolder && (await claimCampaignCommand(db, id))) {
        const message = `the process running the campaign (${holder}) did not answer within ${Math.round(timeoutMs / 1000)} s; nothing was done`;
        await finishCampaignCommand(db, id, false, encodeAnswer({ ok: false, error: { kind: 'conflict', code: 'no_answer', message } }));
        return { ok: false, error: { kind: 'conflict', code: 'no_answer', message } };
      }
      // Taken by the holder just now: its answer follows shortly.
      takenByHolder = true;
      if (Date.now() >= deadline + timeoutMs) {
        return { ok: false, error: { kind: 'conflict', code: 'no_answer', message: `the process running the campaign (${holder}) took the request but has not confirmed it` } };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
