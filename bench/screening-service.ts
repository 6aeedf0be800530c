/**
 * A supplier catalogue screened by the running service in the background (docs/screening.md,
 * "Large libraries"): `npm run bench:screening-service [-- --molecules 100000]`.
 *
 * The service as `athanor serve` builds it, in this process: an embedded database in a temporary
 * home, the supervisor, the HTTP app on loopback and its screening jobs. A Buchwald–Hartwig campaign
 * (examples/buchwald-hartwig.yaml, 20 experiments on the dataset simulator) runs until it has a
 * model; then bench:screening's library of aryl halides (made from USPTO-15K's molecules, built
 * by it when absent; ../shared/data/uspto15k needed) is streamed from its file as the body of
 * POST /api/campaigns/{id}/screens, and the job is followed over the API every half second.
 * Reported: upload seconds and MB/s, the job's wait and run, molecules per second over the run,
 * how often its progress moved, and the service process's peak RSS (the library is never held in
 * memory: the peak should not grow with the library). Writes bench/results/screening-service.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Supervisor } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { openDatabase } from '../src/db/index.js';
import { createApp } from '../src/server/app.js';
import { EventFeed } from '../src/server/event-feed.js';
import { DEFAULT_SCREENING_JOBS, ScreeningJobs } from '../src/server/screening-jobs.js';
import { machine, ROOT, writeResults } from './lib.js';

const { values: args } = parseArgs({ options: { molecules: { type: 'string', default: '100000' } } });
const size = Number(args.molecules);
const libraryPath = join(tmpdir(), `athanor-bench-screening-${size}.smi`);
if (!existsSync(libraryPath)) {
  console.error(`building the library with bench:screening (${libraryPath})`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'screening.ts'), '--molecules', String(size), '--step', 'library'], { stdio: 'inherit', cwd: ROOT });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
const say = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
const home = mkdtempSync(join(tmpdir(), 'athanor-bench-screening-service-'));
const database = await openDatabase({ home });
const supervisor = new Supervisor(database.db, home);
const feed = new EventFeed(database.db);
const screening = new ScreeningJobs(database.db, { ...DEFAULT_SCREENING_JOBS, folder: join(home, 'uploads') });
screening.start();
const app = createApp({ database, supervisor, feed, screening });
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
});
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const token = (await issueToken(database.db, 'bench', 'operator')).token;
const call = (path: string, init: RequestInit = {}) => fetch(url + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

try {
  const yaml = readFileSync(join(ROOT, 'examples', 'buchwald-hartwig.yaml'), 'utf8').replace(/^(\s*)experiments: \d+$/m, '$1experiments: 20');
  const created = (await (await call('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml })).json()) as { campaignId: string };
  const id = created.campaignId;
  say(`campaign ${id}: waiting for it to finish and train a model`);
  for (;;) {
    const campaign = (await (await call(`/api/campaigns/${id}`)).json()) as { status: string };
    const models = (await (await call(`/api/campaigns/${id}/models`)).json()) as { models: unknown[] };
    if (campaign.status === 'completed' && models.models.length > 0) break;
    await sleep(1000);
  }
  const bytes = statSync(libraryPath).size;
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const loadBefore = loadavg()[0]!;
  say(`uploading ${(bytes / 1e6).toFixed(1)} MB`);
  let started = Date.now();
  const res = await call(`/api/campaigns/${id}/screens?role=aryl_halide&name=catalogue.smi&top=100`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    body: Readable.toWeb(createReadStream(libraryPath)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const uploadSeconds = (Date.now() - started) / 1000;
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const job = (await res.json()) as { id: string };
  started = Date.now();
  let updates = 0;
  let lastRead = -1;
  let final: { status: string; startedAt: string; finishedAt: string; createdAt: string; progress: { read: number; screened: number; rejected: number; seconds: number }; result: { screened: number; ranked: unknown[]; forward?: { predicted: number } } };
  for (;;) {
    final = (await (await call(`/api/campaigns/${id}/screens/${job.id}`)).json()) as typeof final;
    if (final.progress && final.progress.read !== lastRead) {
      updates++;
      lastRead = final.progress.read;
    }
    if (['done', 'failed', 'cancelled'].includes(final.status)) break;
    await sleep(500);
  }
  if (final.status !== 'done') throw new Error(`the job ended ${final.status}`);
  const runSeconds = (Date.parse(final.finishedAt) - Date.parse(final.startedAt)) / 1000;
  const json = {
    date: new Date().toISOString(),
    machine: machine(),
    load_before: Number(loadBefore.toFixed(2)),
    library: { molecules: final.progress.read, bytes, file: libraryPath },
    upload_seconds: Number(uploadSeconds.toFixed(2)),
    upload_mb_per_second: Number((bytes / 1e6 / uploadSeconds).toFixed(1)),
    wait_seconds: Number(((Date.parse(final.startedAt) - Date.parse(final.createdAt)) / 1000).toFixed(2)),
    run_seconds: Number(runSeconds.toFixed(1)),
    screen_seconds: final.progress.seconds,
    molecules_per_second_over_the_run: Math.round(final.progress.read / runSeconds),
    screened: final.result.screened,
    rejected: final.progress.rejected,
    forward_products: final.result.forward?.predicted ?? 0,
    progress_updates_seen: updates,
    service_rss_mb: { before_upload: Math.round(rssBefore / 2 ** 20), peak: Math.round(peakRss / 2 ** 20) },
  };
  const md = [
    '# A supplier catalogue screened by the service in the background',
    '',
    `${json.date}, ${json.machine.cpu}, ${json.machine.cores} cores, load ${json.load_before} before · \`npm run bench:screening-service -- --molecules ${size}\``,
    '',
    '| measure | value |',
    '|---|---|',
    `| library | ${json.library.molecules.toLocaleString('en')} aryl halides, ${(bytes / 1e6).toFixed(1)} MB (.smi) |`,
    `| upload (streamed to the upload folder) | ${json.upload_seconds} s, ${json.upload_mb_per_second} MB/s |`,
    `| wait for a worker | ${json.wait_seconds} s |`,
    `| run (worker start, model restore, screen, forward products of the best ${json.forward_products}) | ${json.run_seconds} s |`,
    `| of which screening | ${json.screen_seconds.toFixed(1)} s |`,
    `| molecules per second over the whole run | ${json.molecules_per_second_over_the_run.toLocaleString('en')} |`,
    `| progress updates seen while polling every 0.5 s | ${json.progress_updates_seen} |`,
    `| service process RSS before the upload → peak | ${json.service_rss_mb.before_upload} → ${json.service_rss_mb.peak} MB |`,
  ].join('\n');
  writeResults('screening-service', json, md);
} finally {
  clearInterval(rssTimer);
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await supervisor.shutdown();
  await screening.close();
  feed.close();
  await database.close();
  rmSync(home, { recursive: true, force: true });
}
