/** Shared plumbing for benchmarks: where the datasets are, the machine they ran on, writing results. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadCampaignFile, type CampaignSpec, type SimulatorLabSpec } from '../src/campaign/index.js';
import type { MechanismRecord } from '../src/mechanism/replay.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(ROOT, '..', 'shared', 'data');

/** A published dataset: from ../shared/data when this checkout sits beside it, else the project's copy. */
export function datasetPath(file: string): { path: string; origin: string } {
  const shared = join(SHARED, file);
  if (existsSync(shared)) return { path: shared, origin: '../shared/data' };
  const local = join(ROOT, 'examples', 'data', file);
  if (existsSync(local)) {
    console.error(`note: ../shared/data is absent; using the project's copy examples/data/${file}`);
    return { path: local, origin: 'examples/data' };
  }
  throw new Error(`dataset ${file} is in neither ../shared/data nor examples/data`);
}

/**
 * ../shared/data/uspto15k, which only benchmarks read (the product ships its models): the process
 * exits with code 2 and says what it is needed for when the folder is absent.
 */
export function usptoFolder(neededFor: string): string {
  const folder = join(SHARED, 'uspto15k');
  if (!existsSync(folder)) {
    console.error(`../shared/data/uspto15k is absent (looked in ${folder}): ${neededFor}`);
    process.exit(2);
  }
  return folder;
}

export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

export function writeResults(name: string, json: unknown, markdown: string): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), `${markdown}\n`);
  console.log(markdown);
  console.log(`\nwritten: bench/results/${name}.json, bench/results/${name}.md`);
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}


export type DatasetCampaign = CampaignSpec & { lab: SimulatorLabSpec };

/** An example campaign pointed at a published dataset (its space's scope table too), with a budget and batch. */
export async function datasetCampaign(example: string, dataset: string, budget: number, batch: number): Promise<DatasetCampaign> {
  const { spec } = await loadCampaignFile(join(ROOT, 'examples', example));
  if (spec.lab.type !== 'simulator') throw new Error(`${example} does not use the dataset simulator`);
  // The dataset's folder becomes the campaign's folder: a campaign's files must lie inside it (or
  // inside the data folders it was validated with), and ../shared/data lies outside examples/.
  const file = basename(dataset);
  // Without the data folders it was validated with, the campaign's folder alone is allowed.
  const { dataFolders: _validatedWith, ...rest } = spec as CampaignSpec & { dataFolders?: unknown };
  return {
    ...rest,
    baseDir: dirname(resolve(dataset)),
    budget: { experiments: budget, batch },
    lab: { ...spec.lab, dataset: file },
    space: spec.space.scope ? { ...spec.space, scope: { ...spec.space.scope, file } } : spec.space,
  };
}

/**
 * A fresh PostgreSQL database beside the one `url` names, for one benchmark run; `drop` removes it.
 * Throws when no server answers (callers that may skip say so).
 */
export async function throwawayPostgres(url: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** mech-USPTO-15K's labelled mechanisms (../shared/data/uspto15k-mech; the repository carries only a test sample). */
export const MECHANISM_DATA = join(SHARED, 'uspto15k-mech');

/** Exits with a message when this checkout has no ../shared/data/uspto15k-mech beside it. */
export function requireMechanismData(): void {
  if (existsSync(MECHANISM_DATA)) return;
  console.error(`../shared/data/uspto15k-mech is absent (looked in ${MECHANISM_DATA}): this benchmark needs the labelled mechanisms`);
  process.exit(2);
}

/** The records of one split that have a mechanism. The test split is held out and never read. */
export function labelledMechanisms(split: 'train' | 'valid'): MechanismRecord[] {
  return readFileSync(join(MECHANISM_DATA, `${split}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MechanismRecord & { mech_found: boolean })
    .filter((r) => r.mech_found);
}
