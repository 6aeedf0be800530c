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
 * sizes, default 3) · --sections list (bh-random, cost, bh-lowdata, bh-additive, da) · --backend
 * name · --quick · --tag NAME (write the sections to bench/results/models.part-NAME.json instead,
 * to run sections in parallel processes) · --merge NAME,NAME (combine part files into
 * models.{json,md}). A progress line per fit goes to stderr; a section's results are written after
 * each of its seeds, so an interrupted run keeps what it finished.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  RoutedSurrogate,
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
    sections: { type: 'string', default: 'bh-random,cost,bh-lowdata,bh-additive,da' },
    backend: { type: 'string' },
    quick: { type: 'boolean', default: false },
    tag: { type: 'string' },
    merge: { type: 'string' },
  },
});
const SEEDS = args.quick ? 3 : Number(args.seeds);
const COMPARE_SEEDS = Math.min(SEEDS, args.quick ? 1 : Number(args['compare-seeds']));
const ENSEMBLE_SEEDS = Math.min(SEEDS, args.quick ? 1 : Number(args['ensemble-seeds']));
const SECTIONS = new Set(args.sections!.split(','));
const SECTION_ORDER = ['bh-random', 'cost', 'bh-lowdata', 'bh-additive', 'da'];
const FRACTIONS = [0.025, 0.05, 0.1, 0.2];
/**
 * Ahneman et al.'s out-of-sample additive test sets (the Test1–Test4 sheets of their SI data file,
 * as used by Schwaller et al. 2021 and later work), as the Ahneman numbers of the five additives
 * each holds out; additives 13 and 19 are never held out. Membership read off the per-reaction
 * split published with ReacHGNN (Masker-Li/ReacHGNN, datasets/raw/Buchwald_Hartwig). Published R²
 * per set: RF (Ahneman) and Yield-BERT (Schwaller 2021).
 */
const AHNEMAN_ADDITIVE_TESTS: Record<string, { additives: number[]; published: string }> = {
  Test1: { additives: [2, 3, 16, 20, 22], published: 'RF 0.80 · Yield-BERT 0.84' },
  Test2: { additives: [6, 8, 12, 14, 21], published: 'RF 0.77 · Yield-BERT 0.84' },
  Test3: { additives: [1, 5, 9, 11, 17], published: 'RF 0.64 · Yield-BERT 0.75' },
  Test4: { additives: [4, 10, 15, 18, 23], published: 'RF 0.54 · Yield-BERT 0.49' },
};
type Kind = 'gp' | 'mpnn-ensemble';
const KINDS: Kind[] = ['gp', 'mpnn-ensemble'];
const RESULTS = join(ROOT, 'bench', 'results');

const progress = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

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

/**
 * The base kind whose predictions the default surrogate gives on a random split. Above the
 * switch-over size the default is the routed model (src/models/routed.ts), which answers with the
 * ensemble wherever a reaction holds only substances seen in training — every test reaction of
 * these random splits (counted: novelTestRows) — and with the GP elsewhere; the additive section,
 * where every test reaction holds an unseen additive, routes the two fits for real.
 */
function defaultKind(schema: ModelSchema, n: number): Kind {
  const kind = defaultSurrogate(schema, n).kind;
  return kind === RoutedSurrogate.KIND ? 'mpnn-ensemble' : (kind as Kind);
}

/** Test reactions with a substance (in some role) that no training reaction has. */
function novelTestRows(ds: Dataset, train: number[], test: number[]): number {
  const seen = ds.schema.roles.map((role) => new Set(train.map((i) => ds.inputs[i]!.substances[role])));
  return test.filter((i) => ds.schema.roles.some((role, r) => !seen[r]!.has(ds.inputs[i]!.substances[role]))).length;
}

async function evaluate(ds: Dataset, model: Surrogate, test: number[]): Promise<RegressionReport> {
  const posterior = (await model.predict(test.map((i) => ds.inputs[i]!))).yield!;
  return evaluatePredictions(test.map((i) => ds.y[i]!), posterior.mean, posterior.sigma);
}

interface Run {
  kind: Kind;
  seed: number;
  trainingSize: number;
  report: RegressionReport;
  fitSeconds: number;
  cv: Record<string, number>;
  model?: Surrogate;
}

async function run(ds: Dataset, kind: Kind, train: number[], test: number[], seed: number, label: string, keepModel = false): Promise<Run> {
  const model = make(kind, ds.schema);
  const started = performance.now();
  const fit = await model.fit({ inputs: train.map((i) => ds.inputs[i]!), targets: { yield: train.map((i) => ds.y[i]!) } }, { seed });
  const fitSeconds = (performance.now() - started) / 1000;
  const report = await evaluate(ds, model, test);
  progress(
    `[${label}] ${kind} n=${train.length}: R² ${report.r2.toFixed(3)}, RMSE ${report.rmse.toFixed(2)}, ρ(|err|,σ) ${report.spearmanErrorSigma.toFixed(2)}, ` +
      `miscal ${report.miscalibrationArea.toFixed(3)} (fit ${fitSeconds.toFixed(1)} s)`,
  );
  return { kind, seed, trainingSize: train.length, report, fitSeconds, cv: fit.metrics, ...(keepModel ? { model } : {}) };
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

/** What a section contributes: top-level JSON keys, its markdown, its rows of the headline table. */
interface SectionResult {
  json: Record<string, unknown>;
  md: string[];
  headline: string[][];
}

interface Part {
  machine: ReturnType<typeof machine>;
  backend: string;
  backend_reason: string;
  settings: Record<string, unknown>;
  sections: Record<string, SectionResult>;
  seconds: Record<string, number>;
}

const calibrationCells = (s: ReturnType<typeof summarise>) =>
  `${s.spearman_err_sigma.toFixed(3)} | ${s.miscalibration_area.toFixed(3)} | ${s.ence.toFixed(3)} | ${s.nll.toFixed(3)}`;

function render(part: Part, reproduce: string): { json: Record<string, unknown>; md: string } {
  const json: Record<string, unknown> = {
    machine: part.machine,
    backend: part.backend,
    backend_reason: part.backend_reason,
    ...part.settings,
    gp_max_training_size: GP_MAX_TRAINING_SIZE,
  };
  const present = SECTION_ORDER.filter((s) => part.sections[s]);
  for (const s of present) Object.assign(json, part.sections[s]!.json);
  json.completed_sections = present;
  json.section_seconds = part.seconds;
  const m = part.machine;
  const md = [
    `Surrogate benchmark, backend **${part.backend}**. Machine: ${m.cpu}, ${m.cores} cores (shared with other work while it ran), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. ` +
      `Default surrogate: GP up to ${GP_MAX_TRAINING_SIZE} training results; above, the graph-network ensemble, routed to a GP for candidates holding a substance no training reaction has (\`src/models/defaults.ts\`, \`routed.ts\`).`,
    '',
    '| figure | measured (default surrogate) | target | published |',
    '|---|---|---|---|',
    ...present.flatMap((s) => part.sections[s]!.headline.map((h) => `| ${h.join(' | ')} |`)),
    '',
    ...present.flatMap((s) => part.sections[s]!.md),
    `Reproduce: ${reproduce}`,
  ];
  return { json, md: md.join('\n') };
}

function partPath(tag: string) {
  return join(RESULTS, `models.part-${tag}.json`);
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  if (args.merge) {
    const tags = args.merge.split(',');
    const parts = tags.map((t) => JSON.parse(readFileSync(partPath(t), 'utf8')) as Part);
    const merged: Part = { ...parts[0]!, settings: {}, sections: {}, seconds: {} };
    for (const p of parts) {
      Object.assign(merged.sections, p.sections);
      Object.assign(merged.seconds, p.seconds);
    }
    merged.settings = { runs: Object.fromEntries(tags.map((t, i) => [t, parts[i]!.settings])) };
    const reproduce = parts.map((p) => `\`${String(p.settings.command)}\``).join(' and ') + ` (separate processes, which may run at the same time), then \`npm run bench:models -- --merge ${args.merge}\``;
    const { json, md } = render(merged, reproduce);
    writeResults('models', json, md);
    return;
  }

  await initChem();
  const backend = await initTensorBackend({ ...(args.backend ? { prefer: [args.backend] } : {}), log: progress });
  const bh = await loadBuchwaldHartwig();
  const da = await loadDirectArylation();
  const command = `npm run bench:models -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const part: Part = {
    machine: machine(),
    backend: backend.backend,
    backend_reason: backend.reason,
    settings: {
      seeds: SEEDS,
      compare_seeds: COMPARE_SEEDS,
      ensemble_seeds: ENSEMBLE_SEEDS,
      datasets: { [bh.name]: bh.origin, [da.name]: da.origin },
      command,
    },
    sections: {},
    seconds: {},
  };
  const emit = () => {
    if (args.tag) writeFileSync(partPath(args.tag), `${JSON.stringify(part, null, 2)}\n`);
    else writeFileSync(join(RESULTS, 'models.partial.json'), `${JSON.stringify(part, null, 2)}\n`);
  };
  const timed = async (section: string, body: () => Promise<void>) => {
    if (!SECTIONS.has(section)) return;
    const t0 = performance.now();
    await body();
    part.seconds[section] = (performance.now() - t0) / 1000;
    emit();
  };

  // ---- Buchwald–Hartwig, random splits (and the cost, measured on seed 1's models) ----------------
  if (SECTIONS.has('bh-random') || SECTIONS.has('cost')) {
    const t0 = performance.now();
    const seeds = SECTIONS.has('bh-random') ? SEEDS : 1;
    const runs: Record<Kind, Run[]> = { gp: [], 'mpnn-ensemble': [] };
    const primary = defaultKind(bh.schema, randomSplit(bh.y.length, 1).train.length);
    let novel = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const { train, test } = randomSplit(bh.y.length, seed);
      novel += novelTestRows(bh, train, test);
      for (const kind of KINDS) {
        if (kind !== primary && seed > COMPARE_SEEDS) continue;
        runs[kind].push(await run(bh, kind, train, test, seed, `bh-random ${seed}/${seeds}`, seed === 1 && SECTIONS.has('cost')));
      }
      if (seed === 1 && SECTIONS.has('cost')) {
        const md = ['### Cost (Buchwald–Hartwig, seed 1)', '', '| model | train on 70 % = 2,769 reactions (s) | score all 3,955 reactions (s) |', '|---|---|---|'];
        const cost: Record<string, { train_seconds: number; score_all_seconds: number }> = {};
        for (const kind of KINDS) {
          const first = runs[kind].find((r) => r.seed === 1);
          if (!first?.model) continue;
          const started = performance.now();
          await first.model.predict(bh.inputs);
          const score = (performance.now() - started) / 1000;
          cost[kind] = { train_seconds: first.fitSeconds, score_all_seconds: score };
          md.push(`| ${kind}${kind === primary ? ' (default)' : ''} | ${first.fitSeconds.toFixed(1)} | ${score.toFixed(2)} |`);
          progress(`[cost] ${kind}: train ${first.fitSeconds.toFixed(1)} s, score 3,955 in ${score.toFixed(2)} s`);
          delete first.model;
        }
        md.push('', `Backend: ${backend.backend} (${backend.reason}). Wall time on the shared 2-core machine, one process; other work was running.`, '');
        part.sections.cost = {
          json: { cost, train_seconds: cost[primary]?.train_seconds, score_all_seconds: cost[primary]?.score_all_seconds },
          md,
          headline: [[`train on 70 % of BH / score all 3,955 (${backend.backend}, ${primary})`, `${cost[primary]!.train_seconds.toFixed(0)} s / ${cost[primary]!.score_all_seconds.toFixed(2)} s`, 'seconds to score', '']],
        };
        part.seconds.cost = (performance.now() - t0) / 1000;
      }
      if (SECTIONS.has('bh-random')) {
        const d = summarise(runs[primary]);
        const md = [
          `### Buchwald–Hartwig, random 70/30 splits (2,769 training, 1,186 test reactions; seeds 1–${seed})`,
          '',
          '| model | seeds | R² | MAE | RMSE | ρ(\\|err\\|, σ) | miscal. area | ENCE | NLL | fit (s) |',
          '|---|---|---|---|---|---|---|---|---|---|',
        ];
        for (const kind of KINDS) {
          if (runs[kind].length === 0) continue;
          const s = summarise(runs[kind]);
          md.push(`| ${kind}${kind === primary ? ' (default)' : ''} | ${runs[kind].length} | ${pm(s.per_seed_r2)} | ${s.mae.toFixed(2)} | ${s.rmse.toFixed(2)} | ${calibrationCells(s)} | ${s.fit_seconds.toFixed(0)} |`);
        }
        md.push(
          '',
          `Per-seed R² of the default: ${d.per_seed_r2.map((r) => r.toFixed(3)).join(', ')}. Test reactions with a substance no training reaction has: ${novel} (so the routed default answers with the ensemble throughout).`,
          '',
        );
        part.sections['bh-random'] = {
          json: {
            bh_random: Object.fromEntries(KINDS.filter((k) => runs[k].length > 0).map((k) => [k, summarise(runs[k])])),
            bh_random_default: primary,
            bh_random_novel_test_rows: novel,
            bh_random_seeds: runs[primary].length,
            bh_random_r2: d.r2,
            bh_random_r2_sd: d.r2_sd,
            bh_random_mae: d.mae,
            bh_random_rmse: d.rmse,
            spearman_err_sigma: d.spearman_err_sigma,
            miscalibration_area: d.miscalibration_area,
            ence: d.ence,
            nll: d.nll,
          },
          md,
          headline: [
            [`BH random 70/30, R² (${runs[primary].length} seeds)`, pm(d.per_seed_r2), '≥ 0.95', 'RF 0.92 · Yield-BERT 0.951 · DRFP+XGB 0.95 · GraphRXN 0.951 · UA-GNN 0.974 · ReaDISH 0.976'],
            ['BH random 70/30, MAE / RMSE (yield %)', `${d.mae.toFixed(2)} / ${d.rmse.toFixed(2)}`, '', ''],
            ['error–σ Spearman ρ (BH random)', d.spearman_err_sigma.toFixed(3), '≥ 0.4', 'Yield-BERT (augmented) ≈ 0.47'],
            ['miscalibration area (BH random)', d.miscalibration_area.toFixed(3), '≤ 0.10', ''],
            ['ENCE / Gaussian NLL (BH random)', `${d.ence.toFixed(3)} / ${d.nll.toFixed(3)}`, '', ''],
          ],
        };
        part.seconds['bh-random'] = (performance.now() - t0) / 1000;
      }
      emit();
      for (const r of [...runs.gp, ...runs['mpnn-ensemble']]) delete r.model;
    }
  }

  // ---- Buchwald–Hartwig, low data ----------------------------------------------------------------
  await timed('bh-lowdata', async () => {
    const all: { fraction: number; n: number; primary: Kind; runs: Record<Kind, Run[]> }[] = [];
    // re-rendered after every fit, so an interrupted run keeps what it finished
    const render = () => {
      const md = [
        "### Buchwald–Hartwig, low data (train on the first n of seed s's 70 % training split, test on its 30 % test split)",
        '',
        '| fraction | n | GP R² | ensemble R² | default | default MAE / RMSE | default ρ / miscal. / ENCE / NLL | seeds (default / other) | published |',
        '|---|---|---|---|---|---|---|---|---|',
      ];
      const json: Record<string, unknown> = {};
      const lowdata: Record<string, unknown> = {};
      const headline: string[][] = [];
      for (const { fraction, n, primary, runs } of all) {
        if (runs[primary].length === 0) continue;
        const key = `${String(fraction * 100).replace('.', '_')}pct`;
        const s = Object.fromEntries(KINDS.filter((k) => runs[k].length > 0).map((k) => [k, summarise(runs[k])]));
        const d = s[primary]!;
        const other = KINDS.find((k) => k !== primary)!;
        lowdata[key] = { n, default: primary, ...s };
        json[`bh_lowdata_${key}_r2`] = d.r2;
        const published = fraction === 0.05 ? 'Yield-BERT 0.61 · aug. Yield-BERT 0.74 · ReaDISH 0.71' : '';
        md.push(
          `| ${(fraction * 100).toFixed(1)} % | ${n} | ${pm(runs.gp.map((r) => r.report.r2))} | ${pm(runs['mpnn-ensemble'].map((r) => r.report.r2))} | ${primary} | ` +
            `${d.mae.toFixed(2)} / ${d.rmse.toFixed(2)} | ${d.spearman_err_sigma.toFixed(2)} / ${d.miscalibration_area.toFixed(3)} / ${d.ence.toFixed(3)} / ${d.nll.toFixed(2)} | ${runs[primary].length} / ${runs[other].length} | ${published} |`,
        );
        headline.push([`BH low data ${(fraction * 100).toFixed(1)} % (${n} reactions), R² (${runs[primary].length} seeds)`, pm(d.per_seed_r2), fraction === 0.05 ? '≥ 0.70' : '', published]);
      }
      json.bh_lowdata = lowdata;
      md.push('');
      part.sections['bh-lowdata'] = { json, md, headline };
      emit();
    };
    for (const fraction of FRACTIONS) {
      const n = Math.round(fraction * bh.y.length);
      const entry = { fraction, n, primary: defaultKind(bh.schema, n), runs: { gp: [], 'mpnn-ensemble': [] } as Record<Kind, Run[]> };
      all.push(entry);
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { train, test } = randomSplit(bh.y.length, seed);
        for (const kind of KINDS) {
          if (kind !== entry.primary && seed > ENSEMBLE_SEEDS) continue;
          entry.runs[kind].push(await run(bh, kind, train.slice(0, n), test, seed, `bh-lowdata ${(fraction * 100).toFixed(1)}% ${seed}/${SEEDS}`));
          render();
        }
      }
    }
  });

  // ---- Buchwald–Hartwig, out-of-sample additives ------------------------------------------------
  await timed('bh-additive', async () => {
    // Ahneman's four out-of-sample test sets (each holds out five additives; the model trains on
    // every reaction of the others), plus their plate split (plates 1–2 train, plate 3 =
    // additives 16–23 test), reported but not averaged.
    const numbers = [...new Set(bh.additive!)].sort((a, b) => a - b);
    const nameOf = new Map(bh.additive!.map((a, i) => [a, bh.additiveName![i]!] as const));
    const heldOut = (additives: number[]) => bh.y.flatMap((_, i) => (additives.includes(bh.additive![i]!) ? [i] : []));
    const splits = [
      ...Object.entries(AHNEMAN_ADDITIVE_TESTS).map(([name, { additives, published }]) => ({ name, additives, published, test: heldOut(additives) })),
      { name: 'plate 3', additives: numbers.filter((a) => a >= 16), published: '', test: heldOut(numbers.filter((a) => a >= 16)) },
    ];
    const md = [
      "### Buchwald–Hartwig, out-of-sample additives (Ahneman's test sets: the held-out additives never occur in training; seed 1)",
      '',
      '| held out | additives (Ahneman numbers) | n train / test | GP R² | ensemble R² | default R² | default ρ / miscal. | published R² |',
      '|---|---|---|---|---|---|---|---|',
    ];
    const additive: Record<string, unknown> = {};
    const tests: Record<Kind | 'default', number[]> = { default: [], gp: [], 'mpnn-ensemble': [] };
    for (const split of splits) {
      const testSet = new Set(split.test);
      const train = bh.y.flatMap((_, i) => (testSet.has(i) ? [] : [i]));
      const results: Partial<Record<Kind, Run>> = {};
      for (const kind of KINDS) results[kind] = await run(bh, kind, train, split.test, 1, `bh-additive ${split.name}`, true);
      const defaultModel = defaultSurrogate(bh.schema, train.length);
      let d = results[defaultModel.kind as Kind]?.report;
      if (defaultModel instanceof RoutedSurrogate) {
        // the routed default: the ensemble fitted above, and its own GP (fitted here), routed per test reaction
        const inputs = train.map((i) => bh.inputs[i]!);
        await defaultModel.gp.fit({ inputs, targets: { yield: train.map((i) => bh.y[i]!) } }, { seed: 1 });
        d = await evaluate(bh, RoutedSurrogate.fromFitted(bh.schema, results['mpnn-ensemble']!.model as DeepEnsembleSurrogate, defaultModel.gp, inputs), split.test);
        progress(`[bh-additive ${split.name}] routed default (GP radius ${defaultModel.gp.config.fingerprintRadius} for unseen substances): R² ${d.r2.toFixed(3)}`);
      }
      if (!d) throw new Error(`no run of the default kind ${defaultModel.kind}`);
      delete results.gp!.model;
      delete results['mpnn-ensemble']!.model;
      const named = split.additives.map((a) => `${a} ${nameOf.get(a)}`);
      additive[split.name] = { additives: named, n_train: train.length, n_test: split.test.length, novel_test_rows: novelTestRows(bh, train, split.test), default: defaultModel.kind, default_report: d, ...Object.fromEntries(KINDS.map((k) => [k, results[k]!.report])) };
      md.push(
        `| ${split.name} | ${named.join('; ')} | ${train.length} / ${split.test.length} | ${results.gp!.report.r2.toFixed(3)} | ${results['mpnn-ensemble']!.report.r2.toFixed(3)} | ${defaultModel.kind} ${d.r2.toFixed(3)} | ${d.spearmanErrorSigma.toFixed(2)} / ${d.miscalibrationArea.toFixed(3)} | ${split.published} |`,
      );
      if (split.name in AHNEMAN_ADDITIVE_TESTS) {
        tests.default.push(d.r2);
        for (const kind of KINDS) tests[kind].push(results[kind]!.report.r2);
      }
      const done = tests.default.length === Object.keys(AHNEMAN_ADDITIVE_TESTS).length;
      const summary = done ? { bh_additive_r2: avg(tests.default), bh_additive_r2_gp: avg(tests.gp), bh_additive_r2_ensemble: avg(tests['mpnn-ensemble']) } : {};
      part.sections['bh-additive'] = {
        json: { bh_additive: additive, ...summary },
        md: [
          ...md,
          '',
          ...(done ? [`Mean R² of Test1–4: default ${summary.bh_additive_r2!.toFixed(3)}, GP ${summary.bh_additive_r2_gp!.toFixed(3)}, ensemble ${summary.bh_additive_r2_ensemble!.toFixed(3)} (published: RF 0.69, Yield-BERT 0.73).`, ''] : []),
        ],
        headline: done
          ? [
              ['BH out-of-sample additives, mean R² of Test1–4 (default)', summary.bh_additive_r2!.toFixed(3), '≥ 0.75', 'RF 0.69 · Yield-BERT 0.73 · RXNGraphormer ≈ 0.83'],
              ['BH out-of-sample additives, mean R² of Test1–4 (GP)', summary.bh_additive_r2_gp!.toFixed(3), '≥ 0.75', ''],
            ]
          : [],
      };
      emit();
    }
  });

  // ---- direct arylation -------------------------------------------------------------------------
  await timed('da', async () => {
    const all: { label: string; n: number; primary: Kind; runs: Record<Kind, Run[]> }[] = [];
    const render = () => {
      const md = [
        '### Direct arylation (Shields 2021, 1,728 reactions), low data and random 70/30',
        '',
        '| training set | n | GP R² | ensemble R² | default | default MAE / RMSE | default ρ / miscal. / ENCE / NLL | seeds (default / other) |',
        '|---|---|---|---|---|---|---|---|',
      ];
      const daJson: Record<string, unknown> = {};
      const json: Record<string, unknown> = {};
      const headline: string[][] = [];
      for (const { label, n, primary, runs } of all) {
        if (runs[primary].length === 0) continue;
        const s = Object.fromEntries(KINDS.filter((k) => runs[k].length > 0).map((k) => [k, summarise(runs[k])]));
        const d = s[primary]!;
        const other = KINDS.find((k) => k !== primary)!;
        const key = label === '70 %' ? 'random' : `lowdata_${label.replace(' %', '').replace('.', '_')}pct`;
        daJson[key] = { n, default: primary, ...s };
        json[`da_${key}_r2`] = d.r2;
        md.push(
          `| ${label} | ${n} | ${pm(runs.gp.map((r) => r.report.r2))} | ${pm(runs['mpnn-ensemble'].map((r) => r.report.r2))} | ${primary} | ` +
            `${d.mae.toFixed(2)} / ${d.rmse.toFixed(2)} | ${d.spearman_err_sigma.toFixed(2)} / ${d.miscalibration_area.toFixed(3)} / ${d.ence.toFixed(3)} / ${d.nll.toFixed(2)} | ${runs[primary].length} / ${runs[other].length} |`,
        );
        headline.push([`DA ${label === '70 %' ? 'random 70/30' : `low data ${label}`} (${n} reactions), R² (${runs[primary].length} seeds)`, pm(d.per_seed_r2), '', '']);
      }
      json.da = daJson;
      md.push('');
      part.sections.da = { json, md, headline };
      emit();
    };
    const sizes: [string, number][] = [...FRACTIONS.map((f): [string, number] => [`${(f * 100).toFixed(1)} %`, Math.round(f * da.y.length)]), ['70 %', Math.round(0.7 * da.y.length)]];
    for (const [label, n] of sizes) {
      const entry = { label, n, primary: defaultKind(da.schema, n), runs: { gp: [], 'mpnn-ensemble': [] } as Record<Kind, Run[]> };
      all.push(entry);
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { train, test } = randomSplit(da.y.length, seed);
        for (const kind of KINDS) {
          const limit = kind === entry.primary ? SEEDS : label === '70 %' ? COMPARE_SEEDS : ENSEMBLE_SEEDS;
          if (seed > limit) continue;
          entry.runs[kind].push(await run(da, kind, train.slice(0, n), test, seed, `da ${label} ${seed}/${SEEDS}`));
          render();
        }
      }
    }
  });

  if (args.tag) {
    emit();
    progress(`written ${partPath(args.tag)}`);
    return;
  }
  const { json, md } = render(part, `\`${command}\``);
  writeResults('models', json, md);
  if (existsSync(join(RESULTS, 'models.partial.json'))) rmSync(join(RESULTS, 'models.partial.json'));
}

await main();
