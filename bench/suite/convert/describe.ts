/**
 * Facts about every task of the suite, as the product sees them: each campaign file loaded with
 * the project's loader, its space built, its dataset keyed by the space's own matching (replicate
 * rows averaged, as the simulator does) and summarised like the simulator's reference.
 *
 *   npx tsx bench/suite/convert/describe.ts           print the table
 *   npx tsx bench/suite/convert/describe.ts --write   also refresh the table in bench/suite/tasks/README.md
 */
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSpace } from '../../../src/agent/campaign-runtime.js';
import { loadCampaignFile, resolveSpecPath, specParameters } from '../../../src/campaign/index.js';
import { referenceOf } from '../../../src/lab-adapters/dataset-simulator.js';
import { readCsv } from '../../../src/util/csv.js';
import { TASKS_DIR } from './lib.js';

export interface TaskFacts {
  task: string;
  name: string;
  rows: number;
  candidates: number;
  /** Distinct candidates the dataset measures (replicates averaged). */
  measured: number;
  roles: string[];
  numeric: string[];
  objective: string;
  max: number;
  min: number;
  /** Median over the measured candidates: with the best and the threshold it shows how skewed the landscape is. */
  median: number;
  top1Threshold: number;
  top1Count: number;
  randomExpected: number;
}

/** Facts about a dataset task; null for a task whose lab is not the dataset simulator (the analytic grids). */
export async function describeTask(task: string): Promise<TaskFacts | null> {
  const { spec } = await loadCampaignFile(join(TASKS_DIR, task, 'campaign.yaml'));
  if (spec.lab.type !== 'simulator') return null;
  const lab = spec.lab;
  const space = await buildSpace(spec);
  const { rows } = await readCsv(resolveSpecPath(spec, lab.dataset));
  const target = spec.objective.target;
  const column = lab.results[target] as string;
  const sums = new Map<string, { sum: number; n: number }>();
  for (const row of rows) {
    const key = space.keyOfRow(row, lab.columns);
    const value = Number.parseFloat(row[column] ?? '');
    if (key === null || !Number.isFinite(value)) continue;
    const slot = sums.get(key) ?? { sum: 0, n: 0 };
    slot.sum += value;
    slot.n++;
    sums.set(key, slot);
  }
  const table = [...sums.values()].map(({ sum, n }) => ({ [target]: sum / n }));
  const reference = referenceOf(table, target, spec.objective.direction, task);
  const sorted = table.map((v) => v[target] as number).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const parameters = specParameters(spec);
  return {
    task,
    name: spec.name,
    rows: rows.length,
    candidates: space.size,
    measured: sums.size,
    roles: parameters.filter((p) => p.kind === 'substance').map((p) => `${p.name} (${p.choices.length})`),
    numeric: parameters.filter((p) => p.kind === 'numeric').map((p) => `${p.name} (${p.choices.length})`),
    objective: `${target} ${spec.objective.direction === 'maximize' ? 'max' : 'min'}${spec.objective.unit ? ` (${spec.objective.unit})` : ''}`,
    max: spec.objective.direction === 'maximize' ? reference.max : reference.min,
    min: spec.objective.direction === 'maximize' ? reference.min : reference.max,
    median,
    top1Threshold: reference.top1Threshold,
    top1Count: reference.top1Count,
    randomExpected: (reference.count + 1) / (reference.top1Count + 1),
  };
}

export function taskNames(): string[] {
  return readdirSync(TASKS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(TASKS_DIR, d.name, 'campaign.yaml')))
    .map((d) => d.name)
    .sort();
}

const round = (x: number) => Number(x.toFixed(3)).toString();

function table(facts: TaskFacts[]): string {
  const lines = [
    '| task | rows | candidates | substance roles (choices) | numeric (values) | objective | best | median | top-1 % threshold | top-1 % count | random draws to top-1 % |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of facts) {
    lines.push(
      `| [${f.task}](${f.task}/README.md) | ${f.rows.toLocaleString('en')} | ${f.candidates.toLocaleString('en')} | ${f.roles.join(', ') || '—'} | ${f.numeric.join(', ') || '—'} | ${f.objective} | ${round(f.max)} | ${round(f.median)} | ${round(f.top1Threshold)} | ${f.top1Count} | ${f.randomExpected.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const facts: TaskFacts[] = [];
  for (const task of taskNames()) {
    const f = await describeTask(task);
    if (f) facts.push(f);
  }
  const markdown = table(facts);
  console.log(markdown);
  if (process.argv.includes('--write')) {
    const readme = join(TASKS_DIR, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const begin = '<!-- table: npx tsx bench/suite/convert/describe.ts --write -->';
    const end = '<!-- end of table -->';
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${readme} has no table markers`);
    writeFileSync(readme, `${text.slice(0, from + begin.length)}\n${markdown}\n${text.slice(to)}`);
    console.log(`written: ${readme}`);
  }
}
