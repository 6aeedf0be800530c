/**
 * The `athanor` command as a user runs it: real child processes, real files, real PGlite.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.js';
import { sql } from 'drizzle-orm';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';
import { initChem } from '../src/chem/index.js';
import { decodeOrd, validateOrdDataset } from '../src/export/ord/index.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home: scratch, cleanup } = tempHome('athanor-cli-');
afterAll(cleanup);

function athanor(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}

/** The direct-arylation example with its dataset path made absolute, so edited copies can live anywhere. */
function exampleText(): string {
  return readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8').replace(
    /dataset: .*direct_arylation\.csv.*/,
    `dataset: ${join(EXAMPLES, 'data', 'direct_arylation.csv')}`,
  );
}

function writeCampaign(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('athanor run', () => {
  beforeAll(initChem);

  it('runs a campaign and prints a JSON summary on the last stdout line', () => {
    const home = join(scratch, 'home-json');
    const { code, stdout, stderr } = athanor(['run', join(EXAMPLES, 'direct-arylation.yaml'), '--budget', '10', '--batch', '5', '--seed', '1', '--json', '--home', home]);
    expect(code, stderr).toBe(0);
    const summary = lastJsonLine(stdout);
    expect(summary).toMatchObject({ experiments: 10, status: 'completed' });
    expect(typeof summary.campaignId).toBe('string');
    expect(typeof summary.bestYield).toBe('number');
    expect('firstTop1At' in summary).toBe(true);
    expect(stderr).toMatch(/\[\s+10\/10\] best yield/); // progress goes to stderr with --json

    const status = athanor(['status', String(summary.campaignId), '--json', '--home', home]);
    expect(status.code).toBe(0);
    expect(lastJsonLine(status.stdout)).toMatchObject({ campaignId: summary.campaignId, experiments: 10, bestYield: summary.bestYield });

    // the results as an Open Reaction Database dataset: the e-mail is required, the file validates
    const noEmail = athanor(['export', String(summary.campaignId), '--home', home]);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email: required');
    const out = join(scratch, 'campaign.ord.json');
    const exported = athanor(['export', String(summary.campaignId), '--email', 'ada@example.org', '--format', 'json', '--out', out, '--home', home]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/wrote .*campaign\.ord\.json \(10 reactions, \d+ ORD validation warnings/);
    const dataset = decodeOrd(readFileSync(out), 'json');
    expect(validateOrdDataset(dataset).errors).toEqual([]);
    expect((dataset.reactions as { outcomes: { products: { measurements: { percentage: { value: number } }[] }[] }[] }[]).map((r) => r.outcomes[0]!.products[0]!.measurements[0]!.percentage.value)).toContain(summary.bestYield);
  }, 180_000); // five commands one after another: over a minute when the suite's busiest files run beside it

  const badFiles: [string, (text: string) => string, RegExp][] = [
    ['an unknown field', (t) => t.replace(/^seed:/m, 'sede: 3\nseed:'), /sede/],
    ['a bad SMILES', (t) => t.replace(/^(\s+DMAc: ).*$/m, "$1'C1CC(N'"), /C1CC\(N/],
    ['an empty space', (t) => t.replace(/^space:[\s\S]*?^budget:/m, 'space: {}\nbudget:'), /space/i],
    ['a batch larger than the budget', (t) => t.replace(/^(\s+)batch: \d+/m, '$1batch: 500'), /batch/],
  ];
  for (const [what, edit, message] of badFiles) {
    it(`refuses a campaign file with ${what}: exit code 2 and a message naming it`, () => {
      const file = writeCampaign(`bad-${what.replace(/\W+/g, '-')}.yaml`, edit(exampleText()));
      const { code, stderr } = athanor(['run', file, '--home', join(scratch, 'home-bad')]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    });
  }

  it('refuses --batch larger than --budget on the command line with exit code 2', () => {
    const { code, stderr } = athanor(['run', join(EXAMPLES, 'direct-arylation.yaml'), '--budget', '3', '--batch', '5', '--home', join(scratch, 'home-bad')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/batch/);
  });

  it('reads files only from its data folders: beside the campaign file, the home, --data-dir', () => {
    const text = exampleText().replace(/^(\s+)experiments: \d+/m, '$1experiments: 5');
    const file = writeCampaign('elsewhere.yaml', text);
    const refused = athanor(['run', file, '--home', join(scratch, 'home-bad')]);
    expect(refused.code).toBe(2);
    const line = text.split('\n').findIndex((l) => /^\s+dataset: /.test(l)) + 1;
    expect(refused.stderr).toContain(`lab.dataset (line ${line}): path is outside the data folders`);
  });

  it('refuses a missing file and a bad flag with exit code 2', () => {
    expect(athanor(['run', join(scratch, 'nope.yaml'), '--home', join(scratch, 'home-bad')]).code).toBe(2);
    expect(athanor(['run', join(EXAMPLES, 'direct-arylation.yaml'), '--budget', 'many']).code).toBe(2);
  });
});

describe('athanor run after SIGKILL', () => {
  it('resumes the same campaign to exactly its budget: none dispatched twice, none lost', async () => {
    const home = join(scratch, 'home-kill');
    const file = writeCampaign('slow.yaml', exampleText().replace(/latency_ms: \d+/, 'latency_ms: 150'));
    // the dataset is in the examples, not beside the file nor in the home: a data folder given by hand
    const args = ['run', file, '--budget', '30', '--batch', '5', '--seed', '4', '--resume', '--json', '--home', home, '--data-dir', EXAMPLES];

    // Kill at varied moments: while starting, then right after each of several progress lines
    // (mid-batch, with experiments in the lab) after a small random delay.
    const kills: { afterProgressLine: number | null; delayMs: number }[] = [
      { afterProgressLine: null, delayMs: 1500 },
      { afterProgressLine: 1, delayMs: 0 },
      { afterProgressLine: 1, delayMs: 120 },
      { afterProgressLine: 2, delayMs: 40 },
    ];
    for (const kill of kills) {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve) => {
        if (kill.afterProgressLine === null) {
          setTimeout(resolve, kill.delayMs);
          return;
        }
        let lines = 0;
        child.stderr.on('data', (chunk: Buffer) => {
          lines += (chunk.toString().match(/^\[\s*\d+\/30\]/gm) ?? []).length;
          if (lines >= (kill.afterProgressLine ?? 0)) setTimeout(resolve, kill.delayMs);
        });
        child.once('exit', () => resolve());
      });
      child.kill('SIGKILL');
      expect(await exited).not.toBe(0); // it was killed, not finished
    }
    const final = athanor(args);
    expect(final.code, final.stderr).toBe(0);
    const summary = lastJsonLine(final.stdout);
    expect(summary.experiments).toBe(30);

    const database = await openDatabase({ home });
    try {
      const one = async (query: string) => ((await database.db.execute(sql.raw(query))) as unknown as { rows: Record<string, number>[] }).rows[0];
      expect(await one('select count(*)::int as n from campaigns')).toEqual({ n: 1 });
      expect(await one("select count(*)::int as n from experiments where status = 'completed'")).toEqual({ n: 30 });
      expect(await one('select count(*)::int as n from experiments')).toEqual({ n: 30 });
      expect(await one('select count(*)::int as n, count(distinct experiment_id)::int as d from results')).toEqual({ n: 30, d: 30 });
      expect(await one('select count(distinct candidate_key)::int as n from experiments')).toEqual({ n: 30 });
      expect(await one('select count(*)::int as n from quarantined_results')).toEqual({ n: 0 });
    } finally {
      await database.close();
    }
    // the simulated robot's own journal: every experiment id was accepted exactly once
    const journal = readFileSync(join(home, 'labs', String(summary.campaignId), 'simulator-journal.jsonl'), 'utf8');
    const accepted = journal.split('\n').filter((l) => l.includes('"accepted"')).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(accepted).toHaveLength(30);
    expect(new Set(accepted).size).toBe(30);
  }, 240_000);
});
