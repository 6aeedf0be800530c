/**
 * What limits the autoencoder's reconstruction (issue 22's target: ≥ 80 % of held-out molecules)?
 * `npm run bench:generative-coverage [-- --molecules 300 --beam 64 --samples 32 --temperature 1]`.
 *
 * A diagnosis beside bench:generative, not a new headline: on a seeded subset of the same held-out
 * molecules (USPTO-15K's valid split, not in its train split; ../shared/data/uspto15k needed), each
 * latent mean is decoded greedily, by beam search of 5, and into many candidates (every hypothesis
 * of a wide beam, and samples at a temperature). Then:
 *  - coverage: the share of molecules found among their own candidates;
 *  - verified reconstruction: the share for which the candidate whose own latent mean lies nearest
 *    the molecule's is the molecule (a decoder that checks its output with the encoder: it knows
 *    only the latent point, never the molecule).
 * When coverage is far above greedy decoding the latent code holds the molecule and the search
 * misses it; when coverage itself is low the decoder cannot spell the molecule at all (data).
 * Writes bench/results/generative-coverage.{json,md}.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalOrNull, initChem } from '../src/chem/index.js';
import { readAutoencoder } from '../src/generative/autoencoder-file.js';
import { readCorpus } from '../src/generative/corpus.js';
import { currentBackend, initTensorBackend } from '../src/models/index.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { machine, usptoFolder, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    molecules: { type: 'string', default: '300' },
    beam: { type: 'string', default: '64' },
    samples: { type: 'string', default: '32' },
    temperature: { type: 'string', default: '1' },
  },
});

const USPTO = usptoFolder("the autoencoder is measured on USPTO-15K's valid split");
const say = (line: string) => process.stderr.write(`${line}\n`);
await initChem();
await initTensorBackend({ log: null });
const loadBefore = loadavg()[0]!;
const started = Date.now();
const { model } = readAutoencoder(args.model ? resolve(args.model) : undefined);
const train = await readCorpus(join(USPTO, 'train.txt'), model.limits);
const known = new Set(train.molecules.map((m) => m.canonical));
const valid = await readCorpus(join(USPTO, 'valid.txt'), model.limits);
const eligible = valid.molecules.filter((m) => !known.has(m.canonical) && 'ids' in model.tokensOf(m.kekule));
const molecules = shuffled(eligible, rngFor(1, 'generative-coverage')).slice(0, Number(args.molecules));
const latents = model.encode(molecules.map((m) => m.kekule)) as Float32Array[];
const beam = Number(args.beam);
const samples = Number(args.samples);
const temperature = Number(args.temperature);

const greedy = model.decode(latents).map((s) => canonicalOrNull(s));
say(`greedy decoded`);
const beamLists = model.beamCandidates(latents, beam);
say(`beam search of ${beam} decoded`);
const candidates = molecules.map((_, i) => new Set(beamLists[i]!.map((s) => canonicalOrNull(s)).filter((s): s is string => s !== null)));
const rng = rngFor(2, 'generative-coverage-samples');
for (let k = 0; k < samples; k++) {
  model.decode(latents, { temperature, rng }).forEach((s, i) => {
    const c = canonicalOrNull(s);
    if (c) candidates[i]!.add(c);
  });
}
say(`${samples} samples each at temperature ${temperature}`);

// every candidate encoded once, in batches across molecules
const chosen = model.nearestCandidates(latents, candidates.map((set) => [...set]));
const candidateCount = candidates.reduce((sum, set) => sum + set.size, 0);

const share = (hits: number) => Number((hits / molecules.length).toFixed(4));
const beamFive = model.decode(latents, { beam: 5 }).map((s) => canonicalOrNull(s));
const json = {
  date: new Date().toISOString(),
  machine: machine(),
  backend: currentBackend(),
  load_before: Number(loadBefore.toFixed(2)),
  model: args.model ?? 'models/autoencoder-uspto15k.athm.gz',
  molecules: molecules.length,
  of_held_out: eligible.length,
  settings: { beam, samples, temperature },
  reconstruction_greedy: share(molecules.filter((m, i) => greedy[i] === m.canonical).length),
  reconstruction_beam5: share(molecules.filter((m, i) => beamFive[i] === m.canonical).length),
  candidates_per_molecule: Number((candidateCount / molecules.length).toFixed(1)),
  coverage: share(molecules.filter((m, i) => candidates[i]!.has(m.canonical)).length),
  reconstruction_verified: share(molecules.filter((m, i) => chosen[i] === m.canonical).length),
  seconds: Number(((Date.now() - started) / 1000).toFixed(0)),
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const md = [
  '# What limits the autoencoder’s reconstruction',
  '',
  `${json.date}, ${json.machine.cpu}, ${json.machine.cores} cores, backend ${json.backend}, load ${json.load_before} before, ${json.seconds} s · \`npm run bench:generative-coverage -- --molecules ${molecules.length} --beam ${beam} --samples ${samples} --temperature ${temperature}\``,
  '',
  `${molecules.length} of the ${eligible.length} held-out molecules (seeded), each decoded from its latent mean:`,
  '',
  '| decoding | share of molecules |',
  '|---|---|',
  `| greedy | ${pct(json.reconstruction_greedy)} |`,
  `| beam search of 5, most likely | ${pct(json.reconstruction_beam5)} |`,
  `| among the candidates (beam of ${beam}, all hypotheses, and ${samples} samples at T = ${temperature}: ${json.candidates_per_molecule} distinct per molecule) | ${pct(json.coverage)} |`,
  `| the candidate whose own latent mean is nearest (verified decoding) | ${pct(json.reconstruction_verified)} |`,
].join('\n');
writeResults('generative-coverage', json, md);
