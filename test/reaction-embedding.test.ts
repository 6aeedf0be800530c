// Substances compared by the shipped forward model's message-passing encoder (the GP's 'mpnn'
// substance view): real RDKit graphs, the real model file, real tfjs.
import { beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { initTensorBackend } from '../src/models/index.js';
import { reactionEmbeddingDistance } from '../src/models/featurize/reaction-embedding.js';

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
});

describe('the forward encoder’s distance between substances', () => {
  const bromobenzene = 'Brc1ccccc1';
  const chlorobenzene = 'Clc1ccccc1';
  const bromotoluene = 'Cc1ccc(Br)cc1';
  const ethanol = 'CCO';
  const triethylamine = 'CCN(CC)CC';

  it('is 0 for a substance and itself, symmetric, and within [0, 1]', () => {
    const all = [bromobenzene, chlorobenzene, bromotoluene, ethanol, triethylamine];
    for (const a of all) {
      expect(reactionEmbeddingDistance(a, a)).toBe(0);
      for (const b of all) {
        const d = reactionEmbeddingDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(d).toBeCloseTo(reactionEmbeddingDistance(b, a), 9);
        if (a !== b) expect(d).toBeGreaterThan(0);
      }
    }
  });

  it('puts two aryl halides closer together than an aryl halide and an alcohol or an amine', () => {
    const halides = reactionEmbeddingDistance(bromobenzene, bromotoluene);
    expect(halides).toBeLessThan(reactionEmbeddingDistance(bromobenzene, ethanol));
    expect(halides).toBeLessThan(reactionEmbeddingDistance(bromobenzene, triethylamine));
    expect(reactionEmbeddingDistance(bromobenzene, chlorobenzene)).toBeLessThan(reactionEmbeddingDistance(bromobenzene, ethanol));
  });

  it('takes the empty "none" choice and unreadable SMILES as their own kind: far from everything else', () => {
    expect(reactionEmbeddingDistance('', '')).toBe(0);
    expect(reactionEmbeddingDistance('', bromobenzene)).toBe(1);
    expect(reactionEmbeddingDistance('not a molecule', bromobenzene)).toBe(1);
  });
});
