/**
 * Surrogate benchmark on the published datasets: accuracy (R², MAE, RMSE) and calibration (error–σ
 * Spearman ρ, miscalibration area, ENCE, Gaussian NLL) of the default surrogate per data size,
 * against the Gaussian process and the graph-network ensemble side by side, plus the cost of
 * training on 70 % of Buchwald–Hartwig and scoring all 3,955 reactions.
 *
 *   npm run bench:models                      # the full run (long: see docs/models.md)
 *   npm run bench:models -- --quick           # 3 seeds, comparisons on 1 seed
 *   npm run bench:models -- --seeds 3 --sections bh-random,bh-lowdata
 *
 * Flags: --seeds N (random splits, default 10) · --compare-seeds N (seeds on which the non-default
 * kind also runs at 70 %, default 3) · --ensemble-seeds N (seeds for the ensemble at the low-data
 * sizes, default 3) · --sections list (bh-random, bh-additive, bh-lowdata, da, cost) · --backend
 * name · --quick. A progress line per step goes to stderr.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { canonicalSmiles, initChem } from '../src/chem/index.js';
import {
  DeepEnsembleSurrogate,
  defaultSurrogate,
  evaluatePredictions,
  GaussianProcessSurrogate,
  GP_MAX_TRAINING_SIZE,
  initTensorBackend,
  type ModelSchema,
  type ReactionInput,
  type RegressionReport,
  type Surrogate,
} from '../src/models/index.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { datasetPath, machine, ROOT, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    'compare-seeds': { type: 'string', default: '3' },
    'ensemble-seeds': { type: 'string', default: '3' },
    sections: { type: 'string', default: 'bh-random,bh-additive,bh-lowdata,da,cost' },
    backend: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const SEEDS = args.quick ? 3 : Number(args.seeds);
const COMPARE_SEEDS = Math.min(SEEDS, args.quick ? 1 : Number(args['compare-seeds']));
const ENSEMBLE_SEEDS = Math.min(SEEDS, args.quick ? 1 : Number(args['ensemble-seeds']));
const SECTIONS = new Set(args.sections!.split(','));
const FRACTIONS = [0.025, 0.05, 0.1, 0.2];
type Kind = 'gp' | 'mpnn-ensemble';
const KINDS: Kind[] = ['gp', 'mpnn-ensemble'];

const progress = (line: string) => process.stderr.write(`${line}\n`);

interface Dataset {
  name: string;
  origin: string;
  schema: ModelSchema;
  inputs: ReactionInput[];
  y: number[];
  /** Buchwald–Hartwig: the additive number of each row */
  additive?: number[];
  additiveName?: string[];
}

async function loadBuchwaldHartwig(): Promise<Dataset> {
  const { path, origin } = datasetPath('buchwald_hartwig_3955.csv');
  const { rows } = await readCsv(path);
  const roles = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };
  return {
    name: 'buchwald_hartwig_3955',
    origin,
    schema: { roles: Object.keys(roles), numeric: [], categorical: [], targets: ['yield'] },
    inputs: rows.map((r) => ({ substances: Object.fromEntries(Object.entries(roles).map(([role, c]) => [role, canonicalSmiles(r[c]!)])), conditions: {} })),
    y: rows.map((r) => Number(r.yield)),
    additive: rows.map((r) => Number(r.additive_number)),
    additiveName: rows.map((r) => r.additive!),
  };
}

async function loadDirectArylation(): Promise<Dataset> {
  const { path, origin } = datasetPath('direct_arylation.csv');
  const { rows } = await readCsv(path);
  const roles = { base: 'Base_SMILES', ligand: 'Ligand_SMILES', solvent: 'Solvent_SMILES' };
  const distinct = (column: string) => [...new Set(rows.map((r) => Number(r[column])))].sort((a, b) => a - b);
  return {
    name: 'direct_arylation',
    origin,
    schema: {
      roles: Object.keys(roles),
      numeric: [
        { name: 'concentration', values: distinct('Concentration') },
        { name: 'temperature', values: distinct('Temp_C') },
      ],
      categorical: [],
      targets: ['yield'],
    },
    inputs: rows.map((r) => ({
      substances: Object.fromEntries(Object.entries(roles).map(([role, c]) => [role, canonicalSmiles(r[c]!)])),
      conditions: { concentration: Number(r.Concentration), temperature: Number(r.Temp_C) },
    })),
    y: rows.map((r) => Number(r.yield)),
  };
}

function make(kind: Kind, schema: ModelSchema): Surrogate {
  return kind === 'gp' ? new GaussianProcessSurrogate(schema) : new DeepEnsembleSurrogate(schema);
}

function defaultKind(schema: ModelSchema, n: number): Kind {
  return defaultSurrogate(schema, n).kind as Kind;
}

interface Run {
  kind: Kind;
  seed: number;
  trainingSize: number;
  report: RegressionReport;
  fitSeconds: number;
  predictSeconds: number;
  cv: Record<string, number>;
  model: Surrogate;
}

async function run(ds: Dataset, kind: Kind, train: number[], test: number[], seed: number, label: string): Promise<Run> {
  const model = make(kind, ds.schema);
  const started = performance.now();
  const fit = await model.fit({ inputs: train.map((i) => ds.inputs[i]!), targets: { yield: train.map((i) => ds.y[i]!) } }, { seed });
  const fitSeconds = (performance.now() - started) / 1000;
  const predictStarted = performance.now();
  const posterior = (await model.predict(test.map((i) => ds.inputs[i]!))).yield!;
  const predictSeconds = (performance.now() - predictStarted) / 1000;
  const report = evaluatePredictions(test.map((i) => ds.y[i]!), posterior.mean, posterior.sigma);
  progress(
    `[${label}] ${kind} n=${train.length}: R² ${report.r2.toFixed(3)}, RMSE ${report.rmse.toFixed(2)}, ρ(|err|,σ) ${report.spearmanErrorSigma.toFixed(2)}, ` +
      `miscal ${report.miscalibrationArea.toFixed(3)} (fit ${fitSeconds.toFixed(1)} s)`,
  );
  return { kind, seed, trainingSize: train.length, report, fitSeconds, predictSeconds, cv: fit.metrics, model };
}

/** 70/30 split of a dataset for a seed (the same split for every model). */
function randomSplit(n: number, seed: number): { train: number[]; test: number[] } {
  const order = shuffled(Array.from({ length: n }, (_, i) => i), rngFor(seed, 'bench-models-split'));
  const cut = Math.round(0.7 * n);
  return { train: order.slice(0, cut), test: order.slice(cut) };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, v) => a + (v - avg(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pm = (xs: number[], digits = 3) => (xs.length === 0 ? '–' : xs.length === 1 ? xs[0]!.toFixed(digits) : `${avg(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}`);

function summarise(runs: Run[]) {
  const pick = (f: (r: RegressionReport) => number) => runs.map((r) => f(r.report));
  return {
    seeds: runs.map((r) => r.seed),
    trainingSize: runs[0]?.trainingSize ?? 0,
    r2: avg(pick((r) => r.r2)),
    r2_sd: sd(pick((r) => r.r2)),
    mae: avg(pick((r) => r.mae)),
    rmse: avg(pick((r) => r.rmse)),
    spearman_err_sigma: avg(pick((r) => r.spearmanErrorSigma)),
    miscalibration_area: avg(pick((r) => r.miscalibrationArea)),
    ence: avg(pick((r) => r.ence)),
    nll: avg(pick((r) => r.nll)),
    fit_seconds: avg(runs.map((r) => r.fitSeconds)),
    per_seed_r2: pick((r) => r.r2),
  };
}

async function main() {
  await initChem();
  const backend = await initTensorBackend({ ...(args.backend ? { prefer: [args.backend] } : {}), log: progress });
  const started = performance.now();
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const bh = await loadBuchwaldHartwig();
  const da = await loadDirectArylation();
  const json: Record<string, unknown> = {
    machine: machine(),
    backend: backend.backend,
    backend_reason: backend.reason,
    seeds: SEEDS,
    compare_seeds: COMPARE_SEEDS,
    ensemble_seeds: ENSEMBLE_SEEDS,
    gp_max_training_size: GP_MAX_TRAINING_SIZE,
    datasets: { [bh.name]: bh.origin, [da.name]: da.origin },
  };
  const md: string[] = [];
  const m = machine();
  md.push(
    `Surrogate benchmark: ${SEEDS} random 70/30 splits, backend ${backend.backend}. Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}. ` +
      `Default surrogate: GP up to ${GP_MAX_TRAINING_SIZE} results, graph ensemble above.`,
    '',
  );
  const headline: [string, string, string, string][] = [];
  // partial results after each section, so that a late failure does not lose an hour of fits
  const checkpoint = (section: string) => {
    json.completed_sections = [...((json.completed_sections as string[] | undefined) ?? []), section];
    writeFileSync(join(ROOT, 'bench', 'results', 'models.partial.json'), `${JSON.stringify(json, null, 2)}\n`);
  };

  // ---- Buchwald–Hartwig, random splits -------------------------------------------------------
  let bhRandom: Record<Kind, Run[]> = { gp: [], 'mpnn-ensemble': [] };
  if (SECTIONS.has('bh-random') || SECTIONS.has('cost')) {
    const seeds = SECTIONS.has('bh-random') ? SEEDS : 1;
    for (let seed = 1; seed <= seeds; seed++) {
      const { train, test } = randomSplit(bh.y.length, seed);
      const primary = defaultKind(bh.schema, train.length);
      for (const kind of KINDS) {
        if (kind !== primary && seed > COMPARE_SEEDS) continue;
        bhRandom[kind].push(await run(bh, kind, train, test, seed, `bh-random ${seed}/${seeds}`));
      }
    }
    const primary = defaultKind(bh.schema, bhRandom.gp[0]?.trainingSize ?? bhRandom['mpnn-ensemble'][0]!.trainingSize);
    const summary = Object.fromEntries(KINDS.filter((k) => bhRandom[k].length > 0).map((k) => [k, summarise(bhRandom[k])]));
    const d = summarise(bhRandom[primary]);
    Object.assign(json, {
      bh_random: summary,
      bh_random_default: primary,
      bh_random_r2: d.r2,
      bh_random_r2_sd: d.r2_sd,
      bh_random_mae: d.mae,
      bh_random_rmse: d.rmse,
      spearman_err_sigma: d.spearman_err_sigma,
      miscalibration_area: d.miscalibration_area,
      ence: d.ence,
      nll: d.nll,
    });
    headline.push(['BH random 70/30, R²', pm(d.per_seed_r2), '≥ 0.95', 'RF 0.92 · Yield-BERT 0.951 · DRFP+XGB 0.95 · GraphRXN 0.951 · UA-GNN 0.974']);
    headline.push(['error–σ Spearman ρ (BH random)', d.spearman_err_sigma.toFixed(3), '≥ 0.4', '']);
    headline.push(['miscalibration area (BH random)', d.miscalibration_area.toFixed(3), '≤ 0.10', '']);
    md.push('### Buchwald–Hartwig, random 70/30 splits (2,769 training reactions)', '');
    md.push('| model | seeds | R² | MAE | RMSE | ρ(\\|err\\|, σ) | miscal. area | ENCE | NLL | fit (s) |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const kind of KINDS) {
      const runs = bhRandom[kind];
      if (runs.length === 0) continue;
      const s = summarise(runs);
      md.push(
        `| ${kind}${kind === primary ? ' (default)' : ''} | ${runs.length} | ${pm(s.per_seed_r2)} | ${s.mae.toFixed(2)} | ${s.rmse.toFixed(2)} | ${s.spearman_err_sigma.toFixed(3)} | ${s.miscalibration_area.toFixed(3)} | ${s.ence.toFixed(3)} | ${s.nll.toFixed(3)} | ${s.fit_seconds.toFixed(0)} |`,
      );
    }
    md.push('');
  }

  if (SECTIONS.has('bh-random')) checkpoint('bh-random');
  // ---- cost: train on 70 %, score all 3,955 ------------------------------------------------------
  if (SECTIONS.has('cost')) {
    md.push('### Cost (Buchwald–Hartwig, seed 1)', '', '| model | train on 70 % (s) | score all 3,955 (s) |', '|---|---|---|');
    const cost: Record<string, { train_seconds: number; score_all_seconds: number }> = {};
    for (const kind of KINDS) {
      const first = bhRandom[kind].find((r) => r.seed === 1);
      if (!first) continue;
      const t0 = performance.now();
      await first.model.predict(bh.inputs);
      const score = (performance.now() - t0) / 1000;
      cost[kind] = { train_seconds: first.fitSeconds, score_all_seconds: score };
      md.push(`| ${kind} | ${first.fitSeconds.toFixed(1)} | ${score.toFixed(2)} |`);
      progress(`[cost] ${kind}: train ${first.fitSeconds.toFixed(1)} s, score 3,955 in ${score.toFixed(2)} s`);
    }
    const primary = json.bh_random_default as Kind | undefined ?? defaultKind(bh.schema, 2769);
    Object.assign(json, { cost, train_seconds: cost[primary]?.train_seconds, score_all_seconds: cost[primary]?.score_all_seconds });
    md.push('', `Backend: ${backend.backend} (${backend.reason}).`, '');
  }
  if (SECTIONS.has('cost')) checkpoint('cost');
  bhRandom = { gp: [], 'mpnn-ensemble': [] }; // let the fitted models go

  // ---- Buchwald–Hartwig, low data ----------------------------------------------------------------
  if (SECTIONS.has('bh-lowdata')) {
    md.push('### Buchwald–Hartwig, low data (train on a fraction of all 3,955, test on the 30 % split)', '');
    md.push('| fraction | n | GP R² | ensemble R² | default | GP ρ / miscal. | ensemble ρ / miscal. | published |', '|---|---|---|---|---|---|---|---|');
    const lowdata: Record<string, unknown> = {};
    for (const fraction of FRACTIONS) {
      const n = Math.round(fraction * bh.y.length);
      const runs: Record<Kind, Run[]> = { gp: [], 'mpnn-ensemble': [] };
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { train, test } = randomSplit(bh.y.length, seed);
        const subset = train.slice(0, n);
        for (const kind of KINDS) {
          if (kind === 'mpnn-ensemble' && seed > ENSEMBLE_SEEDS) continue;
          const r = await run(bh, kind, subset, test, seed, `bh-lowdata ${(fraction * 100).toFixed(1)}% ${seed}/${SEEDS}`);
          r.model = undefined as unknown as Surrogate;
          runs[kind].push(r);
        }
      }
      const primary = defaultKind(bh.schema, n);
      const key = `${String(fraction * 100).replace('.', '_')}pct`;
      const s = Object.fromEntries(KINDS.map((k) => [k, summarise(runs[k])]));
      lowdata[key] = { n, default: primary, ...s };
      json[`bh_lowdata_${key}_r2`] = s[primary]!.r2;
      const published = fraction === 0.05 ? 'Yield-BERT 0.61 · ReaDISH 0.71' : '';
      md.push(
        `| ${(fraction * 100).toFixed(1)} % | ${n} | ${pm(runs.gp.map((r) => r.report.r2))} | ${pm(runs['mpnn-ensemble'].map((r) => r.report.r2))} | ${primary} | ` +
          `${s.gp!.spearman_err_sigma.toFixed(2)} / ${s.gp!.miscalibration_area.toFixed(3)} | ${runs['mpnn-ensemble'].length ? `${s['mpnn-ensemble']!.spearman_err_sigma.toFixed(2)} / ${s['mpnn-ensemble']!.miscalibration_area.toFixed(3)}` : '–'} | ${published} |`,
      );
      if (fraction === 0.05) headline.push(['BH low data 5 % (198 reactions), R²', pm(runs[primary].map((r) => r.report.r2)), '≥ 0.70', published]);
    }
    json.bh_lowdata = lowdata;
    md.push('', `GP on ${SEEDS} seeds, ensemble on ${ENSEMBLE_SEEDS}.`, '');
  }

  if (SECTIONS.has('bh-lowdata')) checkpoint('bh-lowdata');
  // ---- Buchwald–Hartwig, out-of-sample additives ------------------------------------------------
  if (SECTIONS.has('bh-additive')) {
    // Four groups of additives by their number in Ahneman et al. (rank mod 4), so each group mixes
    // the families; every group is held out in turn. Plus Ahneman's own plate split (plates 1–2
    // train, plate 3 = additives 16–23 test).
    const numbers = [...new Set(bh.additive!)].sort((a, b) => a - b);
    const groupOf = new Map(numbers.map((a, rank) => [a, rank % 4] as const));
    const splits = [0, 1, 2, 3].map((g) => ({
      name: `group ${g + 1}`,
      additives: numbers.filter((a) => groupOf.get(a) === g),
      test: bh.y.flatMap((_, i) => (groupOf.get(bh.additive![i]!) === g ? [i] : [])),
    }));
    splits.push({ name: 'plate 3 (Ahneman)', additives: numbers.filter((a) => a >= 16), test: bh.y.flatMap((_, i) => (bh.additive![i]! >= 16 ? [i] : [])) });
    md.push('### Buchwald–Hartwig, out-of-sample additives (held-out additives never seen in training)', '');
    md.push('| held out | additives | n train | GP R² | ensemble R² |', '|---|---|---|---|---|');
    const additive: Record<string, unknown> = {};
    const defaultR2: number[] = [];
    for (const split of splits) {
      const testSet = new Set(split.test);
      const train = bh.y.flatMap((_, i) => (testSet.has(i) ? [] : [i]));
      const results: Partial<Record<Kind, Run>> = {};
      for (const kind of KINDS) {
        const r = await run(bh, kind, train, split.test, 1, `bh-additive ${split.name}`);
        r.model = undefined as unknown as Surrogate;
        results[kind] = r;
      }
      const primary = defaultKind(bh.schema, train.length);
      if (split.name.startsWith('group')) defaultR2.push(results[primary]!.report.r2);
      additive[split.name] = {
        additives: split.additives,
        n_train: train.length,
        default: primary,
        ...Object.fromEntries(KINDS.map((k) => [k, results[k]!.report])),
      };
      md.push(`| ${split.name} | ${split.additives.join(', ')} | ${train.length} | ${results.gp!.report.r2.toFixed(3)} | ${results['mpnn-ensemble']!.report.r2.toFixed(3)} |`);
    }
    json.bh_additive = additive;
    json.bh_additive_r2 = avg(defaultR2);
    md.push('', `Average of the four groups with the default model: ${avg(defaultR2).toFixed(3)}.`, '');
    headline.push(['BH out-of-sample additives, mean R² of 4 groups', avg(defaultR2).toFixed(3), '≥ 0.75', 'RF 0.69 · Yield-BERT 0.73 · RXNGraphormer ≈ 0.83 (Ahneman Test1–4)']);
  }

  if (SECTIONS.has('bh-additive')) checkpoint('bh-additive');
  // ---- direct arylation -------------------------------------------------------------------------
  if (SECTIONS.has('da')) {
    md.push('### Direct arylation (Shields 2021), random 70/30 and low data', '');
    md.push('| training set | n | GP R² | ensemble R² | default |', '|---|---|---|---|---|');
    const daJson: Record<string, unknown> = {};
    const sizes: [string, number][] = [['70 %', Math.round(0.7 * da.y.length)], ...FRACTIONS.map((f): [string, number] => [`${(f * 100).toFixed(1)} %`, Math.round(f * da.y.length)])];
    for (const [label, n] of sizes) {
      const runs: Record<Kind, Run[]> = { gp: [], 'mpnn-ensemble': [] };
      const primary = defaultKind(da.schema, n);
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { train, test } = randomSplit(da.y.length, seed);
        for (const kind of KINDS) {
          const limit = kind === primary ? SEEDS : label === '70 %' ? COMPARE_SEEDS : ENSEMBLE_SEEDS;
          if (seed > limit) continue;
          const r = await run(da, kind, train.slice(0, n), test, seed, `da ${label} ${seed}/${SEEDS}`);
          r.model = undefined as unknown as Surrogate;
          runs[kind].push(r);
        }
      }
      const s = Object.fromEntries(KINDS.map((k) => [k, summarise(runs[k])]));
      const key = label === '70 %' ? 'random' : `lowdata_${label.replace(' %', '').replace('.', '_')}pct`;
      daJson[key] = { n, default: primary, ...s };
      json[`da_${key}_r2`] = s[primary]!.r2;
      md.push(`| ${label} | ${n} | ${pm(runs.gp.map((r) => r.report.r2))} | ${pm(runs['mpnn-ensemble'].map((r) => r.report.r2))} | ${primary} |`);
      if (label === '70 %') headline.push(['DA random 70/30, R²', pm(runs[primary].map((r) => r.report.r2)), '', '']);
      if (label === '5.0 %') headline.push(['DA low data 5 % (86 reactions), R²', pm(runs[primary].map((r) => r.report.r2)), '', '']);
    }
    json.da = daJson;
    md.push('');
  }

  if (SECTIONS.has('da')) checkpoint('da');
  json.total_seconds = (performance.now() - started) / 1000;
  const table = ['| figure | measured (default surrogate) | target | published |', '|---|---|---|---|', ...headline.map((h) => `| ${h.join(' | ')} |`)];
  if (json.train_seconds !== undefined) {
    table.push(`| train on 70 % of BH / score all 3,955 (${backend.backend}) | ${(json.train_seconds as number).toFixed(1)} s / ${(json.score_all_seconds as number).toFixed(2)} s | seconds to score | |`);
  }
  md.splice(2, 0, ...table, '');
  md.push(`Total ${(json.total_seconds as number / 60).toFixed(1)} min. Reproduce: \`npm run bench:models${args.quick ? ' -- --quick' : SEEDS !== 10 ? ` -- --seeds ${SEEDS}` : ''}\`.`);
  writeResults('models', json, md.join('\n'));
  rmSync(join(ROOT, 'bench', 'results', 'models.partial.json'), { force: true });
}

await main();
