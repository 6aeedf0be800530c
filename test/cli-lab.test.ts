/**
 * The CLI and a lab that has a fault: `athanor run` against an HTTP robot that refuses our
 * credential pauses the campaign and exits 4 with the reason (no experiment failed), and
 * `athanor experiments` lists a campaign's experiments as a table, JSON and CSV. Real processes,
 * a real reference robot on loopback, a real embedded database.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startHttpRobot, type HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { startSila2Station, type Sila2ReferenceStation } from '../src/lab-adapters/reference-robot/sila2-station.js';
import { readCsv } from '../src/util/csv.js';
import { initChem } from '../src/chem/index.js';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home: scratch, cleanup } = tempHome('athanor-cli-lab-');
let robot: HttpReferenceRobot;
let station: Sila2ReferenceStation;

beforeAll(async () => {
  await initChem(); // the robot's oracle canonicalises the orders' SMILES
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  const oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  robot = await startHttpRobot({ oracle, source: 'direct_arylation.csv', capacity: 5, port: 0, minLatencyMs: 50, latencyMs: 50, seed: 2, auth: { header: 'Authorization', value: 'Bearer right' } });
  station = await startSila2Station({ oracle, source: 'direct_arylation.csv', capacity: 3, port: 0, minLatencyMs: 50, latencyMs: 50, seed: 2, accessToken: 'right', log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await robot?.close();
  await station?.close();
  cleanup();
});

/** Runs the CLI without blocking this process (the robot answers from it). */
function athanor(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The direct-arylation example with `experiments` in batches of the same size, on `lab` (YAML lines). */
function campaignFile(name: string, experiments: number, lab: string): string {
  const text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8').replace(/^lab:\n(?:[ \t]+.*\n)+/m, '');
  const file = join(scratch, name);
  writeFileSync(file, `${text.replace(/^(\s*)experiments: \d+$/m, `$1experiments: ${experiments}`).replace(/^(\s*)batch: \d+$/m, `$1batch: ${experiments}`)}\nlab:\n${lab}`);
  return file;
}

function httpCampaign(): string {
  return campaignFile('http-lab.yaml', 5, `  type: http\n  url: ${robot.url}\n  auth: { header: Authorization, value_env: ATHANOR_TEST_ROBOT_TOKEN }\n  poll_interval_ms: 100\n  request_timeout_ms: 2000\n  pause_after_unhealthy_s: 30\n`);
}

describe('athanor run with a lab fault, and athanor experiments', () => {
  it('a refused credential: the campaign pauses, run exits 4 with the reason, no experiment failed; experiments lists them', async () => {
    const home = join(scratch, 'home-auth');
    const run = await athanor(['run', httpCampaign(), '--json', '--home', home], { ATHANOR_TEST_ROBOT_TOKEN: 'Bearer wrong' });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/paused: dispatching paused: .*refused our credentials; check lab\.auth/);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { campaignId: string; status: string; outcome: string };
    expect(summary).toMatchObject({ status: 'paused', outcome: expect.stringMatching(/credentials/) });
    expect(robot.lab.acceptedCounts().size).toBe(0);

    const listed = await athanor(['experiments', summary.campaignId, '--json', '--home', home]);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { seq: number; status: string }[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.every((r) => r.status === 'planned')).toBe(true); // held, not failed

    // with the right credential it continues where it stopped and finishes the budget
    const again = await athanor(['run', '--campaign', summary.campaignId, '--json', '--home', home], { ATHANOR_TEST_ROBOT_TOKEN: 'Bearer right' });
    expect(again.code, again.stderr).toBe(0);
    const table = await athanor(['experiments', summary.campaignId, '--home', home]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/#\s+status\s+yield\s+conditions/);
    expect(table.stdout.match(/ completed /g)).toHaveLength(5);
    const csv = await athanor(['experiments', summary.campaignId, '--csv', '--status', 'completed', '--home', home]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^seq,experiment_id,batch,status,.*,yield,excluded,failure_reason,source$/);
    expect(lines).toHaveLength(6);
    expect(await athanor(['experiments', 'nope', '--home', home])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a campaign id/) });
    expect(await athanor(['experiments', summary.campaignId, '--status', 'done', '--home', home])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--status: "done"/) });
  }, 300_000);

  it('a SiLA 2 station refusing the access token: run exits 4 with the reason, nothing failed, nothing run', async () => {
    const home = join(scratch, 'home-sila2');
    const file = campaignFile('sila2-lab.yaml', 3, `  type: sila2\n  address: ${station.address}\n  access_token_env: ATHANOR_TEST_SILA_TOKEN\n  request_timeout_ms: 2000\n  pause_after_unhealthy_s: 30\n`);
    const run = await athanor(['run', file, '--json', '--home', home], { ATHANOR_TEST_SILA_TOKEN: 'wrong' });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/paused: dispatching paused: .*refused the access token/);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { campaignId: string; status: string };
    expect(summary).toMatchObject({ status: 'paused' });
    const rows = JSON.parse((await athanor(['experiments', summary.campaignId, '--json', '--home', home])).stdout) as { status: string }[];
    expect(rows.map((r) => r.status)).toEqual(['planned', 'planned', 'planned']); // held: no budget spent
    expect(station.lab.acceptedCounts().size).toBe(0);
  }, 300_000);
});

describe('athanor lab-sim on a closed-form landscape', () => {
  it('refuses a landscape without --dimensions or beside a dataset (exit 2, naming the flag), and starts with one', async () => {
    const missing = await athanor(['lab-sim', '--protocol', 'http', '--function', 'branin', '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--dimensions NAME=MIN:MAX/);
    const both = await athanor(['lab-sim', '--protocol', 'http', '--function', 'branin', '--dataset', join(EXAMPLES, 'data', 'direct_arylation.csv'), '--port', '0']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--dataset FILE .* or --function NAME/);
    const badRange = await athanor(['lab-sim', '--protocol', 'http', '--function', 'branin', '--dimensions', 'temperature=120:20,time=1:5', '--port', '0']);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toMatch(/temperature=MIN:MAX with MIN < MAX/);

    const child = spawn(process.execPath, [CLI, 'lab-sim', '--protocol', 'http', '--function', 'branin', '--dimensions', 'temperature=20:120,residence_time=0.5:30', '--port', '0'], { cwd: ROOT });
    try {
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as Record<string, unknown>);
        });
        child.on('exit', (code) => reject(new Error(`lab-sim exited ${code} before it was ready`)));
      });
      expect(ready).toMatchObject({ ready: true, protocol: 'http', function: 'branin' });
      // an order at real values is measured: Branin's optimum (-π, 12.275) scaled into the ranges scores 100
      const temperature = 20 + ((-Math.PI + 5) / 15) * 100;
      const residence = 0.5 + (12.275 / 15) * 29.5;
      const id = '00000000-0000-4000-8000-000000000001';
      const order = { experimentId: id, campaignId: '00000000-0000-4000-8000-000000000002', seq: 1, candidateKey: 'optimum', parameters: { temperature, residence_time: residence }, substances: {} };
      const posted = await fetch(`${ready.url as string}/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
      expect(posted.status).toBeLessThan(300);
      let result: { values?: Record<string, number> } | undefined;
      while (!result) {
        const answer = (await (await fetch(`${ready.url as string}/experiments/${id}`)).json()) as { result?: { values?: Record<string, number> } };
        result = answer.result;
        if (!result) await new Promise((r) => setTimeout(r, 100));
      }
      expect(result.values?.score).toBeCloseTo(100, 3);
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
