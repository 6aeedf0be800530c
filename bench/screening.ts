/**
 * Virtual screening throughput (issue 22's target: ≥ 2,000 molecules/s for a 100,000-molecule
 * library on 2 cores): `npm run bench:screening [-- --molecules 100000 --training 100,300]`.
 *
 * The library: a virtual catalogue of aryl halides made from the molecules of USPTO-15K's train
 * and valid splits (../shared/data/uspto15k; needed, and said so when absent): every aromatic
 * carbon that carries a hydrogen takes Br, Cl or I in turn, each variant canonicalised and checked
 * by RDKit, repeats dropped, until the library has the size asked for. It is written once as a
 * .smi file in the system's temporary folder and read back as a user's file would be (streamed).
 *
 * The campaign: Buchwald–Hartwig (examples/buchwald-hartwig.yaml); its Gaussian process trained
 * on a random `training` rows of the published results (examples/data), the screen run in the
 * aryl-halide role of the best training reaction, through the same screenLibrary `athanor screen`
 * runs. Reported per training size: molecules read, scored and rejected, seconds, per second.
 * Writes bench/results/screening.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { canonicalOrNull, canonicalSmiles, initChem } from '../src/chem/index.js';
import { currentBackend, DEFAULT_GP_CONFIG, GaussianProcessSurrogate, initTensorBackend, type ModelSchema } from '../src/models/index.js';
import { readLibrary } from '../src/screening/library-reader.js';
import { defaultFilter } from '../src/screening/molecule-filter.js';
import { screenLibrary } from '../src/screening/screen.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { machine, ROOT, usptoFolder, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    molecules: { type: 'string', default: '100000' },
    training: { type: 'string', default: '100,300' },
    // internal: one step in a process of its own, so that no step finds RDKit's and the model's
    // caches warm from another (a user's screen reads its library once, cold)
    step: { type: 'string' },
  },
});
const size = Number(args.molecules);
const trainingSizes = args.training.split(',').map(Number);

const USPTO = usptoFolder("this benchmark builds its library from USPTO-15K's molecules");

const BH_ROLES = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };
const SCHEMA: ModelSchema = { roles: Object.keys(BH_ROLES), numeric: [], categorical: [], targets: ['yield'] };

/** USPTO-15K's distinct molecules, atom maps removed, canonical. */
function corpusMolecules(): string[] {
  const seen = new Set<string>();
  for (const split of ['train', 'valid']) {
    for (const line of readFileSync(join(USPTO, `${split}.txt`), 'utf8').split('\n')) {
      const reaction = line.split(' ')[0];
      if (!reaction) continue;
      for (const text of reaction.replace(/>+/g, '.').split('.')) {
        if (!text) continue;
        const canonical = canonicalOrNull(text.replace(/:\d+\]/g, ']'));
        if (canonical) seen.add(canonical);
      }
    }
  }
  return [...seen];
}

/** Aryl halides from the corpus: a halogen on each aromatic carbon that has a hydrogen, in turn. */
async function buildLibrary(path: string): Promise<void> {
  const started = performance.now();
  const molecules = corpusMolecules();
  console.error(`${molecules.length} distinct molecules in USPTO-15K train + valid (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const out = createWriteStream(path);
  const written = new Set<string>();
  outer: for (const halogen of ['Br', 'Cl', 'I']) {
    for (const [m, smiles] of molecules.entries()) {
      // a bare aromatic 'c' token (not inside brackets) is a carbon with an implicit hydrogen or a substituted one;
      // RDKit refuses the variants where it had no hydrogen to give up
      // (after its ring-closure digits, where a branch may follow)
      const positions = [...smiles.matchAll(/(?<!\[[^\]]*)c(?:\d|%\d\d)*/g)].map((x) => x.index! + x[0].length);
      for (const at of positions) {
        const variant = canonicalOrNull(`${smiles.slice(0, at)}(${halogen})${smiles.slice(at)}`);
        if (!variant || written.has(variant)) continue;
        written.add(variant);
        out.write(`${variant} uspto-${m + 1}-${halogen}${at}\n`);
        if (written.size >= size) break outer;
      }
    }
  }
  await new Promise<void>((done) => out.end(done));
  console.error(`library of ${written.size} aryl halides written to ${path} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (written.size < size) console.error(`note: only ${written.size} distinct variants exist; the library is that size`);
}

type Run = { training: number; read: number; screened: number; duplicates: number; rejected: number; seconds: number; per_second: number; load_before: number; best: { smiles: string; mean: number; sigma: number }[] };

const libraryPath = join(tmpdir(), `athanor-bench-screening-${size}.smi`);

/** One training size, screened cold in this process; its figures as one JSON line on stdout. */
async function screenStep(training: number): Promise<void> {
  await initChem();
  await initTensorBackend({ log: null });
  const { rows } = await readCsv(join(ROOT, 'examples', 'data', 'buchwald_hartwig_3955.csv'));
  const inputs = rows.map((r) => ({ substances: Object.fromEntries(Object.entries(BH_ROLES).map(([role, column]) => [role, canonicalSmiles(r[column]!)])), conditions: {} }));
  const roleSmiles = [...new Set(inputs.map((i) => i.substances.aryl_halide!))];
  const picked = shuffled(rows.map((_, i) => i), rngFor(1, `screening-bench-${training}`)).slice(0, training);
  const gp = new GaussianProcessSurrogate(SCHEMA, DEFAULT_GP_CONFIG);
  await gp.fit({ inputs: picked.map((i) => inputs[i]!), targets: { yield: picked.map((i) => Number(rows[i]!.yield)) } }, { seed: 1 });
  const best = picked.reduce((a, b) => (Number(rows[a]!.yield) >= Number(rows[b]!.yield) ? a : b));
  const load = loadavg()[0]!;
  const report = await screenLibrary(readLibrary(libraryPath), {
    role: 'aryl_halide',
    context: inputs[best]!,
    direction: 'maximize',
    keep: 100,
    filter: defaultFilter(roleSmiles),
    fingerprints: gp.substanceFingerprints,
    predict: async (batch) => (await gp.predict(batch)).yield!,
    onProgress: (p) => console.error(`  training ${training}: ${p.read} read, ${p.screened} scored (${Math.round(p.read / p.seconds)}/s)`),
    progressEveryMs: 5000,
  });
  const run: Run = {
    training,
    read: report.read,
    screened: report.screened,
    duplicates: report.duplicates,
    rejected: report.rejected.count,
    seconds: Number(report.seconds.toFixed(2)),
    per_second: Math.round(report.perSecond),
    load_before: Number(load.toFixed(2)),
    best: report.ranked.slice(0, 3).map((m) => ({ smiles: m.smiles, mean: Number(m.mean.toFixed(2)), sigma: Number(m.sigma.toFixed(2)) })),
  };
  process.stdout.write(`${JSON.stringify({ run, backend: currentBackend() })}\n`);
}

function step(args: string[]): string {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--molecules', String(size), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  if (child.status !== 0) throw new Error(`bench step ${args.join(' ')} failed with exit code ${child.status}`);
  return child.stdout;
}

async function main() {
  if (args.step === 'library') {
    await initChem();
    await buildLibrary(libraryPath);
    return;
  }
  if (args.step !== undefined) return screenStep(Number(args.step));
  if (!existsSync(libraryPath)) step(['--step', 'library']);
  else console.error(`reusing the library ${libraryPath}`);
  const runs: Run[] = [];
  let backend = '';
  for (const training of trainingSizes) {
    const { run, backend: used } = JSON.parse(step(['--step', String(training)]).trim().split('\n').pop()!) as { run: Run; backend: string };
    runs.push(run);
    backend = used;
    console.error(`training ${training}: ${run.read} molecules in ${run.seconds} s, ${run.per_second}/s`);
  }
  const json = { date: new Date().toISOString(), machine: machine(), backend, library: { molecules: runs[0]?.read ?? 0, source: 'aryl halides made from USPTO-15K train + valid molecules (../shared/data/uspto15k)' }, target_per_second: 2000, screening_per_second: Math.min(...runs.map((r) => r.per_second)), runs };
  const md = [
    `# Virtual screening throughput`,
    '',
    `${json.library.molecules.toLocaleString('en')} ${json.library.source}, screened in the aryl-halide role of Buchwald–Hartwig with the campaign's Gaussian process (each training size in a process of its own: caches cold, as a user's screen reads its library once); ${json.machine.cores} cores (${json.machine.cpu}), tensor backend ${json.backend}, ${json.date.slice(0, 10)}. Target ≥ 2,000 molecules/s.`,
    '',
    '| GP training results | molecules read | scored | rejected | seconds | molecules/s | load before |',
    '|---|---|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.training} | ${r.read.toLocaleString('en')} | ${r.screened.toLocaleString('en')} | ${r.rejected} | ${r.seconds} | ${r.per_second.toLocaleString('en')} | ${r.load_before} |`),
  ].join('\n');
  writeResults('screening', json, md);
}

await main();
