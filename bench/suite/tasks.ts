/**
 * The suite's optimisation tasks: one folder each under bench/suite/tasks/<name>/ holding
 * `campaign.yaml` (an ordinary Athanor campaign file: the dataset simulator over `data.csv`, or an
 * analytic function over a numeric grid), its data and a README. A task knows the true value of
 * every candidate of its space — what the campaign's own lab would answer — so the suite can say
 * when a campaign reached a top-1 % result and what random search would expect.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSpace } from '../../src/agent/index.js';
import { loadCampaignFile, resolveSpecPath, type CampaignSpec } from '../../src/campaign/index.js';
import { AnalyticLab } from '../../src/lab-adapters/analytic-lab.js';
import { DatasetSimulator, referenceOf } from '../../src/lab-adapters/dataset-simulator.js';
import type { SearchSpace } from '../../src/planner/space.js';
import { readCsv } from '../../src/util/csv.js';
import { ROOT } from '../lib.js';

export const TASKS_DIR = join(ROOT, 'bench', 'suite', 'tasks');

/** What a campaign is measured against on one landscape. */
export interface Landscape {
  /** Objective value of candidate i of the space; NaN where the lab has no answer (the experiment fails). */
  values: Float64Array;
  direction: 'maximize' | 'minimize';
  /** The value a result must reach (or beat) to be a top-1 % result: the ceil(1 %)-th best measured candidate. */
  top1Threshold: number;
  /** Candidates of the space with a value. */
  measured: number;
  /** Candidates of the space at or beyond the threshold (ties included). */
  top1Count: number;
  best: number;
  worst: number;
}

export interface SuiteTask {
  name: string;
  kind: 'dataset' | 'analytic';
  /** The campaign file as written (its planner block is replaced by each strategy's). */
  file: string;
  spec: CampaignSpec;
  space: SearchSpace;
  /** The landscape a campaign with this seed meets (analytic `peaks` places its bumps by seed; datasets do not depend on it). */
  landscape(seed: number): Landscape;
}

/** Whether `value` is a top-1 % result (or better) on this landscape. */
export function reachesTop1(landscape: Landscape, value: number): boolean {
  return landscape.direction === 'maximize' ? value >= landscape.top1Threshold : value <= landscape.top1Threshold;
}

function landscapeOf(values: Float64Array, direction: 'maximize' | 'minimize', quantity: string, source: string): Landscape {
  const measured = [...values].filter((v) => !Number.isNaN(v));
  const reference = referenceOf(measured.map((v) => ({ [quantity]: v })), quantity, direction, source);
  return {
    values,
    direction,
    top1Threshold: reference.top1Threshold,
    measured: reference.count,
    top1Count: reference.top1Count,
    best: direction === 'maximize' ? reference.max : reference.min,
    worst: direction === 'maximize' ? reference.min : reference.max,
  };
}

/** A task from a validated campaign spec (a suite folder's, or an example pointed at a dataset). */
export async function taskFromSpec(name: string, spec: CampaignSpec, file: string): Promise<SuiteTask> {
  const space = await buildSpace(spec);
  const { target, direction } = spec.objective;
  const lab = spec.lab;
  if (lab.type === 'simulator') {
    // The very table the campaign's lab answers from (replicate rows averaged the same way).
    const source = resolveSpecPath(spec, lab.dataset);
    const { rows } = await readCsv(source);
    const simulator = new DatasetSimulator({ rows, source, keyOfRow: (row) => space.keyOfRow(row, lab.columns), results: lab.results, seed: 0, capacity: 1 });
    const values = new Float64Array(space.size);
    for (let i = 0; i < space.size; i++) values[i] = simulator.lookup(space.keyOf(i))?.[target] ?? Number.NaN;
    const landscape = landscapeOf(values, direction, target, source);
    return { name, kind: 'dataset', file, spec, space, landscape: () => landscape };
  }
  if (lab.type === 'analytic') {
    const dimensions = space.parameters.map((p) => {
      if (p.kind !== 'numeric') throw new Error(`task ${name}: an analytic lab needs numeric parameters; "${p.name}" is ${p.kind}`);
      return { name: p.name, min: Math.min(...p.values), max: Math.max(...p.values) };
    });
    const cache = new Map<number, Landscape>();
    // Only `peaks` draws its landscape from the seed; the others are fixed functions.
    const seedDependent = lab.function === 'peaks';
    const landscape = (seed: number): Landscape => {
      const key = seedDependent ? seed : 0;
      let found = cache.get(key);
      if (!found) {
        // The same construction as the campaign runtime's analytic lab, so values agree exactly.
        const fn = new AnalyticLab({
          function: lab.function,
          dimensions,
          quantity: target,
          range: spec.objective.bounds ?? [0, 100],
          direction,
          seed,
          capacity: 1,
        });
        const values = new Float64Array(space.size);
        for (let i = 0; i < space.size; i++) values[i] = fn.valueAt(space.valuesOf(i));
        found = landscapeOf(values, direction, target, `${lab.function} grid`);
        cache.set(key, found);
      }
      return found;
    };
    return { name, kind: 'analytic', file, spec, space, landscape };
  }
  throw new Error(`task ${name}: the suite runs dataset simulators and analytic functions, not a ${lab.type} lab`);
}

/** The task folders present (each with a campaign.yaml), by name. */
export function taskNames(dir = TASKS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'campaign.yaml')))
    .map((d) => d.name)
    .sort();
}

export async function loadTask(name: string, dir = TASKS_DIR): Promise<SuiteTask> {
  const file = resolve(dir, name, 'campaign.yaml');
  if (!existsSync(file)) throw new Error(`no task "${name}": ${file} does not exist (tasks: ${taskNames(dir).join(', ') || 'none'})`);
  const { spec } = await loadCampaignFile(file);
  return taskFromSpec(name, spec, file);
}

/** The task's campaign file as text, for building strategy variants of it. */
export function taskSource(task: SuiteTask): string {
  return readFileSync(task.file, 'utf8');
}
