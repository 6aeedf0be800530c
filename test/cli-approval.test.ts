/**
 * `athanor run` on a campaign with an approval gate, as a separate process on real PGlite: the
 * batch is shown and decided on stdin (drop one with a reason, approve the rest, approve the next).
 * Each decision is an event naming who. (`--approve` without a mode takes the same path with every
 * batch approved at once; one process start here is already most of this file's time.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listCampaigns, listEvents, openDatabase } from '../src/db/index.js';
import { EXAMPLES, ROOT, tempHome } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home, cleanup } = tempHome('athanor-cli-approval-');
afterAll(cleanup);

function gatedFile(name: string): string {
  const text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8')
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/^planner:\n/m, 'planner:\n  strategy: diverse\n  approval:\n    required: true\n')
    .replace('dataset: data/direct_arylation.csv', `dataset: ${join(EXAMPLES, 'data', 'direct_arylation.csv')}`);
  const file = join(home, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, text);
  return file;
}

function athanor(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, 'run', ...args, '--home', home, '--data-dir', EXAMPLES], { cwd: ROOT, encoding: 'utf8', input: input ?? '', timeout: 150_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('athanor run with an approval gate', () => {
  it('asks on stdin: drop one with a reason, approve the rest, approve the next batch', async () => {
    const run = athanor([gatedFile('Asked'), '--budget', '3', '--batch', '3', '--approve', 'ask'], 'd 1 too hot for this ligand\na\na\n');
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Waiting for approval:');
    expect(run.stdout).toContain('dropped #1');
    const { db, close } = await openDatabase({ home }).then((d) => ({ db: d.db, close: () => d.close() }));
    try {
      const campaign = (await listCampaigns(db)).find((c) => c.name === 'Asked')!;
      const events = await listEvents(db, campaign.id);
      expect(events.find((e) => e.type === 'proposals.rejected')).toMatchObject({ actor: 'cli', payload: { reason: 'too hot for this ligand' } });
      expect(events.filter((e) => e.type === 'proposals.approved' && e.actor === 'cli')).toHaveLength(2);
      expect(campaign.status).toBe('completed');
    } finally {
      await close();
    }
  }, 180_000);
});
