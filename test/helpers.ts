import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/index.js';
import { campaignSpecSchema, CampaignSpecError, parseCampaignSpec, type CampaignIssue, type CampaignSpec, type SimulatorLabSpec } from '../src/campaign/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES = join(ROOT, 'examples');

/** A valid campaign spec for tests that need a campaign row but never run the campaign. */
export function stubSpec(): CampaignSpec {
  const file = campaignSpecSchema.parse({
    name: 'stub',
    objective: { target: 'yield' },
    space: { numeric: { x: { values: [1, 2] } } },
    budget: { experiments: 1, batch: 1 },
    lab: { type: 'simulator', dataset: 'none.csv', columns: { x: 'x' }, results: { yield: 'yield' } },
  });
  return { ...file, baseDir: tmpdir() };
}

/** A fresh Athanor home in the temp folder, removed by the returned cleanup. */
export function tempHome(prefix = 'athanor-test-'): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}


const ADMIN_URL = process.env.ATHANOR_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * PostgreSQL tests need a server. Locally they skip with a message when none answers; `.ci/run`
 * sets ATHANOR_REQUIRE_POSTGRES=1, which turns a missing server into a failure.
 */
/** Whether a PostgreSQL server answers; when ATHANOR_REQUIRE_POSTGRES is set, a silent one is an error. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.ATHANOR_REQUIRE_POSTGRES) {
      throw new Error(`ATHANOR_REQUIRE_POSTGRES is set but PostgreSQL at ${ADMIN_URL} does not answer: ${(error as Error).message}`);
    }
    console.warn(`skipping PostgreSQL tests: no server at ${ADMIN_URL} (set ATHANOR_TEST_DATABASE_URL, or ATHANOR_REQUIRE_POSTGRES=1 to fail instead)`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new, empty database on the test server, dropped by the returned cleanup. */
export async function tempPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `athanor_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A new PostgreSQL database opened `processes` times, as that many service processes would (the
 * first migrates it), for races between them; closed and dropped after `use`.
 */
export async function withPostgresProcesses<T>(processes: number, use: (databases: [Database, ...Database[]]) => Promise<T>): Promise<T> {
  const temp = await tempPostgresDatabase();
  const databases: Database[] = [];
  try {
    databases.push(await openDatabase({ databaseUrl: temp.url }));
    databases.push(...(await Promise.all(Array.from({ length: processes - 1 }, () => openDatabase({ databaseUrl: temp.url, migrate: false })))));
    return await use(databases as [Database, ...Database[]]);
  } finally {
    for (const d of databases) await d.close();
    await temp.drop();
  }
}

/** The lab of an example that runs on the dataset simulator (fails the test otherwise). */
export function simulatorLab(spec: CampaignSpec): SimulatorLabSpec {
  if (spec.lab.type !== 'simulator') throw new Error(`expected a dataset-simulator campaign, got lab type ${spec.lab.type}`);
  return spec.lab;
}

/** The issues a campaign file is refused with (relative paths resolve in examples/); throws when it is accepted. */
export async function issuesOf(text: string): Promise<CampaignIssue[]> {
  try {
    await parseCampaignSpec(text, { baseDir: EXAMPLES });
  } catch (e) {
    if (e instanceof CampaignSpecError) return e.issues;
    throw e;
  }
  throw new Error('expected the campaign file to be refused');
}

/**
 * examples/data/direct_arylation.csv names two ligands by identifiers and misspells two solvents;
 * the example campaign files give them their names. Tests that read the dataset's name columns as
 * an independent path to a candidate translate through this.
 */
const DIRECT_ARYLATION_NAMES: Record<string, string> = {
  SCHEMBL15068049: 'MeCgPPh',
  '1268824-69-6': 'Cy2P(2,6-diisopropoxyphenyl)',
  'Butyl Ester': 'Butyl acetate',
  Butyornitrile: 'Butyronitrile',
};

export function exampleChoiceName(datasetName: string): string {
  return DIRECT_ARYLATION_NAMES[datasetName] ?? datasetName;
}

/** `athanor …` run in a child process (the CLI as a user runs it), `--home HOME` appended when given. */
export function athanorCli(home?: string, timeout = 180_000): (args: string[]) => { code: number | null; stdout: string; stderr: string } {
  return (args) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'athanor.js'), ...args, ...(home ? ['--home', home] : [])], { cwd: ROOT, encoding: 'utf8', timeout });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** A Buchwald–Hartwig campaign run by `athanor run` to its budget (a GP model trained on its results): its id. */
export function runBuchwaldHartwig(athanor: ReturnType<typeof athanorCli>, budget = 10): string {
  const run = athanor(['run', join(EXAMPLES, 'buchwald-hartwig.yaml'), '--budget', String(budget), '--batch', '5', '--seed', '3', '--json', '--quiet']);
  if (run.code !== 0) throw new Error(`athanor run failed (${run.code}): ${run.stderr}`);
  return String((JSON.parse(run.stdout.trim().split('\n').pop()!) as { campaignId: string }).campaignId);
}
