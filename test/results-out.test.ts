/**
 * Getting results out over real HTTP: the experiments as CSV and XLSX (parsed back with csv-parse
 * and exceljs and compared with the API's own lists), and the printable report naming the best
 * result's conditions.
 */
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

describe('results out: CSV, XLSX, report', () => {
  let h: Harness;
  let id: string;
  let experiments: { seq: number; status: string; parameters: Record<string, string | number>; proposal: { mean?: number } }[];
  let results: { seq: number; values: Record<string, number> }[];

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.json('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: exampleYaml({ name: 'Export = test, "quoted"', experiments: 12, batch: 4, latencyMs: 0, strategy: 'diverse' }),
    });
    expect(created.status).toBe(201);
    id = created.body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 60_000);
    experiments = (await h.json(`/api/campaigns/${id}/experiments`)).body.experiments;
    results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  it('exports every experiment as CSV with its conditions, status and result', async () => {
    const res = await h.call(`/api/campaigns/${id}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="Export-test-quoted-experiments\.csv"/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(experiments.length);
    expect(Object.keys(rows[0]!)).toEqual(
      expect.arrayContaining(['experiment', 'status', 'base', 'ligand', 'solvent', 'concentration (M)', 'temperature (°C)', 'yield (%)', 'predicted yield (%)', 'base SMILES']),
    );
    for (const e of experiments) {
      const row = rows.find((r) => Number(r.experiment) === e.seq)!;
      expect(row.status).toBe(e.status);
      expect(row.ligand).toBe(String(e.parameters.ligand));
      expect(Number(row['temperature (°C)'])).toBe(e.parameters.temperature);
      const result = results.find((r) => r.seq === e.seq);
      expect(row['yield (%)'] === '' ? undefined : Number(row['yield (%)'])).toBe(result?.values.yield);
    }
  });

  it('a viewer may export; without a token it is refused', async () => {
    expect((await h.call(`/api/campaigns/${id}/export.csv`, { token: h.tokens.viewer })).status).toBe(200);
    expect((await h.call(`/api/campaigns/${id}/export.csv`, { token: null })).status).toBe(401);
    expect((await h.json(`/api/campaigns/00000000-0000-4000-8000-000000000000/export.csv`)).status).toBe(404);
  });

  it('exports the same table as an Excel workbook with numbers as numbers', async () => {
    const res = await h.call(`/api/campaigns/${id}/export.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.getWorksheet('Experiments')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    expect(sheet.rowCount).toBe(experiments.length + 1);
    const col = (name: string) => header.indexOf(name) + 1;
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      const seq = row.getCell(col('experiment')).value as number;
      expect(typeof seq).toBe('number');
      const result = results.find((x) => x.seq === seq);
      const cell = row.getCell(col('yield (%)')).value;
      expect(cell === null ? undefined : cell).toBe(result?.values.yield);
      expect(row.getCell(col('ligand')).value).toBe(String(experiments.find((e) => e.seq === seq)!.parameters.ligand));
    }
    const about = workbook.getWorksheet('Campaign')!;
    const fields = new Map<string, unknown>();
    about.eachRow((row) => fields.set(String(row.getCell(1).value), row.getCell(2).value));
    const summary = (await h.json(`/api/campaigns/${id}`)).body;
    expect(fields.get('best result')).toBe(summary.best.value);
    expect(fields.get('best: ligand')).toBe(summary.best.parameters.ligand);
  });

  it('renders a report naming the best result and its conditions, with the top results', async () => {
    const res = await h.call(`/api/campaigns/${id}/report`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const summary = (await h.json(`/api/campaigns/${id}`)).body;
    const conditions = page.match(/<p id="best-conditions">([^<]*)<\/p>/)?.[1] ?? '';
    for (const [name, value] of Object.entries(summary.best.parameters as Record<string, string | number>)) {
      expect(conditions).toContain(`${name} ${String(value)}`);
    }
    expect(page).toContain(`experiment ${summary.best.experiment}:`);
    const topRows = page.slice(page.indexOf('id="report-top-table"')).split('</table>')[0]!.match(/<tr>/g)!.length - 1;
    expect(topRows).toBe(Math.min(10, results.length));
    expect(page).toContain('class="series-best"');
    expect(page).toMatch(/What the planner tried/);
  });

  it('keeps the benchmark reference after the campaign has ended', async () => {
    // the campaign no longer runs here: its summary reads the dataset again
    await waitFor(async () => h.supervisor.runner(id) === undefined, 'the runner to be released');
    const summary = (await h.json(`/api/campaigns/${id}`)).body;
    expect(summary.status).toBe('completed');
    expect(summary.reference).not.toBeNull();
    // the published direct-arylation grid: 1,728 reactions, best yield 100 %
    expect(summary.reference).toMatchObject({ quantity: 'yield', count: 1728 });
    expect(summary.reference.max).toBeCloseTo(100, 6);
    const top1 = summary.reference.top1Threshold as number;
    const first = results.find((r) => r.values.yield! >= top1);
    expect(summary.firstTop1At).toBe(first ? first.seq : null);
    const page = await (await h.call(`/campaigns/${id}`)).text();
    expect(page).toContain('Top 1 % of the dataset');
  });
});
