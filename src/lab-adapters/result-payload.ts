/**
 * The one shape of a result on every wire (HTTP callback or poll, MQTT, a row of a result file) and
 * the checks every incoming result passes before it may be stored: types and required fields
 * (zod), then the objective's own rules (the target is present and inside its bounds). A result
 * that fails is refused with a specific code and field; nothing of it is stored.
 */
import { z } from 'zod';
import { findUnsafeText } from '../util/safe-text.js';
import { RefusedResultError, type LabResult } from './contract.js';
import type { ObjectiveSpec } from '../campaign/types.js';

/**
 * How deep a result payload may nest. A result is a flat object with a few small ones inside;
 * the database's jsonb refuses (and its parser spends a long time on) much deeper documents, which
 * then failed as "retry later" for ever.
 */
export const MAX_RESULT_DEPTH = 32;

/** What the campaign expects of a completed result: given to adapters by the runtime. */
export interface ResultExpectations {
  /** The objective's quantity: a completed result must carry it. */
  target: string;
  /** The objective's [low, high]: a target value outside is refused, not clipped. */
  bounds?: [number, number];
  /**
   * An objective with several targets: a completed result must carry at least one of them (it is
   * stored and used for the targets it has); each carried one must lie inside its bounds.
   * `target`/`bounds` are then not required on their own.
   */
  targets?: { name: string; bounds?: [number, number] }[];
}

/** What a campaign's objective expects of a completed result. */
export function resultExpectations(objective: ObjectiveSpec): ResultExpectations {
  const single = { target: objective.target, ...(objective.bounds ? { bounds: objective.bounds } : {}) };
  const listed = objective.pareto ?? objective.desirability;
  if (!listed) return single;
  const targets = listed.map((t) => {
    const bounds = 'bounds' in t ? t.bounds : undefined;
    return { name: t.target, ...(bounds ? { bounds } : {}) };
  });
  return { target: listed[0]?.target ?? objective.target, targets };
}

const QUANTITY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const experimentId = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

// Loose objects: a lab may add fields of its own (operator, instrument, timestamps); they are kept
// in `raw` with the rest of the payload.
const completedSchema = z.looseObject({
  experimentId,
  status: z.literal('completed'),
  values: z.record(z.string().regex(QUANTITY, 'must be an identifier'), z.number()),
});
const failedSchema = z.looseObject({
  experimentId,
  status: z.literal('failed'),
  reason: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
});
export const resultPayloadSchema = z.discriminatedUnion('status', [completedSchema, failedSchema]);
export type ResultPayload = z.infer<typeof resultPayloadSchema>;

/** Turns a decoded payload into a LabResult, or throws RefusedResultError naming the field. */
export function parseResultPayload(payload: unknown, expectations?: ResultExpectations): LabResult {
  checkStorable(payload);
  const parsed = resultPayloadSchema.safeParse(payload);
  if (!parsed.success) throw refusalFromZod(parsed.error, payload);
  const data = parsed.data;
  const result: LabResult =
    data.status === 'completed'
      ? { experimentId: data.experimentId, status: 'completed', values: data.values, raw: payload }
      : { experimentId: data.experimentId, status: 'failed', reason: data.reason, raw: payload };
  if (expectations) checkResultValues(result, expectations);
  return result;
}

/**
 * Refuses what the database cannot keep, before anything tries: nesting deeper than
 * MAX_RESULT_DEPTH, NUL bytes and unpaired surrogates anywhere (values, keys, extra fields).
 * Retrying cannot make such a payload storable, so it is refused (4xx), not deferred.
 */
export function checkStorable(payload: unknown): void {
  const depth = depthOver(payload, MAX_RESULT_DEPTH);
  if (depth !== undefined) {
    throw new RefusedResultError('too_deep', `the result nests deeper than ${MAX_RESULT_DEPTH} levels (at ${depth}); send a flat object`, depth);
  }
  const [unsafe] = findUnsafeText(payload, 1);
  if (unsafe) {
    const field = unsafe.path.join('.');
    throw new RefusedResultError('invalid_text', `${field || 'the result'}: ${unsafe.message}`, field || undefined);
  }
}

/** The path of the first value nested deeper than `max`, or undefined (an explicit stack: never the call stack). */
function depthOver(value: unknown, max: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.value === null || typeof node.value !== 'object') continue;
    if (node.depth >= max) return node.path || '(top)';
    for (const [key, child] of Object.entries(node.value)) {
      stack.push({ value: child, depth: node.depth + 1, path: node.path ? `${node.path}.${key}` : key });
    }
  }
  return undefined;
}

/** The objective's rules for a completed result: the target is there and inside the bounds. */
export function checkResultValues(result: LabResult, expectations: ResultExpectations): void {
  if (result.status !== 'completed') return;
  if (expectations.targets) {
    checkSeveralTargets(result, expectations.targets);
    return;
  }
  const { target, bounds } = expectations;
  const value = result.values[target];
  const field = `values.${target}`;
  if (value === undefined) {
    throw new RefusedResultError('missing_field', `${field}: a completed result must report the objective "${target}"`, field);
  }
  if (!Number.isFinite(value)) throw new RefusedResultError('invalid_result', `${field}: must be a finite number, got ${String(value)}`, field);
  if (bounds && (value < bounds[0] || value > bounds[1])) {
    throw new RefusedResultError('out_of_bounds', `${field}: ${value} lies outside the objective's bounds [${bounds[0]}, ${bounds[1]}]`, field);
  }
}

function checkSeveralTargets(result: LabResult & { status: 'completed' }, targets: NonNullable<ResultExpectations['targets']>): void {
  if (!targets.some((t) => result.values[t.name] !== undefined)) {
    const names = targets.map((t) => `"${t.name}"`).join(', ');
    throw new RefusedResultError('missing_field', `values: a completed result must report at least one of the objective's targets (${names})`, 'values');
  }
  for (const { name, bounds } of targets) {
    const value = result.values[name];
    if (value === undefined) continue;
    const field = `values.${name}`;
    if (!Number.isFinite(value)) throw new RefusedResultError('invalid_result', `${field}: must be a finite number, got ${String(value)}`, field);
    if (bounds && (value < bounds[0] || value > bounds[1])) {
      throw new RefusedResultError('out_of_bounds', `${field}: ${value} lies outside the bounds of "${name}" [${bounds[0]}, ${bounds[1]}]`, field);
    }
  }
}

/** A JSON text to a result; malformed JSON is refused as such. */
export function parseResultJson(text: string, expectations?: ResultExpectations): LabResult {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new RefusedResultError('invalid_json', `the body is not JSON: ${(error as Error).message}`);
  }
  return parseResultPayload(payload, expectations);
}

/** The wire form of a result (what a lab sends, and what the reference robot reports). */
export function resultToPayload(result: LabResult): ResultPayload {
  return result.status === 'completed'
    ? { experimentId: result.experimentId, status: 'completed', values: result.values }
    : { experimentId: result.experimentId, status: 'failed', reason: result.reason };
}

function refusalFromZod(error: z.ZodError, payload: unknown): RefusedResultError {
  const issue = error.issues[0];
  if (!issue) return new RefusedResultError('invalid_result', 'the result is invalid');
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const field = path.join('.');
  const value = valueAt(payload, path);
  const where = field === '' ? 'the result' : field;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return new RefusedResultError('invalid_result', `the result must be a JSON object, got ${describe(payload)}`);
  }
  if (issue.code === 'invalid_union' && field === 'status') {
    const message = value === undefined ? 'status: required field is missing' : `status: must be "completed" or "failed", got ${describe(value)}`;
    return new RefusedResultError(value === undefined ? 'missing_field' : 'invalid_result', message, 'status');
  }
  if (issue.code === 'invalid_type' && value === undefined) {
    return new RefusedResultError('missing_field', `${where}: required field is missing`, field);
  }
  if (issue.code === 'invalid_type') {
    return new RefusedResultError('invalid_result', `${where}: expected ${issue.expected === 'record' ? 'an object' : `a ${issue.expected}`}, got ${describe(value)}`, field);
  }
  return new RefusedResultError('invalid_result', `${where}: ${issue.message}`, field);
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let current = data;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
