/**
 * Operating the service from the panel, in real headless Chromium: several campaigns' best-so-far
 * curves on one plot (a curve each, a legend, axis titles with units; a campaign measuring
 * something else left out with why), API tokens handed out and revoked by an operator (the token
 * shown once works against the API, and stops working when revoked), and the shipped examples as
 * templates in the campaign editor. Screenshots go to test-artifacts/panel-operating/.
 * Skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './browser.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { EXAMPLES, ROOT } from './helpers.js';

declare const document: any;

const ARTIFACTS = join(ROOT, 'test-artifacts', 'panel-operating');


describe.skipIf(!browserAvailable())('operating from the panel, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  const problems: string[] = [];
  const ids: Record<'diverse' | 'random' | 'branin', string> = { diverse: '', random: '', branin: '' };

  const create = async (yaml: string) => {
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.campaignId as string;
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness();
    // two ways to plan the same reaction, and a campaign measuring something else
    ids.diverse = await create(exampleYaml({ name: 'Arylation, diverse design', experiments: 8, batch: 4, latencyMs: 0, strategy: 'diverse' }));
    ids.random = await create(exampleYaml({ name: 'Arylation, random picks', experiments: 8, batch: 4, latencyMs: 0, strategy: 'random' }));
    const branin = readFileSync(join(EXAMPLES, 'branin-continuous.yaml'), 'utf8')
      .replace(/^name: .*$/m, 'name: Branin score')
      .replace(/^(\s*)experiments: \d+$/m, '$1experiments: 4')
      .replace(/^(\s*)strategy: bayesian$/m, '$1strategy: random');
    ids.branin = await create(branin);
    for (const id of Object.values(ids)) {
      await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', `campaign ${id} to finish`, 120_000);
    }
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signedIn(token: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${h.url}/signin`);
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('API token').press('Enter');
    await page.waitForURL(`${h.url}/`);
    return page;
  }

  it('the comparison API gives each campaign its curve and leaves out one that measures something else', async () => {
    const { status, body } = await h.json(`/api/comparison?campaigns=${ids.diverse},${ids.random},${ids.branin}`);
    expect(status).toBe(200);
    expect({ target: body.target, unit: body.unit, direction: body.direction }).toEqual({ target: 'yield', unit: '%', direction: 'maximize' });
    expect(body.campaigns.map((c: { name: string }) => c.name)).toEqual(['Arylation, diverse design', 'Arylation, random picks']);
    for (const c of body.campaigns) {
      const own = (await h.json(`/api/campaigns/${c.campaignId}`)).body;
      expect(c.bestSoFar).toEqual(own.bestSoFar);
      expect(c.bestSoFar).toHaveLength(8);
    }
    expect(body.leftOut).toEqual([{ campaignId: ids.branin, name: 'Branin score', reason: expect.stringContaining('it measures score, not yield') }]);
    // the plot takes what most chosen campaigns measure, whichever comes first
    const braninFirst = (await h.json(`/api/comparison?campaigns=${ids.branin},${ids.random},${ids.diverse}`)).body;
    expect(braninFirst.target).toBe('yield');
    expect(braninFirst.campaigns.map((c: { name: string }) => c.name)).toEqual(['Arylation, random picks', 'Arylation, diverse design']);

    const bad = await h.json(`/api/comparison?campaigns=${ids.diverse},not-an-id`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toContain('campaigns');
    expect((await h.json(`/api/comparison?campaigns=${ids.diverse}`, { token: null })).status).toBe(401);
    // a lab token compares only the campaigns it is bound to
    const lab = await h.labToken([ids.diverse], 'robot-compare');
    expect((await h.json(`/api/comparison?campaigns=${ids.diverse}`, { token: lab })).status).toBe(200);
    expect((await h.json(`/api/comparison?campaigns=${ids.diverse},${ids.random}`, { token: lab })).status).toBe(403);
  });

  it('overlays the chosen campaigns on one plot with a legend and axis titles', async () => {
    const page = await signedIn(h.tokens.viewer);
    await page.getByRole('link', { name: 'Compare campaigns' }).click();
    await page.waitForURL(`${h.url}/compare`);
    await page.getByLabel('Arylation, diverse design').check();
    await page.getByLabel('Arylation, random picks').check();
    await page.getByLabel('Branin score').check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.locator('#comparison').waitFor();

    const svg = page.locator('#comparison svg.plot');
    expect(await svg.locator('path.series-overlay').count()).toBe(2);
    // the list is newest first
    expect(await svg.locator('.legend-entry text').allTextContents()).toEqual(['Arylation, random picks', 'Arylation, diverse design']);
    const labels = await svg.locator('text.label').allTextContents();
    expect(labels).toEqual(['experiments with a result', 'best yield so far (%)']);
    // each curve is drawn in its own colour and dash, the legend's swatch the same
    const strokes = await svg.locator('path.series-overlay').evaluateAll((paths: any[]) => paths.map((p: any) => `${p.getAttribute('stroke')} ${p.getAttribute('stroke-dasharray') ?? ''}`));
    expect(new Set(strokes).size).toBe(2);
    const swatches = await svg.locator('.legend-entry line').evaluateAll((lines: any[]) => lines.map((l: any) => `${l.getAttribute('stroke')} ${l.getAttribute('stroke-dasharray') ?? ''}`));
    expect(swatches).toEqual(strokes);
    // the table under it names each campaign's best, as the campaign itself says
    const rows = page.locator('#comparison-table tbody tr');
    expect(await rows.count()).toBe(2);
    for (const [i, id] of [ids.random, ids.diverse].entries()) {
      const best = (await h.json(`/api/campaigns/${id}`)).body.best;
      expect(await rows.nth(i).locator('td').nth(3).textContent()).toBe(`${best.value.toFixed(2)} %`);
      expect(await rows.nth(i).locator('td').nth(4).textContent()).toBe(String(best.experiment));
    }
    expect(await page.locator('#left-out + ul').textContent()).toContain('Branin score: it measures score, not yield');
    // a campaign's page opens the comparison with itself ticked
    await page.goto(`${h.url}/campaigns/${ids.diverse}`);
    await page.locator('#compare-link').click();
    await page.waitForURL(`${h.url}/compare?c=${ids.diverse}`);
    expect(await page.locator('#compare-form').getByLabel('Arylation, diverse design').isChecked()).toBe(true);
    expect(await page.locator('#compare-form').getByLabel('Arylation, random picks').isChecked()).toBe(false);
    expect(await page.locator('#comparison path.series-overlay').count()).toBe(1);
    await page.locator('#compare-form').getByLabel('Arylation, random picks').check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/compare\?c=.*&c=/);
    await page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true });

    // a narrow window reflows rather than scrolling sideways
    await page.setViewportSize({ width: 360, height: 780 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-narrow.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('an operator hands out a token that works against the API, and revokes it', async () => {
    // the token a running `athanor serve` makes for the CLI is named for what it is
    const local = await h.json('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'local-cli', role: 'operator' }) });
    expect(local.status).toBe(201);
    const page = await signedIn(h.tokens.operator);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.waitForURL(`${h.url}/tokens`);
    expect(await page.locator('#token-table tbody tr[data-name="olivia"] th').textContent()).toContain('(you)');
    expect(await page.locator('#token-table tbody tr[data-name="local-cli"] th').textContent()).toContain("the running service's own, for CLI commands on its home");

    // a lab token without campaigns is refused, naming the field
    await page.getByLabel('Name of the holder').fill('bay-2');
    await page.getByLabel('Role').selectOption('lab');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.locator('#token-issues').textContent()).toContain('bound to the campaigns it reports to');
    expect(await page.locator('#token-campaigns').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Name of the holder').fill('ada lovelace');
    await page.getByLabel('Role').selectOption('viewer');
    expect(await page.locator('#token-campaigns').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#token-created').waitFor({ state: 'visible' });
    const secret = (await page.locator('#token-secret').textContent())!;
    expect(secret).toMatch(/^ath_[A-Za-z0-9_-]{43}$/);
    await page.locator('#token-table tbody tr[data-name="ada lovelace"]').waitFor();
    // the list shows its first characters, never the secret
    expect(await page.locator('#token-table').textContent()).not.toContain(secret);
    await page.screenshot({ path: join(ARTIFACTS, 'tokens.png'), fullPage: true });

    // the token works against the API as the viewer it was made
    const who = await h.json('/api/session', { token: secret });
    expect(who).toEqual({ status: 200, body: { name: 'ada lovelace', role: 'viewer' } });
    expect((await h.json('/api/tokens', { token: secret })).status).toBe(403);
    expect((await h.json(`/api/campaigns/${ids.diverse}/pause`, { method: 'POST', token: secret })).status).toBe(403);

    // a lab token bound in the panel reports to its campaign only
    await page.getByLabel('Name of the holder').fill('bay-2');
    await page.getByLabel('Role').selectOption('lab');
    await page.locator('#token-campaigns').getByLabel('Arylation, random picks').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#token-table tbody tr[data-name="bay-2"]').waitFor();
    const labSecret = (await page.locator('#token-secret').textContent())!;
    expect((await h.json(`/api/campaigns/${ids.random}`, { token: labSecret })).status).toBe(200);
    expect((await h.json(`/api/campaigns/${ids.diverse}`, { token: labSecret })).status).toBe(403);
    // bound to one more campaign over the API (what `athanor token bind` does beside a running service)
    const labId = (await h.json('/api/tokens')).body.tokens.find((t: { name: string }) => t.name === 'bay-2').id;
    const patch = (id: string, body: unknown) => h.json(`/api/tokens/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await patch(labId, { campaigns: [ids.diverse] })).body.campaigns).toEqual([ids.random, ids.diverse]);
    expect((await h.json(`/api/campaigns/${ids.diverse}`, { token: labSecret })).status).toBe(200);
    expect((await patch(labId, { campaigns: ['00000000-0000-4000-8000-000000000000'] })).status).toBe(422);
    expect((await patch(labId, { campaigns: [] })).body.error.field).toBe('campaigns');
    const viewerId = (await h.json('/api/tokens')).body.tokens.find((t: { name: string }) => t.name === 'victor').id;
    expect((await patch(viewerId, { campaigns: [ids.diverse] })).status).toBe(409);

    // revoked in the panel: refused at once
    await page.getByRole('button', { name: 'Revoke ada lovelace' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('#token-table tbody tr[data-name="ada lovelace"]').waitFor({ state: 'detached' });
    expect((await h.json('/api/session', { token: secret })).status).toBe(401);
    // a narrow window reflows the token page rather than scrolling sideways
    await page.setViewportSize({ width: 360, height: 780 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(ARTIFACTS, 'tokens-narrow.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('tokens are the operators’ to manage: a viewer is refused in the panel and the API', async () => {
    const page = await signedIn(h.tokens.viewer);
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
    const response = await page.goto(`${h.url}/tokens`);
    expect(response?.status()).toBe(403);
    await page.close();
    expect((await h.json('/api/tokens', { token: h.tokens.viewer })).status).toBe(403);
    const made = await h.json('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'viewer' }), token: h.tokens.viewer });
    expect(made.status).toBe(403);
    const badName = await h.json('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '<script>', role: 'viewer' }) });
    expect(badName.status).toBe(400);
    expect(badName.body.error.field).toBe('name');
    const unknown = await h.json('/api/tokens/00000000-0000-4000-8000-000000000000', { method: 'DELETE' });
    expect(unknown.status).toBe(404);
  });

  it('starts a new campaign from a shipped example', async () => {
    const { body } = await h.json('/api/templates');
    const names = body.templates.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['buchwald-hartwig', 'direct-arylation', 'discovery']));
    // robots need a lab profile: their examples are no templates
    expect(names.filter((n: string) => n.includes('robot'))).toEqual([]);
    expect((await h.json('/api/templates/no-such-example')).status).toBe(404);
    expect((await h.json('/api/templates/..%2Fpackage')).status).toBe(400);

    const page = await signedIn(h.tokens.operator);
    await page.goto(`${h.url}/campaigns/new`);
    await page.getByLabel('Start from an example').selectOption('buchwald-hartwig');
    await page.getByRole('button', { name: 'Use this example' }).click();
    await page.waitForURL(`${h.url}/campaigns/new?template=buchwald-hartwig`);
    const source = await page.locator('#spec').inputValue();
    expect(source).toBe(readFileSync(join(EXAMPLES, 'buchwald-hartwig.yaml'), 'utf8'));
    await expect.poll(() => page.locator('#issues').textContent(), { timeout: 30_000 }).toContain('The campaign file is valid.');
    await page.screenshot({ path: join(ARTIFACTS, 'editor-template.png') });
    await page.setViewportSize({ width: 360, height: 780 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
