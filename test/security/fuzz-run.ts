/**
 * One fuzz run: sets up campaigns to aim at, sends every request one after another with a health
 * probe beside them (GET /api/health every ~50 ms), and records each request that answered 5xx
 * (other than a 503 its route documents), did not answer, or answered with something it must not
 * show (a sentinel file's contents, a secret). Requests go one at a time so a slow health probe
 * names the request that caused it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { campaignSpecSchema } from '../../src/campaign/schema.js';
import { rngFor, shuffled, type Rng } from '../../src/util/random.js';
import { type CampaignField, campaignFields, campaignText, fieldName, withField } from './fuzz-campaign-fields.js';
import { authHeaders, describeValue, type FuzzContext, type FuzzRequest, fuzzRequest, operationsOf, type Role, strayRequest } from './fuzz-requests.js';
import type { FuzzTarget } from './fuzz-target.js';
import { fuzzValue, pathValues, urlValues, pick } from './fuzz-values.js';

export interface Outcome {
  request: FuzzRequest;
  status: number | 'timeout' | 'no answer';
  ms: number;
  snippet: string;
}

export interface Failure {
  kind: '5xx' | 'timeout' | 'no answer' | 'leak' | 'slow health' | 'setup';
  request?: FuzzRequest;
  detail: string;
}

export interface SlowProbe {
  ms: number;
  /** The requests answered last before the probe, newest first: work a request leaves running after its answer shows here. */
  after?: FuzzRequest[];
  /** CPU the service's main thread used while the probe waited. */
  busyMs?: number;
  /** Longest stretch the service's event loop was held (its own delay monitor, since the previous probe). */
  blockMs?: number;
  status: Sent['status'];
  /** Why it did not answer 200. */
  text?: string;
  during?: FuzzRequest;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  operations: string[];
  campaignFields: string[];
  outcomes: Outcome[];
  failures: Failure[];
  slowProbes: SlowProbe[];
  /** Probes over the limit while the service's event loop was mostly idle: the machine, not the service. */
  starvedProbes: SlowProbe[];
  probes: number;
  /** Slowest probe the service's own work could explain (see starvedProbes for the others). */
  maxProbeMs: number;
  maxRawProbeMs: number;
  /** Longest stretch the service's event loop was held while the fuzzer ran (its own delay monitor). */
  maxBlockMs?: number;
  restarts: number;
  notes: string[];
  seconds: number;
}

export interface FuzzOptions {
  seed: number;
  /** Requests per API operation. */
  perOperation: number;
  /** Changes per campaign-file field (path, URL and secret fields get three times as many). */
  perField: number;
  /** Longest wait for one answer. */
  requestTimeoutMs: number;
  /** The whole run stops sending after this. */
  budgetMs: number;
  healthLimitMs: number;
}


/**
 * The longest event-loop delay the service's own monitor (prom-client's, Node's
 * monitorEventLoopDelay) saw since its previous scrape, which resets it; undefined when /metrics
 * does not answer.
 */
async function loopBlockMs(target: FuzzTarget, agent: Agent): Promise<number | undefined> {
  const res = await getOnce(`${target.url}/metrics`, agent, { authorization: `Bearer ${target.tokens.viewer}` });
  const seconds = res.status === 200 ? res.text.match(/^nodejs_eventloop_lag_max_seconds (\S+)$/m)?.[1] : undefined;
  return seconds === undefined ? undefined : Math.round(Number(seconds) * 1000);
}

/**
 * GET /api/health on a connection of its own (node:http, one keep-alive socket): a fuzz request
 * the service answered by closing its socket must not take the probe down with it.
 */
function probeHealth(base: string, agent: Agent): Promise<Sent> {
  return getOnce(`${base}/api/health`, agent);
}

/** One GET on the given agent's socket, never rejecting: no answer within 30 s is a 'no answer'. */
function getOnce(url: string, agent: Agent, headers: Record<string, string> = {}): Promise<Sent> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpGet(url, { agent, timeout: 30_000, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
      res.on('error', (error) => resolve({ status: 'no answer', text: error.message, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => resolve({ status: 'no answer', text: error.message, ms: performance.now() - started }));
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Bash's $'…' quoting: control characters and lone surrogates written as escapes, so the command is exact and printable. */
function ansiQuote(text: string): string {
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === "'") return "\\'";
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
  return `$'${escaped}'`;
}

/** The exact request as a curl command (tokens by role; bodies over 1,500 characters cut, and said so). */
export function asCurl(base: string, request: FuzzRequest): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const headers = Object.entries(request.headers).map(
    ([k, v]) => `-H ${quote(`${k}: ${v.replace(/(Bearer |athanor_session=)ath_[\w-]+/, `$1<${request.role} token>`)}`)}`,
  );
  let body = '';
  if (request.body !== undefined) {
    // $'…' keeps control characters (NUL shown as \u0000 in JSON text, CR, LF) exact and visible.
    const limit = 1500;
    const shown = request.body.length > limit ? request.body.slice(0, limit) : request.body;
    body = ` --data-binary ${ansiQuote(shown)}${request.body.length > limit ? ` # body cut here: ${request.body.length} chars in all (the JSON report has it whole)` : ''}`;
  }
  return `curl -sS -X ${request.method} ${quote(base + request.path)} ${headers.join(' ')}${body}`;
}

export function describeRequest(base: string, request: FuzzRequest): string {
  return `${request.label} [${request.role}] — ${request.change}\n    ${asCurl(base, request)}`;
}

/** The examples as documents the data folder can run: file-drop folders inside it, HTTP robots at the sink. */
function baseCampaigns(target: FuzzTarget): { file: string; document: Record<string, unknown> }[] {
  const bases: { file: string; document: Record<string, unknown> }[] = [];
  for (const file of readdirSync(target.places.dataDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const document = parse(readFileSync(join(target.places.dataDir, file), 'utf8')) as Record<string, unknown>;
    const lab = document.lab as Record<string, unknown> | undefined;
    if (lab?.type === 'files') lab.folder = 'lab-folder';
    if (lab?.type === 'http') lab.url = target.places.sinkUrl;
    if (lab && 'latency_ms' in lab) lab.latency_ms = 60_000;
    document.budget = { experiments: 10, batch: 2 };
    bases.push({ file, document });
  }
  // Robot labs as the API should take them: by a profile the administrator registered.
  const simple = bases.find((b) => b.file === 'direct-arylation.yaml');
  for (const profile of target.profiles) {
    if (simple) bases.push({ file: `direct-arylation.yaml on profile ${profile}`, document: { ...structuredClone(simple.document), lab: { type: 'profile', profile } } });
  }
  return bases;
}

function fieldScore(document: unknown, field: CampaignField): number {
  if (field.present) return 2;
  let parent: unknown = document;
  for (const key of field.path.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[key];
  return typeof parent === 'object' && parent !== null ? 1 : 0;
}

/** Each field once, from the first example that has it (lab fields per lab type). */
function fieldsToFuzz(bases: { file: string; document: Record<string, unknown> }[]): { base: (typeof bases)[number]; field: CampaignField }[] {
  const chosen = new Map<string, { base: (typeof bases)[number]; field: CampaignField }>();
  for (const base of bases) {
    const labType = String((base.document.lab as { type?: unknown } | undefined)?.type);
    for (const field of campaignFields(campaignSpecSchema, base.document)) {
      const key = `${field.path[0] === 'lab' ? `${labType}:` : ''}${field.path.map((p) => (typeof p === 'number' ? '#' : p)).join('.')}${field.key ? '(key)' : ''}`;
      // Prefer an example that has the field, then one that has its parent (so the change is checked in context).
      const had = chosen.get(key);
      if (!had || fieldScore(base.document, field) > fieldScore(had.base.document, had.field)) chosen.set(key, { base, field });
    }
  }
  return [...chosen.values()];
}

const isSecurityField = (field: CampaignField) => /(file|dataset|folder|forward_model|url|broker|_env|listen)$/.test(String(field.path[field.path.length - 1]));

function campaignFileRequests(target: FuzzTarget, fields: ReturnType<typeof fieldsToFuzz>, options: FuzzOptions, rng: Rng): FuzzRequest[] {
  const requests: FuzzRequest[] = [];
  for (const { base, field } of fields) {
    const times = isSecurityField(field) ? options.perField * 4 : options.perField;
    const name = String(field.path[field.path.length - 1]);
    // Paths and URLs: distinct values from their special lists, in a seeded order.
    const special = field.key ? undefined : /(file|dataset|folder|forward_model)$/.test(name) ? shuffled(pathValues(target.places), rng) : /(url|broker)$/.test(name) ? shuffled(urlValues(target.places), rng) : undefined;
    for (let i = 0; i < times; i++) {
      const value = special && i < special.length && i < times - 1 ? special[i] : fuzzValue(rng, field.key ? 'string' : field.kind, field.key ? 'key' : name, target.places);
      const document = withField(base.document, field, value);
      (document as Record<string, unknown>).name ??= 'fuzz';
      let format: 'yaml' | 'json' = rng() < 0.3 ? 'json' : 'yaml';
      let body = campaignText(document, format);
      // YAML text cannot carry a lone surrogate through UTF-8; JSON escapes it.
      if (format === 'yaml' && /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(body)) {
        format = 'json';
        body = campaignText(document, format);
      }
      // A file-drop folder is written when the lab starts: only creating the campaign reaches it.
      const create = name === 'folder' || rng() < 0.3;
      const role: Role = rng() < 0.08 ? pick(rng, ['viewer', 'lab', 'none'] as const) : 'operator';
      requests.push({
        label: `POST /api/campaigns${create ? '' : '/validate'} (${base.file})`,
        change: `campaign file ${fieldName(field)}${field.present ? '' : ' (added)'} = ${describeValue(value)} as ${format.toUpperCase()}`,
        method: 'POST',
        path: create ? '/api/campaigns' : '/api/campaigns/validate',
        role,
        headers: { ...authHeaders(role, target.tokens), 'content-type': format === 'json' ? 'application/json' : 'application/yaml' },
        body,
        documented503: false,
      });
    }
  }
  return requests;
}

interface Sent {
  status: number | 'timeout' | 'no answer';
  text: string;
  ms: number;
  headers?: Headers;
}

/**
 * A request, sent again once when a reused keep-alive socket turned out closed (a race between
 * the client's pool and the server closing an idle or unread connection, not an answer): only
 * a second failure on a fresh socket counts.
 */
async function send(base: string, request: FuzzRequest, timeoutMs: number): Promise<Sent> {
  const first = await sendOnce(base, request, timeoutMs);
  if (first.status !== 'no answer' || !/other side closed|ECONNRESET|socket hang up/i.test(first.text)) return first;
  const second = await sendOnce(base, request, timeoutMs);
  return { ...second, ms: first.ms + second.ms, text: second.status === 'no answer' ? `${second.text} (twice)` : second.text };
}

async function sendOnce(base: string, request: FuzzRequest, timeoutMs: number): Promise<Sent> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(base + request.path, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && request.method !== 'GET' ? { body: request.body } : {}),
      redirect: 'manual',
      signal: controller.signal,
    });
    let text = '';
    if (request.stream && res.ok) await res.body?.cancel();
    else text = await res.text();
    return { status: res.status, text, ms: performance.now() - started, headers: res.headers };
  } catch (error) {
    const ms = performance.now() - started;
    if (controller.signal.aborted) return { status: 'timeout', text: '', ms };
    if (error instanceof TypeError && /header|ByteString/i.test(String((error as Error & { cause?: unknown }).cause ?? error.message))) {
      return { status: 0, text: `not sendable: ${(error as Error).message}`, ms };
    }
    return { status: 'no answer', text: String((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message), ms };
  } finally {
    clearTimeout(timer);
  }
}

/** Campaigns to aim at: one finished (results, a model), one running (experiments in the lab), one on a callback lab. */
async function setUpCampaigns(target: FuzzTarget, notes: string[]): Promise<FuzzContext> {
  const operator = { authorization: `Bearer ${target.tokens.operator}` };
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(target.url + path, { ...init, headers: { ...operator, ...(init.headers as Record<string, string> | undefined) } });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null, text };
  };
  const example = parse(readFileSync(join(target.places.dataDir, 'direct-arylation.yaml'), 'utf8')) as Record<string, any>;
  const create = async (name: string, change: (doc: Record<string, any>) => void) => {
    const doc = structuredClone(example);
    doc.name = name;
    change(doc);
    const res = await api('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    if (res.status !== 201) throw new Error(`could not create the ${name} campaign: ${res.status} ${res.text.slice(0, 500)}`);
    return res.body.campaignId as string;
  };
  const finished = await create('fuzz finished', (doc) => {
    doc.budget = { experiments: 8, batch: 4 };
    doc.lab.latency_ms = 0;
  });
  const running = await create('fuzz running', (doc) => {
    doc.budget = { experiments: 40, batch: 4 };
    doc.lab.latency_ms = 3_600_000;
  });
  await waitUntil('the finished campaign to complete', async () => (await api(`/api/campaigns/${finished}`)).body?.status === 'completed', 180_000);

  const callbackExample = parse(readFileSync(join(target.places.dataDir, 'direct-arylation-robot-http-callback.yaml'), 'utf8')) as Record<string, any>;
  callbackExample.name = 'fuzz callback';
  callbackExample.lab = target.profiles.includes('fuzz_http_callback') ? { type: 'profile', profile: 'fuzz_http_callback' } : { ...callbackExample.lab, url: target.places.sinkUrl };
  const callback = await api('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(callbackExample) });
  const callbackId = callback.status === 201 ? (callback.body.campaignId as string) : undefined;
  if (!callbackId) notes.push(`no campaign on an HTTP lab with signed callbacks could be created (${callback.status} ${callback.text.slice(0, 200)}): callbacks are fuzzed unsigned`);

  // The lab token reaches the fixtures; the other lab token only the finished campaign.
  await target.bindLabTokens([running, finished, ...(callbackId ? [callbackId] : [])], [finished]);
  const experiments = await waitUntil(
    'the running campaign to dispatch',
    async () => {
      const list = (await api(`/api/campaigns/${running}/experiments`)).body?.experiments as { seq: number; id: string; parameters: Record<string, string | number>; status: string }[] | undefined;
      return list && list.some((e) => e.status === 'dispatched' || e.status === 'running') ? list : undefined;
    },
    60_000,
  );
  // A restarted service resumes its campaigns before it is quiet: the fuzzer starts once /api/health
  // answers quickly five times running, so what it measures is what its requests cause.
  const settling = performance.now();
  let quick = 0;
  await waitUntil(
    'the restarted service to settle',
    async () => {
      const probe = await timed(() => fetch(`${target.url}/api/health`).then((r) => r.text()));
      quick = probe.ms < 50 ? quick + 1 : 0;
      return quick >= 5;
    },
    120_000,
  ).catch(() => notes.push('the restarted service did not settle (five quick health answers running) within 120 s'));
  notes.push(`after the restart the service settled in ${Math.round((performance.now() - settling) / 1000)} s`);
  const models = (await api(`/api/campaigns/${finished}/models`)).body?.models?.length ?? 0;
  if (models === 0) notes.push('the finished campaign has no model: model routes answer 409 rather than predicting');
  let callbackLab: FuzzContext['callbackLab'];
  if (callbackId) {
    const status = (await api(`/api/campaigns/${callbackId}`)).body?.status;
    const list = (await api(`/api/campaigns/${callbackId}/experiments`)).body?.experiments as { id: string }[] | undefined;
    callbackLab = { id: callbackId, secret: target.labSecret, experimentIds: (list ?? []).map((e) => e.id) };
    if (status !== 'running') notes.push(`the callback campaign is ${status}, so its lab may not take callbacks`);
  }
  return {
    places: target.places,
    tokens: target.tokens,
    origin: target.url,
    campaignIds: [running, running, finished],
    experiments: experiments.map((e) => ({ seq: e.seq, id: e.id, parameters: e.parameters })),
    ...(callbackLab ? { callbackLab } : {}),
  };
}

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const rng = rngFor(options.seed, 'fuzz');
  const notes: string[] = [...target.notes];
  const failures: Failure[] = [];
  const outcomes: Outcome[] = [];
  const slowProbes: SlowProbe[] = [];
  let restarts = 0;

  const context = await setUpCampaigns(target, notes);
  const document = (await (await fetch(`${target.url}/api/openapi.json`)).json()) as Record<string, unknown>;
  const operations = operationsOf(document);
  // Stop last: it ends the running campaign the other routes aim at.
  const ordered = [...operations.filter((o) => !o.path.endsWith('/stop')), ...operations.filter((o) => o.path.endsWith('/stop'))];
  const routeRequests = ordered.flatMap((op) => Array.from({ length: options.perOperation }, () => fuzzRequest(op, context, rng)));
  const strays = Array.from({ length: 12 }, () => strayRequest(context, rng));
  const fields = fieldsToFuzz(baseCampaigns(target));
  const fileRequests = campaignFileRequests(target, fields, options, rng);
  // Campaign files first, interleaved with reads; the stop requests stay at the end.
  const stops = routeRequests.filter((r) => r.path.endsWith('/stop') && r.label.includes('/stop'));
  const rest = shuffled([...routeRequests.filter((r) => !stops.includes(r)), ...strays, ...fileRequests], rng);
  const requests = [...rest, ...stops];

  // The health probe beside the fuzzer.
  let current: FuzzRequest | undefined;
  let previous: FuzzRequest[] = [];
  let probing = true;
  let probes = 0;
  let maxProbeMs = 0;
  let maxRawProbeMs = 0;
  let maxBlockMs: number | undefined;
  const starvedProbes: SlowProbe[] = [];
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const probe = (async () => {
    await loopBlockMs(target, probeAgent); // resets the service's monitor: its start-up is not the fuzzer's doing
    while (probing) {
      const during = current;
      // The sink lives in this process: how long it takes to answer is this process's and the
      // machine's share of the delay, which the service is not to blame for.
      const cpuBefore = target.mainThreadCpuMs();
      const [res, baseline] = await Promise.all([timed(() => probeHealth(target.url, probeAgent)), timed(() => fetch(target.places.sinkUrl, { headers: { 'x-fuzz-baseline': '1' } }).then((r) => r.text()))]);
      const cpuAfter = target.mainThreadCpuMs();
      const blockMs = await loopBlockMs(target, probeAgent);
      if (blockMs !== undefined) maxBlockMs = Math.max(maxBlockMs ?? 0, blockMs);
      // Read at the probe's end: a request in flight when it started is among them once answered.
      const before = previous;
      const ms = Math.max(0, res.ms - baseline.ms);
      // The service is to blame when its event loop computed most of the wait and was held in one
      // stretch: work that takes turns (planning, a campaign's start) lets health in between, and a
      // probe the machine's other processes or threads held up (2 shared cores) shows neither.
      const busyMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
      const blocked = (busyMs === undefined || busyMs >= options.healthLimitMs * 0.75) && (blockMs === undefined || blockMs >= options.healthLimitMs * 0.75);
      probes++;
      if (blocked || res.value.status !== 200) maxProbeMs = Math.max(maxProbeMs, ms);
      maxRawProbeMs = Math.max(maxRawProbeMs, ms);
      const measured = { ...(busyMs !== undefined ? { busyMs } : {}), ...(blockMs !== undefined ? { blockMs } : {}) };
      if ((ms > options.healthLimitMs && blocked) || res.value.status !== 200) {
        slowProbes.push({ ms: Math.round(ms), status: res.value.status, ...measured, ...(res.value.status === 200 ? {} : { text: res.value.text.slice(0, 200) }), ...(current ?? during ? { during: current ?? during } : {}), ...(before.length ? { after: before } : {}) });
      } else if (ms > options.healthLimitMs) {
        starvedProbes.push({ ms: Math.round(ms), status: res.value.status, ...measured, ...(current ?? during ? { during: current ?? during } : {}) });
      }
      await sleep(50);
    }
  })();

  const createdCampaigns: string[] = [];
  let sent = 0;
  // The budget is for the requests; setting the campaigns up waits on the service doing real work.
  const fuzzing = performance.now();
  notes.push(`setting up took ${Math.round((fuzzing - started) / 1000)} s`);
  for (const request of requests) {
    if (performance.now() - fuzzing > options.budgetMs) {
      failures.push({ kind: 'timeout', detail: `time budget of ${options.budgetMs / 1000} s spent after ${sent} of ${requests.length} requests` });
      break;
    }
    current = request;
    const res = await send(target.url, request, options.requestTimeoutMs);
    current = undefined;
    previous = [request, ...previous.slice(0, 2)];
    sent++;
    outcomes.push({ request, status: res.status, ms: Math.round(res.ms), snippet: res.text.slice(0, 300) });
    if (res.status === 'timeout' || res.status === 'no answer') {
      failures.push({ kind: res.status, request, detail: `${res.status} after ${Math.round(res.ms)} ms ${res.text}` });
      // Give the service a while to come back; if it does not, start it again and go on.
      const back = await waitUntil('the service to answer /api/health', async () => (await fetch(`${target.url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok, 20_000).catch(() => false);
      if (!back) {
        notes.push(`the service stopped answering after: ${request.label} — ${request.change}; restarted`);
        restarts++;
        await target.restart();
      }
      continue;
    }
    if (typeof res.status === 'number' && res.status >= 500 && !(res.status === 503 && request.documented503)) {
      failures.push({ kind: '5xx', request, detail: `${res.status} ${res.text.slice(0, 300)}` });
    }
    const leaked = [...target.forbiddenTexts, target.secretValue].find((t) => res.text.includes(t) || [...(res.headers?.values() ?? [])].some((h) => h.includes(t)));
    if (leaked) failures.push({ kind: 'leak', request, detail: `the answer (${res.status}) holds text from outside the data folders: …${res.text.slice(Math.max(0, res.text.indexOf(leaked) - 80), res.text.indexOf(leaked) + 120)}…` });
    if (res.status === 201 && request.path === '/api/campaigns') {
      try {
        createdCampaigns.push((JSON.parse(res.text) as { campaignId: string }).campaignId);
      } catch {
        // not JSON: reported by the checks above if it matters
      }
    }
  }
  // Campaigns the fuzzer created are stopped (their lab may have been anywhere) — also fuzzing stop.
  for (const id of createdCampaigns) {
    const request: FuzzRequest = { label: 'POST /api/campaigns/{id}/stop', change: 'stopping a campaign the fuzzer created', method: 'POST', path: `/api/campaigns/${id}/stop`, role: 'operator', headers: authHeaders('operator', target.tokens), documented503: false };
    current = request;
    const res = await send(target.url, request, options.requestTimeoutMs);
    current = undefined;
    if (res.status === 'timeout' || res.status === 'no answer' || res.status >= 500) failures.push({ kind: typeof res.status === 'number' ? '5xx' : res.status, request, detail: `${res.status} ${res.text.slice(0, 300)}` });
  }
  probing = false;
  await probe;
  probeAgent.destroy();
  const describeAnswered = (request: FuzzRequest) => {
    const outcome = outcomes.find((o) => o.request === request);
    return `${request.label} — ${request.change.slice(0, 160)} [${request.role}] (answered ${outcome?.status ?? '?'} in ${outcome?.ms ?? '?'} ms)`;
  };
  // One failure per request in flight, however many probes it slowed.
  const byRequest = new Map<FuzzRequest | undefined, SlowProbe[]>();
  for (const slow of slowProbes) byRequest.set(slow.during, [...(byRequest.get(slow.during) ?? []), slow]);
  for (const [during, list] of byRequest) {
    const worst = Math.max(...list.map((p) => p.ms));
    const unanswered = list.filter((p) => p.status !== 200).map((p) => `${p.status}${p.text ? `: ${p.text}` : ''}`);
    failures.push({
      kind: 'slow health',
      ...(during ? { request: during } : {}),
      detail: `GET /api/health over ${options.healthLimitMs} ms ${list.length === 1 ? 'once' : `${list.length} times`}, at worst ${worst} ms (the event loop busy ${list.map((p) => p.busyMs ?? '?').join(', ')} ms of it, held at most ${list.map((p) => p.blockMs ?? '?').join(', ')} ms at a stretch)${unanswered.length ? ` (answered ${[...new Set(unanswered)].join(', ')})` : ''}${during ? ` while this request was in flight (it took ${outcomes.find((o) => o.request === during)?.ms ?? '?'} ms)` : ' between requests'}${list[0]?.after?.length ? `; answered just before, newest first: ${list[0].after.map(describeAnswered).join('; ')}` : ''}`,
    });
  }
  const sinkLeaks = target.sinkRequests.filter((r) => JSON.stringify(r).includes(target.secretValue));
  for (const leak of sinkLeaks) failures.push({ kind: 'leak', detail: `the service sent the secret ${target.places.secretEnv} to ${leak.method} ${leak.url} (headers ${JSON.stringify(leak.headers).slice(0, 300)})` });

  return {
    seed: options.seed,
    requests: sent,
    operations: operations.map((o) => `${o.method} ${o.path}`),
    campaignFields: fields.map((f) => `${f.base.file}: ${fieldName(f.field)}`),
    outcomes,
    failures,
    slowProbes,
    starvedProbes,
    probes,
    maxProbeMs: Math.round(maxProbeMs),
    maxRawProbeMs: Math.round(maxRawProbeMs),
    ...(maxBlockMs !== undefined ? { maxBlockMs } : {}),
    restarts,
    notes,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** Failures grouped by route, each with its exact request. */
export function formatFailures(base: string, failures: Failure[], kinds: Failure['kind'][]): string {
  const chosen = failures.filter((f) => kinds.includes(f.kind));
  const groups = new Map<string, Failure[]>();
  for (const f of chosen) {
    const key = f.request?.label ?? '(no single request)';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()]
    .map(([label, list]) => `${label}: ${list.length}\n${list.map((f) => `  - ${f.kind}: ${f.detail}${f.request ? `\n    ${f.request.change} [${f.request.role}]\n    ${asCurl(base, f.request)}` : ''}`).join('\n')}`)
    .join('\n\n');
}
