/**
 * bench:transfer — does prior data from related tasks cut the experiments a campaign needs?
 * (issue 18, docs/transfer.md). Every campaign runs through the product's own loop (openCampaign,
 * the XState runner, the retraining policy, the dataset simulator) on an embedded database, with
 * the prior data given the way a user would: a `prior:` CSV inside the campaign's data folders.
 *
 *  - Buchwald–Hartwig (Ahneman 2018): one aryl halide is the target task (its plate: the space is
 *    its rows, a scope table), the other 14 are sources (task_column: one task each), sampled to a
 *    fraction of their rows per seed.
 *  - Direct arylation (Shields 2021): one temperature is the target (576 reactions), the other two
 *    are the sources (the setting of BayBE's transfer-learning benchmark).
 *  - CPA-catalysed thiol addition (Zahrt 2019, the benchmark suite's cpa-thiol-addition task): one
 *    imine is the target (43 catalysts × 5 thiols), the other four imines are the sources: a new
 *    substrate in a catalyst screen, the objective enantioselectivity (ΔΔG) rather than yield.
 *  - Each also with an unrelated source: the same rows with their yields shuffled within each source.
 *
 * The measure: experiments until the target task's top results are found — its top 1 %, or its
 * top 3 where 1 % is fewer than 3 reactions; a run that does not get there within the budget
 * counts as budget + 1 (and is reported as censored).
 *
 * Reads ../shared/data (datasetPath: falls back to examples/data and says so). Options:
 *   --seeds N (20) --first-seed K (1: seeds K … K + N − 1, so that more seeds can be added to a run later) --budget B (40) --batch b (4) --bh-targets i,j (all 15 by index) --fractions f,…
 *   (1,0.01,0.1,0.2) --da-targets T,… (90,105,120) --cpa-targets i,… (all 5 imines by index)
 *   --out name (transfer) --skip-da --skip-bh --skip-cpa --transfer multitask|ranking-ensemble
 *   (planner.model.transfer, default the product's); --merge a,b,… [--plots] writes --out (and with --plots the figures) from the
 *   results of runs written separately: other targets (one process per dataset, side by side), other arms of the same target
 *   (the fractions) or other seeds of the same arm (--first-seed) — an arm's seeds are pooled, a seed run twice counts once
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCampaignFile, type CampaignSpec, type PriorSourceSpec } from '../src/campaign/index.js';
import { openDatabase } from '../src/db/index.js';
import { DEFAULT_TRANSFER_MODEL, TRANSFER_MODELS, type TransferModel } from '../src/models/transfer-models.js';
import { readCsv, type CsvRow } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { datasetCampaign, datasetPath, machine, quantile, ROOT, writeResults } from './lib.js';
import { bandsSvg } from './plot.js';
import { runCampaign } from './suite/run-campaign.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const SEEDS = Number(option('seeds', '20'));
const FIRST_SEED = Number(option('first-seed', '1'));
if (!Number.isInteger(FIRST_SEED) || FIRST_SEED < 1) throw new Error('--first-seed must be a whole number ≥ 1');
const BUDGET = Number(option('budget', '40'));
const BATCH = Number(option('batch', '4'));
const FRACTIONS = option('fractions', '1,0.01,0.1,0.2').split(',').map(Number);
const OUT = option('out', 'transfer');
const SKIP_DA = process.argv.includes('--skip-da');
const SKIP_BH = process.argv.includes('--skip-bh');
const SKIP_CPA = process.argv.includes('--skip-cpa');
/** The transfer model the campaigns with prior data use (planner.model.transfer). */
const TRANSFER = option('transfer', DEFAULT_TRANSFER_MODEL) as TransferModel;
if (!TRANSFER_MODELS.includes(TRANSFER)) throw new Error(`--transfer must be one of ${TRANSFER_MODELS.join(', ')}`);

interface Arm {
  label: string;
  setting: 'cold' | 'transfer' | 'unrelated';
  fraction?: number;
}

interface ArmResult extends Arm {
  /** the seed of each campaign, in the order of `experiments` (results written before --first-seed: 1 … n) */
  seeds: number[];
  experiments: number[];
  censored: number;
  median: number;
  q25: number;
  q75: number;
  curves: number[][];
  correlations: Record<string, number>[];
  /** The learned ρ of the first model (before any result of the campaign's own): what planned the first batch. */
  firstCorrelations: Record<string, number>[];
  wallSeconds: number;
}

interface TaskResult {
  dataset: string;
  task: string;
  candidates: number;
  top: { count: number; threshold: number };
  arms: ArmResult[];
  median_cold?: number;
  median_with_transfer?: number;
  median_unrelated_source?: number;
}

function csvText(header: string[], rows: CsvRow[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header.join(','), ...rows.map((r) => header.map((h) => quote(r[h] ?? '')).join(','))].join('\n') + '\n';
}

/** The threshold of the target's top results: top 1 %, or top 3 where 1 % is under 3 reactions. */
function topOf(values: number[]): { count: number; threshold: number } {
  const sorted = [...values].sort((a, b) => b - a);
  const count = Math.max(3, Math.floor(values.length / 100));
  return { count, threshold: sorted[count - 1]! };
}

/** Source rows for one seed: a fraction of each source's rows, with yields shuffled within each source when unrelated. */
function sourceRows(rows: CsvRow[], taskColumn: string, yieldColumn: string, fraction: number, unrelated: boolean, seed: number): CsvRow[] {
  const tasks = [...new Set(rows.map((r) => r[taskColumn]!))];
  return tasks.flatMap((task) => {
    const mine = rows.filter((r) => r[taskColumn] === task);
    const kept = shuffled(mine, rngFor(seed, 'transfer-fraction', task)).slice(0, Math.max(1, Math.round(mine.length * fraction)));
    if (!unrelated) return kept;
    const yields = shuffled(kept.map((r) => r[yieldColumn]!), rngFor(seed, 'transfer-shuffle', task));
    return kept.map((r, i) => ({ ...r, [yieldColumn]: yields[i]! }));
  });
}

type ArmRuns = Pick<ArmResult, 'seeds' | 'experiments' | 'curves' | 'correlations' | 'firstCorrelations' | 'wallSeconds'>;

function summarise(arm: Arm, runs: ArmRuns, budget = BUDGET): ArmResult {
  const sorted = [...runs.experiments].sort((a, b) => a - b);
  return { ...arm, ...runs, censored: runs.experiments.filter((e) => e > budget).length, median: quantile(sorted, 0.5), q25: quantile(sorted, 0.25), q75: quantile(sorted, 0.75) };
}

const MEASURE = 'experiments until one of the target task’s top results (top 1 %, or top 3 where 1 % < 3 reactions); budget + 1 when not found';

interface RunInfo {
  command: string;
  machine: ReturnType<typeof machine>;
  load: { start: number[]; end: number[] };
  seconds: number;
}

/** Per dataset, over its targets: the issue's two targets (transfer halves the median; an unrelated source costs ≤ 10 %). */
interface DatasetSummary {
  dataset: string;
  targets: number;
  /** median over the targets of median_with_transfer / median_cold */
  median_ratio: number;
  targets_halved: number;
  /** median over the targets of (median_unrelated_source − median_cold) / median_cold */
  median_unrelated_cost: number;
  targets_unrelated_within_10_percent: number;
}

interface TransferResults {
  benchmark: 'transfer';
  runs: RunInfo[];
  /** seeds: campaigns per arm (the fewest of any arm after a merge) */
  settings: { seeds: number; budget: number; batch: number; fractions: number[] };
  measure: string;
  tasks: TaskResult[];
  datasets: DatasetSummary[];
}

function datasetSummaries(tasks: TaskResult[]): DatasetSummary[] {
  return [...new Set(tasks.map((t) => t.dataset))].map((dataset) => {
    const mine = tasks.filter((t) => t.dataset === dataset && t.median_cold !== undefined);
    const ratios = mine.filter((t) => t.median_with_transfer !== undefined).map((t) => t.median_with_transfer! / t.median_cold!).sort((a, b) => a - b);
    const costs = mine.filter((t) => t.median_unrelated_source !== undefined).map((t) => (t.median_unrelated_source! - t.median_cold!) / t.median_cold!).sort((a, b) => a - b);
    return {
      dataset,
      targets: mine.length,
      median_ratio: quantile(ratios, 0.5),
      targets_halved: ratios.filter((r) => r <= 0.5).length,
      median_unrelated_cost: quantile(costs, 0.5),
      targets_unrelated_within_10_percent: costs.filter((c) => c <= 0.1).length,
    };
  });
}

/** One arm's campaigns from several runs: each seed once (the first run that has it), in seed order. */
function poolArms(arms: ArmResult[], budget: number): ArmResult {
  const bySeed = new Map<number, { arm: ArmResult; index: number }>();
  for (const arm of arms) {
    const seeds = arm.seeds ?? arm.experiments.map((_, i) => i + 1);
    seeds.forEach((seed, index) => {
      const earlier = bySeed.get(seed);
      if (!earlier) bySeed.set(seed, { arm, index });
      else if (earlier.arm.experiments[earlier.index] !== arm.experiments[index]) {
        console.error(`${arm.label}, seed ${seed}: ${earlier.arm.experiments[earlier.index]} and ${arm.experiments[index]} experiments in two runs; the first run's is kept`);
      }
    });
  }
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const pick = <T>(of: (arm: ArmResult) => T[] | undefined) => seeds.map((seed) => { const { arm, index } = bySeed.get(seed)!; return of(arm)?.[index]; });
  const { label, setting, fraction } = arms[0]!;
  return summarise({ label, setting, ...(fraction !== undefined ? { fraction } : {}) }, {
    seeds,
    experiments: pick((a) => a.experiments) as number[],
    curves: pick((a) => a.curves) as number[][],
    correlations: pick((a) => a.correlations).map((c) => c ?? {}),
    firstCorrelations: pick((a) => a.firstCorrelations).map((c) => c ?? {}),
    wallSeconds: arms.reduce((sum, a) => sum + a.wallSeconds, 0),
  }, budget);
}

/** `--merge a,b,…`: one result from runs written separately — other targets, other arms of a target, other seeds of an arm. */
function merge(names: string[]): void {
  // results written before `runs` existed carry one run's fields at the top
  type Written = TransferResults & Partial<RunInfo>;
  const parts = names.map((name) => {
    const part = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', `${name}.json`), 'utf8')) as Written;
    return part.runs ? part : { ...part, runs: [{ command: part.command!, machine: part.machine!, load: part.load!, seconds: part.seconds! }] };
  });
  const { budget, batch } = parts[0]!.settings;
  const differing = parts.find((p) => p.settings.budget !== budget || p.settings.batch !== batch);
  if (differing) throw new Error(`cannot merge runs with different budgets or batches (${budget}/${batch} against ${differing.settings.budget}/${differing.settings.batch})`);
  const byTask = new Map<string, TaskResult[]>();
  for (const task of parts.flatMap((p) => p.tasks)) byTask.set(task.task, [...(byTask.get(task.task) ?? []), task]);
  const tasks = [...byTask.values()].map((versions) => {
    const labels = [...new Set(versions.flatMap((v) => v.arms.map((a) => a.label)))];
    const arms = labels.map((label) => poolArms(versions.flatMap((v) => v.arms.filter((a) => a.label === label)), budget));
    const { dataset, task, candidates, top } = versions[0]!;
    return taskResult(dataset, task, candidates, top, arms);
  });
  const fractions = [...new Set(parts.flatMap((p) => p.settings.fractions))];
  const seeds = Math.min(...tasks.flatMap((t) => t.arms.map((a) => a.experiments.length)));
  const json: TransferResults = { benchmark: 'transfer', runs: parts.flatMap((p) => p.runs), settings: { seeds, budget, batch, fractions }, measure: MEASURE, tasks, datasets: datasetSummaries(tasks) };
  writeResults(OUT, json, markdownOf(json));
  if (process.argv.includes('--plots')) writePlots(tasks, budget);
}

async function main(): Promise<void> {
  const mergeIndex = process.argv.indexOf('--merge');
  if (mergeIndex >= 0) return merge(process.argv[mergeIndex + 1]!.split(','));
  const started = performance.now();
  const load = { start: loadavg() };
  const folder = mkdtempSync(join(tmpdir(), 'athanor-transfer-'));
  const home = mkdtempSync(join(tmpdir(), 'athanor-transfer-home-'));
  const database = await openDatabase({ home });
  const results: TaskResult[] = [];
  const write = () => {
    const json: TransferResults = {
      benchmark: 'transfer',
      runs: [{ command: `npm run bench:transfer -- ${process.argv.slice(2).join(' ')}`.trim(), machine: machine(), load: { ...load, end: loadavg() }, seconds: (performance.now() - started) / 1000 }],
      settings: { seeds: SEEDS, budget: BUDGET, batch: BATCH, fractions: FRACTIONS },
      measure: MEASURE,
      tasks: results,
      datasets: datasetSummaries(results),
    };
    writeResults(OUT, json, markdownOf(json));
    writePlots(results);
  };

  const runArm = async (task: string, base: CampaignSpec, arm: Arm, sourcesFor: (seed: number) => string | undefined, top: { threshold: number }, prior: (file: string) => PriorSourceSpec): Promise<ArmResult> => {
    const seeds: number[] = [];
    const experiments: number[] = [];
    const curves: number[][] = [];
    const correlations: Record<string, number>[] = [];
    const firstCorrelations: Record<string, number>[] = [];
    const armStarted = performance.now();
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      seeds.push(seed);
      const file = sourcesFor(seed);
      const planner = { ...base.planner, model: { substance_kernel: base.planner.model?.substance_kernel ?? 'morgan', hyper_samples: base.planner.model?.hyper_samples ?? 0, transfer: TRANSFER } };
      const spec: CampaignSpec = { ...base, planner, name: `${task} ${arm.label} seed ${seed}`, seed, ...(file ? { prior: [prior(file)] } : {}) };
      const trace = await runCampaign(database.db, spec, home);
      const values = trace.values.map((v) => v ?? Number.NEGATIVE_INFINITY);
      const hit = values.findIndex((v) => v >= top.threshold - 1e-9);
      experiments.push(hit >= 0 ? hit + 1 : BUDGET + 1);
      let best = Number.NEGATIVE_INFINITY;
      curves.push(values.map((v) => (best = Math.max(best, v))));
      const learned = await learnedCorrelations(database, spec.name);
      correlations.push(learned.newest);
      firstCorrelations.push(learned.first);
      console.error(`${task} ${arm.label} seed ${seed}: ${hit >= 0 ? hit + 1 : `> ${BUDGET}`} experiments (${trace.wallSeconds.toFixed(0)} s, load ${loadavg()[0]!.toFixed(1)})`);
    }
    return summarise(arm, { seeds, experiments, curves, correlations, firstCorrelations, wallSeconds: (performance.now() - armStarted) / 1000 });
  };

  try {
    if (!SKIP_BH) {
      const bh = datasetPath('buchwald_hartwig_3955.csv');
      const { header, rows } = await readCsv(bh.path);
      const halides = [...new Set(rows.map((r) => r.aryl_halide_smiles!))];
      const picked = option('bh-targets', halides.map((_, i) => i).join(',')).split(',').map(Number);
      const example = await datasetCampaign('buchwald-hartwig.yaml', bh.path, BUDGET, BATCH);
      for (const index of picked) {
        const target = halides[index]!;
        const targetRows = rows.filter((r) => r.aryl_halide_smiles === target);
        const others = rows.filter((r) => r.aryl_halide_smiles !== target);
        const tag = `bh${index}`;
        writeFileSync(join(folder, `${tag}-target.csv`), csvText(header, targetRows));
        const base: CampaignSpec = {
          ...example,
          baseDir: folder,
          dataFolders: [folder],
          space: { ...example.space, substances: { ...example.space.substances, aryl_halide: { [targetRows[0]!.aryl_halide!]: target } }, scope: { ...example.space.scope!, file: `${tag}-target.csv` } },
          lab: { ...example.lab, dataset: `${tag}-target.csv` },
        };
        const top = topOf(targetRows.map((r) => Number(r.yield)));
        const prior = (file: string): PriorSourceSpec => ({ name: 'other aryl halides', file, columns: { ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' }, results: { yield: 'yield' }, task: 'related', task_column: 'aryl_halide' });
        const arms: ArmResult[] = [];
        const sources = (fraction: number, unrelated: boolean) => (seed: number) => {
          const file = `${tag}-sources-${fraction}-${unrelated ? 'shuffled' : 'real'}-${seed}.csv`;
          writeFileSync(join(folder, file), csvText(header, sourceRows(others, 'aryl_halide', 'yield', fraction, unrelated, seed)));
          return file;
        };
        const task = `Buchwald–Hartwig, target ${targetRows[0]!.aryl_halide}`;
        arms.push(await runArm(task, base, { label: 'cold', setting: 'cold' }, () => undefined, top, prior));
        for (const fraction of FRACTIONS) arms.push(await runArm(task, base, { label: `transfer ${fraction * 100} %`, setting: 'transfer', fraction }, sources(fraction, false), top, prior));
        const unrelatedFraction = FRACTIONS.includes(0.1) ? 0.1 : FRACTIONS[0]!;
        arms.push(await runArm(task, base, { label: `unrelated ${unrelatedFraction * 100} % (shuffled)`, setting: 'unrelated', fraction: unrelatedFraction }, sources(unrelatedFraction, true), top, prior));
        results.push(taskResult('buchwald_hartwig', task, targetRows.length, top, arms));
        write();
      }
    }
    if (!SKIP_DA) {
      const da = datasetPath('direct_arylation.csv');
      const { header, rows } = await readCsv(da.path);
      const example = await datasetCampaign('direct-arylation.yaml', da.path, BUDGET, BATCH);
      for (const temperature of option('da-targets', '90,105,120').split(',').map(Number)) {
        const targetRows = rows.filter((r) => Number(r.Temp_C) === temperature);
        const others = rows.filter((r) => Number(r.Temp_C) !== temperature);
        const tag = `da${temperature}`;
        writeFileSync(join(folder, `${tag}-target.csv`), csvText(header, targetRows));
        const base: CampaignSpec = {
          ...example,
          baseDir: folder,
          dataFolders: [folder],
          space: { ...example.space, numeric: { ...example.space.numeric, temperature: { ...example.space.numeric.temperature!, values: [temperature] } } },
          lab: { ...example.lab, dataset: `${tag}-target.csv` },
        };
        const top = topOf(targetRows.map((r) => Number(r.yield)));
        const prior = (file: string): PriorSourceSpec => ({ name: 'other temperatures', file, columns: { base: 'Base_SMILES', ligand: 'Ligand_SMILES', solvent: 'Solvent_SMILES', concentration: 'Concentration' }, results: { yield: 'yield' }, task: 'related', task_column: 'Temp_C' });
        const sources = (unrelated: boolean) => (seed: number) => {
          const file = `${tag}-sources-${unrelated ? 'shuffled' : 'real'}-${seed}.csv`;
          writeFileSync(join(folder, file), csvText(header, sourceRows(others, 'Temp_C', 'yield', 1, unrelated, seed)));
          return file;
        };
        const task = `direct arylation, target ${temperature} °C`;
        const arms = [
          await runArm(task, base, { label: 'cold', setting: 'cold' }, () => undefined, top, prior),
          await runArm(task, base, { label: 'transfer 100 %', setting: 'transfer', fraction: 1 }, sources(false), top, prior),
          await runArm(task, base, { label: 'unrelated 100 % (shuffled)', setting: 'unrelated', fraction: 1 }, sources(true), top, prior),
        ];
        results.push(taskResult('direct_arylation', task, targetRows.length, top, arms));
        write();
      }
    }
    if (!SKIP_CPA) {
      // the suite's own copy (bench/suite/tasks, converted with its citation), inside the repository
      const file = join(ROOT, 'bench', 'suite', 'tasks', 'cpa-thiol-addition', 'data.csv');
      const { header, rows } = await readCsv(file);
      const { spec: suiteSpec } = await loadCampaignFile(join(ROOT, 'bench', 'suite', 'tasks', 'cpa-thiol-addition', 'campaign.yaml'));
      if (suiteSpec.lab.type !== 'simulator') throw new Error('the cpa-thiol-addition task does not use the dataset simulator');
      const lab = suiteSpec.lab;
      const imines = [...new Set(rows.map((r) => r.imine!))];
      for (const index of option('cpa-targets', imines.map((_, i) => i).join(',')).split(',').map(Number)) {
        const imine = imines[index]!;
        const targetRows = rows.filter((r) => r.imine === imine);
        const others = rows.filter((r) => r.imine !== imine);
        const tag = `cpa${index}`;
        writeFileSync(join(folder, `${tag}-target.csv`), csvText(header, targetRows));
        const { dataFolders: _validatedWith, ...unvalidated } = suiteSpec as CampaignSpec & { dataFolders?: unknown };
        const base: CampaignSpec = {
          ...unvalidated,
          baseDir: folder,
          dataFolders: [folder],
          budget: { experiments: BUDGET, batch: BATCH },
          space: { ...suiteSpec.space, substances: { ...suiteSpec.space.substances, imine: { [imine]: targetRows[0]!.imine_smiles! } } },
          lab: { ...lab, dataset: `${tag}-target.csv` },
        };
        const top = topOf(targetRows.map((r) => Number(r.ddG)));
        const prior = (file: string): PriorSourceSpec => ({ name: 'other imines', file, columns: { catalyst: 'catalyst_smiles', thiol: 'thiol_smiles' }, results: { ddG: 'ddG' }, task: 'related', task_column: 'imine' });
        const sources = (unrelated: boolean) => (seed: number) => {
          const file = `${tag}-sources-${unrelated ? 'shuffled' : 'real'}-${seed}.csv`;
          writeFileSync(join(folder, file), csvText(header, sourceRows(others, 'imine', 'ddG', 1, unrelated, seed)));
          return file;
        };
        const task = `CPA thiol addition, target imine ${imine}`;
        const arms = [
          await runArm(task, base, { label: 'cold', setting: 'cold' }, () => undefined, top, prior),
          await runArm(task, base, { label: 'transfer 100 %', setting: 'transfer', fraction: 1 }, sources(false), top, prior),
          await runArm(task, base, { label: 'unrelated 100 % (shuffled)', setting: 'unrelated', fraction: 1 }, sources(true), top, prior),
        ];
        results.push(taskResult('cpa_thiol_addition', task, targetRows.length, top, arms));
        write();
      }
    }
  } finally {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
  write();
}

/** The task correlations of the first and the newest model of the campaign named `name`. */
async function learnedCorrelations(database: Awaited<ReturnType<typeof openDatabase>>, name: string): Promise<{ first: Record<string, number>; newest: Record<string, number> }> {
  const { listCampaigns, listModelVersions } = await import('../src/db/index.js');
  const campaign = (await listCampaigns(database.db)).find((c) => c.name === name);
  if (!campaign) return { first: {}, newest: {} };
  const versions = [...(await listModelVersions(database.db, campaign.id))].sort((a, b) => a.version - b.version);
  const rhoOf = (metrics: Record<string, number> | undefined) =>
    Object.fromEntries(
      Object.entries(metrics ?? {})
        .filter(([k]) => k.startsWith('task_correlation:') || k.startsWith('source_weight:'))
        .map(([k, v]) => [k.slice(k.indexOf(':') + 1), Math.round(v * 100) / 100]),
    );
  return { first: rhoOf(versions[0]?.metrics), newest: rhoOf(versions.at(-1)?.metrics) };
}

function taskResult(dataset: string, task: string, candidates: number, top: { count: number; threshold: number }, arms: ArmResult[]): TaskResult {
  const cold = arms.find((a) => a.setting === 'cold');
  const transfer = arms.filter((a) => a.setting === 'transfer');
  const best = transfer.find((a) => a.fraction === 1) ?? transfer.at(-1);
  const unrelated = arms.find((a) => a.setting === 'unrelated');
  return {
    dataset,
    task,
    candidates,
    top,
    arms,
    ...(cold ? { median_cold: cold.median } : {}),
    ...(best ? { median_with_transfer: best.median } : {}),
    ...(unrelated ? { median_unrelated_source: unrelated.median } : {}),
  };
}

/** Per dataset and arm (each fraction of the sources' rows, shuffled or not): the median over its targets of the arm's median ÷ cold's. */
function armSummaryLines(tasks: TaskResult[]): string[] {
  const rows: string[] = [];
  for (const dataset of [...new Set(tasks.map((t) => t.dataset))]) {
    const mine = tasks.filter((t) => t.dataset === dataset);
    const labels = [...new Set(mine.flatMap((t) => t.arms.filter((a) => a.setting !== 'cold').map((a) => a.label)))];
    for (const label of labels) {
      const ratios = mine
        .flatMap((t) => {
          const cold = t.arms.find((a) => a.setting === 'cold');
          const arm = t.arms.find((a) => a.label === label);
          return cold && arm ? [arm.median / cold.median] : [];
        })
        .sort((a, b) => a - b);
      const seeds = Math.min(...mine.flatMap((t) => t.arms.filter((a) => a.label === label).map((a) => a.experiments.length)));
      rows.push(`| ${dataset} | ${label} | ${ratios.length} | ${seeds} | ${quantile(ratios, 0.5).toFixed(2)} | ${ratios.filter((r) => r <= 0.5).length} | ${ratios.filter((r) => r <= 1.1).length} |`);
    }
  }
  if (rows.length === 0) return [];
  return ['Every arm against cold, per dataset (median over the targets of the arm\'s median ÷ cold\'s):', '', '| dataset | arm | targets | seeds per target | median ratio | targets halved (≤ 0.5) | targets within +10 % (≤ 1.1) |', '|---|---|---:|---:|---:|---:|---:|', ...rows, ''];
}

function markdownOf(json: TransferResults): string {
  const lines = [
    '# bench:transfer — prior data from related tasks',
    '',
    ...json.runs.map((r) => `- \`${r.command}\` · ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.node} · load average ${r.load.start.map((l) => l.toFixed(1)).join(' / ')} at the start, ${r.load.end.map((l) => l.toFixed(1)).join(' / ')} at the end · ${(r.seconds / 60).toFixed(1)} min`),
    '',
    `${json.settings.seeds} seeds per arm, budget ${json.settings.budget}, batch ${json.settings.batch}, each campaign through the product loop (openCampaign, runner, retraining policy, dataset simulator) with its prior data as a \`prior:\` CSV (task: related, one source per task value). Experiments until one of the target's top results (top 1 %, or top 3 where 1 % is under 3 reactions); budget + 1 when not found (censored).`,
    '',
    '| dataset | targets | median ratio with transfer / cold | targets halved | median cost of an unrelated source | targets where it costs ≤ 10 % |',
    '|---|---:|---:|---:|---:|---:|',
    ...json.datasets.map((d) => `| ${d.dataset} | ${d.targets} | ${d.median_ratio.toFixed(2)} | ${d.targets_halved} | ${(d.median_unrelated_cost * 100).toFixed(0)} % | ${d.targets_unrelated_within_10_percent} |`),
    '',
    ...armSummaryLines(json.tasks),
    '| task | median cold | median with transfer | ratio | median unrelated source | cost |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const t of json.tasks) {
    const ratio = t.median_cold && t.median_with_transfer ? (t.median_with_transfer / t.median_cold).toFixed(2) : '—';
    const cost = t.median_cold && t.median_unrelated_source ? `${(((t.median_unrelated_source - t.median_cold) / t.median_cold) * 100).toFixed(0)} %` : '—';
    lines.push(`| ${t.task} | ${t.median_cold ?? '—'} | ${t.median_with_transfer ?? '—'} | ${ratio} | ${t.median_unrelated_source ?? '—'} | ${cost} |`);
  }
  lines.push(
    '',
    '| task | arm | median | IQR | censored | the sources before any own result (per seed): median ρ² (multi-task GP) or Σ weight = agreement beyond chance (ranking-weighted ensemble) | ρ or weight of the last model (median over seeds, per source; 0 = dropped by the check) |',
    '|---|---|---:|---|---:|---|---|',
  );
  for (const t of json.tasks) {
    for (const a of t.arms) {
      const sources = [...new Set(a.correlations.flatMap((c) => Object.keys(c)))];
      const rho = sources.map((s) => {
        const values = a.correlations.map((c) => c[s]).filter((v): v is number => v !== undefined).sort((x, y) => x - y);
        return `${s.replace(/^other [a-z ]+\(/, '').replace(/\)$/, '')} ${quantile(values, 0.5).toFixed(2)}`;
      });
      // a ranking-weighted ensemble's metrics are weights (non-negative, summing to at most 1), a multi-task GP's are ρ in [−1, 1]
      const first = (a.firstCorrelations ?? [])
        .map((c) => Object.values(c))
        .filter((v) => v.length > 0)
        .map((v) => {
          const sum = v.reduce((s, x) => s + x, 0);
          const weights = v.length > 1 && v.every((x) => x >= 0) && sum <= 1.01;
          return weights ? `Σw ${sum.toFixed(2)}` : quantile(v.map((r) => r * r).sort((x, y) => x - y), 0.5).toFixed(2);
        });
      lines.push(`| ${t.task} (top ${t.top.count} ≥ ${t.top.threshold.toFixed(1)}) | ${a.label} | ${a.median} | ${a.q25}–${a.q75} | ${a.censored}/${a.experiments.length} | ${first.join(', ') || '—'} | ${rho.length > 6 ? `${rho.slice(0, 6).join(', ')} …` : rho.join(', ') || '—'} |`);
    }
  }
  lines.push('', 'Per seed (experiments to the top; budget + 1 = not found):', '');
  for (const t of json.tasks) for (const a of t.arms) lines.push(`- ${t.task}, ${a.label}: ${a.experiments.join(', ')}`);
  return lines.join('\n');
}

function writePlots(tasks: TaskResult[], budget = BUDGET): void {
  for (const t of tasks) {
    const name = `transfer-${t.dataset}-${t.task.replace(/^.*target /, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
    const svg = bandsSvg({
      title: `${t.task}: best so far, cold vs with prior data (median, IQR)`,
      // with every fraction merged in, seven bands would hide one another: all rows, a tenth, cold and shuffled
      curves: (t.arms.length > 4 ? t.arms.filter((a) => a.setting === 'cold' || a.fraction === 1 || (a.setting === 'transfer' && a.fraction === 0.1)) : t.arms).map((a) => ({ label: a.label, runs: a.curves })),
      budget,
      reference: { value: t.top.threshold, label: `top ${t.top.count}` },
      yLabel: t.dataset === 'cpa_thiol_addition' ? 'best ΔΔG so far (kcal/mol)' : 'best yield so far (%)',
    });
    writeFileSync(join(ROOT, 'docs', 'figures', `${name}.svg`), svg);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
