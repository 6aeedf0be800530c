/**
 * How faithfully the electron-pushing engine (src/mechanism) reproduces labelled mechanisms: every
 * labelled reaction of mech-USPTO-15K's train and valid splits (../shared/data/uspto15k-mech; the
 * test split is held out and not used) replayed step by step from each step's labelled reactants,
 * and whole from the first reactants, compared with the labelled products as canonical SMILES
 * without atom maps. Per mechanistic class, the misses.
 *
 *   npm run bench:mechanism-replay [-- --splits valid,train]
 *
 * Needs ../shared/data/uspto15k-mech (the repository carries only the 115-reaction test sample).
 * Writes bench/results/mechanism-replay.{json,md}.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initChem } from '../src/chem/index.js';
import { replayMechanism, sameSpecies } from '../src/mechanism/replay.js';
import { labelledMechanisms, machine, requireMechanismData, writeResults } from './lib.js';

const { values } = parseArgs({ options: { splits: { type: 'string', default: 'valid,train' } } });
const splits = values.splits.split(',').map((s) => s.trim());
if (splits.some((s) => s !== 'train' && s !== 'valid')) throw new Error('--splits: train and/or valid (the test split is held out: it is not replayed here)');
requireMechanismData();

await initChem();
const started = performance.now();
const load = { start: loadavg() };
const results: Record<string, { reactions: number; steps: number; stepsReplayed: number; chainsReplayed: number; byClass: Record<string, { steps: number; missed: number }> }> = {};
for (const split of splits) {
  const records = labelledMechanisms(split as 'train' | 'valid');
  const out = { reactions: records.length, steps: 0, stepsReplayed: 0, chainsReplayed: 0, byClass: {} as Record<string, { steps: number; missed: number }> };
  records.forEach((record, i) => {
    if (i % 500 === 0) process.stderr.write(`${split}: ${i}/${records.length}\n`);
    const cls = (out.byClass[record.mech_class ?? '?'] ??= { steps: 0, missed: 0 });
    for (const step of replayMechanism(record, 'labels')) {
      out.steps++;
      cls.steps++;
      if (step.replayed && sameSpecies(step.replayed, step.expected)) out.stepsReplayed++;
      else cls.missed++;
    }
    if (replayMechanism(record, 'start').every((s) => s.replayed && sameSpecies(s.replayed, s.expected))) out.chainsReplayed++;
  });
  results[split] = out;
}
const seconds = (performance.now() - started) / 1000;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
const lines = [
  '# Replaying labelled mechanisms with the electron-pushing engine',
  '',
  '`npm run bench:mechanism-replay`: every labelled reaction of mech-USPTO-15K (MechFinder arrows over USPTO-15K; the test split is held out),',
  "each step replayed from its labelled reactants, and each mechanism whole from its first reactants; compared with the labels' products as canonical SMILES without maps.",
  `Machine: ${machine().cpu}, ${machine().cores} cores, Node ${process.version}; load average ${load.start[0]!.toFixed(1)} at the start; ${seconds.toFixed(0)} s.`,
  '',
  '| split | labelled reactions | steps replayed | whole mechanisms replayed |',
  '|---|---|---|---|',
  ...Object.entries(results).map(([split, r]) => `| ${split} | ${r.reactions} | ${r.stepsReplayed} / ${r.steps} (${pct(r.stepsReplayed, r.steps)}) | ${r.chainsReplayed} / ${r.reactions} (${pct(r.chainsReplayed, r.reactions)}) |`),
  '',
  'Classes with missed steps (all splits):',
  '',
  '| class | steps | missed |',
  '|---|---|---|',
];
const classes = new Map<string, { steps: number; missed: number }>();
for (const r of Object.values(results)) {
  for (const [name, c] of Object.entries(r.byClass)) {
    const total = classes.get(name) ?? { steps: 0, missed: 0 };
    classes.set(name, { steps: total.steps + c.steps, missed: total.missed + c.missed });
  }
}
for (const [name, c] of [...classes].filter(([, c]) => c.missed > 0).sort((a, b) => b[1].missed - a[1].missed)) lines.push(`| ${name} | ${c.steps} | ${c.missed} |`);
writeResults('mechanism-replay', { machine: machine(), load: { ...load, end: loadavg() }, seconds, splits: results }, lines.join('\n'));
