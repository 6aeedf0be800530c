/**
 * The approval gate in the panel, in real headless Chromium: a gated campaign's batch waits on the
 * page; the operator changes a condition (saved at once), drops one proposal with a reason,
 * rejects the batch (a new one appears without the rejected ones), adds an experiment of their
 * own, approves, and sees the dispatch follow. A viewer sees the batch but no controls.
 * Skipped with a message without /usr/bin/chromium unless ATHANOR_REQUIRE_BROWSER is set.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './browser.js';
import { listEvents, listExperiments } from '../src/db/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';



describe.skipIf(!browserAvailable())('the approval gate in the panel, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let id: string;
  const problems: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const yaml = exampleYaml({ name: 'Gated in the panel', experiments: 9, batch: 3, strategy: 'diverse' }).replace(/^planner:\n/m, 'planner:\n  approval:\n    required: true\n');
    id = (await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml })).body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}/approval`)).body.awaiting.length === 3, 'the first batch to wait', 60_000);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${h.url}/signin`);
    await page.getByLabel('API token').fill(token);
    await page.getByLabel('API token').press('Enter');
    await page.waitForURL(`${h.url}/`);
    await page.goto(`${h.url}/campaigns/${id}`);
    return page;
  }

  const waitingSeqs = async (page: Page) =>
    (await page.locator('#approval-table tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as { id: string }).id.slice('waiting-'.length))))).sort((a, b) => a - b);

  it('a viewer sees the waiting batch without controls', async () => {
    const page = await signedIn(h.tokens.viewer);
    expect(await page.locator('#approval-h').textContent()).toContain('Waiting for approval: 3 proposals');
    expect(await page.locator('#approve-batch').count()).toBe(0);
    expect(await page.locator('#approval select').count()).toBe(0);
    expect(await page.locator('#suggest-form').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('edit, drop, reject, add one\'s own and approve; the dispatch follows', async () => {
    const page = await signedIn(h.tokens.operator);
    const [first, second] = await waitingSeqs(page);

    // change the solvent of the first proposal: saved at once, recorded with who
    const solvent = page.locator(`#edit-${first}-solvent`);
    const before = await solvent.inputValue();
    const options = await solvent.locator('option').evaluateAll((os) => os.map((o) => (o as { value: string }).value));
    const other = options.find((o) => o !== before)!;
    await solvent.selectOption(other);
    await waitFor(async () => {
      const e = (await listExperiments(h.database.db, id)).find((x) => x.seq === first);
      return e?.parameters.solvent === other && e;
    }, 'the edit to be saved');
    await expect.poll(() => page.locator(`#waiting-${first}`).textContent(), { timeout: 30_000 }).toContain(`changed from ${before} to ${other} by olivia`);

    // drop the second with a reason
    await page.locator(`#drop-${second}`).click();
    await page.locator('#reason-input').fill('out of this ligand');
    await page.locator('#reason-confirm').click();
    await expect.poll(() => waitingSeqs(page), { timeout: 30_000 }).not.toContain(second);

    // reject what is left: a new batch appears, none of it rejected before
    const rejectedBefore = (await listExperiments(h.database.db, id)).filter((e) => e.proposal.rejection).map((e) => e.candidateKey);
    const left = await waitingSeqs(page);
    await page.locator('#reject-batch').click();
    await page.locator('#reason-input').fill('too similar to last week\'s plate');
    await page.locator('#reason-confirm').click();
    await expect.poll(async () => (await waitingSeqs(page)).some((s) => s > Math.max(...left)), { timeout: 60_000 }).toBe(true);
    const rows = await listExperiments(h.database.db, id);
    const rejected = rows.filter((e) => e.proposal.rejection).map((e) => e.candidateKey);
    expect(rejected.length).toBe(rejectedBefore.length + left.length);
    for (const e of rows.filter((x) => x.status === 'planned')) expect(rejected).not.toContain(e.candidateKey);

    // one's own experiment, with its reason
    await page.locator('#suggest-base').selectOption('Potassium pivalate');
    await page.locator('#suggest-ligand').selectOption('XPhos');
    await page.locator('#suggest-solvent').selectOption('DMAc');
    await page.locator('#suggest-concentration').selectOption('0.1');
    await page.locator('#suggest-temperature').selectOption('105');
    await page.locator('#suggest-reason').fill('our best conditions on the last substrate');
    await page.locator('#suggest-form button[type=submit]').click();
    await waitFor(async () => (await listExperiments(h.database.db, id)).find((e) => e.proposal.strategy === 'chemist'), 'the suggestion to be stored');

    // approve: the batch and the suggestion go to the lab, and the page says what came next
    const toRun = await waitingSeqs(page);
    await page.locator('#approve-batch').click();
    await waitFor(async () => {
      const now = await listExperiments(h.database.db, id);
      return toRun.every((seq) => now.find((e) => e.seq === seq)?.status === 'completed') && now.filter((e) => e.proposal.strategy === 'chemist').every((e) => e.status === 'completed');
    }, 'the approved experiments to run', 60_000);
    await expect.poll(() => page.locator('#approval-h').textContent(), { timeout: 30_000 }).toMatch(/Waiting for approval|Approval/);

    const events = await listEvents(h.database.db, id);
    const types = events.filter((e) => e.actor === 'olivia').map((e) => e.type);
    for (const t of ['proposal.edited', 'proposals.rejected', 'proposal.suggested', 'proposals.approved']) expect(types).toContain(t);
    expect(problems).toEqual([]);
    await page.close();
  }, 150_000);
});
