/**
 * A virtual lab for the aniline C–N cross-coupling of Baumgartner et al. (Org. Process Res. Dev. 23
 * (2019) 1594, doi:10.1021/acs.oprd.9b00236): the project's own Gaussian-process surrogate
 * (src/models/gp.ts: ARD length-scales on the conditions, the catalyst and the base as categories)
 * fitted to the 96 published experiments (examples/data/baumgartner_aniline_cn.csv), its posterior
 * mean served as the yield of any condition in Summit's domain — the emulator approach of Summit's
 * CN benchmark (Felton, Rittig & Lapkin, Chemistry–Methods 1 (2021) 116), which fits a neural
 * network instead; this is not Summit's code or model.
 *   catalyst ∈ {tBuXPhos, tBuBrettPhos, AlPhos}, base ∈ {DBU, BTMG, TMG, TEA},
 *   base equivalents 1.0–2.5, temperature 30–100 °C, residence time 60–1800 s; yield maximised.
 * How well the emulator reproduces the data is reported with it (leave-one-out R² and RMSE).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate } from '../src/models/gp.js';
import { minimizeLbfgsAsync } from '../src/models/lbfgs.js';
import { schemaFromSpace } from '../src/models/schema.js';
import type { Parameter, ParameterValue } from '../src/planner/parameters.js';
import { SobolSequence } from '../src/planner/mixed/sobol.js';
import { SearchSpace } from '../src/planner/space.js';
import { datasetPath } from './lib.js';

export const CN_PARAMETERS: Parameter[] = [
  { kind: 'categorical', name: 'catalyst', values: ['tBuXPhos', 'tBuBrettPhos', 'AlPhos'] },
  { kind: 'categorical', name: 'base', values: ['DBU', 'BTMG', 'TMG', 'TEA'] },
  { kind: 'continuous', name: 'base_equivalents', min: 1, max: 2.5, unit: 'equiv' },
  { kind: 'continuous', name: 'temperature', min: 30, max: 100, unit: '°C' },
  { kind: 'continuous', name: 't_res', min: 60, max: 1800, unit: 's' },
];
const CONTINUOUS = ['base_equivalents', 'temperature', 't_res'] as const;

export interface CnEmulator {
  /** Emulated yield (fraction) of each condition. */
  evaluate(rows: Record<string, ParameterValue>[]): Promise<number[]>;
  rows: number;
  looR2: number;
  looRmse: number;
}

export async function cnEmulator(): Promise<CnEmulator> {
  const { path } = datasetPath('baumgartner_aniline_cn.csv');
  const records = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const conditions = records.map((r) => ({
    catalyst: r.catalyst!,
    base: r.base!,
    base_equivalents: Number(r.base_equivalents),
    temperature: Number(r.temperature),
    t_res: Number(r.t_res),
  }));
  const space = new SearchSpace({ parameters: CN_PARAMETERS });
  const gp = new GaussianProcessSurrogate(schemaFromSpace(space, ['yld']), DEFAULT_GP_CONFIG);
  const report = await gp.fit({ inputs: conditions.map((c) => ({ substances: {}, conditions: c })), targets: { yld: records.map((r) => Number(r.yld)) } }, { seed: 2019 });
  return {
    rows: records.length,
    looR2: Number(report.metrics.cv_r2),
    looRmse: Number(report.metrics.cv_rmse),
    evaluate: async (rows) => Array.from((await gp.predict(rows.map((r) => ({ substances: {}, conditions: { ...r } }))))['yld']!.mean),
  };
}

/**
 * The emulator's largest yield: for each of the 12 catalyst–base pairs, 1,024 scrambled Sobol
 * points of the three conditions, then L-BFGS from the best 4 (central differences, every
 * evaluation one batched prediction) in coordinates u = (1 − cos πz) / 2 that stay in the box.
 */
export async function cnOptimum(emulator: CnEmulator): Promise<{ value: number; at: Record<string, ParameterValue>; starts: number }> {
  const ranges = CONTINUOUS.map((name) => CN_PARAMETERS.find((p) => p.name === name)!) as Extract<Parameter, { kind: 'continuous' }>[];
  const toRow = (pair: [string, string], u: ArrayLike<number>): Record<string, ParameterValue> => ({
    catalyst: pair[0],
    base: pair[1],
    ...Object.fromEntries(ranges.map((p, d) => [p.name, p.min + (p.max - p.min) * u[d]!])),
  });
  const unitOf = (z: Float64Array) => Float64Array.from(z, (v) => (1 - Math.cos(Math.PI * v)) / 2);
  let best = { value: Number.NEGATIVE_INFINITY, at: {} as Record<string, ParameterValue> };
  let starts = 0;
  const sobol = new SobolSequence(3, 2019).points(1024);
  for (const catalyst of (CN_PARAMETERS[0] as { values: string[] }).values) {
    for (const base of (CN_PARAMETERS[1] as { values: string[] }).values) {
      const pair: [string, string] = [catalyst, base];
      const values = await emulator.evaluate(sobol.map((u) => toRow(pair, u)));
      const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 4);
      for (const [, i] of order) {
        starts++;
        const h = 1e-5;
        const result = await minimizeLbfgsAsync(
          async (z) => {
            const points = [z];
            for (let j = 0; j < 3; j++) {
              const up = Float64Array.from(z);
              up[j] = up[j]! + h;
              const down = Float64Array.from(z);
              down[j] = down[j]! - h;
              points.push(up, down);
            }
            const y = await emulator.evaluate(points.map((p) => toRow(pair, unitOf(p))));
            return { value: -y[0]!, gradient: Float64Array.from({ length: 3 }, (_, j) => -(y[1 + 2 * j]! - y[2 + 2 * j]!) / (2 * h)) };
          },
          Float64Array.from(sobol[i]!, (v) => Math.acos(1 - 2 * v) / Math.PI),
          { maxIterations: 100, gradientTolerance: 1e-8, valueTolerance: 1e-12 },
        );
        if (-result.value > best.value) best = { value: -result.value, at: toRow(pair, unitOf(result.x)) };
      }
    }
  }
  return { ...best, starts };
}
