/**
 * `athanor token create|list|revoke` as a person runs it (real child processes, real PGlite), and
 * what the stored row holds: a hash, never the token.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticateToken, hashToken } from '../src/auth/index.js';
import { listApiTokens, openDatabase } from '../src/db/index.js';
import { ROOT, tempHome } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home, cleanup } = tempHome('athanor-tokens-');
afterAll(cleanup);

function athanor(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args, '--home', home], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('athanor token', () => {
  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const created = athanor(['token', 'create', '--role', 'viewer', '--name', 'ada', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { token, role, name } = JSON.parse(created.stdout.trim().split('\n').pop()!) as { token: string; role: string; name: string };
    expect({ role, name }).toEqual({ role: 'viewer', name: 'ada' });
    expect(token).toMatch(/^ath_[A-Za-z0-9_-]{43}$/);

    const listed = athanor(['token', 'list']);
    expect(listed.stdout).toContain('ada');
    expect(listed.stdout).toContain('viewer');
    expect(listed.stdout).not.toContain(token);

    const database = await openDatabase({ home });
    try {
      const [row] = await listApiTokens(database.db);
      expect(row?.tokenHash).toBe(hashToken(token));
      expect(JSON.stringify(row)).not.toContain(token);
      expect(await authenticateToken(database.db, token)).toMatchObject({ name: 'ada', role: 'viewer' });
    } finally {
      await database.close();
    }

    expect(athanor(['token', 'revoke', 'ada']).code).toBe(0);
    const database2 = await openDatabase({ home });
    try {
      expect(await authenticateToken(database2.db, token)).toBeUndefined();
    } finally {
      await database2.close();
    }
    const again = athanor(['token', 'revoke', 'ada']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no live token/);
  });

  it('refuses an unknown role with a usage error', () => {
    const bad = athanor(['token', 'create', '--role', 'admin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/viewer, operator, lab/);
  });
});
