/**
 * An experiment order on the wire, shared by the protocols that send JSON (HTTP, MQTT): the
 * contract's ExperimentOrder with `experimentId` for `id`, so results and orders name it alike.
 */
import { z } from 'zod';
import type { ExperimentOrder } from './contract.js';

/** An experiment as every protocol sends it (HTTP body, MQTT payload). */
export const orderBodySchema = z.strictObject({
  experimentId: z.string().trim().min(1).max(200),
  campaignId: z.string().min(1).max(200),
  seq: z.int().nonnegative(),
  candidateKey: z.string(),
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  substances: z.record(z.string(), z.string()),
  /** HTTP only: where to POST the result, signed; absent: the robot keeps it for GET /results. */
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type OrderBody = z.infer<typeof orderBodySchema>;

export function orderToBody(order: ExperimentOrder, callbackUrl?: string): OrderBody {
  return {
    experimentId: order.id,
    campaignId: order.campaignId,
    seq: order.seq,
    candidateKey: order.candidateKey,
    parameters: order.parameters,
    substances: order.substances,
    ...(callbackUrl ? { callbackUrl } : {}),
  };
}

export function bodyToOrder(body: OrderBody): ExperimentOrder {
  return {
    id: body.experimentId,
    campaignId: body.campaignId,
    seq: body.seq,
    candidateKey: body.candidateKey,
    parameters: body.parameters,
    substances: body.substances,
  };
}

