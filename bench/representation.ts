/**
 * Learned substance representations against Morgan fingerprints (issues 22 and 14): `npm run
 * bench:representation [-- --seeds 5 --tasks a,b --kernels morgan,mpnn --out NAME]`. On every
 * dataset task of the benchmark suite (bench/suite/tasks), Gaussian processes that compare a role's
 * substances by Morgan fingerprints (the default), by the molecular autoencoder's latent means
 * (latent), by the forward model's message-passing encoder (mpnn), or by Morgan and one of them as
 * two kernel factors are trained on 5 % and 10 % of the measured candidates (seeded random draws, at
 * least 10) and scored by R² on up to 2,000 of the rest. The shipped models are used
 * (models/autoencoder-uspto15k.athm.gz, models/forward-uspto15k.athm.gz). Writes
 * bench/results/NAME.{json,md} (default representation).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initChem } from '../src/chem/index.js';
import { currentBackend, DEFAULT_GP_CONFIG, GaussianProcessSurrogate, initTensorBackend, SUBSTANCE_KERNELS, type SubstanceKernel } from '../src/models/index.js';
import { reactionInputOf, schemaFromSpace } from '../src/models/schema.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { machine, quantile, writeResults } from './lib.js';
import { loadTask, taskNames } from './suite/tasks.js';

const { values: args } = parseArgs({
  options: { seeds: { type: 'string', default: '5' }, tasks: { type: 'string' }, kernels: { type: 'string', default: 'morgan,latent,morgan+latent,mpnn,morgan+mpnn' }, out: { type: 'string', default: 'representation' } },
});
const seeds = Number(args.seeds);
const KERNELS = args.kernels.split(',') as SubstanceKernel[];
const unknown = KERNELS.filter((k) => !(SUBSTANCE_KERNELS as readonly string[]).includes(k));
if (unknown.length > 0) {
  process.stderr.write(`--kernels: unknown substance kernel(s) ${unknown.join(', ')}; choose from ${SUBSTANCE_KERNELS.join(', ')}\n`);
  process.exit(2);
}
const SHARES = [0.05, 0.1];

await initChem();
await initTensorBackend({ log: null });
const loadBefore = loadavg()[0]!;

function r2(observed: number[], predicted: ArrayLike<number>): number {
  const mean = observed.reduce((a, b) => a + b, 0) / observed.length;
  let residual = 0;
  let total = 0;
  observed.forEach((y, i) => {
    residual += (y - predicted[i]!) ** 2;
    total += (y - mean) ** 2;
  });
  return 1 - residual / total;
}

const rows: { task: string; share: number; kernel: string; r2_median: number; r2_values: number[] }[] = [];
const names = args.tasks ? args.tasks.split(',') : taskNames();
for (const name of names) {
  const task = await loadTask(name);
  if (task.kind !== 'dataset') continue;
  const roles = task.space.parameters.filter((p) => p.kind === 'substance');
  if (roles.length === 0) continue;
  const landscape = task.landscape(1);
  const measured = [...landscape.values.keys()].filter((i) => !Number.isNaN(landscape.values[i]!));
  const target = task.spec.objective.target;
  const schema = schemaFromSpace(task.space, [target]);
  for (const share of SHARES) {
    const results = new Map<string, number[]>(KERNELS.map((k) => [k, []]));
    for (let seed = 1; seed <= seeds; seed++) {
      const order = shuffled(measured, rngFor(seed, 'representation', name));
      const trainCount = Math.max(10, Math.round(share * measured.length));
      const train = order.slice(0, trainCount);
      const test = order.slice(trainCount, trainCount + 2000);
      for (const kernel of KERNELS) {
        const gp = new GaussianProcessSurrogate(schema, { ...DEFAULT_GP_CONFIG, substanceKernel: kernel });
        await gp.fit({ inputs: train.map((c) => reactionInputOf(task.space, c)), targets: { [target]: train.map((c) => landscape.values[c]!) } }, { seed });
        const posterior = (await gp.predict(test.map((c) => reactionInputOf(task.space, c))))[target]!;
        results.get(kernel)!.push(r2(test.map((c) => landscape.values[c]!), posterior.mean));
      }
    }
    for (const kernel of KERNELS) {
      const values = results.get(kernel)!;
      rows.push({ task: name, share, kernel, r2_median: Number(quantile([...values].sort((a, b) => a - b), 0.5).toFixed(3)), r2_values: values.map((v) => Number(v.toFixed(3))) });
    }
    process.stderr.write(`${name} ${share * 100} %: ${KERNELS.map((k) => `${k} ${rows.find((r) => r.task === name && r.share === share && r.kernel === k)!.r2_median}`).join(', ')}\n`);
  }
}

const wins = (share: number) => {
  const tasks = [...new Set(rows.map((r) => r.task))];
  return Object.fromEntries(KERNELS.map((k) => [k, tasks.filter((t) => {
    const mine = rows.find((r) => r.task === t && r.share === share && r.kernel === k)!.r2_median;
    return KERNELS.every((o) => o === k || mine > rows.find((r) => r.task === t && r.share === share && r.kernel === o)!.r2_median);
  }).length]));
};
const json = { date: new Date().toISOString(), machine: machine(), backend: currentBackend(), load_before: Number(loadBefore.toFixed(2)), seeds, kernels: KERNELS, rows, best_on: { '5%': wins(0.05), '10%': wins(0.1) } };
const tasks = [...new Set(rows.map((r) => r.task))];
const md = [
  '# Substance representation: Morgan fingerprints against other views of a substance',
  '',
  'latent: the molecular autoencoder\'s latent means; mpnn: the forward model\'s message-passing encoder (mean of atom states, cosine distance); descriptors: fourteen log-scaled RDKit 2D descriptors; wl: Weisfeiler–Lehman subtree counts; onehot: every substance its own kind; a + b: both as kernel factors.',
  '',
  `${json.date}, ${json.machine.cpu}, ${json.machine.cores} cores, backend ${json.backend}, load ${json.load_before} before; median R² over ${seeds} seeds`,
  '',
  `| task | ${SHARES.flatMap((s) => KERNELS.map((k) => `${k} ${s * 100} %`)).join(' | ')} |`,
  `|---|${SHARES.flatMap(() => KERNELS.map(() => '---')).join('|')}|`,
  ...tasks.map((t) => `| ${t} | ${SHARES.flatMap((s) => KERNELS.map((k) => String(rows.find((r) => r.task === t && r.share === s && r.kernel === k)!.r2_median))).join(' | ')} |`),
  '',
  `Best on (tasks): 5 % ${JSON.stringify(json.best_on['5%'])}; 10 % ${JSON.stringify(json.best_on['10%'])}`,
].join('\n');
writeResults(args.out, json, md);
