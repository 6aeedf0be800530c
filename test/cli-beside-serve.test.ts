/**
 * `athanor status`, `token` (create, list, bind, revoke) and `experiments` on a home that a running `athanor serve` holds
 * (PGlite admits one process): they go through the service's API with the token it left in the
 * home, and once the service stops they open the database again. And the service's log: JSON
 * lines when stderr is a pipe, readable lines when it is a terminal (a real pseudo-terminal, made
 * by util-linux's `script`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logFormat } from '../src/cli/service-log.js';
import { decodeOrd } from '../src/export/ord/index.js';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';
import { freePort, spawnService, waitFor, type ServiceProcess } from './service-harness.js';

const CLI = join(ROOT, 'bin', 'athanor.js');

function athanor(home: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--home', home], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the CLI beside a running service', () => {
  const { home, cleanup } = tempHome('athanor-beside-');
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.kill('SIGTERM');
    cleanup();
  });

  it('status, token and experiments go through the service, and open the database once it stops', async () => {
    service = await spawnService(home);
    await service.ready;
    const file = join(home, 'service.json');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // an operator token made beside the service works against it
    const created = athanor(home, ['token', 'create', '--role', 'operator', '--name', 'grace', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout.trim().split('\n').pop()!) as { token: string };
    // a new connection each time: the CLI runs between two calls can outlast the server's keep-alive,
    // and fetch would otherwise reuse a socket the server has just closed ("other side closed")
    const call = (path: string, init: RequestInit = {}) =>
      fetch(service!.url + path, { ...init, keepalive: false, headers: { authorization: `Bearer ${token}`, connection: 'close', ...init.headers } });
    expect(await (await call('/api/session')).json()).toEqual({ name: 'grace', role: 'operator' });

    const yaml = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8')
      .replace(/^name: .*$/m, 'name: Beside the service')
      .replace(/^(\s*)experiments: \d+$/m, '$1experiments: 4')
      .replace(/^(\s*)batch: \d+$/m, '$1batch: 2')
      .replace(/^planner:\n/m, 'planner:\n  strategy: diverse\n');
    const post = await call('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(post.status).toBe(201);
    const id = ((await post.json()) as { campaignId: string }).campaignId;
    await waitFor('the campaign to finish', async () => ((await (await call(`/api/campaigns/${id}`)).json()) as { status: string }).status === 'completed', 120_000);

    const list = athanor(home, ['status']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}  completed +4/4 +best .+ Beside the service$`, 'm'));
    const detail = athanor(home, ['status', id]);
    expect(detail.code, detail.stderr).toBe(0);
    expect(detail.stdout).toContain(`Campaign ${id} "Beside the service": completed`);
    expect(detail.stdout).toContain(`stored in     the running service at ${service.url}`);
    const asJson = JSON.parse(athanor(home, ['status', id, '--json']).stdout) as { bestSoFar: number[]; experiments: number };
    expect(asJson.experiments).toBe(4);
    expect(asJson.bestSoFar).toHaveLength(4);

    const experiments = athanor(home, ['experiments', id, '--json']);
    expect(experiments.code, experiments.stderr).toBe(0);
    const rows = JSON.parse(experiments.stdout) as { seq: number; status: string; values: Record<string, number> | null }[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => r.status === 'completed' && typeof r.values?.yield === 'number')).toBe(true);
    // a screen beside the service goes to it as a background screen, printed as a local one is
    // (in a campaign of the default planner, which trains a model; the one above plans without)
    const modelled = await call('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml.replace(/^name: .*$/m, 'name: Modelled').replace(/^planner:\n  strategy: diverse\n/m, 'planner:\n') });
    expect(modelled.status).toBe(201);
    const screenedId = ((await modelled.json()) as { campaignId: string }).campaignId;
    await waitFor('a model', async () => (((await (await call(`/api/campaigns/${screenedId}/models`)).json()) as { models: unknown[] }).models.length > 0), 120_000);
    const library = join(home, 'bases.smi');
    writeFileSync(library, ['CN(C)C(=NC(C)(C)C)N(C)C BTMG', 'CCN(CC)CC triethylamine', 'C1CCC2=NCCCN2CC1 DBU', 'not-a-molecule broken', 'O=C([O-])[O-].[K+].[K+] carbonate'].join('\n'));
    const screened = athanor(home, ['screen', screenedId, '--role', 'base', '--library', library, '--top', '2', '--no-forward', '--out', join(home, 'best.csv')]);
    expect(screened.code, screened.stderr).toBe(0);
    expect(screened.stderr).toContain(`through the running service at ${service.url}`);
    expect(screened.stdout).toMatch(/^5 rows read in .*: \d+ molecules scored, 0 duplicates, \d+ unusable$/m);
    expect(screened.stdout).toMatch(/line 4 \(broken\)/);
    expect(screened.stdout).toMatch(/^best 2 by predicted yield$/m);
    expect(readFileSync(join(home, 'best.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    const wrongRole = athanor(home, ['screen', screenedId, '--role', 'temperature', '--library', library]);
    expect(wrongRole.code).toBe(2);
    expect(wrongRole.stderr).toContain('"temperature" is not a substance role');
    const ordFile = join(home, 'beside.ord.pb.gz');
    const exported = athanor(home, ['export', id, '--email', 'grace@example.org', '--out', ordFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((decodeOrd(readFileSync(ordFile), 'pb.gz').reactions as unknown[]).length).toBe(4);
    const unknown = athanor(home, ['experiments', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no campaign has the id');

    // a lab token bound beside the service, then bound to a second campaign
    const second = await call('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml.replace(/^name: .*$/m, 'name: Second').replace(/^(\s*)experiments: \d+$/m, '$1experiments: 2') });
    const id2 = ((await second.json()) as { campaignId: string }).campaignId;
    const lab = athanor(home, ['token', 'create', '--role', 'lab', '--name', 'bay', '--campaign', id, '--json']);
    expect(lab.code, lab.stderr).toBe(0);
    const labToken = (JSON.parse(lab.stdout.trim().split('\n').pop()!) as { token: string }).token;
    const labCall = (path: string) => fetch(service!.url + path, { headers: { authorization: `Bearer ${labToken}`, connection: 'close' } });
    expect((await labCall(`/api/campaigns/${id2}`)).status).toBe(403);
    const bind = athanor(home, ['token', 'bind', 'bay', '--campaign', id2]);
    expect(bind.code, bind.stderr).toBe(0);
    expect((await labCall(`/api/campaigns/${id2}`)).status).toBe(200);
    const listed = JSON.parse(athanor(home, ['token', 'list', '--json']).stdout) as { name: string; campaigns: string[] | null }[];
    expect(listed.find((t) => t.name === 'bay')?.campaigns).toEqual([id, id2]);

    const tokens = athanor(home, ['token', 'list']);
    expect(tokens.code, tokens.stderr).toBe(0);
    expect(tokens.stdout).toContain('grace');
    expect(tokens.stdout).not.toContain(token);
    const revoked = athanor(home, ['token', 'revoke', 'grace']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await call('/api/session')).status).toBe(401);
    // the API's refusal is the user's to fix: exit 2 with its message
    const badLab = athanor(home, ['token', 'create', '--role', 'lab', '--campaign', '00000000-0000-4000-8000-000000000000']);
    expect(badLab.code).toBe(2);
    expect(badLab.stderr).toContain('no campaign has the id 00000000-0000-4000-8000-000000000000');

    // stopped: the file and its token are gone, and the CLI opens the database itself
    const stopped = service;
    service = undefined;
    expect(await stopped.kill('SIGTERM')).toBe(0);
    expect(existsSync(file)).toBe(false);
    // into a pipe, the service's log is JSON lines
    const logLines = stopped.output().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expect.arrayContaining(['database ready', 'listening', 'shutting down']));
    const after = athanor(home, ['status', id]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain(`stored in     ${join(home, 'db')}`);
    const all = JSON.parse(athanor(home, ['token', 'list', '--all', '--json']).stdout) as { name: string; revokedAt: string | null }[];
    expect(all.filter((t) => t.name === 'local-cli').every((t) => t.revokedAt !== null)).toBe(true);
  }, 300_000);

  it('a home held by a process that left no address is still refused with the lock message', async () => {
    const { home: other, cleanup: done } = tempHome('athanor-held-');
    try {
      // a second `serve` would be refused too; the file is what tells a service from a run
      const first = await spawnService(other);
      await first.ready;
      const file = join(other, 'service.json');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(/"pid":\d+/, '"pid":1'), { mode: 0o600 });
      const refused = athanor(other, ['status']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('is in use by another process');
      expect(await first.kill('SIGTERM')).toBe(0);
    } finally {
      done();
    }
  }, 120_000);
});

describe("the service's log", () => {
  it('is JSON unless a terminal watches; ATHANOR_LOG_FORMAT decides first', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ ATHANOR_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ ATHANOR_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => logFormat({ ATHANOR_LOG_FORMAT: 'xml' }, true)).toThrow(/not json or pretty/);
  });

  it('prints readable lines on a terminal', async () => {
    const { home, cleanup } = tempHome('athanor-log-tty-');
    const port = await freePort();
    // util-linux script gives the service a pseudo-terminal for stdout and stderr
    const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} serve --port ${port} --home ${JSON.stringify(home)}`;
    const child = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the service to listen', async () => out.includes('Athanor is running at'), 90_000, 100);
      // the service's own pid (exec kept it as the script's child): ended by that id only
      const servicePid = Number(JSON.parse(readFileSync(join(home, 'service.json'), 'utf8')).pid);
      process.kill(servicePid, 'SIGTERM');
      expect(await exited).toBe(0);
      // eslint-disable-next-line no-control-regex
      const plain = out.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
      const logLines = plain.split('\n').filter((l) => /^\[\d\d:\d\d:\d\d(\.\d{3})?\] /.test(l));
      expect(logLines.some((l) => /^\[[\d:.]+\] INFO: database ready/.test(l))).toBe(true);
      expect(logLines.some((l) => l.includes('INFO: listening') && l.includes(`http://127.0.0.1:${port}`))).toBe(true);
      expect(plain.split('\n').filter((l) => l.startsWith('{"level"'))).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      cleanup();
    }
  }, 120_000);
});
