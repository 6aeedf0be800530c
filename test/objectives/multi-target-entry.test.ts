/* Results entered by hand or uploaded as CSV for a campaign with several targets: every target is a
 * known quantity, some may be missing (at least one is needed), each is checked against its bounds. */
import { describe, expect, it } from 'vitest';
import { measuredQuantities, readResultsCsv, resultValueIssues } from '../../src/agent/result-ingestion.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { EXAMPLES } from '../helpers.js';

const FILE = `name: two targets by hand
objective:
  pareto:
    - { target: branin, direction: minimize, bounds: [0, 400] }
    - { target: currin, direction: minimize }
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.5 }
    x2: { min: 0, max: 1, step: 0.5 }
budget: { experiments: 4, batch: 2 }
lab: { type: analytic, function: branin-currin }
`;

describe('several targets in manual entry and CSV upload', () => {
  it('accepts either target alone or both; refuses none, an unknown name and a value outside its bounds', async () => {
    const spec = await parseCampaignSpec(FILE, { baseDir: EXAMPLES });
    const known = measuredQuantities(spec);
    expect(known).toEqual(['branin', 'currin']);
    const issues = (values: Record<string, unknown>) => resultValueIssues(spec, known, values, 'results[0]');
    expect(issues({ branin: 12, currin: 7 })).toEqual([]);
    expect(issues({ currin: 7 })).toEqual([]);
    expect(issues({ branin: 12 })).toEqual([]);
    expect(issues({})).toEqual([{ path: 'results[0].branin', message: expect.stringMatching(/at least one of the objective's targets \(branin, currin\)/) }]);
    expect(issues({ currin: 7, yield: 3 })).toEqual([{ path: 'results[0].yield', message: expect.stringMatching(/not a measured quantity/) }]);
    expect(issues({ branin: 500 })).toEqual([{ path: 'results[0].branin', message: expect.stringMatching(/bounds \[0, 400\]/) }]);
    expect(issues({ currin: 'high' })).toEqual([{ path: 'results[0].currin', message: 'must be a finite number' }]);
  });

  it('reads a CSV upload with a column per target, an empty cell being a missing target', async () => {
    const spec = await parseCampaignSpec(FILE, { baseDir: EXAMPLES });
    const entries = await readResultsCsv(spec, 'experiment,branin,currin\n1,12.5,7\n2,,6.25\n3,30,\n');
    expect(entries.map((e) => e.values)).toEqual([{ branin: 12.5, currin: 7 }, { currin: 6.25 }, { branin: 30 }]);
    await expect(readResultsCsv(spec, 'experiment,branin,currin\n1,,\n')).rejects.toThrow(/at least one of the objective's targets/);
  });
});
