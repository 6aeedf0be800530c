/**
 * Virtual screening from the service (issue 22): a library sent to POST /api/campaigns/:id/screen
 * is scored by the campaign's real model on a worker thread, over real HTTP on loopback; unusable
 * rows come back with their lines; bad requests are 4xx naming the field; and the panel's page
 * uploads a file, shows the ranked molecules drawn and filters them, in headless Chromium.
 * The browser part is skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedBuchwaldHartwig, startHarness, type Harness } from './api-harness.js';
import { browserAvailable, launchChromium, signedInPanel } from './browser.js';
import { tempHome } from './helpers.js';

interface Screened {
  role: string;
  read: number;
  screened: number;
  duplicates: number;
  rejected: { count: number; first: { line: number; name: string; reason: string }[] };
  ranked: { rank: number; line: number; name: string; smiles: string; mean: number; sigma: number; product?: string | null }[];
  inCampaign: { name: string; mean: number; sigma: number };
  forward?: { note: string; inCampaign: string | null; predicted: number };
  model: { version: number };
}

// aryl halides, most outside the campaign's, a duplicate, and three rows no screen can use
const LIBRARY = [
  '# aryl halides from a catalogue',
  'Ic1cccnc1 3-iodopyridine',
  'Cc1ccc(I)cc1 4-iodotoluene',
  'C1CC(N broken',
  'COc1ccc(I)cc1 4-iodoanisole',
  'N#Cc1ccc(Br)cc1 4-bromobenzonitrile',
  'Cl[Pt]Cl platinum-chloride',
  'Ic1ccc2ccccc2c1 2-iodonaphthalene',
  'c1cc(I)cnc1 3-iodopyridine-again',
  'Brc1cnccn1 bromopyrazine',
  `C${'C'.repeat(80)} long-alkane`,
  'Clc1ccc(Cl)nc1 2,5-dichloropyridine',
].join('\n');

const { home: scratch, cleanup } = tempHome('athanor-screen-service-');
let h: Harness;
let id: string;
let browser: Browser | undefined;

const screen = (query: string, body: string, init: { token?: string | null; type?: string } = {}) =>
  h.json<Screened & { error: { code: string; field?: string; message: string } }>(`/api/campaigns/${id}/screen?${query}`, { method: 'POST', headers: { 'content-type': init.type ?? 'text/plain' }, body, ...(init.token !== undefined ? { token: init.token } : {}) });

beforeAll(async () => {
  h = await startHarness();
  id = await finishedBuchwaldHartwig(h);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  cleanup();
});

describe('POST /api/campaigns/:id/screen', () => {
  it("ranks a library's molecules by the campaign's model and reports each unusable row with its line", async () => {
    const r = await screen('role=aryl_halide&format=smi&top=5', LIBRARY, { token: h.tokens.viewer });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const s = r.body;
    expect(s.role).toBe('aryl_halide');
    expect(s.read).toBe(11);
    expect(s.duplicates).toBe(1); // 3-iodopyridine under two spellings, scored once
    expect(s.screened).toBe(7);
    expect(s.rejected.count).toBe(3);
    expect(s.rejected.first.map((x) => [x.line, x.name])).toEqual([[4, 'broken'], [7, 'platinum-chloride'], [11, 'long-alkane']]);
    expect(s.rejected.first[1]!.reason).toMatch(/element Pt not allowed/);
    expect(s.ranked).toHaveLength(5);
    expect(s.ranked.map((m) => m.rank)).toEqual([1, 2, 3, 4, 5]);
    const means = s.ranked.map((m) => m.mean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    for (const m of s.ranked) expect(m.sigma).toBeGreaterThan(0);
    // a molecule scores the same screened alone as in the library
    const alone = await screen('role=aryl_halide&format=smi&top=1', `${s.ranked[1]!.smiles} alone`);
    expect(alone.body.ranked[0]!.mean).toBeCloseTo(s.ranked[1]!.mean, 9);
    expect(alone.body.ranked[0]!.sigma).toBeCloseTo(s.ranked[1]!.sigma, 9);
    // the same library as a CSV gives the same ranking
    const csv = `name,smiles\n${LIBRARY.split('\n').slice(1).map((l) => `${l.split(' ')[1]},${l.split(' ')[0]}`).join('\n')}\n`;
    const fromCsv = await screen('role=aryl_halide&format=csv&top=5', csv, { type: 'text/csv' });
    expect(fromCsv.body.ranked.map((m) => m.smiles)).toEqual(s.ranked.map((m) => m.smiles));
    // the forward model's product with each of the best, unless asked not to
    // (this campaign lists the reagents but not the amine: the forward model's top reaction is on
    // a ligand, whatever the aryl halide, so it says so and gives no product that would mislead)
    expect(s.forward?.note).toMatch(/^not applicable: the forward model's top reaction does not involve aryl_halide/);
    expect(s.forward?.predicted).toBe(0);
    expect(s.ranked.every((m) => !('product' in m))).toBe(true);
    const without = await screen('role=aryl_halide&format=smi&top=5&forward=false', LIBRARY);
    expect(without.body.forward).toBeUndefined();
    expect(without.body.ranked.every((m) => !('product' in m))).toBe(true);
  }, 120_000);

  it('answers bad requests with 4xx naming the field, and asks for a token', async () => {
    const empty = await screen('role=aryl_halide&format=smi', '  \n');
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'invalid_library', field: 'library' });
    const noSmiles = await screen('role=aryl_halide&format=csv', 'name,formula\niodobenzene,C6H5I\n', { type: 'text/csv' });
    expect(noSmiles.status).toBe(400);
    expect(noSmiles.body.error.field).toBe('library');
    expect(noSmiles.body.error.message).toMatch(/no SMILES column/);
    const notRole = await screen('role=temperature&format=smi', LIBRARY);
    expect(notRole.status).toBe(400);
    expect(notRole.body.error.field).toBe('role');
    const badFormat = await screen('role=aryl_halide&format=xlsx', LIBRARY);
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.field).toBe('format');
    const badWith = await screen('role=aryl_halide&format=smi&with=colour=blue', LIBRARY);
    expect(badWith.status).toBe(400);
    expect(badWith.body.error.field).toBe('with');
    const anonymous = await screen('role=aryl_halide&format=smi', LIBRARY, { token: null });
    expect(anonymous.status).toBe(401);
  }, 120_000);
});

describe('the panel', () => {
  it.skipIf(!browserAvailable())('uploads a library, shows the ranked molecules drawn, and filters them', async () => {
    const api = (await screen('role=aryl_halide&format=smi&top=50', LIBRARY)).body;
    const file = join(scratch, 'catalogue.smi');
    writeFileSync(file, `${LIBRARY}\n`);
    browser = await launchChromium();
    const { page, problems } = await signedInPanel(browser, h.url, h.tokens.viewer);
    await page.goto(`${h.url}/campaigns/${id}`);
    await page.locator('#screen-link').click();
    await page.waitForURL(`${h.url}/campaigns/${id}/screen`);
    await page.getByLabel('Library').setInputFiles(file);
    await page.getByLabel('Role').selectOption('aryl_halide');
    await page.getByRole('button', { name: 'Screen' }).click();
    await expect.poll(() => page.locator('#screen-results').count()).toBe(1);
    const rows = page.locator('#screen-table tbody tr');
    expect(await rows.count()).toBe(api.ranked.length);
    expect(await rows.first().locator('code').first().textContent()).toBe(api.ranked[0]!.smiles);
    await expect.poll(() => rows.first().locator('img.mol').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('#screen-counts').textContent()).toMatch(/11 rows read: 7 molecules scored, 1 duplicate, 3 unusable/);
    expect(await page.locator('#screen-rejected li').allTextContents()).toEqual(api.rejected.first.map((x) => `line ${x.line} (${x.name}): ${x.reason}`));
    // typing in the filter keeps only the bromides
    await page.getByLabel('Filter by name or SMILES').fill('Br');
    const bromides = api.ranked.filter((m) => m.smiles.includes('Br') || m.name.toLowerCase().includes('br')).length;
    await expect.poll(() => page.locator('#screen-table tbody tr:not([hidden])').count()).toBe(bromides);
    // a file that is not a library is said on the page
    await page.getByLabel('Library').setInputFiles({ name: 'notes.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a library') });
    await page.getByRole('button', { name: 'Screen' }).click();
    await expect.poll(async () => (await page.locator('p.error').textContent()) ?? '').toMatch(/unknown library format ".docx"/);
    expect(problems).toEqual([]);
  }, 180_000);
});
