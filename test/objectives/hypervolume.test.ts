import { describe, expect, it } from 'vitest';
import {
  exclusiveAreaSortedFront,
  exclusiveVolume,
  hypervolume,
  hypervolumeImprovementMaximised,
  hypervolumeMaximised,
  hypervolumeWfg,
} from '../../src/objectives/multi/hypervolume.js';
import { inferReferencePoint } from '../../src/objectives/multi/reference-point.js';
import { rngFor } from '../../src/util/random.js';

/** Exact by inclusion–exclusion over every subset: the intersection of boxes is the box of the coordinate-wise minimum. */
function inclusionExclusion(points: number[][], reference: number[]): number {
  const n = points.length;
  let total = 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = reference.map(() => Infinity);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (!(mask & (1 << i))) continue;
      size++;
      points[i]!.forEach((v, j) => (corner[j] = Math.min(corner[j]!, v)));
    }
    const box = corner.reduce((v, c, j) => v * Math.max(0, c - reference[j]!), 1);
    total += size % 2 === 1 ? box : -box;
  }
  return total;
}

describe('hypervolume', () => {
  it('2 targets: a staircase computed by hand', () => {
    // boxes 1×3 + 1×2 + 1×1 above (0, 0)
    expect(hypervolumeMaximised([[1, 3], [2, 2], [3, 1]], [0, 0])).toBeCloseTo(6, 12);
    // dominated and duplicate points add nothing; a point on the reference's boundary adds nothing
    expect(hypervolumeMaximised([[1, 3], [2, 2], [3, 1], [1, 1], [2, 2], [5, 0]], [0, 0])).toBeCloseTo(6, 12);
  });

  it('2 targets in target units: maximise yield, minimise impurity', () => {
    // yield 80 at impurity 5, yield 60 at impurity 2; reference yield 50, impurity 10
    // oriented: (80, -5), (60, -2) above (50, -10): 30×5 + 10×3 = 180
    expect(hypervolume([[80, 5], [60, 2]], [50, 10], ['maximise', 'minimise'])).toBeCloseTo(180, 10);
  });

  it('3 targets: three overlapping boxes computed by hand', () => {
    // each box has volume 2, each pair overlaps in the unit cube, all three in the unit cube: 6 − 3 + 1
    const points = [
      [2, 1, 1],
      [1, 2, 1],
      [1, 1, 2],
    ];
    expect(hypervolumeMaximised(points, [0, 0, 0])).toBeCloseTo(4, 12);
    expect(hypervolumeWfg(points, [0, 0, 0])).toBeCloseTo(4, 12);
    // shifted reference: (3·2·2 boxes…) check against inclusion–exclusion
    expect(hypervolumeMaximised(points, [-1, -1, -1])).toBeCloseTo(inclusionExclusion(points, [-1, -1, -1]), 12);
  });

  it('4 and 5 targets: WFG agrees with inclusion–exclusion on random sets', () => {
    const rng = rngFor(3, 'hv-test');
    for (const d of [4, 5, 6]) {
      for (let trial = 0; trial < 4; trial++) {
        const points = Array.from({ length: 9 }, () => Array.from({ length: d }, () => Math.round(rng() * 10) / 10));
        const reference = Array.from({ length: d }, () => -0.05);
        expect(hypervolumeMaximised(points, reference)).toBeCloseTo(inclusionExclusion(points, reference), 10);
      }
    }
  });

  it('the 2-D and 3-D sweeps agree with WFG on random fronts', () => {
    const rng = rngFor(4, 'hv-sweep');
    for (const d of [2, 3]) {
      const points = Array.from({ length: 60 }, () => {
        // points near the positive orthant of the unit sphere: many on the front
        const v = Array.from({ length: d }, () => rng() + 1e-3);
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm);
      });
      const reference = Array.from({ length: d }, () => 0);
      expect(hypervolumeMaximised(points, reference)).toBeCloseTo(hypervolumeWfg(points, reference), 10);
    }
  });

  it('the improvement of one point is its exclusive volume', () => {
    const front = [
      [1, 3],
      [3, 1],
    ];
    // (2, 2) adds the unit square [1,2]×[1,2]
    expect(exclusiveVolume([2, 2], front, [0, 0])).toBeCloseTo(1, 12);
    expect(hypervolumeImprovementMaximised(front, [[2, 2]], [0, 0])).toBeCloseTo(1, 12);
    // a dominated point adds nothing; a pair adds the union of what each adds
    expect(exclusiveVolume([1, 1], front, [0, 0])).toBe(0);
    expect(hypervolumeImprovementMaximised(front, [[2, 2], [4, 0.5]], [0, 0])).toBeCloseTo(1 + 0.5, 12);
    const rng = rngFor(5, 'hv-exclusive');
    for (let trial = 0; trial < 100; trial++) {
      // coarse values so that ties on every target occur; some points below the reference
      const cloud = Array.from({ length: 12 }, () => [rng(), rng(), rng()].map((v) => Math.round(v * 8) / 8 - 0.1));
      const y = [rng(), rng(), rng()].map((v) => Math.round(v * 8) / 8);
      expect(exclusiveVolume(y, cloud, [0, 0, 0])).toBeCloseTo(
        hypervolumeWfg([...cloud, y], [0, 0, 0]) - hypervolumeWfg(cloud, [0, 0, 0]),
        12,
      );
    }
  });

  it('the allocation-free 2-D exclusive area agrees with the general one', () => {
    const rng = rngFor(6, 'hv-area');
    for (let trial = 0; trial < 200; trial++) {
      const cloud = Array.from({ length: 8 }, () => [rng() * 2 - 0.5, rng() * 2 - 0.5]);
      const front = cloud.filter((p) => !cloud.some((q) => q[0]! >= p[0]! && q[1]! >= p[1]! && (q[0]! > p[0]! || q[1]! > p[1]!)));
      front.sort((a, b) => a[0]! - b[0]!);
      const y = [rng() * 2 - 0.5, rng() * 2 - 0.5];
      expect(exclusiveAreaSortedFront(y, front, [0, 0])).toBeCloseTo(exclusiveVolume(y, front, [0, 0]), 12);
    }
  });

  it('names the target of a bad reference point', () => {
    expect(() => hypervolume([[1, 2]], [0, Number.NaN], ['maximise', 'maximise'])).toThrow(/reference point target 1/);
  });
});

describe('reference point rule', () => {
  it('is the front nadir pushed out by 10 % of the front range, in target units', () => {
    // yield maximised, impurity minimised; front: (80, 5), (60, 2); (50, 9) is dominated and ignored
    const ref = inferReferencePoint(
      [
        [80, 5],
        [60, 2],
        [50, 9],
      ],
      ['maximise', 'minimise'],
    );
    expect(ref[0]).toBeCloseTo(60 - 0.1 * 20, 12);
    expect(ref[1]).toBeCloseTo(5 + 0.1 * 3, 12);
  });

  it('a single front point is pushed out by 10 % of its magnitude', () => {
    const ref = inferReferencePoint([[40, 0]], ['maximise', 'minimise']);
    expect(ref).toEqual([36, 0.1]);
  });
});
