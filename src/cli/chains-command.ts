/**
 * `athanor chains --inventory "NCCO,CC(=O)Cl,O=C(Cl)c1ccccc1" --target "CC(=O)NCCOC(=O)c1ccccc1"`:
 * two- and three-step sequences from an inventory, by applying the forward model step after step,
 * ranked by probability × similarity³ to the target (or × novelty with --novel). See
 * docs/discovery.md for how chains are scored.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SmilesError } from '../chem/errors.js';
import { positiveInt } from './arguments.js';
import { UsageError } from './errors.js';

interface ChainsOptions {
  inventory?: string;
  inventoryFile?: string;
  target?: string;
  novel?: boolean;
  steps: number;
  beam: number;
  top: number;
  json?: boolean;
  model?: string;
}

function stepsArg(value: string): number {
  const n = Number(value);
  if (n !== 2 && n !== 3) throw new InvalidArgumentError('must be 2 or 3');
  return n;
}

export function registerChainsCommand(program: Command): void {
  program
    .command('chains')
    .description('propose two- and three-step reaction sequences from an inventory, toward a target or toward novel products')
    .option('--inventory <smiles>', 'reagents on the shelf, comma-separated SMILES')
    .option('--inventory-file <file>', 'reagents on the shelf, one SMILES per line (a name may follow after whitespace; # comments)')
    .option('--target <smiles>', 'score chains by the similarity of their final product to this molecule')
    .option('--novel', 'score chains by the novelty of their final product against the inventory')
    .option('--steps <n>', 'longest chain, 2 or 3', stepsArg, 3)
    .option('--beam <n>', 'chains kept per step', positiveInt, 6)
    .option('--top <n>', 'chains to print', positiveInt, 5)
    .option('--json', 'one JSON object per chain')
    .option('--model <file>', 'forward model file (default: the shipped USPTO-15K model)')
    .action(async (options: ChainsOptions) => {
      process.exitCode = await chainsCommand(options);
    });
}

function inventoryOf(options: ChainsOptions): string[] {
  const items: string[] = [];
  if (options.inventory) items.push(...options.inventory.split(',').map((s) => s.trim()).filter(Boolean));
  if (options.inventoryFile) {
    let text: string;
    try {
      text = readFileSync(resolve(options.inventoryFile), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${options.inventoryFile}: ${(error as Error).message}`);
    }
    for (const line of text.split(/\r?\n/)) {
      const field = line.trim().split(/\s+/)[0] ?? '';
      if (field !== '' && !field.startsWith('#')) items.push(field);
    }
  }
  if (items.length < 2) throw new UsageError('give at least two inventory reagents (--inventory or --inventory-file)');
  return items;
}

async function chainsCommand(options: ChainsOptions): Promise<number> {
  if (Boolean(options.target) === Boolean(options.novel)) throw new UsageError('give exactly one of --target SMILES and --novel');
  const inventory = inventoryOf(options);
  const [{ initChem, canonicalSmiles }, { initTensorBackend }, { ForwardPredictor }, { searchChains }] = await Promise.all([
    import('../chem/index.js'),
    import('../models/backend.js'),
    import('../models/forward/predictor.js'),
    import('../discovery/chains.js'),
  ]);
  await initChem();
  for (const smiles of [...inventory, ...(options.target ? [options.target] : [])]) {
    try {
      canonicalSmiles(smiles);
    } catch (error) {
      if (error instanceof SmilesError) throw new UsageError(error.message);
      throw error;
    }
  }
  await initTensorBackend({ log: null });
  const predictor = ForwardPredictor.load(options.model ? resolve(options.model) : undefined);
  try {
    const { chains, predictions } = searchChains({
      inventory,
      goal: options.target ? { target: options.target } : { novelty: true },
      oracle: (reactants) => predictor.predict(reactants, { topK: 3 }),
      maxSteps: options.steps,
      beamWidth: options.beam,
      limit: options.top,
    });
    const valueName = options.target ? 'similarity' : 'novelty';
    chains.forEach((chain, i) => {
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ rank: i + 1, product: chain.product, score: chain.score, probability: chain.probability, value: chain.value, [valueName]: chain.closeness, steps: chain.steps })}\n`);
        return;
      }
      process.stdout.write(
        `${i + 1}. ${chain.product}  score ${chain.score.toFixed(3)} = probability ${chain.probability.toFixed(3)} × ${options.target ? `similarity ${chain.closeness.toFixed(3)}³` : `novelty ${chain.closeness.toFixed(3)}`}\n`,
      );
      chain.steps.forEach((step, k) => {
        process.stdout.write(`   step ${k + 1}: ${step.reactants.join(' + ')} → ${step.product}  (p ${step.probability.toFixed(2)})\n`);
      });
    });
    if (chains.length === 0 && !options.json) process.stdout.write('no chain: no template applies beyond the first step, or every step is below 5 % probability\n');
    if (!options.json) process.stderr.write(`${predictions} forward predictions\n`);
  } finally {
    predictor.dispose();
  }
  return 0;
}
