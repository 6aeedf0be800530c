/**
 * Every field of a campaign file, found by walking the zod schema src/campaign/schema.ts exports
 * beside a valid example campaign, and the example with one field changed. A field the schema
 * gains later is fuzzed without touching this file. Hand-written: zod has no public schema walker;
 * this reads `schema._zod.def`, zod 4's documented internal shape.
 */
import { stringify } from 'yaml';
import type { z } from 'zod';
import { type FieldKind, RawYaml } from './fuzz-values.js';

export interface CampaignField {
  /** Keys from the document's root, e.g. ['lab', 'dataset'] or ['space', 'numeric', 'temperature', 'min']. */
  path: (string | number)[];
  kind: FieldKind;
  /** The field exists in the example (otherwise a change adds it). */
  present: boolean;
  /** A record's key rather than its value: a change renames the key. */
  key?: boolean;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** Wrappers that do not change what a field holds. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) current = def.innerType as z.ZodType;
    else if (def.type === 'pipe') current = def.in as z.ZodType;
    else if (def.type === 'lazy') current = (def.getter as () => z.ZodType)();
    else return current;
  }
  return current;
}

function kindOf(schema: z.ZodType): FieldKind {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'string':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'object':
    case 'record':
    case 'array':
    case 'tuple':
    case 'union':
      return def.type;
    case 'number':
      return (def as { format?: string }).format?.includes('int') || ((def.checks as unknown[] | undefined) ?? []).length > 0 ? 'integer' : 'number';
    default:
      return 'unknown';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The union member that describes `value`: the discriminator's match, else the first that accepts it. */
function memberFor(union: Def, value: unknown): z.ZodType | undefined {
  const options = union.options as z.ZodType[];
  const discriminator = union.discriminator as string | undefined;
  if (discriminator && isObject(value)) {
    const match = options.find((o) => {
      const shape = defOf(unwrap(o)).shape as Record<string, z.ZodType> | undefined;
      const literal = shape?.[discriminator] ? defOf(unwrap(shape[discriminator] as z.ZodType)) : undefined;
      return (literal?.values as unknown[] | undefined)?.includes(value[discriminator]);
    });
    if (match) return match;
  }
  return options.find((o) => o.safeParse(value).success) ?? (value === undefined ? undefined : options.find((o) => kindOf(o) === (Array.isArray(value) ? 'array' : isObject(value) ? 'object' : typeof value)));
}

/**
 * The fields of `schema` beside `value` (an example document): every key the example has, every
 * key the schema allows that it lacks, down to the leaves; records and arrays by their first two
 * entries (the rest are alike), plus a renamed key for records.
 */
export function campaignFields(schema: z.ZodType, value: unknown, path: (string | number)[] = [], depth = 0): CampaignField[] {
  if (depth > 10) return [];
  const inner = unwrap(schema);
  const def = defOf(inner);
  const fields: CampaignField[] = [];
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      const present = isObject(value) && key in value;
      fields.push({ path: [...path, key], kind: kindOf(child), present });
      fields.push(...campaignFields(child, present ? (value as Record<string, unknown>)[key] : undefined, [...path, key], depth + 1));
    }
  } else if (def.type === 'record' && isObject(value)) {
    const keys = Object.keys(value).slice(0, 2);
    if (keys[0] !== undefined) fields.push({ path: [...path, keys[0]], kind: 'string', present: true, key: true });
    for (const key of keys) {
      fields.push({ path: [...path, key], kind: kindOf(def.valueType as z.ZodType), present: true });
      fields.push(...campaignFields(def.valueType as z.ZodType, value[key], [...path, key], depth + 1));
    }
  } else if (def.type === 'array' && Array.isArray(value) && value.length > 0) {
    fields.push({ path: [...path, 0], kind: kindOf(def.element as z.ZodType), present: true });
    fields.push(...campaignFields(def.element as z.ZodType, value[0], [...path, 0], depth + 1));
  } else if (def.type === 'tuple' && Array.isArray(value)) {
    (def.items as z.ZodType[]).forEach((item, i) => {
      fields.push({ path: [...path, i], kind: kindOf(item), present: i < value.length });
      if (i < value.length) fields.push(...campaignFields(item, value[i], [...path, i], depth + 1));
    });
  } else if (def.type === 'union') {
    const member = memberFor(def, value);
    if (member) fields.push(...campaignFields(member, value, path, depth + 1));
  }
  return fields;
}

/** A copy of `document` with the field at `field.path` set to `replacement` (missing parents made as objects). */
export function withField(document: unknown, field: CampaignField, replacement: unknown): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of field.path.slice(0, -1)) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) parent[key] = {};
    parent = parent[key] as Record<string | number, unknown>;
  }
  const last = field.path[field.path.length - 1] as string | number;
  if (field.key) {
    // Rename the key, keeping its value and the order of the others.
    const entries = Object.entries(parent).map(([k, v]) => (k === String(last) ? [typeof replacement === 'string' ? replacement : JSON.stringify(replacement) ?? 'null', v] : [k, v]));
    for (const k of Object.keys(parent)) delete parent[k];
    for (const [k, v] of entries) parent[k as string] = v;
  } else {
    parent[last] = replacement;
  }
  return copy;
}

const RAW_MARK = '__raw_yaml_';

/** The document as campaign-file text: YAML (RawYaml values written unquoted) or JSON. */
export function campaignText(document: unknown, format: 'yaml' | 'json'): string {
  if (format === 'json') return JSON.stringify(document, (_k, v: unknown) => (v instanceof RawYaml ? v.text : v));
  const raws: string[] = [];
  const marked = JSON.parse(
    JSON.stringify(document, (_k, v: unknown) => {
      if (v instanceof RawYaml) {
        raws.push(v.text);
        return `${RAW_MARK}${raws.length - 1}__`;
      }
      return v;
    }),
  );
  // `-0` and other numbers JSON loses are RawYaml values already; the rest survives the round trip.
  const text = stringify(marked, { lineWidth: 0 });
  return text.replace(new RegExp(`(["']?)${RAW_MARK}(\\d+)__\\1`, 'g'), (_m, _q, i: string) => raws[Number(i)] as string);
}

export const fieldName = (field: CampaignField): string => field.path.map(String).join('.') + (field.key ? ' (key)' : '');
