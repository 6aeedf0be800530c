/**
 * The molecular autoencoder and generative proposals (issue 22): `npm run bench:generative
 * [-- --model FILE --samples 10000 --runs 10 --verify-beam 32 --verify-samples 0 --campaign-only --out NAME]`.
 *
 * 1. The autoencoder on USPTO-15K's valid split, molecules not in its train split (the model was
 *    trained on the train split only; ../shared/data/uspto15k needed, said so when absent), within
 *    the model's size limits: reconstruction (decoded from the latent mean, greedy, by beam
 *    search of 5, and verified: candidates from a beam and samples, the one whose own latent mean
 *    lies nearest the point; the same canonical molecule, stereo aside); and MOSES-style sampling from the prior N(0, I) at
 *    temperature 1: validity (RDKit reads it), uniqueness (distinct among valid), novelty (distinct
 *    ones absent from the training molecules); a Fréchet distance on RDKit descriptors
 *    (bench/frechet.ts) from the samples to the held-out molecules, beside the training molecules'.
 * 2. Generation in a campaign: Buchwald–Hartwig (the project's copy of the published data), three
 *    aryl halides held out of the space in each run (the best one by published yield, and two at
 *    random); a Gaussian process trained on 60 random results
 *    of the other twelve; `athanor suggest-substances`' search (proposeSubstances, the forward model's
 *    check included) for 10 aryl halides in the best training reaction. A hit is a suggestion with
 *    Tanimoto ≥ 0.6 (Morgan r2, 2048 bits) to a held-out aryl halide whose best published yield
 *    beats every aryl halide left in the space.
 * 3. Screening throughput: read from bench/results/screening.json (bench:screening measures it).
 *
 * Writes bench/results/generative.{json,md}; with --campaign-only, part 2 alone (it needs no USPTO-15K)
 * to bench/results/generative-campaign.{json,md}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalOrNull, canonicalSmiles, initChem, morganFingerprint, tanimoto } from '../src/chem/index.js';
import { readAutoencoder } from '../src/generative/autoencoder-file.js';
import { readCorpus } from '../src/generative/corpus.js';
import { proposeSubstances } from '../src/generative/propose-substances.js';
import { forwardCheckOf } from '../src/generative/forward-check.js';
import { reconstructionRate } from '../src/generative/train-autoencoder.js';
import { ForwardPredictor } from '../src/models/forward/predictor.js';
import { currentBackend, DEFAULT_GP_CONFIG, GaussianProcessSurrogate, initTensorBackend, type ModelSchema, type ReactionInput } from '../src/models/index.js';
import { defaultFilter } from '../src/screening/molecule-filter.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { descriptorRows, DESCRIPTORS, frechetDistance } from './frechet.js';
import { machine, ROOT, usptoFolder, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    samples: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '10' },
    'verify-beam': { type: 'string', default: '32' },
    'verify-samples': { type: 'string', default: '0' },
    /** part 2 alone (no USPTO-15K needed), written to generative-campaign.{json,md}: e.g. --runs 200 for a hit rate with a tighter interval */
    'campaign-only': { type: 'boolean', default: false },
    /** results file name under bench/results (default generative, or generative-campaign with --campaign-only) */
    out: { type: 'string' },
  },
});
const campaignOnly = args['campaign-only'];
const runCount = Number(args.runs);
if (!Number.isInteger(runCount) || runCount < 1) {
  process.stderr.write(`--runs must be a positive integer (got ${args.runs})\n`);
  process.exit(2);
}

await initChem();
await initTensorBackend({ log: null });
const loadBefore = loadavg()[0]!;
const { model, training } = readAutoencoder(args.model ? resolve(args.model) : undefined);
const say = (line: string) => process.stderr.write(`${line}\n`);

// 1. the autoencoder
async function measureAutoencoder() {
  const USPTO = usptoFolder("the autoencoder is measured on USPTO-15K's valid split");
  const train = await readCorpus(join(USPTO, 'train.txt'), model.limits);
  const known = new Set(train.molecules.map((m) => m.canonical));
  const valid = await readCorpus(join(USPTO, 'valid.txt'), model.limits);
  const heldOut = valid.molecules.filter((m) => !known.has(m.canonical) && 'ids' in model.tokensOf(m.kekule));
  say(`held out: ${heldOut.length} molecules of the valid split not in the train split, within the model's limits`);
  let started = Date.now();
  const reconstruction = reconstructionRate(model, heldOut);
  const reconstructionSeconds = (Date.now() - started) / 1000;
  say(`reconstruction ${(100 * reconstruction).toFixed(1)} % (${reconstructionSeconds.toFixed(0)} s)`);
  started = Date.now();
  const reconstructionBeam = reconstructionRate(model, heldOut, { beam: 5 });
  const beamSeconds = (Date.now() - started) / 1000;
  say(`reconstruction with beam search (5) ${(100 * reconstructionBeam).toFixed(1)} % (${beamSeconds.toFixed(0)} s)`);
  const verify = { beam: Number(args['verify-beam']), samples: Number(args['verify-samples']), temperature: 1 };
  started = Date.now();
  const reconstructionVerified = reconstructionRate(model, heldOut, { verified: { ...verify, rng: rngFor(2, 'bench-generative-verified') } });
  const verifiedSeconds = (Date.now() - started) / 1000;
  say(`reconstruction by verified decoding (beam ${verify.beam}, ${verify.samples} samples) ${(100 * reconstructionVerified).toFixed(1)} % (${verifiedSeconds.toFixed(0)} s)`);

  const sampleCount = Number(args.samples);
  started = Date.now();
  const samples = model.sample(sampleCount, rngFor(1, 'bench-generative'), { temperature: 1 });
  const sampleSeconds = (Date.now() - started) / 1000;
  const canonicalSamples = samples.map((s) => canonicalOrNull(s)).filter((s): s is string => s !== null);
  const unique = new Set(canonicalSamples);
  const novel = [...unique].filter((s) => !known.has(s));
  const validity = canonicalSamples.length / sampleCount;
  const uniqueness = unique.size / Math.max(1, canonicalSamples.length);
  const novelty = novel.length / Math.max(1, unique.size);
  say(`samples: validity ${(100 * validity).toFixed(1)} %, uniqueness ${(100 * uniqueness).toFixed(1)} %, novelty ${(100 * novelty).toFixed(1)} % (${sampleSeconds.toFixed(0)} s)`);

  // Fréchet distance on RDKit descriptors: samples against the held-out molecules, and the training
  // molecules against them for scale (two draws of the same chemistry)
  const trainingRows = descriptorRows(shuffled(train.molecules, rngFor(2, 'frechet')).slice(0, 5000).map((m) => m.canonical));
  const heldOutRows = descriptorRows(heldOut.map((m) => m.canonical));
  const sampleRows = descriptorRows([...unique].slice(0, 5000));
  const frechetSamples = frechetDistance(sampleRows, heldOutRows, trainingRows);
  const frechetTraining = frechetDistance(trainingRows, heldOutRows, trainingRows);
  say(`Fréchet distance on descriptors to the held-out molecules: samples ${frechetSamples.toFixed(3)}, training molecules ${frechetTraining.toFixed(3)}`);
  return {
    heldOut,
    reconstruction,
    reconstructionBeam,
    reconstructionVerified,
    verify,
    sampleCount,
    validity,
    uniqueness,
    novelty,
    frechetSamples,
    frechetTraining,
    seconds: { reconstruction: reconstructionSeconds, reconstruction_beam5: beamSeconds, reconstruction_verified: verifiedSeconds, sampling: sampleSeconds },
  };
}
const autoencoder = campaignOnly ? null : await measureAutoencoder();

// 2. generation in a campaign
const BH_ROLES = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };
const SCHEMA: ModelSchema = { roles: Object.keys(BH_ROLES), numeric: [], categorical: [], targets: ['yield'] };
const { rows } = await readCsv(join(ROOT, 'examples', 'data', 'buchwald_hartwig_3955.csv'));
const inputs: ReactionInput[] = rows.map((r) => ({ substances: Object.fromEntries(Object.entries(BH_ROLES).map(([role, column]) => [role, canonicalSmiles(r[column]!)])), conditions: {} }));
const yields = rows.map((r) => Number(r.yield));
const arylHalides = [...new Set(inputs.map((i) => i.substances.aryl_halide!))].sort();
const bestYield = new Map(arylHalides.map((a) => [a, Math.max(...inputs.flatMap((input, k) => (input.substances.aryl_halide === a ? [yields[k]!] : [])))]));
const forwardModel = ForwardPredictor.load();
const forward = forwardCheckOf(forwardModel);
const runs: Record<string, unknown>[] = [];
for (let run = 1; run <= runCount; run++) {
  const rng = rngFor(run, 'bench-generative-campaign');
  // the best aryl halide always goes (so that something better than the space exists), two others at random
  const best = [...arylHalides].sort((a, b) => bestYield.get(b)! - bestYield.get(a)!)[0]!;
  const heldOutHalides = [best, ...shuffled(arylHalides.filter((a) => a !== best), rng).slice(0, 2)];
  const inSpace = arylHalides.filter((a) => !heldOutHalides.includes(a));
  const bestInSpace = Math.max(...inSpace.map((a) => bestYield.get(a)!));
  const better = heldOutHalides.filter((a) => bestYield.get(a)! > bestInSpace);
  const rowsInSpace = inputs.map((_, k) => k).filter((k) => inSpace.includes(inputs[k]!.substances.aryl_halide!));
  const trainRows = shuffled(rowsInSpace, rng).slice(0, 60);
  const gp = new GaussianProcessSurrogate(SCHEMA, DEFAULT_GP_CONFIG);
  await gp.fit({ inputs: trainRows.map((k) => inputs[k]!), targets: { yield: trainRows.map((k) => yields[k]!) } }, { seed: run });
  const bestRow = trainRows.reduce((a, b) => (yields[a]! >= yields[b]! ? a : b));
  const t0 = Date.now();
  const report = await proposeSubstances({
    role: 'aryl_halide',
    context: inputs[bestRow]!,
    direction: 'maximize',
    filter: defaultFilter(inSpace),
    predict: async (batch) => gp.predict(batch).then((p) => p.yield!),
    substances: inSpace.map((smiles) => ({ name: smiles, smiles })),
    autoencoder: model,
    forward,
    count: 10,
    seed: run,
  });
  const betterFps = better.map((a) => morganFingerprint(a));
  const hits = report.proposals.filter((p) => betterFps.some((fp) => tanimoto(fp, morganFingerprint(p.smiles)) >= 0.6));
  const nearestHeldOut = report.proposals.map((p) => Math.max(...heldOutHalides.map((a) => tanimoto(morganFingerprint(a), morganFingerprint(p.smiles)))));
  runs.push({
    run,
    held_out: heldOutHalides,
    better_than_space: better,
    proposals: report.proposals.length,
    hits: hits.length,
    hit_smiles: hits.map((h) => h.smiles),
    max_similarity_to_held_out: Number(Math.max(0, ...nearestHeldOut).toFixed(3)),
    forward_check: report.forwardCheck,
    set_aside: report.setAside,
    seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    suggestions: report.proposals.map((p) => ({ smiles: p.smiles, mean: Number(p.mean.toFixed(2)), sigma: Number(p.sigma.toFixed(2)) })),
  });
  say(`campaign run ${run}: ${report.proposals.length} suggestions, ${hits.length} near a better held-out aryl halide (${better.length} held out were better than the space)`);
}
forwardModel.dispose();
const withBetter = runs.filter((r) => (r.better_than_space as string[]).length > 0);
const hitRate = withBetter.length ? withBetter.reduce((n, r) => n + (r.hits as number), 0) / Math.max(1, withBetter.reduce((n, r) => n + (r.proposals as number), 0)) : null;
const runsWithHit = withBetter.filter((r) => (r.hits as number) > 0).length;

const campaignGeneration = { runs: runs.length, runs_with_better_held_out: withBetter.length, runs_with_a_hit: runsWithHit, hit_rate: hitRate === null ? null : Number(hitRate.toFixed(4)), detail: runs };
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const host = machine();
const header = (date: string, backend: string) => [
  `${date}, ${host.cpu}, ${host.cores} cores, backend ${backend}, load ${loadBefore.toFixed(2)} before`,
  `model: ${args.model ?? 'models/autoencoder-uspto15k.athm.gz'} (trained on ${training.molecules} molecules of ${training.source}, best epoch ${training.bestEpoch} of ${training.epochs}, ${training.seconds} s, molecules spelt ${training.spellings ?? 'canonical'})`,
];
const campaignLine = `Generation in a Buchwald–Hartwig campaign, 3 aryl halides held out per run (the best and two at random): ${withBetter.length} of ${runs.length} runs held out one that beats the space; in those, ${hitRate === null ? '—' : pct(hitRate)} of the suggestions were within Tanimoto 0.6 of one (${runsWithHit} runs with at least one such suggestion).`;
const common = {
  date: new Date().toISOString(),
  machine: host,
  backend: currentBackend(),
  load_before: Number(loadBefore.toFixed(2)),
  model: { file: args.model ?? 'models/autoencoder-uspto15k.athm.gz', training, limits: model.limits, latent: model.latentSize },
};

if (!autoencoder) {
  writeResults(args.out ?? 'generative-campaign', { ...common, campaign_generation: campaignGeneration }, ['# Generative proposals in a campaign', '', ...header(common.date, common.backend), '', campaignLine].join('\n'));
} else {
  // 3. screening throughput, as bench:screening measured it
  const screeningFile = join(ROOT, 'bench', 'results', 'screening.json');
  const screening = existsSync(screeningFile) ? (JSON.parse(readFileSync(screeningFile, 'utf8')) as { screening_per_second: number; date: string }) : null;
  const { heldOut, reconstruction, reconstructionBeam, reconstructionVerified, verify, sampleCount, validity, uniqueness, novelty, frechetSamples, frechetTraining } = autoencoder;
  const json = {
    ...common,
    held_out_molecules: heldOut.length,
    reconstruction: Number(reconstruction.toFixed(4)),
    reconstruction_beam5: Number(reconstructionBeam.toFixed(4)),
    reconstruction_verified: Number(reconstructionVerified.toFixed(4)),
    verified_decoding: { ...verify, candidates: 'every hypothesis of the beam and the samples; the one whose latent mean is nearest the point' },
    samples: sampleCount,
    validity: Number(validity.toFixed(4)),
    uniqueness: Number(uniqueness.toFixed(4)),
    novelty: Number(novelty.toFixed(4)),
    frechet_descriptor_distance: { samples_to_held_out: Number(frechetSamples.toFixed(4)), training_to_held_out: Number(frechetTraining.toFixed(4)), descriptors: DESCRIPTORS },
    targets: { validity: 0.95, reconstruction: 0.8, screening_per_second: 2000 },
    screening_per_second: screening?.screening_per_second ?? null,
    screening_measured: screening ? `bench/results/screening.json, ${screening.date}` : 'not measured: run npm run bench:screening',
    campaign_generation: campaignGeneration,
    seconds: autoencoder.seconds,
  };
  const md = [
    '# Molecular autoencoder and generative proposals',
    '',
    ...header(json.date, json.backend),
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| reconstruction (${heldOut.length} held-out molecules, latent mean, greedy) | ${pct(reconstruction)} | ≥ 80 % |`,
    `| reconstruction, beam search of 5 | ${pct(reconstructionBeam)} | |`,
    `| reconstruction, verified decoding (candidates: every hypothesis of a beam of ${verify.beam}${verify.samples > 0 ? ` and ${verify.samples} samples at T = 1` : ''}; the one re-encoded nearest the point) | ${pct(reconstructionVerified)} | ≥ 80 % |`,
    `| validity (${sampleCount} prior samples, T = 1) | ${pct(validity)} | ≥ 95 % |`,
    `| uniqueness | ${pct(uniqueness)} | |`,
    `| novelty (not among the training molecules) | ${pct(novelty)} | |`,
    `| Fréchet distance on RDKit descriptors to the held-out molecules (training molecules: ${frechetTraining.toFixed(3)}) | ${frechetSamples.toFixed(3)} | |`,
    `| screening, molecules/s (100,000 aryl halides) | ${json.screening_per_second ?? 'not measured'} | ≥ 2,000 |`,
    '',
    campaignLine,
  ].join('\n');
  writeResults(args.out ?? 'generative', json, md);
}
model.dispose();
