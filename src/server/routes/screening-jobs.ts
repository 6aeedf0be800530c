/**
 * Screening jobs over HTTP (docs/screening.md, "Large libraries"): a library beyond the request
 * limit is streamed to the upload folder (bounded by its own limit, never held in memory), screened
 * in the background (screening-jobs.ts), and watched: status, progress, then the ranked molecules,
 * filterable, or as CSV.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { cancelScreeningJob, getScreeningJob, insertScreeningJob, listScreeningJobs, loadLatestModelVersion, type ScreeningJobRow } from '../../db/index.js';
import { libraryFormatOf, LibraryFormatError, type LibraryFormat } from '../../screening/library-reader.js';
import { NO_MODEL_YET, notASubstanceRole } from '../../screening/campaign-screen.js';
import { rankedCsv, type LibraryScreenResult } from '../../screening/library-screen.js';
import { PRIVATE_FILE_MODE } from '../../util/private-files.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema } from '../openapi/schemas.js';
import { fractionRead, type ScreeningJobs } from '../screening-jobs.js';
import type { Services } from '../services.js';
import { LIBRARY_FORMATS, screenQuery, screenSchema } from './screening.js';

/** The upload route, whose body the service's request limit does not bound (it has its own). */
export const SCREENING_UPLOAD_PATH = /^\/api\/campaigns\/[^/]+\/screens\/?$/;

const jobQuery = screenQuery.extend({
  format: z.enum(LIBRARY_FORMATS).optional().describe('csv, tsv, smi or sdf; default: from the extension of `name`, else csv'),
  name: z.string().min(1).max(200).optional().describe("The library's file name, for people (e.g. catalogue.sdf)"),
});

const jobParams = campaignParams.extend({ job: z.uuid('a screening job id is a UUID').describe('Screening job id') });

const progressSchema = z
  .object({
    read: z.number().describe('Rows of the library read'),
    screened: z.number().describe('Distinct molecules scored'),
    rejected: z.number().describe('Rows set aside (not molecules, too large, elements not allowed)'),
    seconds: z.number(),
    bytesRead: z.number().describe('Bytes of the library read'),
  })
  .partial();

const jobSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  library: z.object({ name: z.string(), format: z.string(), bytes: z.number() }),
  settings: z.record(z.string(), z.unknown()).describe('The screen asked for (role, top, rank, with, elements, max_heavy_atoms, forward)'),
  progress: progressSchema.nullable().describe('While it runs and once done; `fraction` of the file read'),
  fraction: z.number().nullable().describe('Share of the library read (0–1)'),
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).nullable(),
  actor: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  result: screenSchema.optional().describe('Once done (GET of one job): the report, its `ranked` list filtered by `q`'),
});

type JobView = z.input<typeof jobSchema>;

function viewOf(row: Omit<ScreeningJobRow, 'result'> & { result?: ScreeningJobRow['result'] }, filter?: string): JobView {
  const result = row.result ? filtered(row.result as unknown as LibraryScreenResult, filter) : undefined;
  return {
    id: row.id,
    campaignId: row.campaignId,
    status: row.status,
    library: { name: row.libraryName, format: row.format, bytes: row.libraryBytes },
    settings: row.settings,
    progress: row.progress ?? null,
    fraction: fractionRead(row),
    error: row.error ?? null,
    actor: row.actor,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(result ? { result: result as unknown as JobView['result'] } : {}),
  };
}

/** The report with its ranked molecules narrowed to those whose name or SMILES contains `filter` (any case). */
export function filtered(result: LibraryScreenResult, filter: string | undefined): LibraryScreenResult {
  const needle = filter?.trim().toLowerCase();
  if (!needle) return result;
  return { ...result, ranked: result.ranked.filter((m) => m.name.toLowerCase().includes(needle) || m.smiles.toLowerCase().includes(needle)) };
}

/** The jobs of this service, or the API's refusal when it keeps no upload folder. */
function jobsOf(services: Services): ScreeningJobs {
  if (!services.screening) throw apiError(503, 'no_upload_folder', 'this service keeps no upload folder, so it runs no screening jobs: send libraries up to the request limit to POST /api/campaigns/{id}/screen, or screen files with `athanor screen`');
  return services.screening;
}

/**
 * 413 for a library over the upload limit. The connection closes after it: the client may still be
 * sending the rest, which nobody reads, so the socket cannot carry another request.
 */
function tooLarge(message: string): Error {
  const refusal = apiError(413, 'library_too_large', message, 'library');
  refusal.getResponse().headers.set('connection', 'close');
  return refusal;
}

/** Streams a request body to `path`, refusing (413, the partial file removed) past `limit` bytes. */
async function receive(body: globalThis.ReadableStream<Uint8Array> | null, path: string, limit: number): Promise<number> {
  if (!body) return 0;
  let bytes = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > limit) done(tooLarge(`the library is larger than the upload limit of ${limit} bytes (ATHANOR_SCREEN_UPLOAD_MB)`));
      else done(null, chunk);
    },
  });
  const partial = `${path}.part`;
  try {
    await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), bound, createWriteStream(partial, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
    await rename(partial, path);
    return bytes;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

export function screeningJobRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/screens',
      tag: 'models',
      summary: 'Screen a large library in the background: upload it, then follow its progress',
      description:
        "For libraries beyond the request limit (a supplier catalogue): the body (the library's bytes, as `POST /api/campaigns/{id}/screen` takes them) is streamed to the service's upload folder, up to ATHANOR_SCREEN_UPLOAD_MB (512 MB by default), and screened on a worker thread of its own. " +
        'The answer (202) is the job; `GET /api/campaigns/{id}/screens/{job}` gives its progress and, once done, its report. The campaign must have a model and the role must be one of its substance roles, checked before the upload is read.',
      access: 'operate',
      params: campaignParams,
      query: jobQuery,
      rawBody: {
        required: true,
        contentTypes: {
          'text/csv': { description: 'smiles,name\nIc1ccccc1,iodobenzene' },
          'text/plain': { description: 'SMILES lines (format=smi) or an SDF (format=sdf)' },
          'application/octet-stream': { description: 'The file as it is' },
        },
      },
      responses: {
        202: { description: 'Uploaded and queued (Location: the job)', schema: jobSchema },
        400: { description: 'An empty library, an unknown format, or a role that is not a substance role of the campaign', schema: errorSchema },
        404: { description: 'No such campaign', schema: errorSchema },
        409: { description: 'The campaign has no trained model yet', schema: errorSchema },
        413: { description: 'The library is larger than the upload limit', schema: errorSchema },
        503: { description: 'This service keeps no upload folder', schema: errorSchema },
      },
    },
    async (c, { params, query }) => {
      const jobs = jobsOf(services);
      const row = await services.campaign(params.id);
      const spec = row.spec as { space?: { substances?: Record<string, unknown> } };
      const roles = Object.keys(spec.space?.substances ?? {});
      if (!roles.includes(query.role)) throw apiError(400, 'not_a_substance_role', notASubstanceRole(query.role, roles), 'role');
      if (!(await loadLatestModelVersion(services.db, row.id))) throw apiError(409, 'no_model', NO_MODEL_YET);
      let format: LibraryFormat;
      try {
        format = query.format ?? (query.name ? libraryFormatOf(query.name) : 'csv');
      } catch (error) {
        if (error instanceof LibraryFormatError) throw apiError(400, 'invalid_library', error.message, 'name');
        throw error;
      }
      const declared = Number(c.req.header('content-length'));
      const limit = jobs.settings.maxUploadBytes;
      if (Number.isFinite(declared) && declared > limit) throw tooLarge(`the library (${declared} bytes) is larger than the upload limit of ${limit} bytes (ATHANOR_SCREEN_UPLOAD_MB)`);
      const id = randomUUID();
      const path = jobs.libraryPath(id, format);
      const bytes = await receive(c.req.raw.body, path, limit);
      if (bytes === 0) {
        rmSync(path, { force: true });
        throw apiError(400, 'invalid_library', "the library is empty: send the file's bytes as the body", 'library');
      }
      const { name, format: _format, ...settings } = query;
      const job = await insertScreeningJob(services.db, {
        id,
        campaignId: row.id,
        libraryName: name ?? `library.${format}`,
        format,
        libraryBytes: bytes,
        settings,
        actor: c.get('principal')?.name ?? 'unknown',
      }).catch((error: unknown) => {
        rmSync(path, { force: true });
        throw error;
      });
      jobs.poke();
      c.header('location', `/api/campaigns/${row.id}/screens/${id}`);
      return c.json(viewOf(job), 202);
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/screens',
      tag: 'models',
      summary: "A campaign's screening jobs, newest first (without their reports)",
      access: 'read',
      params: campaignParams,
      responses: {
        200: { description: 'The jobs', schema: z.object({ jobs: z.array(jobSchema) }) },
        404: { description: 'No such campaign', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const id = await services.campaignId(params.id);
      return c.json({ jobs: (await listScreeningJobs(services.db, id)).map((row) => viewOf(row)) });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/screens/:job',
      tag: 'models',
      summary: 'A screening job: its status and progress, and once done its ranked molecules',
      access: 'read',
      params: jobParams,
      query: z.object({ q: z.string().max(200).optional().describe('Keep the ranked molecules whose name or SMILES contains this (any case)') }),
      responses: {
        200: { description: 'The job', schema: jobSchema },
        404: { description: 'No such campaign or job', schema: errorSchema },
      },
    },
    async (c, { params, query }) => c.json(viewOf(await jobOrNotFound(services, params.id, params.job), query.q)),
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/screens/:job/ranked.csv',
      tag: 'models',
      summary: "A finished screening job's ranked molecules as CSV",
      access: 'read',
      params: jobParams,
      responses: {
        200: { description: 'rank, name, smiles, predicted value, σ, heavy atoms, library line (and the forward product)', contentType: 'text/csv' },
        404: { description: 'No such campaign or job', schema: errorSchema },
        409: { description: 'The job has not finished', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const job = await jobOrNotFound(services, params.id, params.job);
      if (job.status !== 'done' || !job.result) throw apiError(409, 'not_done', `the screening job is ${job.status}: its molecules are ranked once it is done`);
      c.header('content-type', 'text/csv; charset=utf-8');
      c.header('content-disposition', `attachment; filename="screen-${job.id.slice(0, 8)}.csv"`);
      return c.body(rankedCsv(job.result as unknown as LibraryScreenResult));
    },
  );

  api.define(
    {
      method: 'delete',
      path: '/api/campaigns/:id/screens/:job',
      tag: 'models',
      summary: 'Cancel a screening job that has not ended (its library file is removed)',
      access: 'operate',
      params: jobParams,
      responses: {
        200: { description: 'The job, cancelled (or as it ended, when it already had)', schema: jobSchema },
        404: { description: 'No such campaign or job', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      await services.campaignId(params.id);
      const job = await cancelScreeningJob(services.db, params.id, params.job, c.get('principal')?.name ?? 'unknown');
      if (!job) throw jobNotFound(params.job);
      if (job.status === 'cancelled' && services.screening) {
        services.screening.stopLocal(job.id);
        // a queued job's file has no reader; a running one's goes when its runner sees the cancellation
        if (!job.startedAt) rmSync(services.screening.libraryPath(job.id, job.format as LibraryFormat), { force: true });
      }
      return c.json(viewOf(job));
    },
  );
}

async function jobOrNotFound(services: Services, campaignId: string, id: string): Promise<ScreeningJobRow> {
  await services.campaignId(campaignId);
  const job = await getScreeningJob(services.db, campaignId, id);
  if (!job) throw jobNotFound(id);
  return job;
}

const jobNotFound = (id: string) => apiError(404, 'screening_job_not_found', `the campaign has no screening job ${id}`, 'job');
