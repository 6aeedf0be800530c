/**
 * Background screens of large libraries (issue 22, docs/screening.md "Large libraries"): a library
 * beyond the request limit is streamed to the upload folder, screened on a worker thread by the
 * campaign's real model with its progress in the database, and read back ranked, filtered or as
 * CSV; it can be cancelled, and a job whose runner stopped is taken over. Real HTTP on loopback,
 * real PGlite, real RDKit and tfjs; the panel in headless Chromium (skipped with a message without
 * /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screeningJobs } from '../src/db/index.js';
import { ScreeningJobs } from '../src/server/screening-jobs.js';
import { finishedBuchwaldHartwig, startHarness, waitFor, type Harness } from './api-harness.js';
import { browserAvailable, launchChromium, signedInPanel } from './browser.js';
import { tempHome } from './helpers.js';

/** The service's request limit in this test: any library below is larger. */
const REQUEST_LIMIT = 4096;

interface Job {
  id: string;
  campaignId: string;
  status: string;
  library: { name: string; format: string; bytes: number };
  progress: { read?: number; screened?: number; rejected?: number; bytesRead?: number } | null;
  fraction: number | null;
  error: { code: string; message: string; field?: string } | null;
  result?: { read: number; screened: number; rejected: { count: number; first: { line: number; reason: string }[] }; ranked: { rank: number; name: string; smiles: string; mean: number; sigma: number }[] };
}

const SUBSTITUENTS = ['', 'C', 'CC', 'CCC', 'CCCC', 'OC', 'OCC', 'N(C)C', 'C(F)(F)F', 'C#N', 'C(C)=O', 'F', 'C(C)C', 'OC(F)(F)F', 'SC', 'C(=O)OC'];

/**
 * Distinct aryl halides, one "SMILES name" per line: halide × two ring substituents (meta, para).
 * `count` of them, then (when asked) rows no screen can use at known lines.
 */
function arylHalides(count: number): string[] {
  const lines: string[] = [];
  for (const halogen of ['I', 'Br', 'Cl']) {
    for (const meta of SUBSTITUENTS) {
      for (const para of SUBSTITUENTS) {
        if (lines.length === count) return lines;
        lines.push(`${halogen}c1cc(${meta || '[H]'})c(${para || '[H]'})cc1 ${halogen}-${meta || 'H'}-${para || 'H'}`.replace(/\(\[H\]\)/g, ''));
      }
    }
  }
  return lines;
}

const { home: scratch, cleanup } = tempHome('athanor-screening-jobs-');
let h: Harness;
let id: string;
let browser: Browser | undefined;

const upload = (query: string, body: string | ReadableStream<Uint8Array>, token?: string | null) =>
  h.json<Job & { error: { code: string; field?: string; message: string } }>(`/api/campaigns/${id}/screens?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
    ...(token !== undefined ? { token } : {}),
  } as RequestInit & { token?: string | null });
const job = async (jobId: string, query = '') => (await h.json<Job>(`/api/campaigns/${id}/screens/${jobId}${query}`)).body;
const ended = (jobId: string) => waitFor(async () => {
  const j = await job(jobId);
  return ['done', 'failed', 'cancelled'].includes(j.status) && j;
}, `screening job ${jobId} to end`, 180_000);
const uploads = () => readdirSync(h.screening!.settings.folder);

beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: REQUEST_LIMIT, screening: { maxUploadBytes: 400_000, staleMs: 3000 } });
  id = await finishedBuchwaldHartwig(h);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  cleanup();
});

describe('background screens over the API', () => {
  it('screens a library beyond the request limit, with progress, and gives the same ranking as screening its best alone', async () => {
    const library = ['# a catalogue', ...arylHalides(200).slice(0, 100), 'C1CC(N broken', ...arylHalides(200).slice(100)].join('\n') + '\n';
    expect(Buffer.byteLength(library)).toBeGreaterThan(REQUEST_LIMIT);
    // the page-sized screen refuses it …
    const direct = await h.json(`/api/campaigns/${id}/screen?role=aryl_halide&format=smi`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: library });
    expect(direct.status).toBe(413);
    // … the background screen takes it
    const res = await h.call(`/api/campaigns/${id}/screens?role=aryl_halide&top=10&name=catalogue.smi&forward=false`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: library });
    expect(res.status).toBe(202);
    const created = (await res.json()) as Job;
    expect(res.headers.get('location')).toBe(`/api/campaigns/${id}/screens/${created.id}`);
    expect(created).toMatchObject({ status: 'queued', library: { name: 'catalogue.smi', format: 'smi', bytes: Buffer.byteLength(library) } });
    const done = await ended(created.id);
    expect(done.status, JSON.stringify(done.error)).toBe('done');
    expect(done.fraction).toBe(1);
    expect(done.progress).toMatchObject({ read: 201, screened: 200, rejected: 1, bytesRead: Buffer.byteLength(library) });
    const report = done.result!;
    expect(report.read).toBe(201);
    expect(report.rejected.first).toEqual([expect.objectContaining({ line: 102 })]);
    expect(report.ranked.map((m) => m.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // the ten best, screened alone within the request limit, score and rank the same
    const alone = await h.json<Job['result']>(`/api/campaigns/${id}/screen?role=aryl_halide&format=smi&top=10&forward=false`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: report.ranked.map((m) => `${m.smiles} ${m.name}`).join('\n'),
    });
    expect(alone.status).toBe(200);
    expect(alone.body!.ranked.map((m) => m.smiles)).toEqual(report.ranked.map((m) => m.smiles));
    alone.body!.ranked.forEach((m, i) => expect(m.mean).toBeCloseTo(report.ranked[i]!.mean, 9));
    // filtered, as CSV, listed; the uploaded file is gone once the job has ended
    const bromides = await job(created.id, '?q=br');
    expect(bromides.result!.ranked.length).toBeLessThan(10);
    expect(bromides.result!.ranked.every((m) => /br/i.test(m.smiles + m.name))).toBe(true);
    const csv = await h.call(`/api/campaigns/${id}/screens/${created.id}/ranked.csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const csvLines = (await csv.text()).trim().split('\n');
    expect(csvLines).toHaveLength(11);
    expect(csvLines[1]).toContain(report.ranked[0]!.smiles);
    const list = await h.json<{ jobs: Job[] }>(`/api/campaigns/${id}/screens`);
    expect(list.body.jobs.find((j) => j.id === created.id)).toMatchObject({ status: 'done' });
    expect(list.body.jobs.every((j) => j.result === undefined)).toBe(true);
    expect(uploads()).toEqual([]);
  }, 240_000);

  it('refuses bad uploads with 4xx naming the field, before or while reading them, and keeps no partial file', async () => {
    const library = arylHalides(200).join('\n');
    const viewer = await upload('role=aryl_halide&name=c.smi', library, h.tokens.viewer);
    expect(viewer.status).toBe(403);
    const anonymous = await upload('role=aryl_halide&name=c.smi', library, null);
    expect(anonymous.status).toBe(401);
    const notRole = await upload('role=temperature&name=c.smi', library);
    expect(notRole).toMatchObject({ status: 400, body: { error: { code: 'not_a_substance_role', field: 'role' } } });
    const badName = await upload('role=aryl_halide&name=catalogue.docx', library);
    expect(badName).toMatchObject({ status: 400, body: { error: { field: 'name' } } });
    expect(badName.body.error.message).toMatch(/unknown library format ".docx"/);
    const empty = await upload('role=aryl_halide&name=c.smi', '');
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'invalid_library', field: 'library' } } });
    // declared too large: refused before a byte is read
    const big = 'Ic1ccccc1 iodobenzene\n'.repeat(20_000);
    const declared = await upload('role=aryl_halide&name=c.smi', big);
    expect(declared).toMatchObject({ status: 413, body: { error: { code: 'library_too_large', field: 'library' } } });
    // streamed without a length: refused once past the limit, the partial file removed
    const chunk = new TextEncoder().encode('Ic1ccccc1 iodobenzene\n'.repeat(1000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await upload('role=aryl_halide&name=c.smi', stream);
    expect(streamed).toMatchObject({ status: 413, body: { error: { code: 'library_too_large', field: 'library' } } });
    expect(uploads()).toEqual([]);
    // a CSV without a SMILES column fails as a job, with the reason
    const noSmiles = await upload('role=aryl_halide&name=c.csv', `name,formula\n${'iodobenzene,C6H5I\n'.repeat(400)}`);
    expect(noSmiles.status).toBe(202);
    const failed = await ended(noSmiles.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'invalid_library', field: 'library' } });
    expect(failed.error!.message).toMatch(/no SMILES column/);
    const unknown = await h.json(`/api/campaigns/${id}/screens/${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'screening_job_not_found' } } });
  }, 240_000);

  it('cancels a running job and one that waits, and removes their files', async () => {
    // the first keeps the one worker busy (scoring, then the forward model's products of its best 100)
    const first = await upload('role=aryl_halide&name=a.smi&top=100', arylHalides(768).join('\n'));
    const second = await upload('role=aryl_halide&name=b.smi', arylHalides(50).join('\n'));
    expect([first.status, second.status]).toEqual([202, 202]);
    // uploads are private to the service's user, like the rest of its home
    expect(statSync(h.screening!.settings.folder).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.screening!.settings.folder, `${second.body.id}.smi`)).mode & 0o777).toBe(0o600);
    const waiting = await h.json<Job>(`/api/campaigns/${id}/screens/${second.body.id}`, { method: 'DELETE' });
    expect(waiting.body.status).toBe('cancelled');
    await waitFor(async () => (await job(first.body.id)).status === 'running', 'the first job to start');
    const running = await h.json<Job>(`/api/campaigns/${id}/screens/${first.body.id}`, { method: 'DELETE' });
    expect(running.body.status).toBe('cancelled');
    expect(running.body.error).toMatchObject({ code: 'cancelled', message: 'cancelled by olivia' });
    await waitFor(async () => uploads().length === 0, 'the cancelled jobs’ files to go');
    // it stays cancelled: the worker was stopped, not left to finish
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await job(first.body.id)).status).toBe('cancelled');
    expect((await job(second.body.id)).status).toBe('cancelled');
  }, 240_000);

  it('takes over a job whose runner stopped (a crashed or restarted service) and screens it from its file', async () => {
    const jobId = randomUUID();
    const library = arylHalides(30).join('\n') + '\n';
    writeFileSync(join(h.screening!.settings.folder, `${jobId}.smi`), library);
    await h.database.db.insert(screeningJobs).values({
      id: jobId,
      campaignId: id,
      status: 'running',
      runner: 'a-service-that-stopped',
      heartbeatAt: new Date(Date.now() - 3_600_000),
      startedAt: new Date(Date.now() - 3_600_000),
      libraryName: 'left-over.smi',
      format: 'smi',
      libraryBytes: Buffer.byteLength(library),
      settings: { role: 'aryl_halide', top: 5, rank: 'mean', forward: 'false' },
      actor: 'olivia',
    });
    const done = await ended(jobId);
    expect(done.status, JSON.stringify(done.error)).toBe('done');
    expect(done.result!.screened).toBe(30);
    expect(existsSync(join(h.screening!.settings.folder, `${jobId}.smi`))).toBe(false);
  }, 240_000);
});

describe('the panel', () => {
  it.skipIf(!browserAvailable())('sends a library too large for a page to a background screen, follows it, and shows the ranked molecules', async () => {
    const file = join(scratch, 'catalogue.smi');
    writeFileSync(file, arylHalides(200).join('\n') + '\n');
    browser = await launchChromium();
    const { page, problems } = await signedInPanel(browser, h.url, h.tokens.operator);
    await page.goto(`${h.url}/campaigns/${id}/screen`);
    await page.getByLabel('Library').setInputFiles(file);
    // too large for the page: the background box is ticked and the page says why
    expect(await page.locator('#screen-background').isChecked()).toBe(true);
    expect(await page.locator('#upload-text').textContent()).toMatch(/larger than a page may carry: it will be screened in the background/);
    await page.getByLabel('Role').selectOption('aryl_halide');
    await page.getByLabel('Keep the best').fill('20');
    await page.getByRole('button', { name: 'Screen' }).click();
    await page.waitForURL(new RegExp(`/campaigns/${id}/screens/[0-9a-f-]{36}$`));
    const jobId = page.url().split('/').at(-1)!;
    await expect.poll(() => page.locator('#screen-results').count(), { timeout: 180_000 }).toBe(1);
    expect(await page.locator('#job-status').textContent()).toBe('done');
    const api = await job(jobId);
    const rows = page.locator('#screen-table tbody tr');
    expect(await rows.count()).toBe(20);
    expect(await rows.first().locator('code').first().textContent()).toBe(api.result!.ranked[0]!.smiles);
    expect(await page.locator('#screen-csv').getAttribute('href')).toBe(`/api/campaigns/${id}/screens/${jobId}/ranked.csv`);
    // the screen page lists it
    await page.goto(`${h.url}/campaigns/${id}/screen`);
    expect(await page.locator(`#screen-jobs a[href="/campaigns/${id}/screens/${jobId}"]`).textContent()).toBe('catalogue.smi');
    // a viewer may follow it but is told a large file is not for a page
    const viewer = await signedInPanel(browser, h.url, h.tokens.viewer);
    await viewer.page.goto(`${h.url}/campaigns/${id}/screen`);
    expect(await viewer.page.locator('#screen-background').count()).toBe(0);
    await viewer.page.getByLabel('Library').setInputFiles(file);
    expect(await viewer.page.locator('#upload-text').textContent()).toMatch(/an operator can screen it in the background/);
    expect([...problems, ...viewer.problems]).toEqual([]);
  }, 300_000);
});

describe('a service that stops', () => {
  it('hands its running job back, and the next start screens it from its file', async () => {
    const started = await upload('role=aryl_halide&name=long.smi&top=100', arylHalides(768).join('\n'));
    expect(started.status).toBe(202);
    await waitFor(async () => (await job(started.body.id)).status === 'running', 'the job to start');
    await h.screening!.close(); // as `athanor serve` does at SIGTERM
    const handedBack = await job(started.body.id);
    expect(handedBack).toMatchObject({ status: 'queued', progress: null });
    expect(existsSync(join(h.screening!.settings.folder, `${started.body.id}.smi`))).toBe(true);
    // the next start: a new runner on the same database and folder takes it up
    const restarted = new ScreeningJobs(h.database.db, h.screening!.settings);
    try {
      restarted.start();
      const done = await ended(started.body.id);
      expect(done.status, JSON.stringify(done.error)).toBe('done');
      expect(done.result!.screened).toBe(768);
    } finally {
      await restarted.close();
    }
  }, 240_000);
});

