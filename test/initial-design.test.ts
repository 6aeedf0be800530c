// Model-free designs: RandomDesign and DiverseDesign on the real direct-arylation space (real RDKit
// fingerprints for the distances) and on small hand-built spaces.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { canonicalSmiles, initChem } from '../src/chem/index.js';
import { CandidateDistance } from '../src/planner/distance.js';
import { DiverseDesign, RandomDesign } from '../src/planner/initial-design.js';
import type { PlanningContext, Proposal } from '../src/planner/recommender.js';
import { SearchSpace } from '../src/planner/space.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { EXAMPLES } from './helpers.js';

let space: SearchSpace;
let distance: CandidateDistance;

beforeAll(async () => {
  await initChem();
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  space = await buildSpace(spec);
  distance = new CandidateDistance(space);
});

function context(overrides: Partial<PlanningContext> = {}): PlanningContext {
  return { space, count: 5, seed: 1, round: 0, observations: [], pending: [], taken: new Set(), direction: 'maximize', ...overrides };
}

function candidates(proposals: Proposal[]): number[] {
  return proposals.map((p) => p.candidate);
}

/** A seeded set of `n` candidates of the space, standing for experiments already run. */
function takenSet(n: number, seed: number, of: SearchSpace = space): Set<number> {
  const all = Array.from({ length: of.size }, (_, i) => i);
  return new Set(shuffled(all, rngFor(seed, 'test-taken')).slice(0, n));
}

function meanPairwise(batch: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < batch.length; i++) {
    for (let j = i + 1; j < batch.length; j++) {
      sum += distance.between(batch[i] as number, batch[j] as number);
      pairs++;
    }
  }
  return sum / pairs;
}

function distinct(batch: number[], parameter: string): number {
  return new Set(batch.map((c) => space.valuesOf(c)[parameter])).size;
}

/** 2 × 3 = 6 candidates. */
function tinySpace(): SearchSpace {
  return new SearchSpace({
    parameters: [
      {
        kind: 'substance',
        name: 'solvent',
        choices: [
          { name: 'benzene', smiles: canonicalSmiles('c1ccccc1') },
          { name: 'none', smiles: '' },
        ],
      },
      { kind: 'numeric', name: 'temperature', values: [20, 50, 80] },
    ],
  });
}

const designs: [string, () => RandomDesign | DiverseDesign][] = [
  ['RandomDesign', () => new RandomDesign()],
  ['DiverseDesign', () => new DiverseDesign()],
];

describe.each(designs)('%s', (name, make) => {
  it('proposes exactly `count` distinct untaken candidates, ranked 1..n with a reason', () => {
    const design = make();
    for (const seed of [1, 2, 3]) {
      const taken = takenSet(300, seed);
      const proposals = design.pick(context({ seed, round: seed, count: 25, taken }));
      expect(proposals).toHaveLength(25);
      const picked = candidates(proposals);
      expect(new Set(picked).size).toBe(25);
      for (const c of picked) {
        expect(taken.has(c)).toBe(false);
        expect(Number.isInteger(c) && c >= 0 && c < space.size).toBe(true);
      }
      expect(proposals.map((p) => p.rank)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      for (const p of proposals) {
        expect(p.strategy).toBe(design.name);
        expect(p.reason.trim().length).toBeGreaterThan(0);
      }
    }
  });

  it('returns fewer only when the space runs out, and never a taken candidate', () => {
    const tiny = tinySpace();
    const design = make();
    const taken = new Set([0, 2, 5]);
    const rest = design.pick({ ...context(), space: tiny, count: 10, taken });
    expect(candidates(rest).sort()).toEqual([1, 3, 4]);
    expect(rest.map((p) => p.rank)).toEqual([1, 2, 3]);

    const all = design.pick({ ...context(), space: tiny, count: 6 });
    expect(candidates(all).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const over = design.pick({ ...context(), space: tiny, count: 7 });
    expect(candidates(over).sort()).toEqual([0, 1, 2, 3, 4, 5]);

    expect(design.pick({ ...context(), space: tiny, count: 3, taken: new Set([0, 1, 2, 3, 4, 5]) })).toEqual([]);
    expect(design.pick(context({ count: 0 }))).toEqual([]);
  });

  it('is reproducible: same seed and round, same proposals; another seed or round, others', () => {
    const taken = takenSet(40, 7);
    const a = candidates(make().pick(context({ seed: 11, round: 2, count: 10, taken })));
    const b = candidates(make().pick(context({ seed: 11, round: 2, count: 10, taken })));
    expect(b).toEqual(a);
    // the same instance, asked again, also answers the same (no hidden state leaks between calls)
    const design = make();
    design.pick(context({ seed: 5, count: 10 }));
    expect(candidates(design.pick(context({ seed: 11, round: 2, count: 10, taken })))).toEqual(a);

    // Seeds matter where the design has a free choice: on a fresh campaign (for DiverseDesign,
    // once enough experiments have run, farthest-first is decided by the distances, not the seed).
    const fresh = candidates(make().pick(context({ seed: 11, round: 2, count: 10 })));
    expect(candidates(make().pick(context({ seed: 11, round: 2, count: 10 })))).toEqual(fresh);
    const otherSeed = candidates(make().pick(context({ seed: 12, round: 2, count: 10 })));
    const otherRound = candidates(make().pick(context({ seed: 11, round: 3, count: 10 })));
    expect(otherSeed).not.toEqual(fresh);
    expect(otherRound).not.toEqual(fresh);
    // different seeds give different starting points, not merely a reordering of one batch
    const starts = new Set([1, 2, 3, 4, 5].map((seed) => make().pick(context({ seed, count: 1 }))[0]?.candidate));
    expect(starts.size).toBeGreaterThanOrEqual(4);
  });
});

describe('DiverseDesign', () => {
  it(`spreads a first batch of 5 over the ligands, bases and solvents`, () => {
    const design = new DiverseDesign();
    for (let seed = 1; seed <= 10; seed++) {
      const batch = candidates(design.pick(context({ seed, count: 5 })));
      // a clustered picker (neighbours on the grid) would repeat one ligand, base and solvent
      expect(distinct(batch, 'ligand')).toBeGreaterThanOrEqual(4);
      expect(distinct(batch, 'solvent')).toBeGreaterThanOrEqual(3);
      expect(distinct(batch, 'base')).toBeGreaterThanOrEqual(3);
      expect(distinct(batch, 'temperature')).toBeGreaterThanOrEqual(2);
    }
  });

  it('is more spread out than random batches (mean pairwise distance over 10 seeds)', () => {
    const diverse = new DiverseDesign();
    const random = new RandomDesign();
    let diverseSum = 0;
    let randomSum = 0;
    let diverseWins = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const d = meanPairwise(candidates(diverse.pick(context({ seed, count: 10 }))));
      const r = meanPairwise(candidates(random.pick(context({ seed, count: 10 }))));
      diverseSum += d;
      randomSum += r;
      if (d > r) diverseWins++;
    }
    expect(diverseSum / 10).toBeGreaterThan(randomSum / 10 + 0.02);
    expect(diverseWins).toBeGreaterThanOrEqual(8);
  });

  it('each pick is a farthest-first (max–min) choice given what was run and picked before it', () => {
    const taken = takenSet(6, 3);
    const proposals = new DiverseDesign().pick(context({ seed: 4, count: 4, taken }));
    const anchors = [...taken];
    for (const proposal of proposals) {
      const gap = (c: number): number => Math.min(...anchors.map((a) => distance.between(c, a)));
      let best = -1;
      for (let c = 0; c < space.size; c++) if (!anchors.includes(c)) best = Math.max(best, gap(c));
      expect(gap(proposal.candidate)).toBeCloseTo(best, 12);
      expect(proposal.reason).toContain(`distance ${best.toFixed(2)}`);
      anchors.push(proposal.candidate);
    }
  });

  it('says when its first pick is only a seeded starting point', () => {
    const [first, second] = new DiverseDesign().pick(context({ count: 2 }));
    expect(first?.reason).toMatch(/seeded starting point/);
    expect(second?.reason).toMatch(/farthest from the 1 candidates/);
  });
});

describe('CandidateDistance', () => {
  it('is a symmetric dissimilarity in [0, 1], zero on the diagonal', () => {
    const sample = [...takenSet(30, 9)];
    for (const a of sample) {
      expect(distance.between(a, a)).toBe(0);
      for (const b of sample) {
        const d = distance.between(a, b);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(distance.between(b, a)).toBeCloseTo(d, 12);
        if (a !== b) expect(d).toBeGreaterThan(0);
      }
    }
  });
});
