/**
 * `athanor predict "CCO.CC(=O)Cl"`: ranked major products of reactants with the forward model.
 * With no argument (or "-") it reads one reaction per line from stdin, so a whole file is
 * predicted in one process; `--json` prints one JSON object per input line. A line may also be a
 * recorded reaction (`reactants>>product …`): only the reactants are read.
 * `athanor train-forward FILE` trains the model from atom-mapped reactions.
 */
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from './arguments.js';
import { SmilesError } from '../chem/errors.js';
import type { ForwardPrediction } from '../models/forward/predictor.js';
import { UsageError } from './errors.js';

interface PredictOptions {
  top?: number;
  json?: boolean;
  model?: string;
  mechanism?: boolean;
  secondOpinion?: boolean;
  steps?: string;
  scorer?: string;
}

interface TrainMechanismOptions {
  out: string;
  scorerOut?: string;
  /** false with --no-scorer */
  scorer: boolean;
  epochs?: number;
  seed: number;
}

export function registerPredictCommands(program: Command): void {
  program
    .command('predict')
    .description('predict the major products of reactants (SMILES, "." between molecules; reagents may follow after ">")')
    .argument('[reactants...]', 'reactant SMILES, one reaction per argument; none or "-" reads one reaction per line from stdin')
    .option('--top <k>', 'products to list per reaction (default 5)', positiveInt)
    .option('--json', 'one JSON object per reaction and line: {"reactants", "products": [{"rank", "product", "smiles", "probability", "template", "changed_atoms"}]}')
    .option('--model <file>', 'a forward model written by `athanor train-forward` (default: the shipped USPTO-15K model)')
    .option('--mechanism', 'predict step by step: ranked chains of elementary steps (curved arrows), each with its probability')
    .option('--second-opinion', 'ask the mechanisms for a second opinion: each product with the share of the best mechanisms ending in it (the ranking stays the forward model\'s)')
    .option('--steps <file>', 'with --mechanism: a step-template library written by `athanor train-mechanism` (default: the shipped one)')
    .option('--scorer <file>', 'with --mechanism: the learned step model trained with that library (default: the one beside the library; without one steps are ranked by precedent)')
    .action(async (reactants: string[], options: PredictOptions) => {
      process.exitCode = options.mechanism ? await predictMechanismCommand(reactants, options) : await predictCommand(reactants, options);
    });

  program
    .command('train-mechanism')
    .description('learn elementary steps from labelled mechanisms (JSON Lines: one record per line with "steps": [{"rxn", "arrows"}], the mech-USPTO format): count step templates, then train the graph network that scores them')
    .argument('<file>', 'labelled mechanisms')
    .option('--out <file>', 'step-template library to write', 'models/mechanism-steps-uspto15k.json.gz')
    .option('--scorer-out <file>', 'learned step model to write, a checkpoint after every better epoch (default: beside the library, NAME.scorer.athm.gz, where predict --steps finds it)')
    .option('--no-scorer', 'count the templates only (chains are then ranked by precedent)')
    .option('--epochs <n>', 'most training epochs of the step model', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt, 1)
    .action(async (file: string, options: TrainMechanismOptions) => {
      process.exitCode = await trainMechanismCommand(file, options);
    });

  program
    .command('train-forward')
    .description('train the forward model on atom-mapped reactions ("mapped reactants>>product edits" per line, USPTO-15K format)')
    .argument('<file>', 'training reactions')
    .option('--out <file>', 'model file to write', 'models/forward-uspto15k.athm.gz')
    .option('--work-dir <dir>', 'folder for the extracted templates and candidates (reused by a rerun on the same file)', '.athanor/forward-training')
    .option('--seed <n>', 'random seed', positiveInt, 1)
    .option('--epochs <n>', 'most training epochs', positiveInt)
    .option('--hidden <n>', 'width of the graph network', positiveInt)
    .action(async (file: string, options: { out: string; workDir: string; seed: number; epochs?: number; hidden?: number }) => {
      process.exitCode = await trainForwardCommand(file, options);
    });
}

async function predictCommand(args: string[], options: PredictOptions): Promise<number> {
  const [{ initChem }, { initTensorBackend }, { ForwardPredictor }, { ElectronMoveError }] = await Promise.all([
    import('../chem/index.js'),
    import('../models/backend.js'),
    import('../models/forward/predictor.js'),
    import('../mechanism/electron-moves.js'),
  ]);
  await initChem();
  await initTensorBackend({ log: null });
  const predictor = ForwardPredictor.load(options.model ? resolve(options.model) : undefined);
  const opinion = options.secondOpinion ? await secondOpinion() : null;
  const top = options.top ?? 5;
  let failures = 0;
  const predictOne = (input: string): void => {
    try {
      const forward = predictor.predict(input, { topK: top });
      const products: (ForwardPrediction & { mechanismSupport?: number })[] = opinion ? opinion(input, forward) : forward;
      if (options.json) {
        const rows = products.map((p) => ({
          rank: p.rank,
          product: p.product,
          smiles: p.product,
          probability: round(p.probability),
          ...(p.mechanismSupport !== undefined ? { mechanism_support: round(p.mechanismSupport) } : {}),
          template: p.template,
          changed_atoms: p.changedAtoms,
        }));
        process.stdout.write(`${JSON.stringify({ reactants: input, products: rows })}\n`);
      } else {
        process.stdout.write(`${input}\n`);
        if (products.length === 0) process.stdout.write('  no product: no known reaction template applies to these reactants\n');
        for (const p of products) {
          const support = p.mechanismSupport !== undefined ? `  (mechanisms ${(100 * p.mechanismSupport).toFixed(0)} %)` : '';
          process.stdout.write(`  ${String(p.rank).padStart(2)}  ${(100 * p.probability).toFixed(1).padStart(5)} %  ${p.product}${support}\n`);
        }
      }
    } catch (error) {
      if (!(error instanceof SmilesError) && !(error instanceof ElectronMoveError)) throw error;
      failures++;
      if (options.json) process.stdout.write(`${JSON.stringify({ reactants: input, error: error.message })}\n`);
      process.stderr.write(`athanor: ${error.message}\n`);
    }
  };
  try {
    const fromStdin = args.length === 0 || (args.length === 1 && args[0] === '-');
    if (!fromStdin) {
      for (const input of args) predictOne(input);
    } else {
      if (process.stdin.isTTY) process.stderr.write('reading reactions from stdin, one per line (Ctrl-D to finish)\n');
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        const input = reactantsOfLine(line);
        if (input !== null) predictOne(input);
      }
    }
  } finally {
    predictor.dispose();
  }
  return failures > 0 ? 2 : 0;
}

/** The reactants of a stdin line: its first field, without any recorded product; null for blank lines and # comments. */
export function reactantsOfLine(line: string): string | null {
  const field = line.trim().split(/\s+/)[0] ?? '';
  if (field === '' || field.startsWith('#')) return null;
  const recorded = /^(.*)>>.+$/.exec(field);
  return recorded ? recorded[1]! : field;
}

function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

async function trainForwardCommand(file: string, options: { out: string; workDir: string; seed: number; epochs?: number; hidden?: number }): Promise<number> {
  let data: string;
  try {
    data = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const [{ initChem }, { initTensorBackend }, { trainForwardModel }] = await Promise.all([
    import('../chem/index.js'),
    import('../models/backend.js'),
    import('../models/forward/train-forward.js'),
  ]);
  await initChem();
  await initTensorBackend();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const result = await trainForwardModel({
    data,
    source: file,
    workDir: resolve(options.workDir),
    seed: options.seed,
    ...(options.hidden !== undefined ? { hidden: options.hidden } : {}),
    ...(options.epochs !== undefined ? { schedule: { epochs: options.epochs } } : {}),
    log,
    // a checkpoint per improving epoch: a long run that is interrupted still leaves its best model
    onCheckpoint: (bytes) => writeFileSync(resolve(options.out), bytes),
  });
  writeFileSync(resolve(options.out), result.bytes);
  log(`wrote ${options.out} (${(result.bytes.length / 1e6).toFixed(2)} MB) in ${result.seconds.toFixed(0)} s; held-out top-1 ${(100 * result.heldOutTop1).toFixed(1)} %`);
  return 0;
}

async function predictMechanismCommand(args: string[], options: PredictOptions): Promise<number> {
  const [{ initChem }, files, { predictMechanisms, chainText }] = await Promise.all([import('../chem/index.js'), import('../mechanism/library-file.js'), import('../mechanism/predict.js')]);
  await initChem();
  const library = options.steps ? files.readStepLibrary(resolve(options.steps)) : files.shippedStepLibrary();
  const scorer = await mechanismScorer(library, options);
  const top = options.top ?? 3;
  const inputs = args.length === 0 || (args.length === 1 && args[0] === '-') ? await stdinLines() : args;
  let failures = 0;
  for (const input of inputs) {
    try {
      const prediction = predictMechanisms(library, input, { beam: Math.max(top, 5), branching: 5, ...(scorer ? { scorer } : {}) });
      const chains = prediction.chains.slice(0, top);
      if (options.json) {
        const rows = chains.map((c, i) => ({ rank: i + 1, probability: round(c.probability), products: c.products, steps: c.steps.map((s) => ({ arrows: s.arrows, species: s.outcome, probability: round(s.probability) })) }));
        process.stdout.write(`${JSON.stringify({ reactants: input, scoring: scorer ? 'learned' : 'precedent', outside_knowledge: prediction.outsideKnowledge, confidence: prediction.confidence === null ? null : round(prediction.confidence), low_confidence: prediction.lowConfidence, mechanisms: rows })}\n`);
        continue;
      }
      process.stdout.write(`${input}\n`);
      if (prediction.outsideKnowledge) process.stdout.write('  low confidence: no elementary step with precedent in this context applies; the chains below are guesses\n');
      else if (prediction.lowConfidence) process.stdout.write(`  low confidence: the step model gives even the most likely chain only ${(100 * (prediction.confidence ?? 0)).toFixed(0)} %; the chains below are guesses\n`);
      if (chains.length === 0) process.stdout.write('  no mechanism: no known elementary step applies to these species\n');
      chains.forEach((c, i) => {
        process.stdout.write(`  ${i + 1}. ${(100 * c.probability).toFixed(1)} %  → ${c.products.join(' + ')}\n`);
        for (const line of chainText(c)) process.stdout.write(`       ${line}\n`);
      });
    } catch (error) {
      failures++;
      const message = (error as Error).message;
      if (options.json) process.stdout.write(`${JSON.stringify({ reactants: input, error: message })}\n`);
      process.stderr.write(`athanor: ${input}: ${message}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}

/** The learned step model to rank steps with: --scorer, or the shipped one beside the shipped library; none: precedent. */
async function mechanismScorer(library: import('../mechanism/step-templates.js').StepTemplateLibrary, options: PredictOptions) {
  const [scorerFile, { initTensorBackend }] = await Promise.all([import('../mechanism/scorer-file.js'), import('../models/backend.js')]);
  await initTensorBackend({ log: null });
  try {
    if (!options.scorer) return options.steps ? scorerFile.scorerBeside(resolve(options.steps), library) : scorerFile.shippedStepScorer(library);
    return scorerFile.readStepScorer(resolve(options.scorer), library).scorer;
  } catch (error) {
    throw new UsageError(`${options.scorer ? `--scorer ${options.scorer}` : 'step model'}: ${(error as Error).message}`);
  }
}

/** The shipped mechanisms as a second opinion on forward predictions (mechanism/second-opinion.ts). */
async function secondOpinion() {
  const [files, scorerFile, predict, opinion] = await Promise.all([
    import('../mechanism/library-file.js'),
    import('../mechanism/scorer-file.js'),
    import('../mechanism/predict.js'),
    import('../mechanism/second-opinion.js'),
  ]);
  const library = files.shippedStepLibrary();
  const scorer = scorerFile.shippedStepScorer(library);
  return (input: string, products: ForwardPrediction[]) => {
    const { chains } = predict.predictMechanisms(library, opinion.mechanismInput(input), { beam: 5, branching: 5, ...(scorer ? { scorer } : {}) });
    return opinion.withMechanismOpinion(products, chains);
  };
}

async function stdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line.trim() !== '') lines.push(line.trim());
  return lines;
}

async function trainMechanismCommand(file: string, options: TrainMechanismOptions): Promise<number> {
  const [{ initChem }, files] = await Promise.all([import('../chem/index.js'), import('../mechanism/library-file.js')]);
  await initChem();
  const started = performance.now();
  const { library, report } = await files.trainStepLibrary(resolve(file), (line) => process.stderr.write(`  read ${line} lines\n`)).catch((error: unknown) => {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  });
  if (report.steps === 0) throw new UsageError(`${file}: no labelled step in ${report.records} records (each needs "steps": [{"rxn", "arrows"}])`);
  files.writeStepLibrary(library, resolve(options.out));
  process.stderr.write(
    `wrote ${options.out}: ${report.templates} step templates from ${report.steps} steps of ${report.mechanisms} mechanisms (${report.records} records; ${report.skipped.length} steps skipped) in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  for (const s of report.skipped.slice(0, 5)) process.stderr.write(`  skipped line ${s.line} step ${s.step}: ${s.reason}\n`);
  if (!options.scorer) return 0;
  const [training, scorerFile, { initTensorBackend }] = await Promise.all([import('../mechanism/train-step-scorer.js'), import('../mechanism/scorer-file.js'), import('../models/backend.js')]);
  const backend = await initTensorBackend();
  const records = await training.readMechanismRecords(resolve(file));
  const scorerOut = options.scorerOut ?? scorerFile.scorerPathFor(options.out);
  const defaults = training.DEFAULT_SCORER_OPTIONS;
  const scorerOptions = { ...defaults, seed: options.seed, schedule: { ...defaults.schedule, ...(options.epochs !== undefined ? { epochs: options.epochs } : {}) } };
  const trainingStarted = performance.now();
  const info = (report: { trainStates: number; heldOutStates: number }, epochs: number, bestEpoch: number, heldOutTop1: number) => ({
    source: file,
    mechanisms: records.length,
    trainStates: report.trainStates,
    heldOutStates: report.heldOutStates,
    epochs,
    bestEpoch,
    heldOutTop1,
    seconds: (performance.now() - trainingStarted) / 1000,
    backend: backend.backend,
    seed: options.seed,
  });
  process.stderr.write(`training the step model on ${records.length} mechanisms (${backend.backend} backend): building each state's candidates\n`);
  const trained = await training.trainStepScorer(library, records, scorerOptions, {
    onExamples: (done, total) => process.stderr.write(`  states of ${done}/${total} mechanisms\n`),
    onEpoch: (p) => process.stderr.write(`  epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}, held-out top-1 ${(100 * p.heldOutTop1).toFixed(1)} % (${p.seconds.toFixed(0)} s)\n`),
    // a checkpoint per better epoch: an interrupted run still leaves its best model
    onBest: (model, epoch, top1) => scorerFile.writeStepScorer(resolve(scorerOut), library, model, info(model.report, epoch, epoch, top1)),
  });
  scorerFile.writeStepScorer(resolve(scorerOut), library, trained, info(trained.report, trained.report.epochs, trained.report.bestEpoch, trained.report.heldOutTop1));
  process.stderr.write(
    `wrote ${scorerOut}: ${trained.report.trainStates} training states (${trained.report.outsidePool} labelled steps outside the candidate pool), best epoch ${trained.report.bestEpoch}, held-out top-1 ${(100 * trained.report.heldOutTop1).toFixed(1)} % in ${trained.report.seconds.toFixed(0)} s\n`,
  );
  return 0;
}
