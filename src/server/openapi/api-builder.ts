/**
 * Defines each API route once: its zod schemas validate the request and the same schemas,
 * converted with z.toJSONSchema, describe it in the OpenAPI document. A route cannot drift from
 * its documentation because there is nothing else to keep in step.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Permission } from '../../auth/index.js';
import type { ServerEnv } from '../env.js';
import { findUnsafeText } from '../../util/safe-text.js';
import { apiError, type ApiIssue } from '../errors.js';
import { requirePermission } from '../middleware/require-permission.js';
import { errorSchema } from './schemas.js';

export type Access = 'public' | Permission;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Empty = z.ZodObject<{}>;

export interface ResponseDoc {
  description: string;
  /** JSON body; omit for non-JSON responses (give contentType instead). */
  schema?: z.ZodType;
  contentType?: string;
}

export interface RawBodyDoc {
  /** Content type → how it is read; validated by the handler, documented here. */
  contentTypes: Record<string, { schema?: z.ZodType; description?: string }>;
  required?: boolean;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Hono style, e.g. /api/campaigns/:id */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  /** A JSON body, validated before the handler runs. */
  body?: B;
  /** A non-JSON body (YAML, CSV) the handler reads itself. */
  rawBody?: RawBodyDoc;
  responses: Record<number, ResponseDoc>;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export type RouteHandler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = (
  c: Context<ServerEnv>,
  input: RouteInput<P, Q, B>,
) => Response | Promise<Response>;

function issuesOf(error: z.ZodError): ApiIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function validate<T extends z.ZodType>(schema: T, value: unknown, code: string, status: 400 | 422 = 400): z.output<T> {
  refuseUnsafeText(value, code);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  const first = issues[0];
  const message = issues.length === 1 && first ? first.message : issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw apiError(status, code, message, first?.path || undefined, issues.length > 1 ? issues : undefined);
}

/** NUL bytes and unpaired surrogates anywhere in a request (values and keys): no field may store them. */
function refuseUnsafeText(value: unknown, code: string): void {
  const issues = findUnsafeText(value).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = issues[0];
  if (!first) return;
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw apiError(400, code, message, first.path || undefined, issues.length > 1 ? issues : undefined);
}

/** The JSON body; undefined when there is none at all (routes whose body is optional accept that). */
async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (!type && text === '') return undefined;
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) throw apiError(415, 'unsupported_media_type', 'send the body as application/json');
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw apiError(400, 'invalid_json', `the body is not JSON: ${(error as Error).message}`);
  }
}

export class ApiBuilder {
  private readonly specs: RouteSpec<z.ZodType, z.ZodType, z.ZodType>[] = [];

  constructor(private readonly app: Hono<ServerEnv>) {}

  define<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<P, Q, B>,
    handler: RouteHandler<P, Q, B>,
  ): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
    const guard: MiddlewareHandler<ServerEnv> = spec.access === 'public' ? (_c, next) => next() : requirePermission(spec.access);
    this.app.on(spec.method.toUpperCase(), spec.path, guard, async (c) => {
      const params = (spec.params ? validate(spec.params, c.req.param(), 'invalid_id') : {}) as z.output<P>;
      const query = (spec.query ? validate(spec.query, c.req.query(), 'invalid_query') : {}) as z.output<Q>;
      const body = (spec.body ? validate(spec.body, await readJson(c), 'invalid_body') : undefined) as z.output<B>;
      return handler(c, { params, query, body });
    });
  }

  /** Documents a route served by another part of the app (it validates its own requests). */
  describe<P extends z.ZodType = Empty>(spec: RouteSpec<P, Empty, z.ZodUndefined>): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  }

  /** The OpenAPI 3.1 document of every route defined so far. */
  document(info: { title: string; version: string; description: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const spec of this.specs) {
      const path = spec.path.replace(/:(\w+)/g, '{$1}');
      (paths[path] ??= {})[spec.method] = operation(spec);
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      tags: [...new Set(this.specs.map((s) => s.tag))].map((name) => ({ name })),
      paths,
      components: {
        schemas: { Error: jsonSchema(errorSchema) },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `athanor token create --role viewer|operator|lab`' },
          session: { type: 'apiKey', in: 'cookie', name: 'athanor_session', description: 'The control panel session (set by POST /api/session)' },
        },
      },
    };
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const ROLE_NOTE: Record<Access, string> = {
  public: 'No token needed.',
  read: 'Any token (viewer, operator or lab).',
  operate: 'An operator token.',
  ingest: 'An operator or lab token.',
};

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const errorRef = { $ref: '#/components/schemas/Error' };

function operation(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(spec.responses)) {
    const contentType = doc.contentType ?? 'application/json';
    responses[status] = {
      description: doc.description,
      ...(doc.schema || doc.contentType ? { content: { [contentType]: doc.schema ? { schema: jsonSchema(doc.schema) } : {} } } : {}),
    };
  }
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
  if (spec.params || spec.query || spec.body) responses['400'] ??= errorResponse('The request is malformed; `field` names the culprit');
  if (spec.access !== 'public') {
    responses['401'] ??= errorResponse('No valid token');
    responses['403'] ??= errorResponse('The token does not allow this');
  }
  // Load shedding (middleware/shed-reads.ts) may refuse any read but health and live streams.
  if (spec.method === 'get' && spec.path !== '/api/health' && !spec.path.endsWith('/stream')) {
    responses['503'] ??= errorResponse('`busy`: the service has too many requests in hand (ATHANOR_MAX_IN_FLIGHT); retry after Retry-After seconds');
  }
  let requestBody: Record<string, unknown> | undefined;
  if (spec.body) requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } };
  if (spec.rawBody) {
    requestBody = {
      required: spec.rawBody.required ?? true,
      content: Object.fromEntries(
        Object.entries(spec.rawBody.contentTypes).map(([type, doc]) => [
          type,
          { ...(doc.schema ? { schema: jsonSchema(doc.schema, 'input') } : { schema: { type: 'string' } }), ...(doc.description ? { description: doc.description } : {}) },
        ]),
      ),
    };
  }
  return {
    summary: spec.summary,
    description: [spec.description, `**Access:** ${ROLE_NOTE[spec.access]}`].filter(Boolean).join('\n\n'),
    tags: [spec.tag],
    operationId: `${spec.method}${spec.path.replace(/\/:?(\w+)/g, (_m, part: string) => part.charAt(0).toUpperCase() + part.slice(1)).replace(/[^\w]/g, '')}`,
    ...(spec.access === 'public' ? { security: [] } : { security: [{ bearer: [] }, { session: [] }], 'x-permission': spec.access }),
    parameters: [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')],
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}
