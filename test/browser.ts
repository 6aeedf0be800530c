/**
 * Headless Chromium for the panel's browser tests: Debian's package driven by playwright-core
 * (never a downloaded browser). A machine without it skips those suites with a message, unless
 * ATHANOR_REQUIRE_BROWSER is set (CI: .ci/run installs it), which makes its absence a failure.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.ATHANOR_REQUIRE_BROWSER) throw new Error(`ATHANOR_REQUIRE_BROWSER is set but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`skipping browser tests: ${CHROMIUM} not found (apt-get install -y chromium, or set ATHANOR_REQUIRE_BROWSER=1 to fail instead)`);
  return false;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs] });
}

/**
 * A page of the panel at `url`, signed in with `token`, that collects the page's script errors in
 * `problems` (a test ends by expecting none).
 */
export async function signedInPanel(browser: Browser, url: string, token: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${url}/signin`);
  await page.getByLabel('API token').fill(token);
  await page.getByLabel('API token').press('Enter');
  await page.waitForURL(`${url}/`);
  return { page, problems };
}
