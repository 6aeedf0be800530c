/**
 * The panel as a process chemist uses it to get results out, in real headless Chromium: the best
 * result named with its conditions, the experiment table sorted, filtered and paged, the CSV and
 * Excel downloads parsed back, the printable report. Screenshots go to test-artifacts/panel-chemist/.
 * Skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './browser.js';
import { buildSpace } from '../src/agent/index.js';
import { initChem } from '../src/chem/index.js';
import { decodeOrd, validateOrdDataset } from '../src/export/ord/index.js';
import type { CampaignSpec } from '../src/campaign/index.js';
import { getCampaign, listObservations, saveModelVersion } from '../src/db/index.js';
import { GaussianProcessSurrogate, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { ROOT } from './helpers.js';

declare const document: any;

const ARTIFACTS = join(ROOT, 'test-artifacts', 'panel-chemist');


describe.skipIf(!browserAvailable())('the panel for chemists, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let id: string;
  const problems: string[] = [];
  let results: { seq: number; values: Record<string, number> }[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness();
    const created = await h.json('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: exampleYaml({ name: 'Chemist view', experiments: 30, batch: 5, latencyMs: 0, strategy: 'diverse' }),
    });
    id = created.body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 90_000);
    results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${h.url}/signin`);
    await page.getByLabel('API token').fill(h.tokens.operator);
    await page.getByLabel('API token').press('Enter');
    await page.waitForURL(`${h.url}/`);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const shot = (name: string, fullPage = true) => page.screenshot({ path: join(ARTIFACTS, name), fullPage });
  const firstSeq = async () => Number((await page.locator('#experiments tbody tr').first().getAttribute('id'))!.slice(4));

  it('names the best result with its conditions', async () => {
    await page.goto(`${h.url}/campaigns/${id}`);
    const best = (await h.json(`/api/campaigns/${id}`)).body.best;
    const text = await page.locator('#best-conditions').textContent();
    expect(await page.locator('#overview').textContent()).toContain(`experiment ${best.experiment}`);
    for (const [name, value] of Object.entries(best.parameters as Record<string, string | number>)) expect(text).toContain(`${name} ${String(value)}`);
  });

  it('sorts the experiments by result, pages them and filters them', async () => {
    // 30 experiments: two pages of 25, newest first
    expect(await page.locator('#experiments tbody tr').count()).toBe(25);
    expect(await firstSeq()).toBe(30);
    expect(await page.locator('#experiments .pager').first().textContent()).toContain('Page 1 of 2');
    // compact rows: far below the old 135 px
    const height = await page.locator('#experiments tbody tr').first().evaluate((tr: any) => tr.getBoundingClientRect().height);
    if (height >= 80) await shot("00-tall-rows.png");
    expect(height).toBeLessThan(80);

    await page.locator('#experiments th a.sort', { hasText: 'yield' }).click();
    await expect.poll(() => page.locator('#experiments th[aria-sort="descending"]').textContent()).toContain('yield');
    const best = [...results].sort((a, b) => b.values.yield! - a.values.yield! || a.seq - b.seq)[0]!;
    expect(await firstSeq()).toBe(best.seq);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('result');
    await shot('01-sorted-by-yield.png', false);

    await page.locator('#experiments .pager a[rel="next"]').first().click();
    await expect.poll(() => page.locator('#experiments .pager').first().textContent()).toContain('Page 2 of 2');
    expect(await page.locator('#experiments tbody tr').count()).toBe(5);

    // filter by a ligand and a minimum yield: only those rows, still sorted by yield
    const ligand = String((await h.json(`/api/campaigns/${id}/experiments`)).body.experiments[0].parameters.ligand);
    await page.getByLabel('ligand', { exact: true }).selectOption(ligand);
    await page.getByRole('button', { name: 'Filter' }).click();
    const expected = (await h.json(`/api/campaigns/${id}/experiments`)).body.experiments.filter((e: { parameters: { ligand: string } }) => e.parameters.ligand === ligand);
    await expect.poll(() => page.locator('#experiments tbody tr').count()).toBe(expected.length);
    expect(await page.locator('#experiments-h').textContent()).toContain(`${expected.length} of 30 match`);
    const min = 10;
    await page.getByLabel('yield at least').fill(String(min));
    await page.getByRole('button', { name: 'Filter' }).click();
    const kept = results.filter((r) => r.values.yield! >= min && expected.some((e: { seq: number }) => e.seq === r.seq));
    await expect.poll(() => page.locator('#experiments-h').textContent()).toContain(`${kept.length} of 30 match`);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('#experiments-h').textContent()).not.toContain('match');
  });

  it('enlarges a molecule on click', async () => {
    await page.locator('#experiments img.mol').first().click();
    const dialog = page.locator('#molecule-dialog');
    await dialog.waitFor({ state: 'visible' });
    await expect.poll(() => dialog.locator('img').evaluate((img: any) => img.complete && img.naturalWidth)).toBeGreaterThan(300);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('downloads the experiments as CSV and Excel and they parse back', async () => {
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#overview a', { hasText: 'CSV' }).click()]);
    const rows = parse(readFileSync((await csvDownload.path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(30);
    for (const r of results) expect(Number(rows.find((row) => Number(row.experiment) === r.seq)!['yield (%)'])).toBe(r.values.yield);

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#overview a', { hasText: 'Excel' }).click()]);
    expect(xlsxDownload.suggestedFilename()).toBe('Chemist-view-experiments.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await xlsxDownload.path())!);
    expect(workbook.getWorksheet('Experiments')!.rowCount).toBe(31);
  });

  it('downloads an Open Reaction Database dataset that validates, after asking for the e-mail the ORD requires', async () => {
    await page.locator('details.ord-export summary').click();
    const form = page.locator('#ord-export');
    await form.getByLabel('E-mail').fill('ada.chemist@example.org');
    const [ordDownload] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: 'Download' }).click()]);
    expect(ordDownload.suggestedFilename()).toBe('Chemist-view.ord.pb.gz');
    await initChem();
    const dataset = decodeOrd(readFileSync((await ordDownload.path())!), 'pb.gz');
    expect(validateOrdDataset(dataset).errors).toEqual([]);
    expect(dataset.reactions as unknown[]).toHaveLength(results.length);
  });

  it('opens the printable report', async () => {
    await page.getByRole('link', { name: 'Report' }).click();
    await page.waitForURL(`${h.url}/api/campaigns/${id}/report`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Campaign report: Chemist view');
    expect(await page.locator('#report svg path.series-best').count()).toBe(1);
    expect(await page.locator('#report-top-table tbody tr').count()).toBe(10);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    await shot('02-report-print.png');
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);
  });

  it('shows what the model believes, honestly: held-out predicted vs observed, importance, why, both landscapes', async () => {
    const campaign = (await getCampaign(h.database.db, id))!;
    const space = await buildSpace(campaign.spec as unknown as CampaignSpec);
    const observations = await listObservations(h.database.db, id);
    const gp = new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] }));
    await gp.fit({ inputs: observations.map((o) => reactionInputOf(space, space.indexOfKey(o.candidateKey)!)), targets: { yield: observations.map((o) => o.values.yield!) } }, { seed: 1 });
    const saved = await gp.save();
    await saveModelVersion(h.database.db, id, saved);

    await page.goto(`${h.url}/campaigns/${id}?x=ligand&y=base`);
    expect(await page.locator('#model svg circle.dot').count()).toBe(30);
    const metrics = await page.locator('#heldout-metrics').textContent();
    expect(metrics).toContain(`R² ${saved.metrics.cv_r2!.toFixed(2)}`);
    expect(metrics).toContain(`RMSE ${saved.metrics.cv_rmse!.toFixed(2)} %`);
    expect(await page.locator('#model-versions th', { hasText: 'Held-out R²' }).count()).toBe(1);
    expect(await page.locator('#importance li').count()).toBe(5);
    // why: prediction, per-parameter contributions adding up to it, nearest measured experiments
    expect(await page.locator('#explain-prediction').textContent()).toMatch(/Predicted [\d.]+ % ± [\d.]+ %/);
    expect(await page.locator('#contributions tbody tr').count()).toBe(5);
    expect(await page.locator('#neighbours tbody tr').count()).toBe(5);
    expect(await page.locator('#explain').textContent()).not.toContain('No atom-level explanation');
    // the GP's "why" reaches the atoms too: each substance drawn with the atoms behind the prediction coloured
    const drawings = page.locator('#explain img[src*="attribution.svg"]');
    expect(await drawings.count()).toBe(3);
    await drawings.first().scrollIntoViewIfNeeded(); // drawn lazily
    await expect.poll(() => drawings.first().evaluate((img: any) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
    // the predicted-value landscape beside the uncertainty one
    expect(await page.locator('#landscape-mean-plot svg rect.cell').count()).toBe(12 * 4);
    expect(await page.locator('#landscape svg.heatmap').count()).toBe(2);
    // proposals carry the observed result next to the prediction
    expect(await page.locator('#proposals td.observed', { hasText: '%' }).count()).toBeGreaterThan(0);
    await shot('03-model-views.png');

    // molecules drawn to their size and enlarged on click; no internal words on screen
    const text = (await page.locator('main').textContent()) ?? '';
    for (const internal of ['running.', 'bayes-', 'cv_r2', 'cv_rmse', 'calibration_scale']) expect(text).not.toContain(internal);
    expect(text).toContain('space-filling design, choice');
    const jackie = page.locator('#experiments img.mol[alt="structure of JackiePhos"]').first();
    if ((await jackie.count()) > 0) {
      await jackie.click();
      const big = page.locator('#molecule-dialog img');
      await expect.poll(() => big.evaluate((img: any) => img.complete && img.naturalWidth)).toBeGreaterThan(600);
      await page.keyboard.press('Escape');
    }
    expect(problems).toEqual([]);
  });
});
