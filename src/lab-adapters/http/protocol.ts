/**
 * The HTTP robot protocol's bodies (docs/lab-protocols.md), as zod schemas both sides share:
 * Athanor validates what the robot answers, the reference robot validates what Athanor sends.
 */
import { z } from 'zod';

export const experimentStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

// POST /experiments takes an order body (../order-payload.ts) with an optional callbackUrl.

/** 201 (new) or 200 (already known) to POST /experiments. */
export const dispatchReplySchema = z.looseObject({
  experimentId: z.string(),
  status: experimentStatusSchema,
  duplicate: z.boolean().default(false),
});

/** 200 to GET /experiments/:id (404: the robot does not know it). */
export const statusReplySchema = z.looseObject({
  experimentId: z.string(),
  status: experimentStatusSchema,
  result: z.unknown().optional(),
});

/** 200 to POST /experiments/:id/cancel. */
export const cancelReplySchema = z.looseObject({ cancelled: z.boolean() });

/** 200 to GET /results: results not yet acknowledged, oldest first; each validated on its own. */
export const resultsReplySchema = z.looseObject({ results: z.array(z.unknown()) });

/** What became of an accepted report (ReportOutcome in ../contract.ts), in every protocol's ack. */
export const reportOutcomeSchema = z.enum(['stored', 'duplicate', 'conflict', 'quarantined']);

/** POST /results/:id/ack — accepted (with what became of it), or refused with the reason. */
export const ackBodySchema = z.union([
  z.strictObject({ accepted: z.literal(true), outcome: reportOutcomeSchema.optional() }),
  z.strictObject({ accepted: z.literal(false), error: z.strictObject({ code: z.string(), message: z.string(), field: z.string().optional() }) }),
]);
export type AckBody = z.infer<typeof ackBodySchema>;

/** 200 to GET /health. */
export const healthReplySchema = z.looseObject({ ok: z.boolean(), detail: z.string().optional() });

export const errorReplySchema = z.looseObject({ error: z.looseObject({ code: z.string(), message: z.string(), field: z.string().optional() }) });
