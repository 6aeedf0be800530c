// Prior data over HTTP (docs/transfer.md, docs/api.md): a campaign file with `prior:` posted to the
// API, the prior rows listed with their source and how many rows were skipped, a row excluded and
// included again, and bad input answered with 4xx naming the field. Real service on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleYaml, startHarness, type Harness } from '../api-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 180_000);
afterAll(async () => {
  await h.close();
});

const yaml = { 'content-type': 'application/yaml' };
const json = { 'content-type': 'application/json' };

/** The direct-arylation example at one concentration and temperature, with the published grid as same-task prior data. */
function withPrior(ligandColumn = 'Ligand_SMILES'): string {
  const text = exampleYaml({ name: 'DA with prior', experiments: 2, batch: 1 }).replace(/concentration: \{ values: \[[^\]]*\]/, 'concentration: { values: [0.1]')
    .replace(/temperature: \{ min: 90, max: 120, step: 15/, 'temperature: { values: [105]');
  return `${text}
prior:
  - name: last year's plates
    file: data/direct_arylation.csv
    columns: { base: Base_SMILES, ligand: ${ligandColumn}, solvent: Solvent_SMILES, concentration: Concentration, temperature: Temp_C }
    results: { yield: yield }
    task: same
`;
}

describe('prior data over HTTP', () => {
  it('lists the sources and rows, excludes and includes a row, and answers bad input with the field', async () => {
    const bad = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: withPrior('Ligand_Name') });
    expect(bad.status, JSON.stringify(bad.body)).toBe(422);
    expect(JSON.stringify(bad.body.error)).toMatch(/prior\[0\]\.columns\.ligand/);

    const created = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: withPrior() });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.campaignId as string;
    const listed = await h.json(`/api/campaigns/${id}/prior`, { token: h.tokens.viewer });
    expect(listed.status).toBe(200);
    // one concentration and one temperature of three each: 192 of the grid's 1,728 rows map, the other 1,536 are reported as skipped
    expect(listed.body.sources).toEqual([expect.objectContaining({ name: "last year's plates", task: 'same', rows: 192, excluded: 0, skipped: 1536 })]);
    expect(listed.body.rows[0]).toMatchObject({ seq: 1, task: 'same', excludedReason: null });
    // the panel's campaign page shows the source, its rows and what the model makes of it
    const page = await (await h.call(`/campaigns/${id}/live`)).text();
    expect(page).toMatch(/<section id="prior"[\s\S]*Prior data[\s\S]*year&#39;s plates[\s\S]*<td class="num">192<\/td>[\s\S]*1536[\s\S]*joins the results/);

    expect((await h.json(`/api/campaigns/${id}/prior/1/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'wrong plate' }), token: h.tokens.viewer })).status).toBe(403);
    expect((await h.json(`/api/campaigns/${id}/prior/1/exclude`, { method: 'POST', headers: json, body: JSON.stringify({}) })).status).toBe(400);
    const excluded = await h.json(`/api/campaigns/${id}/prior/1/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'wrong plate' }) });
    expect(excluded.body).toEqual({ seq: 1, excluded: true, changed: true });
    const after = await h.json(`/api/campaigns/${id}/prior`);
    expect(after.body.sources[0].excluded).toBe(1);
    expect(after.body.rows[0].excludedReason).toBe('wrong plate');
    const missing = await h.json(`/api/campaigns/${id}/prior/99999/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'x' }) });
    expect(missing.status).toBe(404);
    expect((await h.json(`/api/campaigns/${id}/prior/1/exclude`, { method: 'DELETE' })).body).toEqual({ seq: 1, excluded: false, changed: true });
  }, 120_000);
});
