/**
 * How CLI commands reach a running `athanor serve` on the same home. PGlite admits one process
 * (src/db/home-lock.ts), so while the service runs, `athanor status`, `token` and `experiments`
 * cannot open the database themselves; they ask the service over its HTTP API instead.
 *
 * The service writes `<home>/service.json` when it listens: its pid, its URL and an operator
 * token of its own (named `local-cli`, made anew at every start and revoked at shutdown). The
 * file is private to the user (0600, in the 0700 home), the same user who could open the
 * database itself when the service is stopped, so it gives nobody more than the home already does.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { issueToken, LOCAL_CLI_TOKEN } from '../auth/index.js';
import { listApiTokens, revokeApiTokens, type Db } from '../db/index.js';
import { PRIVATE_FILE_MODE, makeFilePrivate } from '../util/private-files.js';

export { LOCAL_CLI_TOKEN };

const serviceFileSchema = z.object({ pid: z.int(), url: z.url(), token: z.string() });
export type RunningService = z.infer<typeof serviceFileSchema>;

export function serviceFilePath(home: string): string {
  return join(home, 'service.json');
}

/** A loopback URL for the address the service listens on (0.0.0.0 and :: mean every address, this one too). */
export function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The local CLI tokens of earlier runs (a run killed before its shutdown could not revoke its own). */
export async function revokeLocalCliTokens(db: Db): Promise<void> {
  for (const row of await listApiTokens(db)) if (row.name === LOCAL_CLI_TOKEN) await revokeApiTokens(db, row.id);
}

/** Makes this run's local CLI token (replacing any earlier one) and writes the file; returns what undoes both. */
export async function writeServiceFile(db: Db, home: string, url: string): Promise<() => Promise<void>> {
  await revokeLocalCliTokens(db);
  const issued = await issueToken(db, LOCAL_CLI_TOKEN, 'operator');
  const path = serviceFilePath(home);
  writeFileSync(path, `${JSON.stringify({ pid: process.pid, url, token: issued.token })}\n`, { mode: PRIVATE_FILE_MODE });
  makeFilePrivate(path);
  return async () => {
    rmSync(path, { force: true });
    await revokeApiTokens(db, issued.row.id);
  };
}

/** The service running on this home, if its file names a live process that holds the home's lock. */
export function runningService(home: string, lockOwner: number): RunningService | undefined {
  let text: string;
  try {
    text = readFileSync(serviceFilePath(home), 'utf8');
  } catch {
    return undefined;
  }
  let parsed;
  try {
    parsed = serviceFileSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  // a file left by a service that died is not followed: the process holding the lock must be the one that wrote it
  return parsed.success && parsed.data.pid === lockOwner ? parsed.data : undefined;
}
