/**
 * The suite's copies of the project's two example campaigns (direct arylation, Buchwald–Hartwig):
 * the example's dataset copied verbatim into the task folder, and its campaign file with the
 * dataset (and scope) pointing at that copy and the suite's budget of 100 in batches of 5.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TASKS_DIR } from './lib.js';

const EXAMPLES = resolve(TASKS_DIR, '..', '..', '..', 'examples');

export interface ExampleTask {
  task: string;
  /** Campaign file under examples/. */
  campaign: string;
  /** Dataset under examples/, as the campaign file names it (relative to examples/). */
  dataset: string;
  sha256: string;
  rows: number;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, 'gm'));
  if (matches?.length !== 1) throw new Error(`${what}: expected one match of ${pattern}, found ${matches?.length ?? 0}`);
  return text.replace(new RegExp(pattern.source, 'm'), replacement);
}

export function convertExample(t: ExampleTask): void {
  const source = join(EXAMPLES, t.dataset);
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex');
  if (digest !== t.sha256) throw new Error(`${source}: SHA-256 ${digest} is not the expected ${t.sha256}`);
  const lines = readFileSync(source, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '').length - 1;
  if (lines !== t.rows) throw new Error(`${source}: ${lines} rows, the publication has ${t.rows}`);

  const dir = join(TASKS_DIR, t.task);
  mkdirSync(dir, { recursive: true });
  copyFileSync(source, join(dir, 'data.csv'));

  let yaml = readFileSync(join(EXAMPLES, t.campaign), 'utf8');
  const escaped = t.dataset.replace(/[.]/g, '\\.');
  const uses = yaml.match(new RegExp(`: ${escaped}$`, 'gm'))?.length ?? 0;
  if (uses === 0) throw new Error(`${t.campaign} does not name ${t.dataset}`);
  yaml = yaml.replace(new RegExp(`: ${escaped}$`, 'gm'), ': data.csv');
  yaml = replaceOnce(yaml, /^ {2}experiments: \d+$/, '  experiments: 100', t.campaign);
  yaml = replaceOnce(yaml, /^ {2}batch: \d+$/, '  batch: 5', t.campaign);
  yaml = `# Suite copy of examples/${t.campaign} made by bench/suite/convert/${t.task}.ts: dataset and scope point at\n# data.csv (a verbatim copy of examples/${t.dataset}), budget 100 in batches of 5.\n${yaml}`;
  writeFileSync(join(dir, 'campaign.yaml'), yaml);
  console.log(`${t.task}: ${t.rows} rows copied`);
}
