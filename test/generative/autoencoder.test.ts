/**
 * The molecular autoencoder for real (tfjs on the backend this machine has, RDKit): a small one
 * trained here learns its molecules, everything it decodes sanitises, the model file gives back the
 * same network; and the shipped model rebuilds known molecules from their latent means.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempHome } from '../helpers.js';
import { canonicalOrNull, initChem } from '../../src/chem/index.js';
import { initTensorBackend } from '../../src/models/index.js';
import { decodeAutoencoder, encodeAutoencoder, readAutoencoder, SHIPPED_AUTOENCODER } from '../../src/generative/autoencoder-file.js';
import type { MolecularAutoencoder } from '../../src/generative/autoencoder.js';
import { corpusMolecule, DEFAULT_CORPUS_LIMITS, type CorpusMolecule } from '../../src/generative/corpus.js';
import { reconstructionRate, trainAutoencoder } from '../../src/generative/train-autoencoder.js';
import { rngFor } from '../../src/util/random.js';

/** Reagents and building blocks of the kind USPTO reactions use. */
const MOLECULES = [
  'CC(=O)Oc1ccccc1C(=O)O', 'Brc1ccc2ccccc2c1', 'O=[N+]([O-])c1ccc(Cl)cc1', 'CC(C)(C)OC(=O)N1CCC(CO)CC1',
  'COc1ccc(B(O)O)cc1', 'CCN(CC)CC', 'O=S(=O)(Cl)c1ccc(F)cc1', 'FC(F)(F)c1ccc(I)cc1', 'Nc1ccccc1', 'Clc1ccccn1',
  'CC(C)O', 'O=C(O)c1ccccc1', 'CN1CCNCC1', 'C1COCCN1', 'Cc1ccc(S(=O)(=O)Cl)cc1', 'OCc1ccccc1', 'CC(=O)Cl',
  'Brc1cccnc1', 'COC(=O)c1ccc(Br)cc1', 'N#Cc1ccc(Br)cc1', 'Ic1ccccc1', 'CCOC(=O)CC(=O)OCC', 'O=C1CCCN1', 'CC1(C)OB(c2ccccc2)OC1(C)C',
];

const { home: scratch, cleanup } = tempHome('athanor-autoencoder-');
const CLI = join(ROOT, 'bin', 'athanor.js');

let molecules: CorpusMolecule[];
let small: MolecularAutoencoder;
// the worker runs other files after this one in the same process: leave no tfjs weights behind
afterAll(() => {
  small?.dispose();
  cleanup();
});

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
  molecules = MOLECULES.map((s) => corpusMolecule(s)!);
  const losses: number[] = [];
  ({ model: small } = await trainAutoencoder({
    train: molecules,
    heldOut: molecules.slice(0, 6),
    limits: DEFAULT_CORPUS_LIMITS,
    source: 'test molecules',
    options: { epochs: 50, batchSize: 8, learningRate: 1e-2, beta: 0.01, warmupEpochs: 5, patience: 100, checkMolecules: 6, minTokenCount: 1, network: { embedding: 16, encoderHidden: 32, decoderHidden: 64, latent: 8 } },
    onEpoch: (e) => losses.push(e.reconstructionLoss),
  }));
  expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
}, 300_000);

describe('a molecular autoencoder trained here', () => {
  it('rebuilds most of the molecules it learned from their latent means', () => {
    expect(reconstructionRate(small, molecules)).toBeGreaterThanOrEqual(0.5);
  });

  it('decodes every latent point, prior samples and far-off points alike, to a molecule RDKit sanitises', () => {
    const rng = rngFor(3, 'autoencoder-test');
    const samples = small.sample(150, rng, { temperature: 1 });
    const far = small.decode(Array.from({ length: 30 }, (_, i) => Float32Array.from({ length: small.latentSize }, (_, k) => (k % 2 ? 1 : -1) * (3 + (i % 5)))));
    for (const smiles of [...samples, ...far]) expect(canonicalOrNull(smiles), smiles).not.toBeNull();
  });

  it('decodes by beam search to valid molecules, and a beam of one is the greedy decoding', () => {
    const latents = small.encode(MOLECULES) as Float32Array[];
    expect(small.decode(latents, { beam: 1 })).toEqual(small.decode(latents));
    const beamed = small.decode(latents, { beam: 4 });
    for (const smiles of beamed) expect(canonicalOrNull(smiles), smiles).not.toBeNull();
    expect(reconstructionRate(small, molecules, { beam: 4 })).toBeGreaterThanOrEqual(reconstructionRate(small, molecules) - 0.1);
    // every hypothesis the beam ends with, most likely first: the first is the beam's decoding
    const lists = small.beamCandidates(latents, 4);
    expect(lists).toHaveLength(latents.length);
    lists.forEach((list, i) => {
      expect(list).toHaveLength(4);
      expect(list[0]).toBe(beamed[i]);
      for (const smiles of list) expect(canonicalOrNull(smiles), smiles).not.toBeNull();
    });
  });

  it('decodes verified: of its candidates, the one whose own latent mean lies nearest the point', () => {
    const latents = small.encode(MOLECULES) as Float32Array[];
    const rng = rngFor(5, 'verified');
    const verified = small.decodeVerified(latents, { beam: 4, samples: 2, rng });
    expect(verified).toHaveLength(latents.length);
    for (const smiles of verified) expect(canonicalOrNull(smiles), smiles).not.toBeNull();
    // a molecule's own spelling among the candidates is nearest its own latent mean, whatever else is there
    const chosen = small.nearestCandidates(latents.slice(0, 3), [['CCO', MOLECULES[0]!], [MOLECULES[1]!, 'CCN'], ['C', 'CC', MOLECULES[2]!]]);
    expect(chosen).toEqual(MOLECULES.slice(0, 3));
    const rebuilt = (decoded: string[]) => decoded.filter((s, i) => canonicalOrNull(s) === molecules[i]!.canonical).length;
    expect(rebuilt(verified)).toBeGreaterThanOrEqual(rebuilt(small.decode(latents, { beam: 4 })) - 1);
  });

  it('says why a molecule cannot be encoded: too long, or an atom it never saw', () => {
    expect(small.tokensOf('C'.repeat(70))).toEqual({ error: expect.stringContaining('too long for the autoencoder') });
    expect(small.tokensOf('[Se]1C=CC=C1')).toEqual({ error: 'has an atom the autoencoder never saw in training' });
    expect(small.tokensOf('C1CC')).toEqual({ error: 'not a single molecule RDKit can read' });
    expect(small.encode(['CCO', 'C1CC'])[1]).toBeNull();
  });

  it('comes back from its file as the same network: the same latents and the same decoded molecules', () => {
    const { model: again, training } = decodeAutoencoder(encodeAutoencoder(small, { source: 'test', molecules: 24, heldOut: 6, epochs: 50, bestEpoch: 50, heldOutReconstruction: 1, beta: 0.01, seconds: 1, backend: 'wasm', seed: 1 }));
    expect(training.source).toBe('test');
    const a = small.encode(MOLECULES.slice(0, 5));
    const b = again.encode(MOLECULES.slice(0, 5));
    expect(b.map((z) => Array.from(z!))).toEqual(a.map((z) => Array.from(z!)));
    expect(again.decode(b as Float32Array[])).toEqual(small.decode(a as Float32Array[]));
    again.dispose();
  });
});

describe('athanor train-autoencoder', () => {
  const athanor = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('trains on a file of molecules, reports each epoch, and writes a model that decodes', () => {
    const corpus = join(scratch, 'molecules.smi');
    writeFileSync(corpus, `# reagents\n${[...MOLECULES, ...MOLECULES.map((m) => `${m} duplicate`)].join('\n')}\nC1CC broken\n`);
    const out = join(scratch, 'small.athm.gz');
    const r = athanor(['train-autoencoder', corpus, '--out', out, '--epochs', '2', '--seed', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/24 distinct molecules from 50 lines \(1 unreadable/);
    expect(r.stderr).toMatch(/^epoch 1: reconstruction loss [\d.]+\/molecule, KL [\d.]+ \(β [\d.]+\), held-out molecules rebuilt [\d.]+ %/m);
    const { model, training } = readAutoencoder(out);
    expect(training).toMatchObject({ source: corpus, seed: 4 });
    expect(canonicalOrNull(model.decode(model.encode(['CCO']) as Float32Array[])[0]!)).not.toBeNull();
    model.dispose();
    // continued with a decaying rate: the same vocabulary, a model that still decodes
    const again = join(scratch, 'small-2.athm.gz');
    const resumed = athanor(['train-autoencoder', corpus, '--resume', out, '--out', again, '--epochs', '1', '--decay', '0.5', '--randomized-smiles']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`continuing ${out}`);
    const continued = readAutoencoder(again);
    const first = readAutoencoder(out).model;
    expect(continued.model.vocabulary.tokens).toEqual(first.vocabulary.tokens);
    first.dispose();
    expect(continued.training.source).toBe(`${corpus}, continuing ${out}`);
    expect(continued.training.spellings).toBe('randomized');
    expect(training.spellings).toBe('canonical');
    continued.model.dispose();
  }, 180_000);

  it('refuses a missing file, a file with too few molecules and a share outside [0, 1], with exit code 2', () => {
    expect(athanor(['train-autoencoder', join(scratch, 'none.smi')])).toMatchObject({ code: 2, stderr: expect.stringContaining('FILE: no such file') });
    const some = join(scratch, 'some.smi');
    writeFileSync(some, MOLECULES.join('\n'));
    expect(athanor(['train-autoencoder', some, '--canonical-share', '0.5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--canonical-share: only with --randomized-smiles') });
    expect(athanor(['train-autoencoder', some, '--randomized-smiles', '--canonical-share', '2'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--canonical-share: a number in [0, 1]') });
    const tiny = join(scratch, 'tiny.smi');
    writeFileSync(tiny, 'CCO\nCCN\n');
    expect(athanor(['train-autoencoder', tiny, '--out', join(scratch, 'tiny.athm.gz')])).toMatchObject({ code: 2, stderr: expect.stringContaining('too few molecules to train on') });
  }, 60_000);
});

describe('the shipped autoencoder', () => {
  it('rebuilds known reagents from their latent means, and every prior sample sanitises', () => {
    expect(existsSync(SHIPPED_AUTOENCODER)).toBe(true);
    const { model, training } = readAutoencoder();
    expect(training.heldOutReconstruction).toBeGreaterThan(0.4); // 0.580 on its check set (bench:generative: 62.1 % of 2,153, greedy)
    expect(reconstructionRate(model, molecules)).toBeGreaterThanOrEqual(0.8);
    const samples = model.sample(100, rngFor(1, 'shipped'), { temperature: 1 });
    expect(samples.filter((s) => canonicalOrNull(s) !== null)).toHaveLength(100);
    model.dispose();
  });
});
