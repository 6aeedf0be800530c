/**
 * The whole training pipeline of the forward model, from atom-mapped reactions to a model file:
 * resolve each reaction's edit, extract general and specific templates, generate every training
 * reaction's candidates (the slow step, cached in a work folder so a rerun skips it), featurise
 * with leave-one-out precedent, train the ranker with early stopping on held-out training
 * reactions.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { FEATURIZER_VERSION } from '../../chem/index.js';
import { readReactionGraph } from '../../chem/reaction/reaction-graph.js';
import { currentBackend } from '../backend.js';
import { rngFor, shuffled } from '../../util/random.js';
import { candidateRecord, type CandidateRecord } from './candidate-set.js';
import { CandidateGenerator } from './candidates.js';
import { prepareReaction } from './examples.js';
import { encodeForwardModel } from './model-file.js';
import { parseRecordedReactions } from './recorded-reaction.js';
import { templateSlotsFor } from './ranker-features.js';
import type { RankerConfig, RankerExample } from './ranker-network.js';
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
  /** the model so far, each time the held-out accuracy improves */
  onCheckpoint?: (bytes: Uint8Array) => void;
}

export const DEFAULT_FORWARD_CONFIG = { hidden: 96, depth: 3, cap: 100, minTemplateCount: 5, heldOutFraction: 0.05 };

interface Manifest {
  dataHash: string;
  featurizer: string;
  reactions: number;
  complete: boolean;
  /** wall time of template extraction and candidate generation, counted in the training time of every model trained from them */
  preparationSeconds: number;
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
  let preparationSeconds: number;
  const prepared: RankerExample[] = [];
  let templateSlots = new Map<number, number>();
  // records are featurised as they stream past: the candidates of 10,000 reactions do not fit in one string
  const consume = (record: CandidateRecord): void => {
    try {
      const { example } = prepareReaction(record.reactants, readReactionGraph(record.reactants), record.candidates, set, { cap: settings.cap, templateSlots }, own.get(record.index), record.product);
      if (example.gold?.some(Boolean)) prepared.push(example);
    } catch {
      // reactants RDKit cannot featurise give no example
    }
  };
  // ranker time: featurising the examples (when candidates come from the cache) and training
  let rankerStarted = Date.now();
  if (reusable) {
    log(`reusing templates and candidates from ${options.workDir}`);
    preparationSeconds = manifest.preparationSeconds;
    const saved = JSON.parse(readFileSync(extractionPath, 'utf8')) as { set: TemplateSet; own: { index: number; general: number; specific: number }[] };
    set = saved.set;
    own = new Map(saved.own.map((o) => [o.index, o]));
    templateSlots = templateSlotsFor(set, settings.minTemplateCount);
    let count = 0;
    for await (const line of createInterface({ input: createReadStream(candidatesPath), crlfDelay: Infinity })) {
      if (line === '') continue;
      consume(JSON.parse(line) as CandidateRecord);
      if (++count % 1000 === 0) log(`  featurised ${count} reactions`);
    }
  } else {
    log(`extracting templates from ${reactions.length} reactions`);
    const extraction = extractTemplateSet(reactions, (done, total) => log(`  templates ${done}/${total}`));
    set = extraction.set;
    own = new Map(extraction.reactions.map((r) => [r.index, { general: r.general, specific: r.specific }]));
    templateSlots = templateSlotsFor(set, settings.minTemplateCount);
    log(`${set.general.length} general and ${set.specific.length} specific templates; ${extraction.failures.length} reactions without a usable edit`);
    writeFileSync(extractionPath, JSON.stringify({ set, own: [...own].map(([index, o]) => ({ index, ...o })) }));
    const generator = new CandidateGenerator(set);
    const t0 = Date.now();
    writeFileSync(candidatesPath, '');
    reactions.forEach((reaction, index) => {
      if (index % 250 === 0) log(`  candidates ${index}/${reactions.length} (${(index / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(1)} reactions/s)`);
      const record = candidateRecord(reaction, index, generator);
      if (!record) return;
      appendFileSync(candidatesPath, `${JSON.stringify(record)}\n`);
      consume(record);
    });
    generator.dispose();
    preparationSeconds = (Date.now() - started) / 1000;
    rankerStarted = Date.now();
    writeFileSync(manifestPath, JSON.stringify({ dataHash, featurizer: FEATURIZER_VERSION, reactions: reactions.length, complete: true, preparationSeconds } satisfies Manifest));
  }

  log(`${prepared.length} reactions with the recorded product among their candidates`);
  const order = shuffled(prepared, rngFor(seed, 'forward-held-out'));
  const heldOutCount = Math.round(order.length * settings.heldOutFraction);
  const config: RankerConfig = { hidden: settings.hidden, depth: settings.depth, templateSlots: templateSlots.size + 1 };
  const schedule = { ...DEFAULT_RANKER_SCHEDULE, ...options.schedule };
  const header = (seconds: number, epochs: number, bestEpoch: number, heldOutTop1: number) => ({
    config,
    cap: settings.cap,
    templates: set,
    templateSlots: [...templateSlots],
    training: {
      reactions: order.length - heldOutCount,
      templatesFrom: reactions.length,
      seconds: preparationSeconds + seconds,
      preparationSeconds,
      rankerSeconds: seconds,
      epochs,
      bestEpoch,
      heldOutTop1,
      backend: currentBackend(),
      source: options.source,
      seed,
    },
  });
  const trained = await trainRanker(
    order.slice(heldOutCount),
    order.slice(0, heldOutCount),
    config,
    schedule,
    seed,
    (p: RankerProgress) => log(`  epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}, held-out top-1 ${(100 * p.heldOutTop1).toFixed(1)} % (${p.seconds.toFixed(0)} s)`),
    (params, epoch, top1) => options.onCheckpoint?.(encodeForwardModel(header((Date.now() - rankerStarted) / 1000, epoch, epoch, top1), params)),
  );
  const rankerSeconds = (Date.now() - rankerStarted) / 1000;
  const seconds = preparationSeconds + rankerSeconds;
  const bytes = encodeForwardModel(header(rankerSeconds, trained.epochs, trained.bestEpoch, trained.heldOutTop1), trained.params);
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
