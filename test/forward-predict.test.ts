/**
 * The shipped forward model (models/forward-uspto15k.athm.gz) as users meet it: the TypeScript
 * API, `athanor predict` in a child process (arguments and stdin), the HTTP API over loopback and
 * the panel's Predict page in headless Chromium.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSmiles, initChem, SmilesError } from '../src/chem/index.js';
import { initTensorBackend } from '../src/models/backend.js';
import { ForwardPredictor } from '../src/models/forward/predictor.js';
import { startHarness, type Harness } from './api-harness.js';
import { ROOT } from './helpers.js';

declare const document: any;

const CLI = join(ROOT, 'bin', 'athanor.js');
let predictor: ForwardPredictor;

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
  predictor = ForwardPredictor.load();
}, 60_000);

afterAll(() => predictor?.dispose());

const top1 = (reactants: string) => predictor.predict(reactants, { topK: 3 })[0]?.product;

describe('textbook reactions', () => {
  it.each([
    ['amide coupling (acid chloride + amine)', 'CC(=O)Cl.NCc1ccccc1', 'CC(=O)NCc1ccccc1'],
    ['amide coupling (acid + amine, HATU)', 'OC(=O)c1ccccc1.C1CCNCC1>CN(C)C(On1nnc2cccnc21)=[N+](C)C.F[P-](F)(F)(F)(F)F.CCN(C(C)C)C(C)C>', 'O=C(c1ccccc1)N1CCCCC1'],
    ['Suzuki coupling', 'Brc1ccc(C)cc1.OB(O)c1ccccc1>O=C([O-])[O-].[K+].[K+].c1ccc([P](c2ccccc2)(c2ccccc2)[Pd]([P](c2ccccc2)(c2ccccc2)c2ccccc2)([P](c2ccccc2)(c2ccccc2)c2ccccc2)[P](c2ccccc2)(c2ccccc2)c2ccccc2)cc1>', 'Cc1ccc(-c2ccccc2)cc1'],
    ['esterification (Fischer)', 'OC(=O)c1ccccc1.CO>OS(=O)(=O)O>', 'COC(=O)c1ccccc1'],
  ])('%s', (_name, reactants, product) => {
    expect(top1(reactants)).toBe(canonicalSmiles(product));
  });

  // the 15 aryl halides of Ahneman et al. 2018 and the products recorded with them
  const plate: [string, string][] = [
    ['FC(F)(F)c1ccc(Cl)cc1', 'Cc1ccc(Nc2ccc(C(F)(F)F)cc2)cc1'], ['FC(F)(F)c1ccc(Br)cc1', 'Cc1ccc(Nc2ccc(C(F)(F)F)cc2)cc1'], ['FC(F)(F)c1ccc(I)cc1', 'Cc1ccc(Nc2ccc(C(F)(F)F)cc2)cc1'],
    ['COc1ccc(Cl)cc1', 'COc1ccc(Nc2ccc(C)cc2)cc1'], ['COc1ccc(Br)cc1', 'COc1ccc(Nc2ccc(C)cc2)cc1'], ['COc1ccc(I)cc1', 'COc1ccc(Nc2ccc(C)cc2)cc1'],
    ['CCc1ccc(Cl)cc1', 'CCc1ccc(Nc2ccc(C)cc2)cc1'], ['CCc1ccc(Br)cc1', 'CCc1ccc(Nc2ccc(C)cc2)cc1'], ['CCc1ccc(I)cc1', 'CCc1ccc(Nc2ccc(C)cc2)cc1'],
    ['Clc1ccccn1', 'Cc1ccc(Nc2ccccn2)cc1'], ['Brc1ccccn1', 'Cc1ccc(Nc2ccccn2)cc1'], ['Ic1ccccn1', 'Cc1ccc(Nc2ccccn2)cc1'],
    ['Clc1cccnc1', 'Cc1ccc(Nc2cccnc2)cc1'], ['Brc1cccnc1', 'Cc1ccc(Nc2cccnc2)cc1'], ['Ic1cccnc1', 'Cc1ccc(Nc2cccnc2)cc1'],
  ];
  it.each(plate)('Buchwald–Hartwig amination of %s with p-toluidine (Ahneman 2018 plate)', (halide, product) => {
    expect(top1(`${halide}.Cc1ccc(N)cc1`)).toBe(canonicalSmiles(product));
  });
});

describe('predictions', () => {
  it('are valid, canonical, ranked products with probabilities', () => {
    for (const reactants of ['CC(=O)Cl.NCc1ccccc1', 'O=C(O)CCc1ccccc1.OCC', 'Brc1ccccc1.C1COCCN1', 'CC(C)(C)OC(=O)N1CCNCC1.Cl']) {
      const products = predictor.predict(reactants, { topK: 5 });
      expect(products.length).toBeGreaterThan(0);
      let previous = Number.POSITIVE_INFINITY;
      let total = 0;
      for (const p of products) {
        expect(canonicalSmiles(p.product)).toBe(p.product);
        expect(canonicalSmiles(p.drawing)).toBe(p.product);
        expect(p.probability).toBeLessThanOrEqual(previous);
        previous = p.probability;
        total += p.probability;
        expect(p.changedAtoms.length).toBeGreaterThan(0);
      }
      expect(total).toBeLessThanOrEqual(1 + 1e-9);
      expect(new Set(products.map((p) => p.product)).size).toBe(products.length);
    }
  });

  it('refuses invalid SMILES with a message naming the molecule', () => {
    expect(() => predictor.predict('CCO.C1CC(')).toThrow(SmilesError);
    expect(() => predictor.predict('CCO.C1CC(')).toThrow(/C1CC\(/);
    expect(() => predictor.predict('')).toThrow(/empty/);
    expect(() => predictor.predict('CCO>>CC=O')).toThrow(/already names products/);
  });

  it('returns nothing rather than nonsense when no template applies', () => {
    expect(predictor.predict('[He]')).toEqual([]);
  });
});

describe('athanor predict', () => {
  const run = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [CLI, 'predict', ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('prints ranked products for reactants given as arguments', () => {
    const { code, stdout } = run(['CC(=O)Cl.NCc1ccccc1', '--top', '2']);
    expect(code).toBe(0);
    expect(stdout).toContain('CC(=O)NCc1ccccc1');
    expect(stdout.trim().split('\n')).toHaveLength(3);
  });

  it('reads one reaction per stdin line and prints one JSON object per line; bad lines give errors, not silence', () => {
    const input = ['CC(=O)Cl.NCc1ccccc1', '', 'not_smiles', 'OC(=O)c1ccccc1.CO>OS(=O)(=O)O>', '[CH3:1][C:2](=[O:3])[Cl:4].[NH2:5][CH3:6]>>CNC(C)=O 1;;2-4-1.0;2-5-1.0'].join('\n');
    const { code, stdout, stderr } = run(['--json', '--top', '3'], input);
    expect(code).toBe(2);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0].products[0].product).toBe('CC(=O)NCc1ccccc1');
    expect(lines[0].products[0].smiles).toBe(lines[0].products[0].product);
    expect(lines[0].products.length).toBeLessThanOrEqual(3);
    expect(lines[1].error).toMatch(/not_smiles/);
    expect(lines[2].products[0].product).toBe('COC(=O)c1ccccc1');
    expect(lines[3].reactants).toBe('[CH3:1][C:2](=[O:3])[Cl:4].[NH2:5][CH3:6]');
    expect(lines[3].products[0].product).toBe('CNC(C)=O');
    expect(stderr).toMatch(/not_smiles/);
  });
});

describe('HTTP API and panel', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('GET /api/reactions/predict answers any reader; bad SMILES is a 400 naming the field', async () => {
    const ok = await h.json(`/api/reactions/predict?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}&top=2`, { token: h.tokens.viewer });
    expect(ok.status).toBe(200);
    expect(ok.body.products[0].product).toBe('CC(=O)NCc1ccccc1');
    expect(ok.body.products.length).toBeLessThanOrEqual(2);
    const bad = await h.json(`/api/reactions/predict?reactants=${encodeURIComponent('C1CC(')}`, { token: h.tokens.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('reactants');
    const anonymous = await h.json(`/api/reactions/predict?reactants=CCO`, { token: null });
    expect(anonymous.status).toBe(401);
  });

  const CHROMIUM = '/usr/bin/chromium';
  const browserReady = existsSync(CHROMIUM) || Boolean(process.env.ATHANOR_REQUIRE_BROWSER);
  if (!browserReady) console.warn(`skipping the Predict page test: ${CHROMIUM} not found (apt-get install -y chromium, or set ATHANOR_REQUIRE_BROWSER=1 to fail instead)`);
  it.skipIf(!browserReady)('the Predict page draws the products with the changed atoms highlighted', async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${h.url}/signin`);
      await page.getByLabel('API token').fill(h.tokens.viewer);
      await page.getByRole('button', { name: /sign in/i }).click();
      await page.getByRole('link', { name: 'Predict' }).click();
      await page.getByLabel('Reactants').fill('CC(=O)Cl.NCc1ccccc1');
      await page.getByRole('button', { name: 'Predict' }).click();
      const first = page.locator('.product').first();
      await first.waitFor();
      expect(await first.textContent()).toContain('CC(=O)NCc1ccccc1');
      // every product drawn (the images load after the list appears)
      await expect
        .poll(() => page.evaluate(() => Array.from(document.querySelectorAll('.product img')).every((img: any) => img.complete && img.naturalWidth > 0)))
        .toBe(true);
      // the drawing marks the changed atoms: it differs from the same molecule drawn without highlights
      const src = new URL((await first.locator('img').getAttribute('src')) ?? '', h.url);
      expect(src.searchParams.get('highlight')).toMatch(/^\d+(,\d+)*$/);
      const highlighted = await (await page.request.get(src.toString())).text();
      src.searchParams.delete('highlight');
      const plain = await (await page.request.get(src.toString())).text();
      expect(highlighted).toMatch(/<svg/);
      expect(highlighted).not.toBe(plain);
      mkdirSync(join(ROOT, 'test-artifacts', 'panel'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'panel', 'predict.png'), fullPage: true });
      await page.getByLabel('Reactants').fill('C1CC(');
      await page.getByRole('button', { name: 'Predict' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/C1CC\(/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
