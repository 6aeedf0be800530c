/**
 * What the service tests share: `athanor serve` as a child process that can be killed, reference
 * robots (HTTP) living in the test process so they outlive every kill and can be asked what they
 * really received, and campaign files pointed at them.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { initChem } from '../src/chem/index.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startHttpRobot, type HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { pino } from 'pino';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, ROOT } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServiceProcess {
  url: string;
  pid: number;
  output: () => string;
  /** Resolves once it listens; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => Promise<number | null>;
}

export async function spawnService(home: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--home', home], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ATHANOR_POLL_MS: '200', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Athanor is running at')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code} before it listened:\n${out.slice(-3000)}`));
    });
  });
  ready.catch(() => undefined); // a kill before it listens is part of the tests
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    output: () => out,
    ready,
    exited,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const DATASET = join(EXAMPLES, 'data', 'direct_arylation.csv');
let oracleRows: Record<string, string>[] | undefined;

export interface RobotSettings {
  seed: number;
  latencyMs?: number;
  minLatencyMs?: number;
  failureRate?: number;
  duplicateRate?: number;
  stateDir?: string;
}

/** A reference robot over HTTP answering from the direct-arylation dataset, on a free port. */
export async function startRobot(settings: RobotSettings): Promise<HttpReferenceRobot> {
  await initChem();
  oracleRows ??= (await readCsv(DATASET)).rows;
  const oracle = new DatasetOracle({
    rows: oracleRows,
    source: DATASET,
    results: { yield: 'yield' },
    columns: { base: 'Base_SMILES', ligand: 'Ligand_SMILES', solvent: 'Solvent_SMILES', concentration: 'Concentration', temperature: 'Temp_C' },
  });
  return startHttpRobot({
    oracle,
    source: DATASET,
    port: 0,
    parallel: 4,
    capacity: 50,
    latencyMs: settings.latencyMs ?? 150,
    minLatencyMs: settings.minLatencyMs ?? 50,
    failureRate: settings.failureRate ?? 0,
    duplicateRate: settings.duplicateRate ?? 0,
    seed: settings.seed,
    ...(settings.stateDir ? { stateDir: settings.stateDir } : {}),
    log: pino({ level: 'silent' }),
  });
}

/** The direct-arylation example as a campaign on an HTTP robot (results by polling), as YAML text. */
export function robotCampaignYaml(options: { name: string; robotUrl: string; budget: number; batch: number; seed: number; capacity?: number; strategy?: string }): string {
  const example = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8');
  const head = example.slice(0, example.indexOf('\nlab:'));
  return (
    head
      .replace(/^name: .*$/m, `name: ${JSON.stringify(options.name)}`)
      .replace(/^seed: .*$/m, `seed: ${options.seed}`)
      .replace(/^budget:\n(\s+experiments: )\d+\n(\s+batch: )\d+/m, `budget:\n$1${options.budget}\n$2${options.batch}`) +
    `\nlab:\n  type: http\n  url: ${options.robotUrl}\n  results: poll\n  poll_interval_ms: 100\n  request_timeout_ms: 3000\n  capacity: ${options.capacity ?? options.batch}\n`
  ).replace(/^(planner:\n)/m, `$1  strategy: ${options.strategy ?? 'bayesian'}\n`);
}
