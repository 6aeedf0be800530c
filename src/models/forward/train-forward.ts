/**
 * The whole training pipeline of the forward model, from atom-mapped reactions to a model file:
 * resolve each reaction's edit, extract general and specific templates, generate every training
 * reaction's candidates (the slow step, cached in a work folder so a rerun skips it), featurise
 * with leave-one-out precedent, train the ranker with early stopping on held-out training
 * reactions.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURIZER_VERSION } from '../../chem/index.js';
import { currentBackend } from '../backend.js';
import { rngFor, shuffled } from '../../util/random.js';
import { buildCandidateSet, type CandidateRecord } from './candidate-set.js';
import { CandidateGenerator } from './candidates.js';
import { prepareRecords } from './examples.js';
import { encodeForwardModel } from './model-file.js';
import { parseRecordedReactions } from './recorded-reaction.js';
import { templateSlotsFor } from './ranker-features.js';
import type { RankerConfig } from './ranker-network.js';
import { extractTemplateSet, type TemplateSet } from './template-set.js';
import { DEFAULT_RANKER_SCHEDULE, trainRanker, type RankerProgress, type RankerSchedule } from './train-ranker.js';

export interface ForwardTrainingOptions {
  /** text of the training file (USPTO/rexgen format) and a name for it */
  data: string;
  source: string;
  workDir: string;
  seed?: number;
  hidden?: number;
  depth?: number;
  cap?: number;
  /** general templates with fewer precedents share one embedding row */
  minTemplateCount?: number;
  heldOutFraction?: number;
  schedule?: Partial<RankerSchedule>;
  log?: (line: string) => void;
}

export const DEFAULT_FORWARD_CONFIG = { hidden: 96, depth: 3, cap: 100, minTemplateCount: 5, heldOutFraction: 0.05 };

interface Manifest {
  dataHash: string;
  featurizer: string;
  reactions: number;
  complete: boolean;
}

export async function trainForwardModel(options: ForwardTrainingOptions): Promise<{ bytes: Uint8Array; heldOutTop1: number; seconds: number }> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const seed = options.seed ?? 1;
  const settings = { ...DEFAULT_FORWARD_CONFIG, ...definedOnly(options) };
  const reactions = parseRecordedReactions(options.data);
  mkdirSync(options.workDir, { recursive: true });
  const dataHash = createHash('sha256').update(options.data).digest('hex');
  const manifestPath = join(options.workDir, 'manifest.json');
  const extractionPath = join(options.workDir, 'extraction.json');
  const candidatesPath = join(options.workDir, 'candidates-train.jsonl');
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : undefined;
  const reusable = manifest?.complete && manifest.dataHash === dataHash && manifest.featurizer === FEATURIZER_VERSION;

  let set: TemplateSet;
  let own: Map<number, { general: number; specific: number }>;
  let records: CandidateRecord[];
  if (reusable) {
    log(`reusing templates and candidates from ${options.workDir}`);
    const saved = JSON.parse(readFileSync(extractionPath, 'utf8')) as { set: TemplateSet; own: { index: number; general: number; specific: number }[] };
    set = saved.set;
    own = new Map(saved.own.map((o) => [o.index, o]));
    records = readFileSync(candidatesPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as CandidateRecord);
  } else {
    log(`extracting templates from ${reactions.length} reactions`);
    const extraction = extractTemplateSet(reactions, (done, total) => log(`  templates ${done}/${total}`));
    set = extraction.set;
    own = new Map(extraction.reactions.map((r) => [r.index, { general: r.general, specific: r.specific }]));
    log(`${set.general.length} general and ${set.specific.length} specific templates; ${extraction.failures.length} reactions without a usable edit`);
    writeFileSync(extractionPath, JSON.stringify({ set, own: [...own].map(([index, o]) => ({ index, ...o })) }));
    const generator = new CandidateGenerator(set);
    const t0 = Date.now();
    records = buildCandidateSet(reactions, generator, (done, total) => {
      const rate = done / Math.max(1e-3, (Date.now() - t0) / 1000);
      log(`  candidates ${done}/${total} (${rate.toFixed(1)} reactions/s)`);
    });
    generator.dispose();
    writeFileSync(candidatesPath, '');
    for (const record of records) appendFileSync(candidatesPath, `${JSON.stringify(record)}\n`);
    writeFileSync(manifestPath, JSON.stringify({ dataHash, featurizer: FEATURIZER_VERSION, reactions: reactions.length, complete: true } satisfies Manifest));
  }

  const templateSlots = templateSlotsFor(set, settings.minTemplateCount);
  const prepared = prepareRecords(records, set, { cap: settings.cap, templateSlots }, own).filter((p) => p.example.gold?.some(Boolean));
  log(`${prepared.length} reactions with the recorded product among their candidates`);
  const order = shuffled(prepared, rngFor(seed, 'forward-held-out'));
  const heldOutCount = Math.round(order.length * settings.heldOutFraction);
  const config: RankerConfig = { hidden: settings.hidden, depth: settings.depth, templateSlots: templateSlots.size + 1 };
  const schedule = { ...DEFAULT_RANKER_SCHEDULE, ...options.schedule };
  const trained = await trainRanker(
    order.slice(heldOutCount).map((p) => p.example),
    order.slice(0, heldOutCount).map((p) => p.example),
    config,
    schedule,
    seed,
    (p: RankerProgress) => log(`  epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}, held-out top-1 ${(100 * p.heldOutTop1).toFixed(1)} % (${p.seconds.toFixed(0)} s)`),
  );
  const seconds = (Date.now() - started) / 1000;
  const bytes = encodeForwardModel(
    {
      config,
      cap: settings.cap,
      templates: set,
      templateSlots: [...templateSlots],
      training: {
        reactions: order.length - heldOutCount,
        templatesFrom: reactions.length,
        seconds,
        epochs: trained.epochs,
        bestEpoch: trained.bestEpoch,
        heldOutTop1: trained.heldOutTop1,
        backend: currentBackend(),
        source: options.source,
        seed,
      },
    },
    trained.params,
  );
  trained.params.dispose();
  return { bytes, heldOutTop1: trained.heldOutTop1, seconds };
}

function definedOnly(options: ForwardTrainingOptions): Partial<typeof DEFAULT_FORWARD_CONFIG> {
  const picked: Partial<typeof DEFAULT_FORWARD_CONFIG> = {};
  for (const key of Object.keys(DEFAULT_FORWARD_CONFIG) as (keyof typeof DEFAULT_FORWARD_CONFIG)[]) {
    if (options[key] !== undefined) picked[key] = options[key];
  }
  return picked;
}
