/**
 * Named planner settings the suite compares. A strategy replaces a task's `planner:` block with
 * the product's default planner plus its own override, so anyone can compare a kernel, an
 * acquisition or an initial design without editing the runner:
 *
 *   --strategies default,random,ei               built-in names
 *   --strategy 'beta4={acquisition: ucb, beta: 4}'   a YAML (or JSON) override of `planner:`
 *   --strategy 'mine=@variants/mine.yaml'        the override read from a file
 *
 * Every variant is validated by the campaign file's own parser against each task, so a misspelt
 * field fails before anything runs, with the field named.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseCampaignSpec, type CampaignSpec } from '../../src/campaign/index.js';

export interface Strategy {
  name: string;
  /** The `planner:` block the strategy gives every task ({} is the product's default planner). */
  planner: Record<string, unknown>;
}

const ACQUISITIONS = ['ei', 'ucb', 'pi', 'thompson', 'max_sigma', 'greedy'];

export const BUILT_IN: Record<string, Record<string, unknown>> = {
  default: {},
  random: { strategy: 'random' },
  diverse: { strategy: 'diverse' },
  ...Object.fromEntries(ACQUISITIONS.map((a) => [a, { acquisition: a }])),
};

function parseOverride(name: string, text: string): Record<string, unknown> {
  const raw = text.startsWith('@') ? readFileSync(resolve(text.slice(1)), 'utf8') : text;
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch (error) {
    throw new Error(`strategy "${name}": its planner settings are not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`strategy "${name}": the planner settings must be a mapping such as {acquisition: ei}`);
  }
  return value as Record<string, unknown>;
}

/** Strategies from `--strategies a,b,c` (built-in names) and repeated `--strategy name=settings`. */
export function parseStrategies(names: string | undefined, variants: readonly string[] = []): Strategy[] {
  const out: Strategy[] = [];
  const add = (s: Strategy) => {
    if (out.some((o) => o.name === s.name)) throw new Error(`strategy "${s.name}" is given twice`);
    out.push(s);
  };
  for (const name of (names ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const planner = BUILT_IN[name];
    if (!planner) throw new Error(`unknown strategy "${name}" (built in: ${Object.keys(BUILT_IN).join(', ')}; others: --strategy 'name={planner settings}')`);
    add({ name, planner });
  }
  for (const variant of variants) {
    const eq = variant.indexOf('=');
    const name = eq > 0 ? variant.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9_.+-]+$/.test(name)) throw new Error(`--strategy "${variant}": expected name={planner settings}, e.g. 'ei2={acquisition: ei, xi: 0.01}'`);
    add({ name, planner: parseOverride(name, variant.slice(eq + 1).trim()) });
  }
  if (out.length === 0) throw new Error('no strategies given');
  return out;
}

export interface CampaignShape {
  budget: number;
  batch: number;
}

/**
 * A task's campaign file with the strategy's planner block, the benchmark's budget and batch, and
 * no simulated latency — parsed and validated like any campaign file, relative to the task's folder.
 */
export async function strategySpec(taskFile: string, source: string, strategy: Strategy, shape: CampaignShape): Promise<CampaignSpec> {
  const document = parseYaml(source) as Record<string, unknown>;
  const lab = { ...(document.lab as Record<string, unknown>) };
  if ('latency_ms' in lab || lab.type === 'simulator' || lab.type === 'analytic') lab.latency_ms = 0;
  const edited = { ...document, planner: strategy.planner, budget: { experiments: shape.budget, batch: shape.batch }, lab };
  try {
    return await parseCampaignSpec(stringifyYaml(edited), { baseDir: dirname(taskFile), fileName: taskFile, format: 'yaml' });
  } catch (error) {
    throw new Error(`strategy "${strategy.name}" on ${taskFile}: ${(error as Error).message}`, { cause: error });
  }
}
