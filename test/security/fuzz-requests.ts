/**
 * Requests for the fuzz test: for every operation of the service's OpenAPI document (so a new
 * route is fuzzed without touching this file) a plausible request — a real campaign's id, a body
 * shaped by the route's schema — with one part changed to an adversarial value, sent with the
 * token of a role that may (mostly) or may not (sometimes) call it.
 */
import { signedHeaders } from '../../src/lab-adapters/http/signature.js';
import type { Rng } from '../../src/util/random.js';
import { deepJsonText, type FieldKind, fuzzValue, LARGE_SMILES, pick, randomString, RawYaml, type FuzzPlaces } from './fuzz-values.js';

export type Role = 'operator' | 'viewer' | 'lab' | 'otherLab' | 'none' | 'bogus' | 'cookie';

export interface FuzzRequest {
  /** The operation, e.g. `POST /api/campaigns/{id}/results`, or `campaign file: lab.dataset`. */
  label: string;
  /** What was changed, for the report. */
  change: string;
  method: string;
  /** Path and query, already encoded. */
  path: string;
  role: Role;
  headers: Record<string, string>;
  body?: string;
  /** An endless response (Server-Sent Events): read the status only. */
  stream?: boolean;
  /** Documented answers besides 2xx–4xx: a 503 the route promises. */
  documented503: boolean;
}

export interface Operation {
  method: string;
  path: string;
  permission: 'public' | 'read' | 'operate' | 'ingest';
  parameters: { name: string; in: 'path' | 'query'; required?: boolean; schema?: JsonSchema }[];
  bodyTypes: Record<string, JsonSchema | undefined>;
  documented503: boolean;
  stream: boolean;
}

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};

/** The operations of an OpenAPI 3.1 document. */
export function operationsOf(document: Record<string, unknown>): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const responses = (op.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>;
      const body = op.requestBody as { content: Record<string, { schema?: JsonSchema }> } | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        permission: ((op['x-permission'] as Operation['permission'] | undefined) ?? 'public'),
        parameters: (op.parameters ?? []) as Operation['parameters'],
        bodyTypes: Object.fromEntries(Object.entries(body?.content ?? {}).map(([type, c]) => [type, c.schema])),
        documented503: '503' in responses,
        stream: Object.values(responses).some((r) => Object.keys(r.content ?? {}).includes('text/event-stream')),
      });
    }
  }
  return operations;
}

/** What the requests can refer to: campaigns, experiments and labs that exist in the service. */
export interface FuzzContext {
  places: FuzzPlaces;
  /** `lab` is bound to the campaigns below, `otherLab` to another one only. */
  tokens: Record<'operator' | 'viewer' | 'lab' | 'otherLab', string>;
  /** The service's origin, sent as Origin the way a browser on the panel would. */
  origin: string;
  /** Campaign ids to use for {id}: a running one first. */
  campaignIds: string[];
  /** Experiments of the running campaign: number and UUID. */
  experiments: { seq: number; id: string; parameters: Record<string, string | number> }[];
  /** A running campaign whose HTTP lab takes signed callbacks, and the key it holds. */
  callbackLab?: { id: string; secret: string; experimentIds: string[] };
}

/** Percent-encoding that survives lone surrogates (sent as the bytes of their CESU-8 form). */
export function encodePart(text: string): string {
  let out = '';
  for (const ch of text) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const c = ch.charCodeAt(0);
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  }
  return out;
}

/** JSON text of a value that may hold RawYaml (written as its text) and numbers JSON lacks. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof RawYaml ? v.text : v)) ?? 'null';
}

function kindOfJson(schema: JsonSchema | undefined): FieldKind {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (schema?.enum) return 'enum';
  if (type === 'integer') return 'integer';
  if (type === 'number' || type === 'string' || type === 'boolean' || type === 'object' || type === 'array') return type;
  return 'unknown';
}

/** A value the schema accepts, as simple as it gets (names hint at chemistry where a string is a SMILES). */
export function plausible(schema: JsonSchema | undefined, name = '', depth = 0): unknown {
  if (!schema || depth > 8) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.[0]) return plausible(options[0], name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties ?? {})) out[key] = plausible(child, key, depth + 1);
      if (typeof schema.additionalProperties === 'object') out.yield = plausible(schema.additionalProperties, 'yield', depth + 1);
      return out;
    }
    case 'array':
      return schema.prefixItems ? schema.prefixItems.map((s) => plausible(s, name, depth + 1)) : [plausible(schema.items, name, depth + 1)];
    case 'integer':
      return Math.max(1, schema.minimum ?? 1);
    case 'number':
      return 50;
    case 'boolean':
      return true;
    default:
      if (/reactants|smiles|target/i.test(name)) return 'CCO';
      if (/inventory/i.test(name)) return 'CCO,CC(=O)O,c1ccccc1Br';
      if (/status/i.test(name)) return 'completed';
      return 'fuzz';
  }
}

/** Every place in a JSON value a change can go: [] is the value itself. */
function placesIn(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(value)) value.slice(0, 2).forEach((v, i) => placesIn(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) placesIn(v, [...path, k], out);
  return out;
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = replacement;
  return copy;
}

const UUIDISH = () => '00000000-0000-4000-8000-000000000000';

/** Bodies a route really takes, to change one part of: known for the app's own routes, from the schema otherwise. */
function goodBody(op: Operation, ctx: FuzzContext, rng: Rng): unknown {
  const experiment = ctx.experiments.length > 0 ? pick(rng, ctx.experiments) : undefined;
  if (op.path.endsWith('/results') && op.method === 'POST') {
    return { results: [{ experiment: rng() < 0.5 ? experiment?.seq ?? 1 : experiment?.id ?? UUIDISH(), values: { yield: Math.round(rng() * 100) } }] };
  }
  if (op.path.endsWith('/predictions')) return { candidates: [{ parameters: experiment?.parameters ?? { x: 1 } }] };
  if (op.path === '/api/campaigns/{id}' && op.method === 'PATCH') return rng() < 0.5 ? { budget: { experiments: 40 } } : { planner: { acquisition: 'ei' } };
  if (op.path === '/api/session' && op.method === 'POST') return { token: ctx.tokens.viewer };
  const schema = op.bodyTypes['application/json'];
  return plausible(schema);
}

/** CSV of results with one adversarial cell, or one of the shapes that broke CSV readers before. */
function csvBody(ctx: FuzzContext, rng: Rng): { text: string; change: string } {
  const seq = ctx.experiments[0]?.seq ?? 1;
  const shapes: [string, () => string][] = [
    ['a cell', () => `experiment,yield\n${seq},${csvCell(fuzzValue(rng, 'number', 'yield', ctx.places))}\n`],
    ['the experiment cell', () => `experiment,yield\n${csvCell(fuzzValue(rng, 'string', 'experiment', ctx.places))},50\n`],
    ['a duplicated header', () => `experiment,yield,yield\n${seq},10,90\n`],
    ['a formula', () => `experiment,yield\n${seq},=1+1\n`],
    ['hex', () => `experiment,yield\n0x${seq.toString(16)},0x10\n`],
    ['1,000 rows for unknown experiments', () => `experiment,yield\n${Array.from({ length: 1000 }, (_, i) => `${100000 + i},${i % 100}`).join('\n')}\n`],
    ['NUL and CRLF', () => `experiment,yield\r\n${seq},5\u0000\r\n`],
    ['an unclosed quote', () => `experiment,yield\n"${seq},50\n`],
    ['a header only', () => 'experiment,yield\n'],
    ['20,000 columns', () => `${Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(',')}\n`],
  ];
  const [change, make] = pick(rng, shapes);
  return { text: make(), change: `CSV: ${change}` };
}

function csvCell(value: unknown): string {
  const text = typeof value === 'string' ? value : jsonText(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A raw body that is not what the route expects. */
const RAW_BODIES: [string, string, string][] = [
  ['invalid JSON', 'application/json', '{"results": ['],
  ['JSON nested 100,000 deep', 'application/json', deepJsonText(100_000)],
  ['JSON with a NUL', 'application/json', '{"reason": "a\\u0000b", "results": [{"experiment": 1, "values": {"yield": 1}}]}'],
  ['JSON with a lone surrogate', 'application/json', '{"reason": "\\ud800", "token": "\\udfff"}'],
  ['a JSON string', 'application/json', '"text"'],
  ['JSON null', 'application/json', 'null'],
  ['an empty body', 'application/json', ''],
  ['a huge number', 'application/json', '{"results": [{"experiment": 1e308, "values": {"yield": 1e308}}]}'],
  ['YAML as JSON', 'application/json', 'name: x'],
  ['form data', 'application/x-www-form-urlencoded', 'token=x&next=%2F%2Fevil.example'],
  ['text', 'text/plain', 'hello'],
  ['a YAML bomb', 'application/yaml', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'],
  ['YAML nested 50,000 deep', 'application/yaml', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
  ['YAML with 20,000 unknown keys', 'application/yaml', Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n')],
  ['YAML with a NUL', 'application/yaml', 'name: "a\\0b"\n'],
];

function roleFor(op: Operation, rng: Rng): Role {
  const r = rng();
  if (r < 0.06) return 'none';
  if (r < 0.09) return 'bogus';
  if (r < 0.14) return 'cookie';
  if (r < 0.2) return pick(rng, ['operator', 'viewer', 'lab', 'otherLab'] as const);
  if (op.permission === 'operate') return 'operator';
  if (op.permission === 'ingest') return rng() < 0.6 ? 'lab' : 'operator';
  if (op.permission === 'read') return pick(rng, ['operator', 'viewer', 'lab'] as const);
  return 'none';
}

export function authHeaders(role: Role, tokens: FuzzContext['tokens']): Record<string, string> {
  switch (role) {
    case 'none':
      return {};
    case 'bogus':
      return { authorization: 'Bearer athanor_0000000000000000000000000000000000000000' };
    case 'cookie':
      // The raw token in the session cookie: issue 15 finding 8 says this must not work.
      return { cookie: `athanor_session=${tokens.operator}` };
    default:
      return { authorization: `Bearer ${tokens[role]}` };
  }
}

/** A request to `op` with one thing changed. */
export function fuzzRequest(op: Operation, ctx: FuzzContext, rng: Rng): FuzzRequest {
  const role = roleFor(op, rng);
  const headers = authHeaders(role, ctx.tokens);
  if (rng() < 0.5) headers.origin = ctx.origin;
  const params = op.parameters;
  const values = new Map<string, unknown>();
  for (const p of params) {
    if (p.in === 'path') {
      if (p.name === 'id') values.set('id', pick(rng, ctx.campaignIds));
      else if (p.name === 'ref') values.set('ref', rng() < 0.5 ? String(ctx.experiments[0]?.seq ?? 1) : ctx.experiments[0]?.id ?? UUIDISH());
      else if (p.name === 'labId') values.set('labId', ctx.callbackLab?.id ?? UUIDISH());
      else values.set(p.name, plausible(p.schema, p.name));
    } else if (p.required || rng() < 0.6) {
      values.set(p.name, p.name === 'reactants' ? pick(rng, ['CCO.CC(=O)O', 'c1ccccc1Br.OB(O)c1ccccc1', 'C=CC=C.C=C']) : plausible(p.schema, p.name));
    }
  }
  const mutable = [...params.map((p) => ({ where: p.in, name: p.name, kind: kindOfJson(p.schema) })), { where: 'body' as const, name: 'body', kind: 'object' as FieldKind }];
  const hasBody = Object.keys(op.bodyTypes).length > 0;
  // With a body, mostly the body changes: the handler's own checks are what the fuzzer is after.
  // One request in five changes nothing but the role: the plain path must hold too.
  const r = rng();
  const target = r < 0.2 ? undefined : hasBody && r < 0.76 ? mutable[mutable.length - 1] : pick(rng, mutable.filter((m) => m.where !== 'body'));
  let change = target ? `${target.where} ${target.name}` : 'nothing changed';
  let body: string | undefined;
  let contentType: string | undefined;

  if (target && target.where !== 'body') {
    const r = rng();
    if (r < 0.1) {
      values.delete(target.name);
      change += ' left out';
    } else {
      const value = fuzzValue(rng, target.kind, target.name, ctx.places);
      values.set(target.name, value);
      change += ` = ${describeValue(value)}`;
    }
  }

  if (hasBody) {
    const types = Object.keys(op.bodyTypes);
    const changeBody = target?.where === 'body';
    if (changeBody && rng() < 0.3) {
      const [what, type, text] = pick(rng, RAW_BODIES);
      contentType = type;
      body = text;
      change = `body: ${what}`;
    } else if (types.includes('text/csv')) {
      const csv = csvBody(ctx, rng);
      contentType = 'text/csv';
      body = csv.text;
      if (changeBody) change = csv.change;
    } else if (types.includes('application/json') && !types.includes('application/yaml')) {
      let value = goodBody(op, ctx, rng);
      if (changeBody) {
        const spots = placesIn(value);
        const spot = pick(rng, spots);
        const name = String(spot[spot.length - 1] ?? 'body');
        const replacement = op.path.endsWith('/results') && name === 'results' && rng() < 0.3
          ? Array.from({ length: 1000 }, (_, i) => ({ experiment: 100000 + i, values: { yield: i % 100 } }))
          : fuzzValue(rng, typeof valueAt(value, spot) === 'number' ? 'number' : 'string', name, ctx.places);
        value = setAt(value, spot, replacement);
        change = `body ${spot.join('.') || '(whole)'} = ${describeValue(replacement)}`;
      }
      contentType = 'application/json';
      body = jsonText(value);
    } else {
      // Campaign files: fuzzed field by field elsewhere; here the wrong shapes.
      const [what, type, text] = pick(rng, RAW_BODIES);
      contentType = type;
      body = text;
      change = `body: ${what}`;
    }
  }

  let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodePart(String(values.get(name) ?? '')));
  const query = params
    .filter((p) => p.in === 'query' && values.has(p.name))
    .map((p) => `${encodePart(p.name)}=${encodePart(queryText(values.get(p.name)))}`);
  if (query.length > 0) path += `?${query.join('&')}`;
  if (contentType) headers['content-type'] = contentType;

  // Signed callbacks: mostly properly signed, so the body's checks are reached.
  if (op.path.startsWith('/api/labs/') && ctx.callbackLab && body !== undefined && rng() < 0.8) {
    if (!target || target.where !== 'body') {
      body = jsonText({ experimentId: pick(rng, ctx.callbackLab.experimentIds.length > 0 ? ctx.callbackLab.experimentIds : [UUIDISH()]), status: 'completed', values: { yield: 50 } });
      contentType = 'application/json';
      headers['content-type'] = contentType;
    }
    Object.assign(headers, signedHeaders(ctx.callbackLab.secret, body));
  }

  return { label: `${op.method} ${op.path}`, change, method: op.method, path, role, headers, ...(body !== undefined ? { body } : {}), ...(op.stream ? { stream: true } : {}), documented503: op.documented503 };
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}

function queryText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof RawYaml) return value.text;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return jsonText(value);
}

/** A short description of a value for the report (long ones by their length and start). */
export function describeValue(value: unknown): string {
  const text = value instanceof RawYaml ? `${value.text} (raw YAML)` : typeof value === 'string' ? JSON.stringify(value) : Object.is(value, -0) ? '-0' : jsonText(value);
  return text.length > 120 ? `${text.slice(0, 80)}… (${text.length} chars)` : text;
}

/** Extra requests no schema suggests: the same randomness for unknown routes and methods. */
export function strayRequest(ctx: FuzzContext, rng: Rng): FuzzRequest {
  const paths = ['/api/campaigns/../../etc/passwd', '/api/%2e%2e/%2e%2e/etc/passwd', `/api/${encodePart(randomString(rng))}`, '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e%2fsrc%2fcli.ts', `/signin?next=${encodePart('/\t/127.0.0.1:1/phish')}`, `/signin?next=${encodePart('//evil.example/')}`, `/signin?next=${encodePart('/x\r\nSet-Cookie: a=b')}`, `/predict?reactants=${encodePart(LARGE_SMILES)}`];
  const path = pick(rng, paths);
  const role = pick(rng, ['operator', 'viewer', 'none'] as const);
  return { label: 'stray', change: 'path', method: pick(rng, ['GET', 'POST', 'DELETE']), path, role, headers: { ...authHeaders(role, ctx.tokens), origin: ctx.origin }, documented503: false };
}
