/**
 * A campaign on a SiLA 2 reactor station end to end: the example campaign file (lab.type sila2),
 * the real loop (openCampaign, the XState machine, PGlite), the reference station over gRPC on
 * 127.0.0.1 answering from the dataset; and the campaign file's own checks of the sila2 section.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCampaign } from '../src/agent/index.js';
import { loadServiceConfig } from '../src/agent/service-config.js';
import { CampaignSpecError, loadCampaignFile, parseCampaignSpec } from '../src/campaign/index.js';
import { countByStatus, getCampaign, listEvents, listExperiments, openDatabase, type Database } from '../src/db/index.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startSila2Station, type Sila2ReferenceStation } from '../src/lab-adapters/reference-robot/sila2-station.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';

const { home, cleanup } = tempHome('athanor-campaign-sila2-');
let database: Database;
let station: Sila2ReferenceStation;
const TOKEN_VAR = 'ATHANOR_TEST_SILA_TOKEN';

beforeAll(async () => {
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  const oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  process.env[TOKEN_VAR] = 'campaign-token';
  station = await startSila2Station({ oracle, source: 'direct_arylation.csv', capacity: 5, parallel: 5, latencyMs: 60, seed: 2, port: 0, accessToken: 'campaign-token', log: pino({ level: 'silent' }) });
  database = await openDatabase({ home });
});

afterAll(async () => {
  await station?.close();
  await database?.close();
  cleanup();
});

const example = () => readFileSync(join(EXAMPLES, 'direct-arylation-robot-sila2.yaml'), 'utf8');
const withLab = (lab: string) => example().replace(/^lab:[\s\S]*$/m, `lab:\n${lab}\n`);
const parse = (text: string, origin: 'file' | 'api' = 'file') => parseCampaignSpec(text, { baseDir: EXAMPLES, fileName: 'test.yaml', origin });

describe('a campaign on a SiLA 2 reactor station', () => {
  it('runs its budget through RunExperiment executions, each experiment dispatched once, every result stored', async () => {
    const { spec: file } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation-robot-sila2.yaml'), { dataFolders: [join(ROOT, '.athanor')] });
    expect(file.lab).toMatchObject({ type: 'sila2', address: '127.0.0.1:7412', lock: true, plaintext: false });
    const spec = await parse(withLab(`  type: sila2\n  address: ${station.address}\n  access_token_env: ${TOKEN_VAR}\n  capacity: 5`));
    const budget = { experiments: 10, batch: 5 };
    const { runner } = await openCampaign(database.db, { spec: { ...spec, budget }, source: '', home, actor: 'test' });
    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments).toHaveLength(10);
    expect(experiments.every((e) => e.status === 'completed' && e.dispatchCount === 1)).toBe(true);
    expect([...station.lab.acceptedCounts().values()]).toEqual(Array(10).fill(1));
    const events = await listEvents(database.db, runner.campaignId);
    expect(events.filter((e) => e.type === 'experiment.dispatched')).toHaveLength(10);
    // the lock was the campaign's while it ran, and is given back when it ends
    expect(station.lockHolder()).toBeUndefined();
  });
});

describe('a SiLA 2 station down when the campaign dispatches', () => {
  it('holds the experiments, probes the station, and finishes the budget once it is back: nothing failed, nothing run twice', async () => {
    const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
    const oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
    const settings = { oracle, source: 'direct_arylation.csv', capacity: 3, latencyMs: 40, seed: 5, accessToken: 'campaign-token', log: pino({ level: 'silent' }) };
    // a free port, then nobody on it
    const probe = await startSila2Station({ ...settings, port: 0 });
    const address = probe.address;
    await probe.close();
    const spec = await parse(withLab(`  type: sila2\n  address: ${address}\n  access_token_env: ${TOKEN_VAR}\n  request_timeout_ms: 1000\n  pause_after_unhealthy_s: 120\n  capacity: 3`));
    const { runner } = await openCampaign(database.db, { spec: { ...spec, budget: { experiments: 3, batch: 3 } }, source: '', home, actor: 'test' });
    await runner.start();
    let back: Sila2ReferenceStation | undefined;
    try {
      await vi.waitFor(async () => expect((await listEvents(database.db, runner.campaignId)).some((e) => e.type === 'experiment.held')).toBe(true), { timeout: 20_000, interval: 100 });
      expect((await countByStatus(database.db, runner.campaignId)).failed ?? 0).toBe(0);
      back = await startSila2Station({ ...settings, port: Number(address.split(':').pop()) });
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 3 });
      expect((await countByStatus(database.db, runner.campaignId)).failed ?? 0).toBe(0);
      expect([...back.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
    } finally {
      await back?.close();
    }
  });
});

describe('a SiLA 2 station refusing our access token', () => {
  it('pauses the campaign at once with the reason: nothing failed, no budget spent, nothing run', async () => {
    process.env.ATHANOR_TEST_SILA_WRONG = 'not-the-token';
    const spec = await parse(withLab(`  type: sila2\n  address: ${station.address}\n  access_token_env: ATHANOR_TEST_SILA_WRONG\n  capacity: 3`));
    const before = station.lab.acceptedCounts().size;
    const { runner } = await openCampaign(database.db, { spec: { ...spec, budget: { experiments: 3, batch: 3 } }, source: '', home, actor: 'test' });
    const outages: string[] = [];
    runner.on('lab-outage', (reason: string) => outages.push(reason));
    await runner.start();
    await vi.waitFor(() => expect(outages).toHaveLength(1), { timeout: 20_000, interval: 50 });
    expect(outages[0]).toMatch(/refused the access token \(AuthorizationService InvalidAccessToken\)/);
    const row = await getCampaign(database.db, runner.campaignId);
    expect(row).toMatchObject({ status: 'paused' });
    expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ failed: 0, completed: 0, dispatched: 0, planned: 3 });
    expect(station.lab.acceptedCounts().size).toBe(before);
    await runner.detach();
  });
});

describe('a SiLA 2 station over TLS', () => {
  it('trusts the roots in lab.tls.ca_file (inside the data folders) and runs the campaign', async () => {
    const dir = join(home, 'tls');
    mkdirSync(dir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=station.test', '-addext', 'subjectAltName=DNS:station.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
    const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
    const oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
    const tlsStation = await startSila2Station({ oracle, source: 'direct_arylation.csv', capacity: 3, latencyMs: 40, seed: 4, port: 0, tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, log: pino({ level: 'silent' }) });
    try {
      // the certificate names station.test, not 127.0.0.1: server_name says which name to check
      const lab = `  type: sila2\n  address: ${tlsStation.address}\n  tls: { ca_file: ${join(dir, 'ca.pem')}, server_name: station.test }\n  capacity: 3`;
      const spec = await parseCampaignSpec(withLab(lab), { baseDir: EXAMPLES, fileName: 'tls.yaml', dataFolders: [home] });
      const { runner } = await openCampaign(database.db, { spec: { ...spec, budget: { experiments: 3, batch: 3 } }, source: '', home, actor: 'test' });
      await runner.start();
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect((await listExperiments(database.db, runner.campaignId)).map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
      // a CA file outside the campaign's data folders is refused when the campaign starts
      const outside = await parseCampaignSpec(withLab(lab), { baseDir: EXAMPLES, fileName: 'tls.yaml' });
      const refused = await openCampaign(database.db, { spec: outside, source: '', home, actor: 'test' }).catch((e: unknown) => e);
      expect(String(refused)).toMatch(/lab\.tls\.ca_file/);
    } finally {
      await tlsStation.close();
    }
  });
});

describe('a SiLA 2 station as a registered lab profile', () => {
  it('runs a campaign sent over the API on the profile, its token a registered secret read from a file', async () => {
    const tokenFile = join(home, 'station-token');
    writeFileSync(tokenFile, 'campaign-token\n');
    const configFile = join(home, 'service.yaml');
    writeFileSync(configFile, `secrets:\n  station-token: { file: ${tokenFile} }\nlabs:\n  reactor-1:\n    type: sila2\n    address: "${station.address}"\n    access_token_secret: station-token\n    capacity: 5\n`);
    const config = await loadServiceConfig(home, configFile);
    expect(config.profiles['reactor-1']).toMatchObject({ type: 'sila2', access_token_secret: 'station-token', lock: true });
    const spec = await parseCampaignSpec(withLab('  type: profile\n  profile: reactor-1'), { baseDir: EXAMPLES, fileName: 'api.yaml', origin: 'api', profiles: config.profiles });
    const before = station.lab.acceptedCounts().size;
    const { runner } = await openCampaign(database.db, { spec: { ...spec, budget: { experiments: 5, batch: 5 } }, source: '', home, actor: 'test', config });
    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments.map((e) => e.status)).toEqual(Array(5).fill('completed'));
    expect(station.lab.acceptedCounts().size).toBe(before + 5);
  });

  it('refuses a profile naming a secret nobody registered', async () => {
    const configFile = join(home, 'service-bad.yaml');
    writeFileSync(configFile, `labs:\n  reactor-2:\n    type: sila2\n    address: 127.0.0.1:7412\n    access_token_secret: nowhere\n`);
    await expect(loadServiceConfig(home, configFile)).rejects.toThrow(/labs\.reactor-2\.access_token_secret: no secret "nowhere" is registered/);
  });
});

describe('the sila2 section of a campaign file', () => {
  const bad: [string, string, RegExp][] = [
    ['a plaintext server off this machine', '  type: sila2\n  address: station.lab:50052', /^lab\.address: station\.lab:50052 is not on this machine: give tls/],
    ['both token sources', '  type: sila2\n  address: 127.0.0.1:50052\n  access_token_env: A\n  access_token_secret: b', /^lab\.access_token_secret: give access_token_env or access_token_secret, not both/],
    ['an address without a port', '  type: sila2\n  address: 127.0.0.1', /^lab\.address: must be host:port/],
    ['a token written into the file', '  type: sila2\n  address: 127.0.0.1:50052\n  access_token: hunter2', /^lab\.access_token: unknown field/],
    ['tls and plaintext together', '  type: sila2\n  address: station.lab:50052\n  tls: true\n  plaintext: true', /^lab\.plaintext: give tls or plaintext, not both/],
  ];
  for (const [what, lab, message] of bad) {
    it(`refuses ${what}, naming the field`, async () => {
      const error = await parse(withLab(lab)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CampaignSpecError);
      const issues = (error as CampaignSpecError).issues.map((i) => `${i.path}: ${i.message}`);
      expect(issues.some((i) => message.test(i)), issues.join('\n')).toBe(true);
    });
  }

  it('takes a server off this machine over TLS or with plaintext said out loud', async () => {
    expect((await parse(withLab('  type: sila2\n  address: station.lab:50052\n  tls: true'))).lab).toMatchObject({ tls: true });
    expect((await parse(withLab('  type: sila2\n  address: "[::1]:50052"'))).lab).toMatchObject({ plaintext: false });
    expect((await parse(withLab('  type: sila2\n  address: 10.0.0.7:50052\n  plaintext: true'))).lab).toMatchObject({ plaintext: true });
  });

  it('is refused over the API, which runs robots only through registered lab profiles', async () => {
    const error = (await parse(withLab(`  type: sila2\n  address: 127.0.0.1:50052\n  access_token_env: ${TOKEN_VAR}`), 'api').catch((e: unknown) => e)) as CampaignSpecError;
    const issues = error.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues.some((i) => /^lab\.type: a campaign created through the API runs on a registered lab profile/.test(i))).toBe(true);
    expect(issues).toContain('lab.access_token_env: the API does not accept environment variable names: use a registered lab profile');
  });
});
