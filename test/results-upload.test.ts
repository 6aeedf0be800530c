/**
 * Results uploads as people write them, over real HTTP: a European spreadsheet's CSV (`;`,
 * decimal comma) and a tab-separated one are read; every problem names its line and column (never
 * a row index); the reply says what happened to each row. The CSV dialect rules are checked on
 * their own too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvDialectOf, decimalPoint } from '../src/util/csv-dialect.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

describe('CSV dialects', () => {
  it('tells the delimiter from the header line', () => {
    expect(csvDialectOf('experiment,yield\n3,71.5\n')).toEqual({ delimiter: ',', decimalComma: false });
    expect(csvDialectOf('\uFEFFexperiment;yield\r\n3;71,5\r\n')).toEqual({ delimiter: ';', decimalComma: true });
    expect(csvDialectOf('experiment\tyield\n3\t71,5\n')).toEqual({ delimiter: '\t', decimalComma: true });
    expect(csvDialectOf('"a;b",yield\n')).toEqual({ delimiter: ',', decimalComma: false });
  });

  it('reads decimal commas, with or without thousands points', () => {
    expect(decimalPoint('71,5')).toBe('71.5');
    expect(decimalPoint('-0,25')).toBe('-0.25');
    expect(decimalPoint('1.234,5')).toBe('1234.5');
    expect(decimalPoint('12')).toBe('12');
    expect(decimalPoint('1,2,3')).toBe('1,2,3');
  });
});

describe('results uploads over HTTP', () => {
  let h: Harness;
  let id: string;
  let open: { seq: number }[];
  const upload = (body: string) => h.json(`/api/campaigns/${id}/results/csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });

  beforeAll(async () => {
    h = await startHarness();
    // a slow simulated lab: its experiments wait long enough for the operator's results to arrive first
    const created = await h.json('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: exampleYaml({ name: 'Uploads', experiments: 10, batch: 5, latencyMs: 600_000, strategy: 'diverse' }),
    });
    id = created.body.campaignId;
    open = await waitFor(async () => {
      const list = (await h.json(`/api/campaigns/${id}/experiments?status=dispatched,running`)).body.experiments;
      return list.length >= 4 ? list : undefined;
    }, 'experiments in the lab');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('accepts a European CSV: semicolons and decimal commas', async () => {
    const res = await upload(`experiment;yield\n${open[0]!.seq};71,5\n`);
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([{ experiment: open[0]!.seq, outcome: 'stored', seq: open[0]!.seq }]);
    const stored = (await h.json(`/api/campaigns/${id}/results`)).body.results.find((r: { seq: number }) => r.seq === open[0]!.seq);
    expect(stored.values.yield).toBe(71.5);
  });

  it('accepts a tab-separated file', async () => {
    const res = await upload(`experiment\tyield\n${open[1]!.seq}\t12,25\n`);
    expect(res.status).toBe(200);
    const stored = (await h.json(`/api/campaigns/${id}/results`)).body.results.find((r: { seq: number }) => r.seq === open[1]!.seq);
    expect(stored.values.yield).toBe(12.25);
  });

  it('names the line and the column of every problem, never a row index', async () => {
    const res = await upload(`experiment;yield\n${open[2]!.seq};150\n${open[3]!.seq};abc\n;5\n`);
    expect(res.status).toBe(422);
    const issues = res.body.error.issues as { path: string; line: number; message: string }[];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 2, path: 'yield', message: expect.stringContaining('bounds [0, 100]') }),
        expect.objectContaining({ line: 3, path: 'yield', message: '"abc" is not a decimal number' }),
        expect.objectContaining({ line: 4, path: 'experiment', message: 'is empty' }),
      ]),
    );
    for (const issue of issues) expect(issue.line, issue.message).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(res.body.error)).not.toMatch(/rows\[/);
    // nothing was stored from the refused file
    const seqs = (await h.json(`/api/campaigns/${id}/results`)).body.results.map((r: { seq: number }) => r.seq);
    expect(seqs).not.toContain(open[2]!.seq);
  });

  it('says where a file cannot be read, in words', async () => {
    const res = await upload(`experiment;yield\n${open[2]!.seq};"71,5\n`);
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0]).toMatchObject({ path: 'file', message: expect.stringContaining('quoted cell is never closed') });
    expect(res.body.error.issues[0].line).toBeGreaterThanOrEqual(2);
  });

  it('reports what happened to each row: stored, duplicate, conflict, quarantined', async () => {
    const res = await upload(`experiment;yield\n${open[2]!.seq};40\n${open[0]!.seq};71,5\n${open[1]!.seq};99\n9999;5\n`);
    expect(res.status).toBe(200);
    const outcomes = res.body.results as { experiment: number; outcome: string; reason?: string }[];
    expect(outcomes.map((o) => o.outcome)).toEqual(['stored', 'duplicate', 'conflict', 'quarantined']);
    expect(outcomes[2]!.reason).toBeTruthy();
    expect(outcomes[3]!.reason).toMatch(/9999|no experiment|unknown/i);
  });
});
