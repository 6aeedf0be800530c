/**
 * Mechanisms predicted step by step with elementary-step templates: a training run over labelled
 * mechanisms, chains for textbook reactions with the shipped library (counted over the train split
 * of mech-USPTO-15K) ranked by precedent alone (test/mechanism-scorer.test.ts has them with the
 * learned step model), the flag for reactions outside what it knows, the CLI and the API.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { composition } from '../src/mechanism/electron-moves.js';
import { readStepLibrary, shippedStepLibrary, trainStepLibrary } from '../src/mechanism/library-file.js';
import { mappedSpecies, predictMechanisms } from '../src/mechanism/predict.js';
import { readSpecies } from '../src/mechanism/replay.js';
import { ROOT, tempHome } from './helpers.js';
import { startHarness, type Harness } from './api-harness.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'mechanisms', 'valid-sample.jsonl');
const CLI = join(ROOT, 'bin', 'athanor.js');
const { home, cleanup } = tempHome('athanor-mechanism-');
afterAll(cleanup);
beforeAll(initChem);

describe('step templates', () => {
  it('a training run counts the templates of every labelled step, and its candidates conserve atoms and charge', async () => {
    const { library, report } = await trainStepLibrary(FIXTURE);
    expect(report.records).toBe(115);
    expect(report.steps).toBeGreaterThan(300);
    expect(report.templates).toBeGreaterThan(40);
    expect(report.templates).toBeLessThan(report.steps);
    // from the amidation's first species, the labelled attack is among the candidates, all conserving
    const species = readSpecies('[CH3:18][CH2:19][O:20][C:21](=[O:22])[Cl:101].[CH3:1][O:2][c:3]1[cH:4][c:5]2[n:6][c:7]([NH2:8])[c:9]([O:10][CH3:11])[n:12][c:13]2[cH:14][c:15]1[O:16][CH3:17]');
    const candidates = library.candidates(species);
    expect(candidates.length).toBeGreaterThan(0);
    const before = composition(species);
    for (const c of candidates) {
      const after = composition(c.result);
      expect(after.charge).toBe(before.charge);
      expect([...after.elements].sort()).toEqual([...before.elements].sort());
    }
  });
});

describe('chains with the shipped library', () => {
  it('amide from an acid chloride: attack, tetrahedral intermediate, chloride leaves, at top-1', () => {
    const { chains, outsideKnowledge } = predictMechanisms(shippedStepLibrary(), 'CC(=O)Cl.NCc1ccccc1');
    expect(outsideKnowledge).toBe(false);
    const [best] = chains;
    expect(best!.steps).toHaveLength(2);
    expect(best!.steps[0]!.outcome.join('.')).toContain('[O-]'); // the tetrahedral alkoxide
    expect(best!.products).toEqual(['CC(=O)[NH2+]Cc1ccccc1', '[Cl-]'].sort());
  });

  it('SN2: a phenoxide displaces bromide in one step, at top-1', () => {
    const [best] = predictMechanisms(shippedStepLibrary(), 'CCBr.[O-]c1ccccc1').chains;
    expect(best!.steps).toHaveLength(1);
    expect(best!.products).toEqual(['CCOc1ccccc1', '[Br-]'].sort());
  });

  it('says when nothing it knows applies, instead of inventing a chain', () => {
    const hexane = predictMechanisms(shippedStepLibrary(), 'CCCCCC');
    expect(hexane.chains).toEqual([]);
    expect(hexane.outsideKnowledge).toBe(true);
    expect(() => mappedSpecies('C1CC')).toThrow(/C1CC/);
    expect(() => mappedSpecies('[CH3:1][OH:1]')).toThrow(/map 1 is used twice/);
  });
});

describe('the CLI', () => {
  const athanor = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

  it('athanor train-mechanism writes a library and the step model beside it, which predict --mechanism reads', () => {
    const counted = join(home, 'counted.json.gz');
    const trainedCounts = athanor(['train-mechanism', FIXTURE, '--out', counted, '--no-scorer']);
    expect(trainedCounts.status, trainedCounts.stderr).toBe(0);
    expect(trainedCounts.stderr).toMatch(/step templates from \d+ steps of 115 mechanisms/);
    expect(readStepLibrary(counted).size).toBeGreaterThan(40);
    // the step model, on a third of the file (its states' candidates are most of the work)
    const small = join(home, 'small.jsonl');
    writeFileSync(small, `${readFileSync(FIXTURE, 'utf8').trim().split('\n').slice(0, 40).join('\n')}\n`);
    const out = join(home, 'steps.json.gz');
    const trained = athanor(['train-mechanism', small, '--out', out, '--epochs', '2']);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/epoch 1\/2: loss \d/);
    expect(trained.stderr).toContain(`wrote ${join(home, 'steps.scorer.athm.gz')}`);
    const own = athanor(['predict', '--mechanism', '--json', '--steps', out, 'CC(=O)Cl.NCc1ccccc1']);
    expect(own.status, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout.trim()).scoring).toBe('learned');
    // a step model beside a library it was not trained with (the 115-mechanism one; it learned with the 40) is refused, naming the mismatch
    const mismatched = athanor(['predict', '--mechanism', '--steps', counted, '--scorer', join(home, 'steps.scorer.athm.gz'), 'CCBr.[O-]c1ccccc1']);
    expect(mismatched.status).toBe(2);
    expect(mismatched.stderr).toContain('another step-template library');
    const predicted = athanor(['predict', '--mechanism', '--json', 'CC(=O)Cl.NCc1ccccc1']);
    expect(predicted.status, predicted.stderr).toBe(0);
    const answer = JSON.parse(predicted.stdout.trim()) as { scoring: string; outside_knowledge: boolean; mechanisms: { rank: number; products: string[]; steps: unknown[] }[] };
    expect(answer.scoring).toBe('learned');
    expect(answer.outside_knowledge).toBe(false);
    expect(answer.mechanisms[0]!.products).toContain('[Cl-]');
    const bad = athanor(['predict', '--mechanism', 'C1CC']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('C1CC');
    const empty = athanor(['train-mechanism', join(ROOT, 'test', 'fixtures', 'README.md')]);
    expect(empty.status).toBe(2);
  }, 300_000);
});

describe('GET /api/reactions/mechanism', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('returns ranked mechanisms with their steps, arrows and pictures, on a worker thread', async () => {
    const res = await h.json(`/api/reactions/mechanism?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}&pictures=true`);
    expect(res.status).toBe(200);
    expect(res.body.scoring).toBe('learned');
    expect(res.body.outsideKnowledge).toBe(false);
    const [best] = res.body.mechanisms;
    expect(best.rank).toBe(1);
    expect(best.products).toContain('[Cl-]');
    expect(best.steps).toHaveLength(2);
    expect(best.steps[0].arrows).toHaveLength(2);
    expect(best.steps[0].svg.match(/class="mechanism-arrow"/g)).toHaveLength(2);
    const plain = await h.json(`/api/reactions/mechanism?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}`);
    expect(plain.body.mechanisms[0].steps[0].svg).toBeUndefined();
  });

  it('gives the forward model a second opinion: the amide a mechanism reaches, with its support', async () => {
    const res = await h.json(`/api/reactions/predict?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}&mechanism=true`);
    expect(res.status).toBe(200);
    const [first] = res.body.products;
    expect(first).toMatchObject({ rank: 1, product: 'CC(=O)NCc1ccccc1' });
    expect(first.mechanismSupport).toBeGreaterThan(0.5);
    const alone = await h.json(`/api/reactions/predict?reactants=${encodeURIComponent('CC(=O)Cl.NCc1ccccc1')}`);
    expect(alone.body.products[0].mechanismSupport).toBeUndefined();
    expect((await h.json(`/api/reactions/predict?reactants=CCO&mechanism=maybe`)).body.error.field).toBe('mechanism');
  });

  it('refuses what it cannot read, naming the field, and flags what it does not know', async () => {
    const bad = await h.json(`/api/reactions/mechanism?reactants=${encodeURIComponent('C1CC')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('reactants');
    const twice = await h.json(`/api/reactions/mechanism?reactants=${encodeURIComponent('[CH3:1][OH:1]')}`);
    expect(twice.status).toBe(400);
    const hexane = await h.json(`/api/reactions/mechanism?reactants=CCCCCC`);
    expect(hexane.body).toMatchObject({ outsideKnowledge: true, lowConfidence: true, mechanisms: [] });
    expect((await h.call('/api/reactions/mechanism?reactants=CCO', { token: null })).status).toBe(401);
  });
});
