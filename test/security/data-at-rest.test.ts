/**
 * Issue 15, item 8: the embedded database's files were world-writable (0666) and the home folder
 * open to others; CSV worklists carried formula cells (`=cmd`, `+HYPERLINK`) unescaped. Now the
 * home, the database and the lab journals are private to the user (folders 0700, files 0600,
 * checked with stat() on the real files of a real PGlite), and every CSV Athanor writes shows a
 * formula-looking cell as text (a leading ' as OWASP recommends), genuine numbers untouched.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import type { ExperimentOrder } from '../../src/lab-adapters/contract.js';
import { FileDropAdapter } from '../../src/lab-adapters/files/file-drop-adapter.js';
import { Journal } from '../../src/lab-adapters/journal.js';
import { csvText, unescapeSpreadsheetCell } from '../../src/util/csv-text.js';
import { tempHome } from '../helpers.js';

const { home: root, cleanup } = tempHome('athanor-at-rest-');
afterAll(cleanup);

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every path under `dir` (itself included) whose mode lets anyone but the owner in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

describe('files at rest', () => {
  it('creates the home 0700 and the embedded database private (folders 0700, files 0600), open and closed', async () => {
    const home = join(root, 'fresh', 'home');
    const database = await openDatabase({ home });
    try {
      expect(modeOf(home).toString(8)).toBe('700');
      expect(modeOf(join(home, 'db')).toString(8)).toBe('700');
      expect(modeOf(join(home, 'athanor.lock')).toString(8)).toBe('600');
      expect(openToOthers(join(home, 'db'))).toEqual([]);
      expect(modeOf(join(home, 'db', 'PG_VERSION')).toString(8)).toBe('600');
      await database.db.execute(sql`create table scratch (x int)`);
      await database.db.execute(sql`insert into scratch values (1)`);
    } finally {
      await database.close();
    }
    // files PGlite created while open (new tables) are tightened at close
    expect(openToOthers(home)).toEqual([]);
  });

  it('makes an existing, world-writable home private again when it opens', async () => {
    const home = join(root, 'lax');
    await (await openDatabase({ home })).close();
    const loosen = (path: string) => {
      const stat = statSync(path);
      chmodSync(path, stat.isDirectory() ? 0o777 : 0o666);
      if (stat.isDirectory()) for (const name of readdirSync(path)) loosen(join(path, name));
    };
    loosen(home);
    expect(openToOthers(home).length).toBeGreaterThan(100);
    const database = await openDatabase({ home });
    try {
      expect(modeOf(home).toString(8)).toBe('700');
      expect(openToOthers(home)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('keeps lab journals private: new folders 0700, the journal 0600, an existing 0666 one tightened', () => {
    const path = join(root, 'journals', 'labs', randomUUID(), 'simulator-journal.jsonl');
    const journal = new Journal<{ n: number }>(path);
    journal.append({ n: 1 });
    expect(modeOf(path).toString(8)).toBe('600');
    expect(modeOf(join(path, '..')).toString(8)).toBe('700');

    const old = join(root, 'journals', 'old.jsonl');
    writeFileSync(old, '{"n":1}\n');
    chmodSync(old, 0o666);
    new Journal<{ n: number }>(old).append({ n: 2 });
    expect(modeOf(old).toString(8)).toBe('600');
  });
});

/** What a spreadsheet would evaluate, one per OWASP's list, and values that must stay as they are. */
const FORMULAS = ['=cmd|\' /C calc\'!A0', '+HYPERLINK("http://evil.example","click")', '-2+3+cmd|x', '@SUM(1+1)*cmd|x', '\t=1+1', '\r=1+1', '=1'];
const KEPT = ['-3.5', '+2', '1e-3', 'K2CO3', 'Pd(OAc)2', 'a=b', 'C=O'];

describe('CSV written for spreadsheets', () => {
  it('escapes formula cells with a leading quote and keeps numbers, in any CSV Athanor writes', () => {
    const text = csvText(['cell'], [...FORMULAS, ...KEPT, -3.5, 42].map((v) => [v]));
    const cells = (parse(text, { columns: true }) as { cell: string }[]).map((r) => r.cell);
    for (const [i, formula] of FORMULAS.entries()) expect(cells[i], JSON.stringify(formula)).toBe(`'${formula}`);
    expect(cells.slice(FORMULAS.length)).toEqual([...KEPT, '-3.5', '42']);
    // a program reading it back (the reference robot, result files) gets the original text
    expect(cells.map(unescapeSpreadsheetCell)).toEqual([...FORMULAS, ...KEPT, '-3.5', '42']);
  });

  it('writes a file-drop worklist whose formula-looking parameters a spreadsheet shows as text', async () => {
    const campaignId = randomUUID();
    const folder = join(root, `lab-${campaignId.slice(0, 8)}`);
    mkdirSync(folder, { recursive: true });
    const adapter = new FileDropAdapter({ labId: campaignId, folder, capacity: 10, batchWindowMs: 10, pollIntervalMs: 30, settleMs: 100, expectations: { target: 'yield' } });
    await adapter.start(async () => undefined);
    try {
      const orders: ExperimentOrder[] = FORMULAS.slice(0, 4).map((formula, i) => ({
        id: randomUUID(),
        campaignId,
        seq: i + 1,
        candidateKey: `additive=${i}`,
        parameters: { additive: formula, temperature: -3.5 + i },
        substances: { additive: 'CCO' },
      }));
      for (const order of orders) await adapter.dispatch(order);
      const deadline = Date.now() + 20_000;
      let worklists: string[] = [];
      while (worklists.length === 0 && Date.now() < deadline) {
        worklists = readdirSync(adapter.folders.outbox).filter((f) => f.startsWith('worklist-'));
        if (worklists.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(worklists.length).toBeGreaterThan(0);
      const rows = worklists.flatMap((file) => parse(readFileSync(join(adapter.folders.outbox, file), 'utf8'), { columns: true }) as Record<string, string>[]);
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        const order = orders.find((o) => o.id === row.experiment_id)!;
        expect(row.additive).toBe(`'${order.parameters.additive}`);
        expect(row.additive![0]).toBe("'");
        expect(row.temperature).toBe(String(order.parameters.temperature)); // -3.5 stays a number
      }
    } finally {
      await adapter.stop();
    }
  });
});
