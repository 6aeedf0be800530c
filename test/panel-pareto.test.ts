/**
 * A Pareto campaign's page in real headless Chromium: the scatter of the two targets with as many
 * highlighted front points as the API's front (joined by the staircase), dominated points drawn
 * too, the hypervolume plot with its random-search curve, the front's size in the overview, and
 * the trade-off table, re-sorted in place by a click on a target's column. A campaign with one
 * target shows none of it.
 * Skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './browser.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { ROOT } from './helpers.js';
import { paretoYaml } from './pareto-helpers.js';

/** getComputedStyle in the page (the tests compile without the DOM library). */
type StyleOf = { getComputedStyle(element: unknown): { opacity: string } };
declare const document: { documentElement: { scrollWidth: number } };
const ARTIFACTS = join(ROOT, 'test-artifacts', 'panel');


describe.skipIf(!browserAvailable())('a Pareto campaign in the panel, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let id: string;
  let single: string;
  const problems: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const post = async (yaml: string) => (await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml })).body.campaignId as string;
    id = await post(paretoYaml('Pareto in the panel'));
    single = await post(exampleYaml({ name: 'One target in the panel', experiments: 2, batch: 2, strategy: 'diverse' }));
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the Pareto campaign to spend its budget', 120_000);
    browser = await launchChromium();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${h.url}/signin`);
    await page.getByLabel('API token').fill(h.tokens.viewer);
    await page.getByLabel('API token').press('Enter');
    await page.waitForURL(`${h.url}/`);
    await page.goto(`${h.url}${path}`);
    return page;
  }

  it('draws the front, the hypervolume against experiments and the trade-off table', async () => {
    const api = (await h.json(`/api/campaigns/${id}/pareto`)).body;
    const page = await open(`/campaigns/${id}`);
    const scatter = page.locator('#pareto svg.pareto');
    await expect.poll(() => scatter.count()).toBe(1);
    expect(await scatter.locator('circle.pt-front').count()).toBe(api.front.length);
    expect(await scatter.locator('circle.pt-dominated').count()).toBe(api.dominated.length);
    expect(await scatter.locator('circle.pt-infeasible').count()).toBe(api.infeasible.length);
    expect(api.front.length + api.dominated.length).toBeGreaterThan(1);
    // the front's points are the API's, and visible (not faded)
    const drawn = await scatter.locator('circle.pt-front').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-experiment'))).sort((a, b) => a - b));
    expect(drawn).toEqual(api.front.map((p: { experiment: number }) => p.experiment).sort((a: number, b: number) => a - b));
    const opacity = await scatter.locator('circle.pt-front').first().evaluate((c) => (globalThis as unknown as StyleOf).getComputedStyle(c).opacity);
    expect(Number(opacity)).toBe(1);
    if (api.dominated.length > 0) {
      const faded = await scatter.locator('circle.pt-dominated').first().evaluate((c) => (globalThis as unknown as StyleOf).getComputedStyle(c).opacity);
      expect(Number(faded)).toBeLessThan(1);
    }
    if (api.front.length > 1) expect(await scatter.locator('path.pareto-staircase').count()).toBe(1);
    // axes titled by the targets, with which way is better (both minimised)
    const text = await scatter.textContent();
    expect(text).toContain('branin');
    expect(text).toContain('currin');
    expect(text).toContain('← better');
    expect(text).toContain('↓ better');

    // the overview counts the front instead of naming one best result; no best-so-far of one target
    expect(await page.locator('#overview').textContent()).toMatch(new RegExp(`Pareto front\\s+${api.front.length}\\s+non-dominated`));
    expect(await page.locator('#progress').count()).toBe(0);

    // hypervolume against experiments, with random search's expectation
    const hv = page.locator('#pareto svg[aria-labelledby^="hypervolume-"]');
    expect(await hv.count()).toBe(1);
    expect(await hv.locator('path.series-best').count()).toBe(1);
    expect(await hv.locator('path.series-random').count()).toBe(1);
    expect(await page.locator('#hypervolume-title').textContent()).toContain('Hypervolume');

    // the trade-off table: one row per front point; a click on currin's header sorts it in place
    const rows = page.locator('#tradeoff-table tbody tr');
    expect(await rows.count()).toBe(api.front.length);
    await page.locator('#tradeoff-table th a.sort', { hasText: 'currin' }).click();
    await expect.poll(() => page.url()).toContain('front_sort=t.currin');
    const currinOrder = async () =>
      page.locator('#tradeoff-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[2]!.textContent)));
    await expect.poll(async () => {
      const values = await currinOrder();
      return values.every((v, i) => i === 0 || v >= values[i - 1]!);
    }).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    // the panel re-renders #pareto when the sort lands and on live updates: a screenshot taken as it
    // is replaced finds its element detached, and is simply taken again
    for (let attempt = 1; ; attempt++) {
      try {
        await page.locator('#pareto').screenshot({ path: join(ARTIFACTS, 'pareto-front.png') });
        break;
      } catch (error) {
        if (attempt >= 5 || !/not attached/.test(String(error))) throw error;
      }
    }
    // a phone's width: the plots shrink and the table scrolls inside its frame, the page does not
    await page.setViewportSize({ width: 360, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows nothing of it for a campaign with one target', async () => {
    const page = await open(`/campaigns/${single}`);
    await page.locator('#overview').waitFor();
    expect(await page.locator('#pareto').count()).toBe(0);
    expect(await page.locator('#progress svg').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
