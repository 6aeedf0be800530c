/**
 * The contract every lab adapter keeps. Adapters know transport and protocol, not chemistry or
 * planning; the experiment id is the idempotency key end to end.
 */

export interface ExperimentOrder {
  /** Idempotency key: a lab that receives the same id twice runs the experiment once. */
  id: string;
  campaignId: string;
  seq: number;
  /** The candidate's identity in its search space, for labs that look experiments up. */
  candidateKey: string;
  /** Parameter → chosen value (choice name, number or category). */
  parameters: Record<string, string | number>;
  /** Role → canonical SMILES ('' = none). */
  substances: Record<string, string>;
}

export type LabResult =
  | { experimentId: string; status: 'completed'; values: Record<string, number>; raw: unknown }
  | { experimentId: string; status: 'failed'; reason: string; raw: unknown };

export type LabExperimentStatus = 'unknown' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface DispatchReceipt {
  /** True when the lab already had this experiment id: nothing new was started. */
  duplicate: boolean;
}

export interface LabHealth {
  ok: boolean;
  detail: string;
}

/**
 * What became of a report, as the lab is told in its acknowledgement (docs/lab-protocols.md):
 * stored (a result or a failure recorded), duplicate (the same report again: nothing new),
 * conflict (a repeat with different values: the stored result stands, this report is quarantined),
 * quarantined (kept aside: unknown experiment, or one already finished; an operator decides).
 */
export type ReportOutcome = 'stored' | 'duplicate' | 'conflict' | 'quarantined';

/**
 * Receives each result. The adapter treats the result as delivered only once the handler resolves,
 * so a crash between receipt and storage leads to redelivery, never loss; handlers must therefore
 * be idempotent (storage is unique by experiment id). The outcome, when given, goes into the ack.
 */
export type ResultHandler = (result: LabResult) => Promise<ReportOutcome | void>;

/**
 * Keeps a report the adapter refused because it cannot be trusted (an MQTT result without a valid
 * signature): not stored as a result, but quarantined with its raw message and the reason, so an
 * operator sees it and can still assign it. Throws RetryLaterError when the quarantine is rate-limited.
 */
export type QuarantineSink = (report: { experimentId: string; reason: string; raw: unknown }) => Promise<void>;

export interface ResultSinks {
  quarantine?: QuarantineSink;
}

export interface LabAdapter {
  readonly name: string;
  /** Experiments that may be in flight at once. */
  readonly capacity: number;
  /** Begin delivering results (including any the lab still holds from before a restart). */
  start(handler: ResultHandler, sinks?: ResultSinks): Promise<void>;
  stop(): Promise<void>;
  dispatch(order: ExperimentOrder): Promise<DispatchReceipt>;
  status(experimentId: string): Promise<LabExperimentStatus>;
  /** True when the experiment was still cancellable. */
  cancel(experimentId: string): Promise<boolean>;
  health(): Promise<LabHealth>;
}

/**
 * Worth retrying with backoff: the lab is busy, unreachable, or timed out. A lab fault, never the
 * experiment's: the experiment is held and sent again once the lab is healthy.
 */
export class TransientLabError extends Error {
  override readonly name: string = 'TransientLabError';
  constructor(
    message: string,
    /** The lab said when to come back (HTTP Retry-After): honoured exactly, instead of backoff. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The lab refused our credentials (HTTP 401/403, MQTT "not authorized"): a lab fault too — the
 * experiment is held, not failed — but one that waiting will not mend, so the campaign pauses at
 * once with this reason until someone fixes lab.auth (or the robot's side) and resumes it.
 */
export class LabAuthError extends TransientLabError {
  override readonly name = 'LabAuthError';
}

/** Retrying will not help: the experiment fails with this reason. */
export class PermanentLabError extends Error {
  override readonly name = 'PermanentLabError';
}

/**
 * A result that must not be stored (wrong types, a missing field, a value outside the objective's
 * bounds, a bad signature). Thrown by validators and by result handlers; an adapter that meets it
 * logs the refusal, tells the lab when its protocol can (HTTP 4xx, a negative ack, an error file)
 * and does not offer the result again: retrying an invalid result cannot make it valid.
 */
export class RefusedResultError extends Error {
  override readonly name = 'RefusedResultError';
  constructor(
    /** Stable, machine-readable: invalid_json, invalid_result, missing_field, out_of_bounds, … */
    readonly code: string,
    message: string,
    /** The offending field as a dotted path (values.yield), when one field is to blame. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The result was not recorded now and was not refused: the sender should send it again after
 * `retryAfterSeconds` (HTTP 429 with Retry-After; other protocols redeliver later). Used by rate
 * limits, e.g. on quarantine writes.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
