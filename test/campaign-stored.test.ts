import { describe, expect, it } from 'vitest';
import { loadCampaignFile, parseStoredSpec, StoredSpecError } from '../src/campaign/index.js';
import { EXAMPLES } from './helpers.js';
import { join } from 'node:path';

describe('a campaign spec read back from the database', () => {
  it('comes back equal to what was stored, typed, as its own copy', async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    const stored = JSON.parse(JSON.stringify(spec)) as unknown;
    const read = parseStoredSpec(stored, 'c1');
    expect(read).toEqual(spec);
    // a reader changing its copy (a runner amending its budget) leaves the next reader's alone
    read.budget.experiments = 1;
    expect(parseStoredSpec(stored, 'c1').budget.experiments).toBe(spec.budget.experiments);
  });

  it('names the campaign and the field when the stored spec no longer fits the format', async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    const broken = { ...JSON.parse(JSON.stringify(spec)), budget: { experiments: -3, batch: 5 } };
    expect(() => parseStoredSpec(broken, 'c2')).toThrow(StoredSpecError);
    expect(() => parseStoredSpec(broken, 'c2')).toThrow(/campaign c2: .*budget\.experiments/);
    const { baseDir: _b, ...withoutBase } = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
    expect(() => parseStoredSpec(withoutBase, 'c3')).toThrow(/baseDir/);
  });
});
