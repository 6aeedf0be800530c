/**
 * What the fuzz test attacks: `athanor serve` as a child process on loopback (the real app, real
 * PGlite, its own home), a data folder holding a copy of the examples, and beside it a sentinel
 * folder with files no request may read, change, move or add to — reachable through absolute
 * paths, `../` and symlinks planted in the data folder. A loopback sink records every request the
 * service sends out, to show secrets never leave. A child process rather than the app in the test
 * process: a request that blocks the service's event loop must not block the fuzzer's clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../src/auth/index.js';
import { openDatabase, type TokenRole } from '../../src/db/index.js';
import { EXAMPLES, ROOT } from '../helpers.js';
import { freePort, startRobot } from '../service-harness.js';
import type { FuzzPlaces } from './fuzz-values.js';

export interface FileState {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  mode: number;
  hash?: string;
  target?: string;
}

/** Every entry under `root` (not following symlinks) with what would show a read-write, move or new file. */
export function snapshot(root: string): Map<string, FileState> {
  const states = new Map<string, FileState>();
  const visit = (path: string) => {
    const stat = lstatSync(path);
    const kind = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
    states.set(path, {
      kind,
      ino: stat.ino,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      ctimeMs: stat.ctimeMs,
      mode: stat.mode,
      ...(kind === 'file' ? { hash: createHash('sha256').update(readFileSync(path)).digest('hex') } : {}),
      ...(kind === 'symlink' ? { target: readlinkSync(path) } : {}),
    });
    if (kind === 'dir') for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return states;
}

/** What changed between two snapshots, one line per path. */
export function snapshotChanges(before: Map<string, FileState>, after: Map<string, FileState>): string[] {
  const changes: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (!now) changes.push(`removed or moved away: ${path}`);
    else if (was.kind !== 'dir' && JSON.stringify(was) !== JSON.stringify(now)) changes.push(`changed: ${path} (${JSON.stringify(was)} → ${JSON.stringify(now)})`);
    else if (was.kind === 'dir' && (was.mode !== now.mode || was.ino !== now.ino)) changes.push(`folder changed: ${path}`);
  }
  for (const path of after.keys()) if (!before.has(path)) changes.push(`new: ${path}`);
  return changes;
}

/** utime + stime of a process's main thread (its task with the process's own id), from /proc. */
export function threadCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export interface SinkRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FuzzTarget {
  url: string;
  places: FuzzPlaces;
  /** The secret value behind places.secretEnv: never to be seen in a response or at the sink. */
  secretValue: string;
  /** Texts that appear only inside files the service must not read (sentinel files, /etc/passwd). */
  forbiddenTexts: string[];
  /** Operator and viewer tokens from the start; lab tokens once bindLabTokens has run. */
  tokens: Record<TokenRole | 'otherLab', string>;
  /** The lab secret the service holds (ATHANOR_LAB_SECRET), for signed callbacks. */
  labSecret: string;
  sinkRequests: SinkRequest[];
  sentinelBefore: Map<string, FileState>;
  /** Lab profiles registered in the service's configuration (empty when the service took none). */
  profiles: string[];
  notes: string[];
  output(): string;
  /** CPU time the service's main thread (its event loop) has used so far, in ms; undefined where /proc is missing. */
  mainThreadCpuMs(): number | undefined;
  /**
   * Lab tokens are bound to campaigns, which exist only once the service made them: stop the
   * service, issue a lab token bound to `campaignIds` and another bound to `otherCampaignIds`, start again.
   */
  bindLabTokens(campaignIds: string[], otherCampaignIds: string[]): Promise<void>;
  /** Kill the service (SIGKILL) and start it again on the same home, e.g. after it stopped answering. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** ATHANOR_ environment the service gets; the secret variable is one it must never send out. */
const SECRET_ENV = 'ATHANOR_FUZZ_SECRET';

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const root = mkdtempSync(join(tmpdir(), 'athanor-fuzz-'));
  const dataDir = join(root, 'data');
  const home = join(root, 'home');
  const sentinelDir = join(root, 'sentinel');
  cpSync(EXAMPLES, dataDir, { recursive: true });
  mkdirSync(home);

  // Sentinel files: distinctive contents, a CSV a dataset reader would accept, a file-drop inbox.
  const marker = `FUZZSENTINEL${randomBytes(8).toString('hex')}`;
  mkdirSync(join(sentinelDir, 'inbox'), { recursive: true });
  writeFileSync(join(sentinelDir, 'secret.csv'), `${marker}_base,${marker}_yield\n${marker}_row,42\n`);
  writeFileSync(join(sentinelDir, 'secret.txt'), `${marker} private text\n`);
  writeFileSync(join(sentinelDir, 'inbox', 'important.txt'), `${marker} important\n`);
  symlinkSync(join(sentinelDir, 'secret.csv'), join(dataDir, 'data', 'secret-link.csv'));
  symlinkSync(sentinelDir, join(dataDir, 'linked-dir'));
  const sentinelBefore = snapshot(sentinelDir);
  const forbiddenTexts = [marker];
  try {
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n')[0];
    if (passwd) forbiddenTexts.push(passwd);
  } catch {
    // not readable here: nothing to look for
  }

  const sinkRequests: SinkRequest[] = [];
  const sink: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body.length < 100_000 ? (body += d.toString()) : undefined));
    req.on('end', () => {
      if (req.headers['x-fuzz-baseline'] === undefined) sinkRequests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"sink"}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  // Tokens, issued while the service is down (the embedded database admits one process).
  const database = await openDatabase({ home, databaseUrl: '' });
  const tokens = {
    operator: (await issueToken(database.db, 'fuzz-operator', 'operator')).token,
    viewer: (await issueToken(database.db, 'fuzz-viewer', 'viewer')).token,
    lab: '',
    otherLab: '',
  };
  await database.close();

  const secretValue = `secret-${randomBytes(12).toString('hex')}`;
  const labSecret = `lab-${randomBytes(12).toString('hex')}`;
  // A reference robot for the callback lab: it takes experiments and (in an hour) would sign its reports.
  const robot = await startRobot({ seed: 1, latencyMs: 3_600_000, minLatencyMs: 3_600_000 });
  // What an administrator registers (docs/operations.md): robot labs and the one secret they use.
  // The fuzz secret is deliberately not registered: no campaign may send it anywhere.
  const configFile = join(home, 'service.yaml');
  const profiles = ['fuzz_http', 'fuzz_http_callback', 'fuzz_files', 'fuzz_mqtt'];
  writeFileSync(
    configFile,
    [
      'secrets:',
      '  lab_key: { env: ATHANOR_LAB_SECRET }',
      'labs:',
      `  fuzz_http: { type: http, url: "${sinkUrl}", results: poll, request_timeout_ms: 2000 }`,
      `  fuzz_http_callback: { type: http, url: "${robot.url}", results: callback, callback_secret: lab_key, request_timeout_ms: 2000 }`,
      `  fuzz_files: { type: files, folder: "${join(dataDir, 'lab-folder')}" }`,
      '  fuzz_mqtt: { type: mqtt, broker: "mqtt://127.0.0.1:1883", topic_prefix: athanor/fuzz }',
      '',
    ].join('\n'),
  );
  const notes: string[] = [];
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = '';
  const start = async () => {
    out = '';
    child = spawn(process.execPath, [...(process.env.ATHANOR_FUZZ_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ATHANOR_FUZZ_PROFILE_DIR}`] : []), join(ROOT, 'bin', 'athanor.js'), 'serve', '--port', String(port), '--home', home, '--data-dir', dataDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '', ATHANOR_POLL_MS: '200', [SECRET_ENV]: secretValue, ATHANOR_LAB_SECRET: labSecret },
    });
    child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
    child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
    const exited = new Promise<never>((_, reject) => child?.once('exit', (code) => reject(new Error(`athanor serve exited (${code}) before it listened:\n${out.slice(-3000)}`))));
    const listening = (async () => {
      for (;;) {
        if (out.includes('Athanor is running at')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.race([listening, exited]);
  };
  const stop = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (error) {
    // A service without lab profiles: fuzz it as it is, and say so.
    notes.push(`the service did not start with lab profiles (${(error as Error).message.split('\n').slice(0, 3).join(' ')}); fuzzing it without`);
    profiles.length = 0;
    rmSync(configFile);
    await start();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    places: { dataDir, sentinelDir, sinkUrl, secretEnv: SECRET_ENV },
    secretValue,
    forbiddenTexts,
    tokens,
    labSecret,
    sinkRequests,
    sentinelBefore,
    profiles,
    notes,
    output: () => out,
    mainThreadCpuMs: () => (child?.pid ? threadCpuMs(child.pid) : undefined),
    bindLabTokens: async (campaignIds, otherCampaignIds) => {
      await stop('SIGTERM');
      const db = await openDatabase({ home, databaseUrl: '' });
      try {
        tokens.lab = (await issueToken(db.db, 'fuzz-lab', 'lab', { campaignIds })).token;
        tokens.otherLab = (await issueToken(db.db, 'fuzz-other-lab', 'lab', { campaignIds: otherCampaignIds })).token;
      } finally {
        await db.close();
      }
      await start();
    },
    restart: async () => {
      await stop('SIGKILL');
      await start();
    },
    close: async () => {
      await stop('SIGTERM');
      await new Promise<void>((resolve) => sink.close(() => resolve()));
      await robot.close();
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
}
