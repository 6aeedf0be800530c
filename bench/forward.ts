/**
 * `npm run bench:forward`: top-k accuracy of the forward model on the USPTO-15K validation split
 * (exact match of canonical product SMILES, atom maps ignored), prediction speed, and the training
 * time recorded in the model file. Reads ../shared/data/uspto15k (not shipped with the project).
 *
 *   npm run bench:forward -- [--model FILE] [--limit N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalOrNull, initChem } from '../src/chem/index.js';
import { initTensorBackend } from '../src/models/backend.js';
import { ForwardPredictor } from '../src/models/forward/predictor.js';
import { parseRecordedReactions } from '../src/models/forward/recorded-reaction.js';
import { machine, ROOT, writeResults } from './lib.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, limit: { type: 'string' } } });
const validPath = resolve(ROOT, '..', 'shared', 'data', 'uspto15k', 'valid.txt');
if (!existsSync(validPath)) {
  console.error(`bench:forward needs ${validPath} (USPTO-15K validation split), which is not in this checkout's surroundings; nothing measured.`);
  process.exit(2);
}

await initChem();
const backend = await initTensorBackend();
const loadStart = performance.now();
const predictor = ForwardPredictor.load(values.model ? resolve(values.model) : undefined);
const loadSeconds = (performance.now() - loadStart) / 1000;
const reactions = parseRecordedReactions(readFileSync(validPath, 'utf8')).slice(0, values.limit ? Number(values.limit) : undefined);

const ks = [1, 2, 3, 5] as const;
const hits = new Map<number, number>(ks.map((k) => [k, 0]));
let noCandidate = 0;
const started = performance.now();
reactions.forEach((reaction, index) => {
  // users give unmapped SMILES: strip the atom maps so the benchmark sees what they would
  const reactants = reaction.reactants.replace(/:\d+\]/g, ']');
  const gold = canonicalOrNull(reaction.product);
  const products = predictor.predict(reactants, { topK: 5 }).map((p) => p.product);
  if (products.length === 0) noCandidate++;
  const at = gold ? products.indexOf(gold) : -1;
  for (const k of ks) if (at >= 0 && at < k) hits.set(k, hits.get(k)! + 1);
  if ((index + 1) % 100 === 0) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`  ${index + 1}/${reactions.length}  top-1 ${((100 * hits.get(1)!) / (index + 1)).toFixed(1)} %  ${((index + 1) / seconds).toFixed(1)} reactions/s\n`);
  }
});
const seconds = (performance.now() - started) / 1000;
const info = predictor.info;
predictor.dispose();

const accuracy = (k: number) => hits.get(k)! / reactions.length;
const modelPath = values.model ? resolve(values.model) : join(ROOT, 'models', 'forward-uspto15k.athm.gz');
const result = {
  machine: machine(),
  backend: backend.backend,
  model: modelPath.replace(`${ROOT}/`, ''),
  model_bytes: readFileSync(modelPath).length,
  split: 'USPTO-15K valid.txt (Jin et al. 2017 split)',
  reactions: reactions.length,
  top1: accuracy(1),
  top2: accuracy(2),
  top3: accuracy(3),
  top5: accuracy(5),
  no_candidate: noCandidate / reactions.length,
  predictions_per_second: reactions.length / seconds,
  load_seconds: loadSeconds,
  train_seconds: info.seconds,
  training: info,
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
writeResults(
  'forward',
  result,
  [
    `## Forward prediction — USPTO-15K validation split (${reactions.length} reactions)`,
    '',
    `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, tfjs backend ${result.backend}. Model: ${result.model} (${(result.model_bytes / 1e6).toFixed(2)} MB; ${info.generalTemplates} general / ${info.specificTemplates} specific templates).`,
    '',
    '| top-1 | top-2 | top-3 | top-5 | no candidate | predictions/s | train s |',
    '|---|---|---|---|---|---|---|',
    `| ${pct(result.top1)} | ${pct(result.top2)} | ${pct(result.top3)} | ${pct(result.top5)} | ${pct(result.no_candidate)} | ${result.predictions_per_second.toFixed(1)} | ${result.train_seconds.toFixed(0)} |`,
    '',
    'Published on this benchmark (test split): templates + neural ranker (Coley 2017) ≈ 72 % top-1; WLDN (Jin 2017) ≈ 77 %.',
  ].join('\n'),
);
