/**
 * Arrow-pushing pictures: each step of a labelled mechanism drawn by RDKit with its curved arrows
 * over it, checked as SVG (one arrow per arrow of the step, each starting at its electron pair and
 * ending at its sink) and rendered in real headless Chromium.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { moleculeSvgWithPositions } from '../src/chem/depict.js';
import { parseArrow } from '../src/mechanism/arrows.js';
import { stepPicture, stepSvg } from '../src/mechanism/arrow-pictures.js';
import { readSpecies, type MechanismRecord } from '../src/mechanism/replay.js';
import { browserAvailable, launchChromium } from './browser.js';
import { ROOT } from './helpers.js';
import { startHarness, type Harness } from './api-harness.js';

declare const document: any;

const records = readFileSync(join(ROOT, 'test', 'fixtures', 'mechanisms', 'valid-sample.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as MechanismRecord);
const ARTIFACTS = join(ROOT, 'test-artifacts', 'mechanisms');

beforeAll(initChem);

/** Every step of some labelled mechanisms as pictures, with the numbers the checks need. */
function pictures(ids: string[]) {
  return ids.flatMap((id) => {
    const record = records.find((r) => r.id === id)!;
    return record.steps.map((step, k) => {
      const species = readSpecies(step.rxn.split('>>')[0]!);
      const arrows = step.arrows.map((a) => parseArrow(a));
      return { id, step: k + 1, arrows, svg: stepSvg(species, arrows, { caption: `${record.mech_class} · step ${k + 1}` }) };
    });
  });
}

describe('arrow-pushing pictures', () => {
  it("knows where RDKit draws each atom", () => {
    const { svg, positions } = moleculeSvgWithPositions('CC(=O)Cl', { width: 300, height: 200 });
    expect(positions).toHaveLength(4);
    for (const [x, y] of positions) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(300);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(200);
    }
    // the carbonyl carbon is bonded to the three others: it sits about one bond length from each
    const d = (i: number, j: number) => Math.hypot(positions[i]![0] - positions[j]![0], positions[i]![1] - positions[j]![1]);
    expect(Math.max(d(1, 0), d(1, 2), d(1, 3)) / Math.min(d(1, 0), d(1, 2), d(1, 3))).toBeLessThan(1.3);
    expect(svg).not.toContain('<ellipse');
  });

  it('draws one curved arrow per arrow of the step, from the electron pair to its sink', () => {
    const record = records.find((r) => r.id === 'valid_0')!;
    const step = record.steps[0]!; // 8 → 21 (the amine attacks the carbonyl carbon), [21,22] → 22 (the C=O π pair onto O)
    const species = readSpecies(step.rxn.split('>>')[0]!);
    const picture = stepPicture(species, step.arrows.map((a) => parseArrow(a)));
    expect([...picture.svg.matchAll(/<path class="mechanism-arrow"/g)]).toHaveLength(2);
    expect(picture.svg).toContain('marker-end="url(#mechanism-arrowhead)"');
    const at = (map: number) => picture.atomAt.get(map)!;
    const dist = (p: [number, number], q: [number, number]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
    const [attack, pi] = picture.arrows as [{ tail: [number, number]; head: [number, number] }, { tail: [number, number]; head: [number, number] }];
    // the lone pair beside N8, the head just short of C21
    expect(dist(attack.tail, at(8))).toBeCloseTo(11, 0);
    expect(dist(attack.head, at(21))).toBeCloseTo(13, 0);
    expect(dist(attack.head, at(8))).toBeLessThan(dist(at(21), at(8)));
    // the π pair from the middle of C21=O22 to beside O22
    expect(dist(pi.tail, [(at(21)[0] + at(22)[0]) / 2, (at(21)[1] + at(22)[1]) / 2])).toBeLessThan(0.5);
    expect(dist(pi.head, at(22))).toBeCloseTo(13, 0);
  });
});

describe.skipIf(!browserAvailable())('arrow-pushing pictures in Chromium', () => {
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => close?.());

  it('renders every step of an amidation, an SN2 and a Boc deprotection with its arrows inside the picture', async () => {
    const ids = ['valid_0', records.find((r) => r.mech_class === 'SN2')!.id, records.find((r) => r.mech_class === 'Boc_deprotection')!.id];
    const steps = pictures(ids);
    mkdirSync(ARTIFACTS, { recursive: true });
    const html = `<!doctype html><html><body>${steps.map((s) => `<figure data-arrows="${s.arrows.length}">${s.svg}</figure>`).join('')}</body></html>`;
    writeFileSync(join(ARTIFACTS, 'steps.html'), html);
    const browser = await launchChromium();
    close = () => browser.close();
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent(html);
    const figures = await page.evaluate(() =>
      [...document.querySelectorAll('figure')].map((figure: any) => {
        const svg = figure.querySelector('svg').getBoundingClientRect();
        return {
          expected: Number(figure.dataset.arrows),
          arrows: [...figure.querySelectorAll('path.mechanism-arrow')].map((p: any) => {
            const box = p.getBoundingClientRect();
            return { length: p.getTotalLength(), inside: box.left >= svg.left - 2 && box.right <= svg.right + 2 && box.top >= svg.top - 2 && box.bottom <= svg.bottom + 2 };
          }),
        };
      }),
    );
    expect(figures).toHaveLength(steps.length);
    for (const figure of figures) {
      expect(figure.arrows).toHaveLength(figure.expected);
      for (const arrow of figure.arrows) {
        expect(arrow.length).toBeGreaterThan(10);
        expect(arrow.inside).toBe(true);
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, 'steps.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!browserAvailable())("the panel's Predict page, in Chromium", () => {
  let h: Harness;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await h?.close();
  });

  it('shows the most likely mechanism step by step, each with its curved arrows', async () => {
    const browser = await launchChromium();
    close = () => browser.close();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${h.url}/signin`);
    await page.getByLabel('API token').fill(h.tokens.viewer);
    await page.getByLabel('API token').press('Enter');
    await page.waitForURL(`${h.url}/`);
    await page.goto(`${h.url}/predict?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}`);
    const steps = page.locator('#mechanism li.mechanism-step');
    expect(await steps.count()).toBe(2);
    const picture = steps.first().locator('img.mechanism-picture');
    const svg = Buffer.from((await picture.getAttribute('src'))!.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString('utf8');
    expect(svg.match(/class="mechanism-arrow"/g)).toHaveLength(2);
    await expect.poll(() => picture.evaluate((img: any) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
    expect(await page.locator('#mechanism figcaption').first().textContent()).toMatch(/step 1 \(\d+ %\): \d+ → \d+/);
    expect(await page.locator('#mechanism').textContent()).toContain('scored by the learned step model');
    // the products carry the mechanisms' second opinion: the amide is reached by the likely chains
    expect(await page.locator('.product').first().locator('.mechanism-support').textContent()).toMatch(/reached by \d+ % of the most likely mechanisms/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#mechanism').screenshot({ path: join(ARTIFACTS, 'predict-page.png') });

    // the whole mechanism as one picture, as a proposal with a predicted product shows it
    const chainUrl = `/api/reactions/mechanism.svg?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}`;
    const chain = await h.call(chainUrl, { token: h.tokens.viewer });
    expect(chain.status).toBe(200);
    expect(chain.headers.get('content-type')).toContain('image/svg+xml');
    const chainText = await chain.text();
    expect(chainText.match(/<svg x="0" y="\d+"/g)).toHaveLength(2);
    expect(chainText.match(/class="mechanism-arrow"/g)!.length).toBeGreaterThanOrEqual(3);
    const size = await page.evaluate(async (src: string) => {
      const img = new (globalThis as any).Image();
      img.src = src;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, chainUrl);
    expect(size).toEqual([420, 28 + 2 * 300]);
    const none = await h.call(`/api/reactions/mechanism.svg?reactants=CCCCCC`, { token: h.tokens.viewer });
    expect(await none.text()).toContain('no elementary step the mechanism library knows applies');
    expect((await h.call(`/api/reactions/mechanism.svg?reactants=C1CC`, { token: h.tokens.viewer })).status).toBe(400);
    expect(errors).toEqual([]);
  });
});
