/**
 * `athanor train-autoencoder FILE`: trains the molecular autoencoder on the distinct molecules of a
 * reaction file (or a file of SMILES), checks it on held-out molecules after every epoch and writes
 * the best model (a checkpoint after every better epoch).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from './arguments.js';
import { UsageError } from './errors.js';

interface TrainAutoencoderOptions {
  out: string;
  heldOut?: string;
  epochs?: number;
  seed: number;
  maxHeavyAtoms: number;
  maxTokens: number;
  latent?: number;
  beta?: number;
  learningRate?: number;
  warmupEpochs?: number;
  check?: number;
  decay?: number;
  resume?: string;
  randomizedSmiles?: boolean;
  canonicalShare?: number;
}

export function registerAutoencoderCommand(program: Command): void {
  program
    .command('train-autoencoder')
    .description('train the molecular autoencoder (a grammar-constrained SMILES VAE) on the distinct molecules of a reaction file or a file of SMILES, one per line')
    .argument('<file>', 'reactions (USPTO-15K format or reaction SMILES) or molecules, one per line')
    .option('--out <file>', 'model to write (a checkpoint after every better epoch)', 'models/autoencoder-uspto15k.athm.gz')
    .option('--held-out <file>', 'molecules to check reconstruction on (those also in FILE are skipped); default 5 % of FILE\'s molecules, set aside')
    .option('--epochs <n>', 'most epochs', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt, 1)
    .option('--max-heavy-atoms <n>', 'largest molecule learned', positiveInt, 40)
    .option('--max-tokens <n>', 'longest kekulé SMILES learned, in tokens', positiveInt, 64)
    .option('--latent <n>', 'size of the latent space', positiveInt)
    .option('--beta <x>', 'weight of the KL term once warmed up (default 0.01; smaller: better reconstruction, a less regular space)', Number)
    .option('--learning-rate <x>', 'Adam learning rate (default 0.003)', Number)
    .option('--warmup-epochs <n>', 'epochs over which the KL weight rises to --beta (default 2)', positiveInt)
    .option('--decay <x>', 'the learning rate is multiplied by this after every epoch (default 1: constant)', Number)
    .option('--resume <file>', 'continue training a model train-autoencoder wrote (its vocabulary and network; the KL weight starts at --beta)')
    .option('--randomized-smiles', 'spell each molecule anew every epoch (a random atom order, for the encoder and the decoder alike): more ways to build each molecule, less memorising of one string')
    .option('--canonical-share <x>', 'with --randomized-smiles, the share of molecules still spelt canonically each epoch (default 0.25)', Number)
    .option('--check <n>', 'held-out molecules decoded after each epoch to choose the best (default 400)', positiveInt)
    .action(async (file: string, options: TrainAutoencoderOptions) => {
      process.exitCode = await trainAutoencoderCommand(file, options);
    });
}

async function trainAutoencoderCommand(file: string, options: TrainAutoencoderOptions): Promise<number> {
  for (const [flag, path] of [['FILE', file], ['--held-out', options.heldOut], ['--resume', options.resume]] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag}: no such file ${path}`);
  }
  if (options.beta !== undefined && !(Number.isFinite(options.beta) && options.beta >= 0)) throw new UsageError('--beta: a number ≥ 0');
  if (options.decay !== undefined && !(options.decay > 0 && options.decay <= 1)) throw new UsageError('--decay: a number in (0, 1]');
  if (options.canonicalShare !== undefined && !(options.canonicalShare >= 0 && options.canonicalShare <= 1)) throw new UsageError('--canonical-share: a number in [0, 1]');
  if (options.canonicalShare !== undefined && !options.randomizedSmiles) throw new UsageError('--canonical-share: only with --randomized-smiles');
  if (options.learningRate !== undefined && !(Number.isFinite(options.learningRate) && options.learningRate > 0 && options.learningRate < 1)) throw new UsageError('--learning-rate: a number between 0 and 1');
  const [{ initChem }, { initTensorBackend }, { readCorpus }, { trainAutoencoder, TrainingDataError }, { encodeAutoencoder, readAutoencoder }, { rngFor, shuffled }] = await Promise.all([
    import('../chem/index.js'),
    import('../models/backend.js'),
    import('../generative/corpus.js'),
    import('../generative/train-autoencoder.js'),
    import('../generative/autoencoder-file.js'),
    import('../util/random.js'),
  ]);
  await initChem();
  const backend = await initTensorBackend({ log: null });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`tensor backend: ${backend.backend}`);
  const resume = options.resume ? readAutoencoder(resolve(options.resume)).model : undefined;
  if (resume) say(`continuing ${options.resume} (its vocabulary of ${resume.vocabulary.size} tokens and its network; its limits)`);
  const limits = resume?.limits ?? { maxHeavyAtoms: options.maxHeavyAtoms, maxTokens: options.maxTokens };
  const read = async (path: string) => {
    const report = await readCorpus(path, limits, (lines, molecules) => {
      if (lines % 5000 === 0) say(`  ${path}: ${lines} lines, ${molecules} molecules`);
    });
    say(`${path}: ${report.molecules.length} distinct molecules from ${report.lines} lines (${report.unreadable} unreadable, ${report.outsideLimits} beyond ${limits.maxHeavyAtoms} heavy atoms / ${limits.maxTokens} tokens)`);
    return report.molecules;
  };
  let train = await read(file);
  let heldOut;
  if (options.heldOut) {
    const known = new Set(train.map((m) => m.canonical));
    heldOut = (await read(options.heldOut)).filter((m) => !known.has(m.canonical));
  } else {
    const order = shuffled(train, rngFor(options.seed, 'held-out'));
    const cut = Math.max(1, Math.round(order.length * 0.05));
    heldOut = order.slice(0, cut);
    train = order.slice(cut);
  }
  if (heldOut.length === 0) throw new UsageError('--held-out: none of its molecules is new to the training file');
  say(`training on ${train.length} molecules, checking on ${heldOut.length} held out`);
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  const started = Date.now();
  const trained = await trainAutoencoder({
    train,
    heldOut,
    limits,
    source: options.resume ? `${file}, continuing ${options.resume}` : file,
    options: {
      seed: options.seed,
      ...(options.epochs ? { epochs: options.epochs } : {}),
      ...(options.beta !== undefined ? { beta: options.beta } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
      ...(options.warmupEpochs !== undefined ? { warmupEpochs: options.warmupEpochs } : {}),
      ...(options.check !== undefined ? { checkMolecules: options.check } : {}),
      ...(options.decay !== undefined ? { learningRateDecay: options.decay } : {}),
      ...(options.randomizedSmiles ? { spellings: 'randomized' as const } : {}),
      ...(options.canonicalShare !== undefined ? { canonicalShare: options.canonicalShare } : {}),
      ...(resume ? { warmupEpochs: 0 } : {}),
      ...(options.latent ? { network: { latent: options.latent } } : {}),
    },
    onBatch: (done, total) => {
      if (done % 25 === 0) say(`  batch ${done}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    },
    onEpoch: (e) =>
      say(
        `epoch ${e.epoch}: reconstruction loss ${e.reconstructionLoss.toFixed(3)}/molecule, KL ${e.kl.toFixed(1)} (β ${e.beta.toFixed(3)}), held-out molecules rebuilt ${(100 * e.heldOutReconstruction).toFixed(1)} %, ${e.seconds.toFixed(0)} s${e.best ? `  → best, written to ${options.out}` : ''}`,
      ),
    onBest: (model, info) => writeFileSync(out, encodeAutoencoder(model, info)),
    ...(resume ? { resume } : {}),
  }).catch((error: unknown) => {
    if (error instanceof TrainingDataError) throw new UsageError(`FILE: ${error.message}`);
    throw error;
  });
  const { training } = trained;
  say(`done in ${training.seconds} s: best epoch ${training.bestEpoch}, held-out reconstruction ${(100 * training.heldOutReconstruction).toFixed(1)} %; model in ${options.out}`);
  return 0;
}
