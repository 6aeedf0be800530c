/**
 * Issue 15, item 8: `/signin?next=/%09/127.0.0.1:…/phish` landed a real browser on another origin
 * after signing in (the browser drops the tab and reads `//127.0.0.1:…` as a host). In real
 * headless Chromium: signing in through such links keeps the person on the panel's own origin,
 * and the other site never hears from the browser. Skipped without /usr/bin/chromium unless
 * ATHANOR_REQUIRE_BROWSER is set (then a missing browser fails), as in test/panel.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from '../browser.js';
import { startHarness, type Harness } from '../api-harness.js';



describe.skipIf(!browserAvailable())('sign-in redirects in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let phish: Server;
  let phishPort = 0;
  const phished: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    // the "other origin": a page on another loopback port that records every visit
    phish = createServer((req, res) => {
      phished.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>phish</h1>');
    });
    await new Promise<void>((resolve) => phish.listen(0, '127.0.0.1', resolve));
    phishPort = (phish.address() as AddressInfo).port;
    browser = await launchChromium(['--no-first-run']);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (phish ? phish.close(() => resolve()) : resolve()));
    await h?.close();
  });

  it('stays on the panel whatever ?next= says', async () => {
    const own = new URL(h.url).origin;
    const targets = [
      `/%09/127.0.0.1:${phishPort}/phish`,
      `/%0a/127.0.0.1:${phishPort}/phish`,
      `/%5C127.0.0.1:${phishPort}/phish`,
      `//127.0.0.1:${phishPort}/phish`,
      `/\\/127.0.0.1:${phishPort}/phish`,
      `http://127.0.0.1:${phishPort}/phish`,
    ];
    for (const next of targets) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${h.url}/signin?next=${next}`);
      await page.getByLabel('API token').fill(h.tokens.viewer);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState('load');
      await expect.poll(() => new URL(page.url()).origin, { message: next }).toBe(own);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Campaigns');
      await context.close();
    }
    expect(phished).toEqual([]);

    // a genuine local path is still honoured
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/campaigns/new`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.getByLabel('API token').fill(h.tokens.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.url}/campaigns/new`);
    await context.close();
  });
});
