/**
 * The campaign's front as the panel and GET …/pareto show it: classification of results, the
 * reference point, the hypervolume after each result and random search's expectation, all
 * against values worked out by hand (the arithmetic is in the comments). Also the trade-off
 * table's sort and the small multiples for three targets, rendered as HTML.
 */
import { describe, expect, it } from 'vitest';
import { campaignFront, expectedRandomHypervolume, type FrontResult, type FrontTarget } from '../../src/objectives/multi/campaign-front.js';
import type { ParetoView } from '../../src/server/pareto-view.js';
import { paretoSection, sortFront } from '../../src/server/panel/pareto-section.js';

const maxMax: FrontTarget[] = [
  { name: 'a', direction: 'maximise' },
  { name: 'b', direction: 'maximise' },
];

// seq 5 measured only a; seq 6 dominates seq 2 when it arrives
const results: FrontResult[] = [
  { seq: 1, values: { a: 1, b: 5 } },
  { seq: 2, values: { a: 3, b: 3 } },
  { seq: 3, values: { a: 2, b: 2 } },
  { seq: 4, values: { a: 5, b: 1 } },
  { seq: 5, values: { a: 4 } },
  { seq: 6, values: { a: 3, b: 4 } },
];

const statusOf = (front: ReturnType<typeof campaignFront>) => Object.fromEntries(front.points.map((p) => [p.seq, p.status]));
const curveOf = (front: ReturnType<typeof campaignFront>) => front.curve.map((s) => s.hypervolume);

describe('campaignFront', () => {
  it('classifies the results and traces the hypervolume after each one (both maximised)', () => {
    const front = campaignFront(results, maxMax);
    expect(statusOf(front)).toEqual({ 1: 'front', 2: 'dominated', 3: 'dominated', 4: 'front', 6: 'front' });
    expect(front.incomplete).toEqual([5]);
    // front (1,5) (3,4) (5,1): nadir (1, 1), ranges 4 and 4, pushed out by 0.4 → (0.6, 0.6)
    expect(front.reference![0]).toBeCloseTo(0.6, 12);
    expect(front.reference![1]).toBeCloseTo(0.6, 12);
    // 1: 0.4·4.4 = 1.76
    // 2: + (3,3): 2.4·2.4 + 0.4·(5−3) = 6.56;  3: (2,2) dominated, unchanged
    // 4: + (5,1): 4.4·0.4 + 2.4·(3−1) + 0.4·(5−3) = 7.36;  5: incomplete, unchanged
    // 6: (3,4) replaces (3,3): 4.4·0.4 + 2.4·(4−1) + 0.4·(5−4) = 9.36
    const expected = [1.76, 6.56, 6.56, 7.36, 7.36, 9.36];
    curveOf(front).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    expect(front.curve.map((s) => [s.seq, s.results])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 6],
    ]);
  });

  it('leaves a result that breaks a constraint off the front and out of the hypervolume', () => {
    const front = campaignFront(results, maxMax, [{ target: 'b', operator: '>=', bound: 2 }]);
    expect(statusOf(front)).toEqual({ 1: 'front', 2: 'dominated', 3: 'dominated', 4: 'infeasible', 6: 'front' });
    // feasible front (1,5) (3,4): a from 1 (range 2 → 0.8), b from 4 (range 1 → 3.9)
    expect(front.reference![0]).toBeCloseTo(0.8, 12);
    expect(front.reference![1]).toBeCloseTo(3.9, 12);
    // 1: 0.2·1.1 = 0.22; (3,3) and (2,2) lie below b = 3.9 and add nothing; (5,1) is infeasible
    // 6: (3,4): 2.2·0.1 + 0.2·(5−4) = 0.42
    const expected = [0.22, 0.22, 0.22, 0.22, 0.22, 0.42];
    curveOf(front).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
  });

  it('orients a minimised target', () => {
    const targets: FrontTarget[] = [
      { name: 'yield', direction: 'maximise' },
      { name: 'impurity', direction: 'minimise' },
    ];
    const front = campaignFront(
      [
        { seq: 1, values: { yield: 1, impurity: 1 } },
        { seq: 2, values: { yield: 2, impurity: 2 } },
        { seq: 3, values: { yield: 0, impurity: 3 } },
      ],
      targets,
    );
    expect(statusOf(front)).toEqual({ 1: 'front', 2: 'front', 3: 'dominated' });
    // yield: front from 1, range 1 → 0.9; impurity: worst on the front 2, range 1 → 2.1
    expect(front.reference![0]).toBeCloseTo(0.9, 12);
    expect(front.reference![1]).toBeCloseTo(2.1, 12);
    // 1: 0.1·1.1 = 0.11; 2: (2,2): 1.1·0.1 + (1,1): 0.1·(2−1) = 0.21
    const expected = [0.11, 0.21, 0.21];
    curveOf(front).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
  });

  it('has no hypervolume before a complete result, and ties all stay on the front', () => {
    const front = campaignFront(
      [
        { seq: 1, values: { a: 2 } },
        { seq: 2, values: { a: 2, b: 2 } },
        { seq: 3, values: { a: 2, b: 2 } },
      ],
      maxMax,
    );
    expect(front.curve[0]!.hypervolume).toBeNull();
    expect(statusOf(front)).toEqual({ 2: 'front', 3: 'front' });
    // one point: margin 10 % of max(|2|, 1) = 0.2 on each target → 0.2·0.2
    expect(front.curve[2]!.hypervolume).toBeCloseTo(0.04, 12);
  });

  it('with no result at all: no reference and an empty curve', () => {
    const front = campaignFront([], maxMax);
    expect(front).toEqual({ points: [], incomplete: [], reference: null, curve: [] });
  });
});

describe('expectedRandomHypervolume', () => {
  const runs = [
    [
      { a: 1, b: 1 },
      { a: 2, b: 2 },
    ],
    [
      { a: 2, b: 1 },
      { a: 1, b: 2 },
    ],
  ];

  it('is the mean over runs of the hypervolume after n draws; a short run keeps its last value', () => {
    // run 1: 1·1 = 1, then (2,2) covers it: 4; run 2: 2·1 = 2, then + (1,2): 2 + 1·1 = 3
    expect(expectedRandomHypervolume(runs, maxMax, [], [0, 0], 3)).toEqual([1.5, 3.5, 3.5]);
  });

  it('adds nothing for a draw that breaks a constraint', () => {
    // b ≤ 1.5: run 1 keeps (1,1) → 1, 1; run 2 keeps (2,1) → 2, 2
    expect(expectedRandomHypervolume(runs, maxMax, [{ target: 'b', operator: '<=', bound: 1.5 }], [0, 0], 2)).toEqual([1.5, 1.5]);
  });
});

function viewOf(targets: ParetoView['targets'], front: { experiment: number; values: Record<string, number>; parameters: Record<string, string | number> }[]): ParetoView {
  return {
    targets,
    constraints: [],
    front: front.map((f) => ({ ...f, status: 'front' as const, conditions: '' })),
    dominated: [],
    infeasible: [],
    incomplete: [],
    reference: Object.fromEntries(targets.map((t) => [t.name, 0])),
    hypervolume: front.map((f, i) => ({ experiment: f.experiment, results: i + 1, value: i + 1 })),
    random: null,
    randomMissing: 'no random-search reference: a test',
  };
}

describe('the trade-off table and the small multiples', () => {
  const targets: ParetoView['targets'] = [
    { name: 'sty', direction: 'maximize', unit: 'kg m-3 h-1' },
    { name: 'efactor', direction: 'minimize', unit: null },
    { name: 'purity', direction: 'maximize', unit: '%' },
  ];
  const view = viewOf(targets, [
    { experiment: 4, values: { sty: 9, efactor: 5, purity: 90 }, parameters: { solvent: 'EtOH', tau: 2 } },
    { experiment: 2, values: { sty: 5, efactor: 2, purity: 95 }, parameters: { solvent: 'MeCN', tau: 1.5 } },
    { experiment: 7, values: { sty: 7, efactor: 3, purity: 80 }, parameters: { solvent: 'EtOH', tau: 0.5 } },
  ]);
  const parameters = [
    { kind: 'categorical' as const, name: 'solvent', choices: ['MeCN', 'EtOH'] },
    { kind: 'numeric' as const, name: 'tau', choices: [0.5, 1.5, 2], unit: 'min' },
  ];

  it('sorts by a target, a parameter (choices in file order) or the experiment, either way', () => {
    const seqs = (sort: string | null, dir: string | null) => sortFront(view, parameters, sort, dir).map((p) => p.experiment);
    expect(seqs(null, null)).toEqual([4, 2, 7]);
    expect(seqs('t.efactor', 'asc')).toEqual([2, 7, 4]);
    expect(seqs('t.efactor', 'desc')).toEqual([4, 7, 2]);
    expect(seqs('p.solvent', 'asc')).toEqual([2, 4, 7]);
    expect(seqs('p.tau', 'desc')).toEqual([4, 2, 7]);
    expect(seqs('experiment', 'asc')).toEqual([2, 4, 7]);
    expect(seqs('t.unknown', 'asc')).toEqual([4, 2, 7]);
  });

  it('before any result: the empty scatter, no curve, and why there is no random-search reference yet', async () => {
    const empty: ParetoView = { ...viewOf(targets.slice(0, 2), []), reference: null, randomMissing: 'random search is measured against the campaign’s reference point, which needs a result with every target first' };
    const page = String(await paretoSection({ pareto: empty, parameters, budget: 10, search: '' }));
    expect(page).toContain('no complete results yet');
    expect(page).toContain('no results yet');
    expect(page).not.toContain('class="pt ');
    expect(page).not.toContain('id="tradeoff-table"');
    expect(page).toContain('No result has every target yet');
    expect(page).toContain('needs a result with every target first');
  });

  it('draws three targets as three pairwise scatters, each front point once per pair', async () => {
    const page = String(await paretoSection({ pareto: view, parameters, budget: 10, search: 'front_sort=t.sty&front_dir=desc' }));
    const panels = page.match(/<svg [^>]*class="plot pareto"/g) ?? [];
    expect(panels).toHaveLength(3);
    expect(page).toContain('id="pareto-0-1-title"');
    expect(page).toContain('id="pareto-1-2-title"');
    expect(page.match(/class="pt pt-front"/g)).toHaveLength(9);
    // no staircase in a projection of a three-target front
    expect(page).not.toContain('pareto-staircase');
    // orientation: sty maximised (better →), efactor minimised (↓ better as the y of the first panel)
    expect(page).toContain('better →');
    expect(page).toContain('↓ better');
    // units in the axis titles and the table head; the table sorted by sty, highest first
    expect(page).toContain('sty (kg m-3 h-1)');
    expect(page).toContain('tau (min)');
    const rows = [...page.matchAll(/<tr id="front-(\d+)"/g)].map((m) => Number(m[1]));
    expect(rows).toEqual([4, 7, 2]);
    expect(page).toContain('no random-search reference: a test');
  });
});
