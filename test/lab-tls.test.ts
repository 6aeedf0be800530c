/**
 * TLS to robot labs (issue 19), with certificates made at test time by openssl (a private CA and a
 * server certificate for 127.0.0.1), through the real campaign runner and PGlite:
 * - HTTP: the reference robot behind a TLS-terminating front on loopback (as nginx would stand in
 *   front of a robot's API); lab.url https:// with lab.tls.ca_file;
 * - MQTT: a Mosquitto of our own on free ports, started from a generated configuration with a TLS
 *   listener (and a plain one for the robot), and, for the wrong-credential case, a password file.
 * A trusted certificate: the budget is finished. An untrusted one (no ca_file) or a wrong broker
 * password: the campaign pauses at once with the reason, nothing failed, no budget spent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCampaign } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec } from '../src/campaign/index.js';
import { labSchema } from '../src/campaign/schema.js';
import { countByStatus, getCampaign, listExperiments, openDatabase, type Database } from '../src/db/index.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startHttpRobot, type HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { startMqttRobot } from '../src/lab-adapters/reference-robot/mqtt-robot.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';

const { home, cleanup } = tempHome('athanor-lab-tls-');
let database: Database;
let da: CampaignSpec;
let oracle: DatasetOracle;
const certs = { ca: join(home, 'ca.pem'), key: join(home, 'server-key.pem'), cert: join(home, 'server.pem') };

/** A private CA, and a certificate it signs for 127.0.0.1 and localhost. */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: home });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Athanor test CA', '-keyout', 'ca-key.pem', '-out', certs.ca);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', certs.key, '-out', 'server.csr');
  writeFileSync(join(home, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', certs.ca, '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', certs.cert);
}

beforeAll(async () => {
  makeCertificates();
  da = (await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'))).spec;
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  database = await openDatabase({ home: join(home, 'db') });
}, 300_000);
afterAll(async () => {
  await database?.close();
  cleanup();
});

const robotOptions = () => ({ oracle, source: 'direct_arylation.csv', capacity: 2, parallel: 2, minLatencyMs: 50, latencyMs: 50, seed: 3 });

/** A campaign of 2 experiments whose folder is the test's home (so the CA file lies inside it); the
 * spec does not pass through the file schema, so the lab's defaults are given here. */
async function campaign(lab: Record<string, unknown>) {
  const { dataFolders: _examples, ...rest } = da as CampaignSpec & { dataFolders?: unknown };
  const spec = { ...rest, baseDir: home, budget: { experiments: 2, batch: 2 }, lab: { pause_after_unhealthy_s: 120, capacity: 2, ...lab } } as unknown as CampaignSpec;
  const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
  const outages: string[] = [];
  runner.on('lab-outage', (reason: string) => outages.push(reason));
  await runner.start();
  return { runner, outages };
}

/** The robot's plain HTTP API behind TLS with the test CA's certificate. */
async function tlsFront(robot: HttpReferenceRobot): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpsServer({ key: readFileSync(certs.key), cert: readFileSync(certs.cert) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const body = Buffer.concat(chunks);
      fetch(`${robot.url}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) })
        .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const until = (check: () => void | Promise<void>, timeout = 30_000) => vi.waitFor(check, { timeout, interval: 50 });

describe('HTTP robot over TLS with a private CA', () => {
  it('lab.tls.ca_file trusts the robot\'s certificate: the budget is finished over https', async () => {
    const robot = await startHttpRobot({ ...robotOptions(), port: 0 });
    const front = await tlsFront(robot);
    const { runner, outages } = await campaign({ type: 'http', url: front.url, tls: { ca_file: 'ca.pem' }, poll_interval_ms: 100, request_timeout_ms: 3000 });
    try {
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 2, failed: 0 });
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await front.close();
      await robot.close();
    }
  });

  it('a certificate we do not trust pauses the campaign at once with the reason; nothing failed, no budget spent', async () => {
    const robot = await startHttpRobot({ ...robotOptions(), port: 0 });
    const front = await tlsFront(robot);
    const { runner, outages } = await campaign({ type: 'http', url: front.url, poll_interval_ms: 100, request_timeout_ms: 3000 });
    try {
      await until(() => expect(outages).toHaveLength(1));
      expect(outages[0]).toMatch(/certificate we do not trust \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\).*check lab\.tls/);
      expect(await getCampaign(database.db, runner.campaignId)).toMatchObject({ status: 'paused' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ failed: 0, completed: 0 });
      expect(robot.lab.acceptedCounts().size).toBe(0);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await front.close();
      await robot.close();
    }
  });

  it('tls is refused for a plain http:// url and an mqtt:// broker', () => {
    const http = labSchema.safeParse({ type: 'http', url: 'http://127.0.0.1:1', tls: { ca_file: 'ca.pem' } });
    expect(http.error?.issues[0]).toMatchObject({ path: ['tls'], message: expect.stringMatching(/https/) });
    const broker = labSchema.safeParse({ type: 'mqtt', broker: 'mqtt://127.0.0.1:1883', tls: { ca_file: 'ca.pem' } });
    expect(broker.error?.issues[0]).toMatchObject({ path: ['tls'], message: expect.stringMatching(/mqtts/) });
    expect(labSchema.safeParse({ type: 'mqtt', broker: 'mqtts://127.0.0.1:8883', tls: { ca_file: 'ca.pem', server_name: 'broker.test' } }).success).toBe(true);
  });
});

/** `athanor run` in a child process, without blocking this one (the broker's clients live here). */
function athanor(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'athanor.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Mosquitto of our own: a TLS listener (test CA) and a plain one, both on loopback; with a password file when asked. */
async function startMosquitto(options: { password?: { user: string; password: string } } = {}): Promise<{ tlsUrl: string; plainUrl: string; stop(): Promise<void> }> {
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  const dir = join(home, `mosquitto-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  let auth = 'allow_anonymous true\n';
  if (options.password) {
    execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwords'), options.password.user, options.password.password], { stdio: 'ignore' });
    auth = `allow_anonymous false\npassword_file ${join(dir, 'passwords')}\n`;
  }
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    // started as root, mosquitto drops to the user 'mosquitto', who cannot read our private temp folder: stay who we are
    `user ${userInfo().username}\nper_listener_settings false\n${auth}persistence false\nlistener ${tlsPort} 127.0.0.1\ncafile ${certs.ca}\ncertfile ${certs.cert}\nkeyfile ${certs.key}\nlistener ${plainPort} 127.0.0.1\n`,
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  // ready once both ports take connections
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
    for (const port of [tlsPort, plainPort]) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(resolve));
        socket.on('error', reject);
      });
    }
  }, 15_000);
  return {
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    plainUrl: `mqtt://127.0.0.1:${plainPort}`,
    stop: async () => {
      const gone = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** The broker binary; without it the MQTT cases skip (unless ATHANOR_REQUIRE_MQTT makes that a failure). */
const mosquittoAvailable = (() => {
  try {
    execFileSync('which', ['mosquitto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!mosquittoAvailable && !process.env.ATHANOR_REQUIRE_MQTT)('MQTT over TLS and broker credentials', () => {
  it('mqtts with lab.tls.ca_file: the budget is finished; without the CA the campaign pauses with the reason', async () => {
    const broker = await startMosquitto();
    const prefix = `athanor-tls/${randomUUID().slice(0, 8)}`;
    const robot = await startMqttRobot({ ...robotOptions(), brokerUrl: broker.plainUrl, topicPrefix: prefix, redeliverMs: 300, clientId: `lab-sim-tls-${randomUUID().slice(0, 8)}` });
    await robot.ready;
    const trusted = await campaign({ type: 'mqtt', broker: broker.tlsUrl, tls: { ca_file: 'ca.pem' }, topic_prefix: prefix, client_id: `athanor-tls-${randomUUID().slice(0, 8)}`, request_timeout_ms: 2000, command_expiry_s: 60 });
    try {
      expect(await trusted.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      const why = (await listExperiments(database.db, trusted.runner.campaignId)).map((e) => e.failureReason).filter(Boolean);
      expect(why).toEqual([]);
      expect(await countByStatus(database.db, trusted.runner.campaignId)).toMatchObject({ completed: 2, failed: 0 });
      await trusted.runner.detach(2000);
      const untrusted = await campaign({ type: 'mqtt', broker: broker.tlsUrl, topic_prefix: prefix, client_id: `athanor-tls-${randomUUID().slice(0, 8)}`, request_timeout_ms: 2000, command_expiry_s: 60 });
      try {
        await until(() => expect(untrusted.outages).toHaveLength(1));
        expect(untrusted.outages[0]).toMatch(/certificate we do not trust .*check lab\.tls/);
        expect(await countByStatus(database.db, untrusted.runner.campaignId)).toMatchObject({ failed: 0, completed: 0 });
      } finally {
        await untrusted.runner.detach(2000).catch(() => undefined);
      }
    } finally {
      await trusted.runner.detach(2000).catch(() => undefined);
      await robot.close();
      await broker.stop();
    }
  });

  it('a wrong broker password pauses the campaign at once with the reason (and `athanor run` exits 4); nothing failed, no budget spent', async () => {
    const broker = await startMosquitto({ password: { user: 'athanor', password: 'right' } });
    process.env.ATHANOR_TEST_BROKER_PASSWORD = 'wrong';
    const { runner, outages } = await campaign({
      type: 'mqtt',
      broker: broker.tlsUrl,
      tls: { ca_file: 'ca.pem' },
      username: 'athanor',
      password_env: 'ATHANOR_TEST_BROKER_PASSWORD',
      topic_prefix: `athanor-auth/${randomUUID().slice(0, 8)}`,
      client_id: `athanor-auth-${randomUUID().slice(0, 8)}`,
      request_timeout_ms: 2000,
      command_expiry_s: 60,
    });
    try {
      await until(() => expect(outages).toHaveLength(1));
      expect(outages[0]).toMatch(/refused our credentials .*check lab\.username and lab\.password_env/);
      expect(await getCampaign(database.db, runner.campaignId)).toMatchObject({ status: 'paused' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ failed: 0, completed: 0, dispatched: 0 });
      await runner.detach(2000);

      // the same lab through `athanor run`: it ends with exit code 4 and the reason, nothing run
      const text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8').replace(/^lab:\n(?:[ \t]+.*\n)+/m, '').replace(/^(\s*)experiments: \d+$/m, '$1experiments: 2').replace(/^(\s*)batch: \d+$/m, '$1batch: 2');
      const file = join(home, 'mqtt-wrong-password.yaml'); // beside ca.pem
      writeFileSync(file, `${text}\nlab:\n  type: mqtt\n  broker: ${broker.tlsUrl}\n  tls: { ca_file: ca.pem }\n  username: athanor\n  password_env: ATHANOR_TEST_BROKER_PASSWORD\n  topic_prefix: athanor-auth/${randomUUID().slice(0, 8)}\n  request_timeout_ms: 2000\n  pause_after_unhealthy_s: 30\n`);
      const cli = await athanor(['run', file, '--json', '--home', join(home, 'cli-home')], { ATHANOR_TEST_BROKER_PASSWORD: 'wrong' });
      expect(cli.code, cli.stderr).toBe(4);
      expect(cli.stderr).toMatch(/paused: dispatching paused: .*refused our credentials/);
      expect(JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ status: 'paused' });
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await broker.stop();
    }
  }, 120_000);
});
