/**
 * A discovery campaign's page speaks of reactions found, not of a best value: the overview counts
 * the combinations that reacted among those tried, and the progress plot is that count after each
 * result. Over HTTP with a real service, PGlite and the Buchwald–Hartwig discovery example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from './api-harness.js';
import { EXAMPLES } from './helpers.js';

describe('the discovery campaign page', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness();
    const yaml = readFileSync(join(EXAMPLES, 'discovery.yaml'), 'utf8')
      .replace(/^name: .*$/m, 'name: Which combinations react')
      .replace(/^(\s*)experiments: \d+.*$/m, '$1experiments: 8')
      .replace(/^(\s*)batch: \d+.*$/m, '$1batch: 4');
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    id = created.body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 120_000);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('counts the reactions found and plots them after each result', async () => {
    const results = (await h.json(`/api/campaigns/${id}/results`)).body.results as { seq: number; values: { reacted: number } }[];
    expect(results).toHaveLength(8);
    const reacted = results.filter((r) => r.values.reacted >= 0.5).length;
    const page = await (await h.call(`/campaigns/${id}`)).text();
    const fact = page.slice(page.indexOf('id="discovery-fact"')).split('</div>')[0]!;
    expect(fact).toContain(`<strong class="big">${reacted}</strong>`);
    expect(fact).toContain(`of 8 combinations tried (${Math.round((100 * reacted) / 8)} %)`);
    // no best value, no top 1 % of a yes/no dataset
    expect(page).not.toContain('Best reacted');
    expect(page).not.toContain('Top 1 % of the dataset');
    expect(page).toContain('<title id="reactions-found-title">Reactions found against experiments</title>');
    expect(page).toContain('combinations found to react');
    // the description states the count after the last result
    expect(page).toMatch(new RegExp(`After 8 results the number of combinations found to react is ${reacted}\\.00`));
  });
});
