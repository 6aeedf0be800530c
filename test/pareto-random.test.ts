/**
 * The random-search reference under a Pareto campaign's hypervolume curve (src/server/pareto-random.ts):
 * the same Branin–Currin grid served once by the analytic lab and once by the dataset simulator
 * from a CSV of the problem's values gives the same draws (so both sources read the candidates
 * and their true values the same way); the draws are distinct candidates, as many as the budget,
 * reported with the lab's noise and missing targets; and a lab with no true values gets no
 * reference, with the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { multiObjectiveProblem } from '../src/objectives/multi/problems/index.js';
import { randomParetoRuns, type RandomRuns } from '../src/server/pareto-random.js';

const dir = mkdtempSync(join(tmpdir(), 'athanor-pareto-random-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const levels = Array.from({ length: 11 }, (_, i) => i / 10);

function file(lab: string): string {
  return `name: random reference
objective:
  pareto:
    - { target: branin, direction: minimize }
    - { target: currin, direction: minimize }
space:
  numeric:
    x1: { values: [${levels.join(', ')}] }
    x2: { values: [${levels.join(', ')}] }
budget: { experiments: 20, batch: 4 }
seed: 5
lab:
${lab}
`;
}

describe('the random-search reference of a Pareto campaign', () => {
  it('draws the same candidates and true values from the analytic lab and from a dataset of the same problem', async () => {
    const problem = multiObjectiveProblem('branin-currin');
    const rows = levels.flatMap((x1) => levels.map((x2) => [x1, x2, ...problem.evaluate([x1, x2])]));
    // the dataset lists the grid in another order: the simulator places rows by their conditions
    rows.reverse();
    writeFileSync(join(dir, 'branin-currin.csv'), `X1,X2,Branin,Currin\n${rows.map((r) => r.map(String).join(',')).join('\n')}\n`);
    const analytic = await parseCampaignSpec(file('  type: analytic\n  function: branin-currin'), { baseDir: dir });
    const simulator = await parseCampaignSpec(
      file('  type: simulator\n  dataset: branin-currin.csv\n  columns: { x1: X1, x2: X2 }\n  results: { branin: Branin, currin: Currin }'),
      { baseDir: dir },
    );
    const a = (await randomParetoRuns(analytic, 20)) as RandomRuns;
    const s = (await randomParetoRuns(simulator, 20)) as RandomRuns;
    expect(a.source).toContain('branin-currin test problem');
    expect(s.source).toContain('branin-currin.csv');
    expect(a.runs.length).toBe(128);
    expect(s.runs).toEqual(a.runs);
    for (const run of a.runs.slice(0, 10)) {
      expect(run).toHaveLength(20);
      // without replacement: twenty different grid points
      expect(new Set(run.map((v) => `${v.branin} ${v.currin}`)).size).toBe(20);
    }
    // a draw is the problem's value at a grid point
    const first = a.runs[0]![0]!;
    const match = levels.flatMap((x1) => levels.map((x2) => problem.evaluate([x1, x2]))).find(([b, c]) => b === first.branin && c === first.currin);
    expect(match).toBeDefined();
  });

  it('reports each draw as the lab would: its noise, and targets left out at its missing rate', async () => {
    const problem = multiObjectiveProblem('branin-currin');
    const spec = await parseCampaignSpec(file('  type: analytic\n  function: branin-currin\n  noise_sd: 0.5\n  missing_rate: 0.3'), { baseDir: dir });
    const drawn = (await randomParetoRuns(spec, 20)) as RandomRuns;
    expect(drawn.source).toContain('noise σ 0.5, each target missing with probability 0.3');
    const draws = drawn.runs.flat();
    const truths = levels.flatMap((x1) => levels.map((x2) => problem.evaluate([x1, x2])));
    // every draw keeps at least one target; about 1 − 0.7² = 51 % lack one (2,560 draws: far from 0 and from all)
    expect(draws.every((d) => Object.keys(d).length >= 1)).toBe(true);
    const partial = draws.filter((d) => Object.keys(d).length === 1).length / draws.length;
    expect(partial).toBeGreaterThan(0.4);
    expect(partial).toBeLessThan(0.62);
    // the noise: complete draws sit near a grid point's value, not on one; residuals have σ ≈ 0.5
    const residuals = draws
      .filter((d) => d.branin !== undefined && d.currin !== undefined)
      .map((d) => {
        const nearest = truths.reduce((best, t) => (Math.hypot(t[0]! - d.branin!, t[1]! - d.currin!) < Math.hypot(best[0]! - d.branin!, best[1]! - d.currin!) ? t : best));
        return d.currin! - nearest[1]!;
      });
    expect(residuals.every((r) => r !== 0)).toBe(true);
    const sd = Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / residuals.length);
    expect(sd).toBeGreaterThan(0.3);
    expect(sd).toBeLessThan(0.7);
  });

  it('gives none, with the reason, for a lab without true values', async () => {
    const spec = await parseCampaignSpec(file('  type: http\n  url: http://127.0.0.1:7411\n  results: poll'), { baseDir: dir });
    const drawn = await randomParetoRuns(spec, 20);
    expect(drawn).toEqual({ missing: expect.stringContaining('only a benchmark lab has') });
    expect((drawn as { missing: string }).missing).toContain('(http)');
  });
});
