/**
 * The MQTT protocol's topic layout and payloads (docs/lab-protocols.md). Everything is JSON at
 * QoS 1. Commands are requests with a requestId and a replyTo topic (plain JSON fields rather
 * than MQTT 5 properties, so 3.1.1 clients can speak it); results and their acknowledgements have
 * a topic per campaign; the robot's presence is a retained message backed by its last will.
 */
import { z } from 'zod';
import { orderBodySchema } from '../order-payload.js';

export function topicsFor(prefix: string) {
  return {
    command: (verb: CommandVerb) => `${prefix}/commands/${verb}`,
    allCommands: `${prefix}/commands/+`,
    replies: (clientId: string) => `${prefix}/replies/${clientId}`,
    results: (campaignId: string) => `${prefix}/results/${campaignId}`,
    acks: (campaignId: string) => `${prefix}/acks/${campaignId}`,
    allAcks: `${prefix}/acks/+`,
    presence: `${prefix}/robot/online`,
  };
}

export type CommandVerb = 'dispatch' | 'status' | 'cancel';

const request = {
  requestId: z.string().min(1).max(100),
  replyTo: z.string().min(1).max(500),
  /** Unix time in milliseconds after which the command is stale and must not be run (a robot back from offline finds it queued). */
  expiresAt: z.number().optional(),
};

/** Whether a command is past its expiresAt (commands without one never expire: older senders). */
export function commandExpired(command: unknown, nowMs = Date.now()): boolean {
  const expiresAt = (command as { expiresAt?: unknown } | null)?.expiresAt;
  return typeof expiresAt === 'number' && nowMs > expiresAt;
}

export const dispatchCommandSchema = z.looseObject({ ...request, order: orderBodySchema.omit({ callbackUrl: true }) });
export const experimentCommandSchema = z.looseObject({ ...request, experimentId: z.string().min(1).max(200) });

const replyError = z.looseObject({
  code: z.string(),
  message: z.string(),
  transient: z.boolean().default(false),
  /** A busy robot's "come back then" (HTTP's Retry-After, in seconds): Athanor sends the command again no sooner. */
  retryAfterS: z.number().nonnegative().max(3600).optional(),
});
export const replySchema = z.union([
  z.looseObject({
    requestId: z.string(),
    ok: z.literal(true),
    duplicate: z.boolean().optional(),
    status: z.enum(['unknown', 'queued', 'running', 'completed', 'failed', 'cancelled']).optional(),
    cancelled: z.boolean().optional(),
  }),
  z.looseObject({ requestId: z.string(), ok: z.literal(false), error: replyError }),
]);
export type Reply = z.infer<typeof replySchema>;

export const ackSchema = z.union([
  z.looseObject({ experimentId: z.string(), accepted: z.literal(true), outcome: z.enum(['stored', 'duplicate', 'conflict', 'quarantined']).optional() }),
  z.looseObject({ experimentId: z.string(), accepted: z.literal(false), error: z.looseObject({ code: z.string(), message: z.string(), field: z.string().optional() }) }),
]);
export type Ack = z.infer<typeof ackSchema>;

export const presenceSchema = z.looseObject({ online: z.boolean(), detail: z.string().optional() });
