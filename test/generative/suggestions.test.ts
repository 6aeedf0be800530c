/**
 * Suggestions of new substances (issue 22) as a chemist gets them: `athanor suggest-substances` on
 * a campaign `athanor run` made, the API on a service whose campaign has a model, and the panel's
 * suggestion list in real headless Chromium. Real RDKit, tfjs, the shipped autoencoder and forward
 * model, a real Gaussian process trained by the campaign. Every suggestion must respect the role's
 * filters whatever the model proposes.
 * The browser part is skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalOrNull, initChem } from '../../src/chem/index.js';
import { atomsOf, ORGANIC_ELEMENTS } from '../../src/screening/molecule-filter.js';
import { finishedBuchwaldHartwig, startHarness, type Harness } from '../api-harness.js';
import { browserAvailable, launchChromium, signedInPanel } from '../browser.js';
import { athanorCli, EXAMPLES, runBuchwaldHartwig, tempHome } from '../helpers.js';

const { home: scratch, cleanup } = tempHome('athanor-suggest-');

interface Suggestions {
  role: string;
  proposals: { rank: number; smiles: string; mean: number; sigma: number; nearest: { name: string; similarity: number }; product?: string }[];
  decoded: number;
  valid: number;
  setAside: Record<string, number>;
  forwardCheck: string;
}

const ARYL_HALIDES = Object.values(
  Object.fromEntries(
    readFileSync(join(EXAMPLES, 'buchwald-hartwig.yaml'), 'utf8')
      .split('\n')
      .filter((l) => /^\s{6}\S.*: '.*'$/.test(l))
      .map((l) => [l, l.replace(/^.*: '(.*)'$/, '$1')]),
  ),
);

/** What every suggestion for the aryl-halide role must be, whatever the model proposed. */
function expectFitForTheRole(report: Suggestions, count: number): void {
  expect(report.valid).toBe(report.decoded); // grammar-constrained decoding: every point is a molecule
  expect(report.proposals.length).toBeLessThanOrEqual(count);
  const known = new Set(ARYL_HALIDES.map((s) => canonicalOrNull(s)));
  for (const p of report.proposals) {
    const canonical = canonicalOrNull(p.smiles);
    expect(canonical, p.smiles).toBe(p.smiles);
    expect(known.has(canonical)).toBe(false);
    const { elements, heavyAtoms } = atomsOf(p.smiles);
    expect(heavyAtoms).toBeLessThanOrEqual(70);
    for (const e of elements) expect(ORGANIC_ELEMENTS as readonly string[]).toContain(e);
    expect(p.nearest.similarity).toBeGreaterThanOrEqual(0.3);
    expect(Number.isFinite(p.mean) && p.sigma >= 0).toBe(true);
    // at most one aryl halide, as the role's substances have, and no group they lack
    expect(p.smiles.match(/Cl|Br|I/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(p.smiles).not.toMatch(/C\(=O\)(Cl|Br)|N=C=O|\[N-\]=\[N\+\]/);
  }
  const ranks = report.proposals.map((p) => p.mean + 2 * p.sigma);
  expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
}

beforeAll(async () => {
  await initChem();
});
afterAll(cleanup);

describe('athanor suggest-substances', () => {
  const home = join(scratch, 'home');
  const athanor = athanorCli(home);
  let campaignId = '';

  beforeAll(() => {
    campaignId = runBuchwaldHartwig(athanor);
  }, 180_000);

  it('suggests aryl halides that fit the role, ranked by the campaign\'s model, and says what it set aside', () => {
    const r = athanor(['suggest-substances', campaignId, '--role', 'aryl_halide', '--count', '5', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Suggestions;
    expect(report.role).toBe('aryl_halide');
    expect(report.decoded).toBeGreaterThan(100);
    expectFitForTheRole(report, 5);
    const text = athanor(['suggest-substances', campaignId, '--role', 'aryl_halide', '--count', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/round 3\/3: \d+ decoded/);
    expect(text.stdout).toMatch(/latent points decoded around .+: \d+ valid molecules/);
    expect(text.stdout).toMatch(/^forward model's check: /m);
  }, 180_000);

  it('refuses a role that is not a substance role and a reactive group it does not know, with exit code 2', () => {
    const notRole = athanor(['suggest-substances', campaignId, '--role', 'temperature']);
    expect(notRole.code).toBe(2);
    expect(notRole.stderr).toContain('--role: "temperature" is not a substance role of this campaign');
    const badGroup = athanor(['suggest-substances', campaignId, '--role', 'aryl_halide', '--allow-reactive', 'kryptonite']);
    expect(badGroup.code).toBe(2);
    expect(badGroup.stderr).toContain('--allow-reactive: kryptonite: not a group name');
  }, 60_000);
});

describe('suggestions from the service', () => {
  let h: Harness;
  let id: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    h = await startHarness();
    id = await finishedBuchwaldHartwig(h);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('answers GET /api/campaigns/:id/substance-suggestions with suggestions that fit the role; a bad role is a 400 naming the field', async () => {
    const ok = await h.json(`/api/campaigns/${id}/substance-suggestions?role=aryl_halide&count=4`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expectFitForTheRole(ok.body as Suggestions, 4);
    const bad = await h.json(`/api/campaigns/${id}/substance-suggestions?role=colour`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: 'role' });
    const badCount = await h.json(`/api/campaigns/${id}/substance-suggestions?role=aryl_halide&count=500`);
    expect(badCount.status).toBe(400);
    expect(badCount.body.error.field).toBe('count');
  }, 120_000);

  it.skipIf(!browserAvailable())('draws the suggestion list in the panel, each with its structure and predicted yield', async () => {
    const api = (await h.json(`/api/campaigns/${id}/substance-suggestions?role=aryl_halide&count=4`)).body as Suggestions;
    browser = await launchChromium();
    const { page, problems } = await signedInPanel(browser, h.url, h.tokens.viewer);
    await page.goto(`${h.url}/campaigns/${id}`);
    await page.locator('#suggestions-link').click();
    await page.getByLabel('Role').selectOption('aryl_halide');
    await page.getByLabel('How many').fill('4');
    await page.getByRole('button', { name: 'Suggest' }).click();
    await page.waitForURL(/suggestions\?role=aryl_halide&count=4/);
    await expect.poll(() => page.locator('#suggestions').count()).toBe(1);
    const items = page.locator('li.suggestion');
    expect(await items.count()).toBe(api.proposals.length);
    const shown = await page.locator('code.suggestion-smiles').allTextContents();
    expect(shown).toEqual(api.proposals.map((p) => p.smiles)); // the same seed, the same suggestions
    if (api.proposals.length > 0) {
      await expect.poll(() => items.first().locator('img.mol').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      expect(await items.first().textContent()).toMatch(/%/);
    } else {
      expect(await page.locator('#suggestions .empty-state').count()).toBe(1);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
