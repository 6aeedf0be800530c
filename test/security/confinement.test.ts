/**
 * Issue 15, confinement: what an operator token can reach through campaign files. Each test is one
 * finding of the penetration test and failed on the code before the fix. The real app over
 * loopback HTTP, a real PGlite database and Supervisor, real files in a temporary folder with a
 * secret file outside the data folder and links inside it that lead out; what was (not) read,
 * written or moved is checked on the file system itself.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNewCampaign, Supervisor } from '../../src/agent/index.js';
import { parseServiceConfig } from '../../src/agent/service-config.js';
import { issueToken } from '../../src/auth/index.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { listCampaigns, openDatabase, type Database } from '../../src/db/index.js';
import { createApp } from '../../src/server/app.js';
import { EventFeed } from '../../src/server/event-feed.js';
import { exampleYaml, waitFor } from '../api-harness.js';
import { EXAMPLES } from '../helpers.js';

const MARKER = 'root:x:0:0:SECRET-MARKER-7f3a';
const OUTSIDE_MESSAGE = 'path is outside the data folders';
const LONG_AGO = new Date('2001-01-01T00:00:00Z');

let root: string;
let data: string;
let outside: string;
let secretFile: string;
let database: Database;
let supervisor: Supervisor;
let server: ServerType;
let feed: EventFeed;
let url: string;
let operator: string;
let robot: Server;
let robotUrl: string;
const robotRequests: IncomingHttpHeaders[] = [];
const startFailures: Error[] = [];
const ROBOT_TOKEN = 'registered-robot-token-51c2';

/** The secret file's access time, set far in the past: on relatime mounts any read moves it forward (atime ≤ mtime). */
function armSecret(): void {
  utimesSync(secretFile, LONG_AGO, new Date());
}
function secretWasRead(): boolean {
  return statSync(secretFile).atimeMs > LONG_AGO.getTime() + 1000;
}

const yaml = { 'content-type': 'application/yaml' };
async function post(path: string, body: string): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(url + path, { method: 'POST', headers: { ...yaml, authorization: `Bearer ${operator}` }, body });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}
const issuesAt = (body: any, field: string) => ((body?.error?.issues ?? []) as { path: string; message: string }[]).filter((i) => i.path === field);
const withLab = (lab: string) => exampleYaml().replace(/\nlab:[\s\S]*$/, `\nlab:\n${lab}\n`);
const SCOPE_COLUMNS = '{ base: Base_SMILES, ligand: Ligand_SMILES, solvent: Solvent_SMILES, concentration: Concentration, temperature: Temp_C }';
const withScope = (file: string) => exampleYaml().replace(/^space:\n/m, `space:\n  scope:\n    file: ${JSON.stringify(file)}\n    columns: ${SCOPE_COLUMNS}\n`);
const withForwardModel = (file: string) =>
  exampleYaml()
    .replace(/^planner:\n/m, `planner:\n  strategy: discovery\n  discovery:\n    forward_model: ${JSON.stringify(file)}\n`)
    .replace('bounds: [0, 100]', 'bounds: [0, 1]');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'athanor-confine-'));
  data = join(root, 'data');
  outside = join(root, 'outside');
  mkdirSync(join(data, 'data'), { recursive: true });
  mkdirSync(join(outside, 'inbox'), { recursive: true });
  copyFileSync(join(EXAMPLES, 'data', 'direct_arylation.csv'), join(data, 'data', 'direct_arylation.csv'));
  secretFile = join(outside, 'shadow.csv');
  writeFileSync(secretFile, `${MARKER},b\n1,2\n`);
  writeFileSync(join(outside, 'inbox', 'important.txt'), 'keep me\n');
  // the reads checks rely on the access time: make sure this file system records reads
  armSecret();
  readFileSync(secretFile);
  if (!secretWasRead()) throw new Error(`the file system of ${root} does not record reads (noatime): these tests cannot tell`);
  // links inside the data folder that lead out of it
  symlinkSync(secretFile, join(data, 'escape.csv'));
  symlinkSync(outside, join(data, 'escape-dir'));
  // a file-drop lab folder an administrator registered, whose inbox someone linked elsewhere
  mkdirSync(join(data, 'plates'));
  symlinkSync(join(outside, 'inbox'), join(data, 'plates', 'inbox'));

  robot = createServer((req, res) => {
    robotRequests.push(req.headers);
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' }).end('{"error":"busy"}');
  });
  await new Promise<void>((resolve) => robot.listen(0, '127.0.0.1', resolve));
  robotUrl = `http://127.0.0.1:${(robot.address() as AddressInfo).port}`;

  const secrets = join(root, 'secrets');
  mkdirSync(secrets);
  writeFileSync(join(secrets, 'robot-token'), `${ROBOT_TOKEN}\n`);
  const config = parseServiceConfig(
    [
      'secrets:',
      '  robot_token: { file: secrets/robot-token }',
      'labs:',
      '  plates:',
      '    type: files',
      `    folder: ${JSON.stringify(join(data, 'plates'))}`,
      '  robot:',
      '    type: http',
      `    url: ${robotUrl}`,
      '    auth: { header: Authorization, secret: robot_token }',
      '    poll_interval_ms: 100',
    ].join('\n'),
    join(root, 'service.yaml'),
  );

  const home = join(root, 'home');
  database = await openDatabase({ home });
  supervisor = new Supervisor(database.db, home, { config });
  supervisor.on('start-failed', (_row, error) => startFailures.push(error));
  feed = new EventFeed(database.db, 100);
  const app = createApp({ database, supervisor, feed, dataDir: data, config, logError: (error) => console.error(error) });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  operator = (await issueToken(database.db, 'olivia', 'operator')).token;
});

afterAll(async () => {
  feed?.close();
  (server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await supervisor?.shutdown();
  await database?.close();
  await new Promise<void>((resolve) => (robot ? robot.close(() => resolve()) : resolve()));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('finding 1: no file outside the data folders is read through POST /api/campaigns/validate', () => {
  const cases: [string, (path: string) => string][] = [
    ['lab.dataset', (p) => exampleYaml().replace('data/direct_arylation.csv', JSON.stringify(p))],
    ['space.scope.file', withScope],
    ['planner.discovery.forward_model', withForwardModel],
  ];
  for (const [field, campaignWith] of cases) {
    it(`refuses ${field} outside (absolute, relative, through a link, missing) with one message, reading nothing`, async () => {
      armSecret();
      const before = (await listCampaigns(database.db)).length;
      const tries = {
        absolute: secretFile,
        relative: '../outside/shadow.csv',
        link: 'escape.csv',
        'through a linked folder': 'escape-dir/shadow.csv',
        missing: join(outside, 'no-such-file.csv'),
      };
      const seen: Record<string, string> = {};
      for (const [what, path] of Object.entries(tries)) {
        const res = await post('/api/campaigns/validate', campaignWith(path));
        expect(res.status, what).toBe(422);
        expect(res.text, what).not.toContain('SECRET-MARKER');
        const issues = issuesAt(res.body, field);
        expect(issues.map((i) => i.message), `${what}: ${res.text}`).toEqual([OUTSIDE_MESSAGE]);
        seen[what] = JSON.stringify(issues);
      }
      // the same answer whether the file outside exists or not
      expect(new Set(Object.values(seen)).size).toBe(1);
      expect(secretWasRead()).toBe(false);
      expect((await listCampaigns(database.db)).length).toBe(before);
    });
  }

  it('still validates files inside the data folder (and says what is wrong with them there)', async () => {
    expect((await post('/api/campaigns/validate', exampleYaml())).status).toBe(200);
    writeFileSync(join(data, 'empty.csv'), 'a,b\n');
    const res = await post('/api/campaigns/validate', exampleYaml().replace('data/direct_arylation.csv', 'empty.csv'));
    expect(issuesAt(res.body, 'lab.dataset').map((i) => i.message)).toEqual([`${join(data, 'empty.csv')} has no data rows`]);
  });

  it('refuses a path swapped for a link after validation when the campaign starts (athanor serve start/resume)', async () => {
    const swapped = join(data, 'swapped.csv');
    copyFileSync(join(data, 'data', 'direct_arylation.csv'), swapped);
    const text = exampleYaml({ name: 'Swapped later' }).replace('data/direct_arylation.csv', 'swapped.csv');
    const spec = await parseCampaignSpec(text, { baseDir: data, origin: 'api' });
    const row = await createNewCampaign(database.db, spec, text, 'test');
    unlinkSync(swapped);
    symlinkSync(secretFile, swapped);
    armSecret();
    const failuresBefore = startFailures.length;
    await supervisor.run(row);
    await waitFor(async () => startFailures.length > failuresBefore, 'the start to fail');
    expect(startFailures.at(-1)?.message).toBe(`lab.dataset: ${OUTSIDE_MESSAGE}`);
    expect(supervisor.runner(row.id)).toBeUndefined();
    expect(secretWasRead()).toBe(false);
  });
});

describe('finding 2: no folder outside the data folders is written through a file-drop lab', () => {
  const listing = () => readdirSync(outside, { recursive: true }).map(String).sort();

  it('refuses lab.folder outside, or through a link, creating and moving nothing', async () => {
    const before = listing();
    const count = (await listCampaigns(database.db)).length;
    for (const folder of [outside, 'escape-dir', '../outside']) {
      const res = await post('/api/campaigns', withLab(`  type: files\n  folder: ${JSON.stringify(folder)}\n  settle_ms: 0\n  poll_interval_ms: 50`));
      expect(res.status, folder).toBe(422);
      expect(issuesAt(res.body, 'lab.folder').map((i) => i.message), folder).toEqual([OUTSIDE_MESSAGE]);
    }
    expect((await listCampaigns(database.db)).length).toBe(count);
    expect(listing()).toEqual(before);
    expect(readFileSync(join(outside, 'inbox', 'important.txt'), 'utf8')).toBe('keep me\n');
  });

  it("a registered lab's subfolder that leads outside stops the lab before it touches anything there", async () => {
    const before = listing();
    const failuresBefore = startFailures.length;
    const res = await post('/api/campaigns', withLab('  type: profile\n  profile: plates'));
    expect(res.status, res.text).toBe(201);
    await waitFor(async () => startFailures.length > failuresBefore, 'the start to fail');
    expect(startFailures.at(-1)?.message).toMatch(/inbox leads outside the lab folder/);
    expect(listing()).toEqual(before);
    expect(existsSync(join(outside, 'inbox', 'important.txt'))).toBe(true);
  });
});

describe('finding 3: no secret goes anywhere the administrator did not register', () => {
  it('refuses an HTTP lab of its own with auth.value_env, sending nothing to its URL', async () => {
    process.env.ATHANOR_TEST_EXFIL = 'exfiltrated-value-9d1e';
    const count = (await listCampaigns(database.db)).length;
    const requestsBefore = robotRequests.length;
    const res = await post('/api/campaigns', withLab(`  type: http\n  url: ${robotUrl}\n  auth: { header: X-Leak, value_env: ATHANOR_TEST_EXFIL }\n  poll_interval_ms: 100`));
    expect(res.status).toBe(422);
    expect(issuesAt(res.body, 'lab.auth.value_env').map((i) => i.message)).toEqual(['the API does not accept environment variable names: use a registered lab profile']);
    expect(issuesAt(res.body, 'lab.type')[0]?.message).toMatch(/registered lab profile/);
    expect(res.text).not.toContain('exfiltrated-value');
    // nothing was created, so nothing can call the URL later
    expect((await listCampaigns(database.db)).length).toBe(count);
    expect(robotRequests.slice(requestsBefore).some((h) => h['x-leak'] !== undefined)).toBe(false);
  });

  it('refuses callback_listen on all interfaces: no listener opens', async () => {
    const port = await freePort();
    process.env.ATHANOR_TEST_KEY = 'k';
    const res = await post(
      '/api/campaigns',
      withLab(`  type: http\n  url: ${robotUrl}\n  results: callback\n  secret_env: ATHANOR_TEST_KEY\n  callback_listen: "0.0.0.0:${port}"`),
    );
    expect(res.status).toBe(422);
    expect(issuesAt(res.body, 'lab.callback_listen').map((i) => i.message)).toEqual(['the API does not accept listen addresses: use a registered lab profile']);
    expect(issuesAt(res.body, 'lab.secret_env').map((i) => i.message)).toEqual(['the API does not accept environment variable names: use a registered lab profile']);
    expect(await listening(port)).toBe(false);
  });

  it('a registered profile reaches its robot with its registered secret, and nothing else', async () => {
    const requestsBefore = robotRequests.length;
    const res = await post('/api/campaigns', withLab('  type: profile\n  profile: robot\n  capacity: 2'));
    expect(res.status, res.text).toBe(201);
    const headers = await waitFor(async () => robotRequests[requestsBefore], 'a request at the registered robot');
    expect(headers.authorization).toBe(ROBOT_TOKEN);
    const unknown = await post('/api/campaigns/validate', withLab('  type: profile\n  profile: elsewhere'));
    expect(issuesAt(unknown.body, 'lab.profile').map((i) => i.message)).toEqual(['no lab profile "elsewhere" is registered (profiles: "plates", "robot")']);
    await fetch(`${url}/api/campaigns/${res.body.campaignId}/stop`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{}' });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether anything accepts connections on the port (on any interface, so 127.0.0.1 answers too). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
