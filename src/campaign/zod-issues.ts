import { z } from 'zod';
import type { PathSegment } from './errors.js';

/* Zod's messages are written for developers ("Invalid input: expected int, received number");
 * a campaign file is written by chemists. This turns each zod issue into plain statements about
 * the file, using the parsed data to quote what was actually written. */

export interface RawIssue {
  path: PathSegment[];
  message: string;
}

/** Unknown fields named one by one in a map; the rest are counted. */
const MAX_UNKNOWN_FIELDS = 50;

export function translateZodIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, data: unknown): RawIssue[] {
  return issues.flatMap((issue) => translate(issue, schema, data));
}

function translate(issue: z.core.$ZodIssue, schema: z.ZodType, data: unknown): RawIssue[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      // each is compared with every allowed name for a "did you mean": only as many as are shown
      const named = issue.keys.slice(0, MAX_UNKNOWN_FIELDS).map((key) => ({ path: [...path, key], message: unknownFieldMessage(key, known) }));
      const rest = issue.keys.length - named.length;
      return rest > 0 ? [...named, { path, message: `… and ${rest} more unknown fields` }] : named;
    }
    case 'invalid_type':
      if (value === undefined) return [{ path, message: 'required field is missing' }];
      if (issue.expected === 'int') return [{ path, message: `must be an integer, got ${show(value)}` }];
      return [{ path, message: `expected ${article(issue.expected)}, got ${show(value)}` }];
    case 'invalid_key': {
      const why = issue.issues.map((i) => i.message).join('; ');
      return [{ path, message: `name ${JSON.stringify(String(path.at(-1)))} ${why}` }];
    }
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${show(value)}` }];
    case 'invalid_union': {
      if (issue.discriminator !== undefined && 'options' in issue) {
        if (value === undefined) return [{ path, message: 'required field is missing' }];
        const options = issue.options ?? [];
        return [{ path, message: `unknown ${String(path.at(-1))} ${show(value)}; expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}` }];
      }
      return [{ path, message: `${issue.message}, got ${show(value)}` }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'number' || issue.origin === 'int') {
        const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
        return [{ path, message: `must be ${op} ${String(bound)}, got ${show(value)}` }];
      }
      return [{ path, message: issue.message }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

function unknownFieldMessage(key: string, known: string[]): string {
  const base = `unknown field ${JSON.stringify(key)}`;
  if (known.length === 0) return base;
  // Close in spelling (a typo) or one name containing the other ("batchsize" for "batch").
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const close = known
    .map((k) => ({ k, d: editDistance(norm(key), norm(k)) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(key.length / 3)) || norm(key).includes(norm(k)) || norm(k).includes(norm(key)))
    .sort((a, b) => a.d - b.d)[0];
  if (close !== undefined) return `${base} (did you mean "${close.k}"?)`;
  return `${base}; allowed here: ${known.join(', ')}`;
}

/** Field names a strict object at `path` accepts, found by walking the schema alongside the path.
 * Unions contribute the fields of all their members. */
function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType[] = [schema];
  for (const segment of path) {
    current = current.flatMap(unwrap).flatMap((s) => child(s, segment));
  }
  const keys = new Set<string>();
  for (const s of current.flatMap(unwrap)) if (s instanceof z.ZodObject) Object.keys(s.shape).forEach((k) => keys.add(k));
  return [...keys];
}

function unwrap(s: z.ZodType): z.ZodType[] {
  if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) return unwrap(s.unwrap() as z.ZodType);
  if (s instanceof z.ZodPipe) return unwrap(s.in as z.ZodType);
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap(unwrap);
  return [s];
}

function child(s: z.ZodType, segment: PathSegment): z.ZodType[] {
  if (s instanceof z.ZodObject) {
    const c = (s.shape as Record<string, z.ZodType | undefined>)[String(segment)];
    return c === undefined ? [] : [c];
  }
  if (s instanceof z.ZodRecord) return [s.valueType as z.ZodType];
  if (s instanceof z.ZodArray) return [s.element as z.ZodType];
  return [];
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

function show(value: unknown): string {
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function article(type: string): string {
  if (type === 'object') return 'a map';
  if (type === 'array') return 'a list';
  if (type === 'tuple') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
