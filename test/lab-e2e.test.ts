/**
 * End to end, as a lab would run it: `athanor lab-sim --protocol http` in one child process (a
 * robot that reports late, twice, and sometimes fails), `athanor run` of the HTTP-robot example in
 * another, with signed callbacks to the loopback listener the run opens. The campaign completes,
 * and the robot's own journal shows that it accepted every experiment exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home: scratch, cleanup } = tempHome('athanor-lab-e2e-');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  cleanup();
});

/** Starts `athanor …` and resolves with its first stdout line (lab-sim's ready line). */
function startRobot(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, ready: JSON.parse(line) as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`lab-sim exited with ${code}: ${stderr}`)));
  });
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('athanor run against athanor lab-sim --protocol http', () => {
  it('runs a campaign to completion with signed callbacks; the robot accepts each experiment once', async () => {
    const started = Date.now();
    const env = { ATHANOR_LAB_SECRET: randomBytes(32).toString('hex') };
    const state = join(scratch, 'robot-state');
    const { child: robot, ready } = await startRobot(
      [
        'lab-sim', '--protocol', 'http', '--dataset', join(EXAMPLES, 'data', 'direct_arylation.csv'), '--port', '0', '--state', state,
        '--latency-ms', '40', '--failure-rate', '0.1', '--duplicate-rate', '0.3', '--late-rate', '0.3', '--late-ms', '300', '--seed', '5',
      ],
      env,
    );
    expect(ready).toMatchObject({ ready: true, protocol: 'http', callbacks: 'signed' });

    const campaign = readFileSync(join(EXAMPLES, 'direct-arylation-robot-http-callback.yaml'), 'utf8')
      .replace('http://127.0.0.1:7411', String(ready.url))
      .replace(/dataset: data\//, `dataset: ${join(EXAMPLES, 'data')}/`);
    const file = join(scratch, 'campaign.yaml');
    writeFileSync(file, campaign);

    const { code, stdout, stderr } = await run(['run', file, '--budget', '15', '--batch', '5', '--seed', '2', '--json', '--home', join(scratch, 'home')], env);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: string; experiments: number; counts: { completed: number; failed: number; dispatched: number; running: number } };
    expect(summary.status).toBe('completed');
    expect(summary.experiments).toBe(15);
    expect(summary.counts.completed + summary.counts.failed).toBe(15);
    expect(summary.counts.dispatched + summary.counts.running).toBe(0);

    robot.kill('SIGTERM');
    await new Promise((resolve) => robot.once('exit', resolve));
    const accepted = new Map<string, number>();
    for (const line of readFileSync(join(state, 'robot-journal.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as { t: string; id: string };
      if (entry.t === 'accepted') accepted.set(entry.id, (accepted.get(entry.id) ?? 0) + 1);
    }
    expect(accepted.size).toBe(15);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    console.info(`lab e2e: robot + campaign of 15 over HTTP callbacks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
