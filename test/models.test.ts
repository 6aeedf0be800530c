// src/models building blocks against the real tfjs (wasm backend) and RDKit.js: backend choice,
// graph batching, message passing invariances, metrics, and that training lowers the loss.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATOM_FDIM, BOND_FDIM, initChem, molecularGraph } from '../src/chem/index.js';
import { initTensorBackend, selectBackend, type BackendCandidate } from '../src/models/backend.js';
import { padGraphs } from '../src/models/featurize/batching.js';
import { packGraphs, type GraphPack } from '../src/models/featurize/graph-pack.js';
import { DenseGraphLayout, SparseGraphLayout } from '../src/models/graph-layout.js';
import { cholesky, invertLower, solveLower, solveUpperTransposed } from '../src/models/linalg.js';
import { codeInputs, distanceTables, factorsOf, factorValues } from '../src/models/gp-kernel.js';
import { defaultHyper, defaultPriors, hyperToVector, negativeLogPosterior } from '../src/models/gp-likelihood.js';
import { ence, miscalibrationArea, probit, r2, spearman } from '../src/models/metrics.js';
import { addMpnnParameters, encodeMolecules, type MpnnConfig } from '../src/models/mpnn.js';
import { Parameters } from '../src/models/params.js';
import { addReactionParameters, forwardReactions, type ReactionNetConfig } from '../src/models/reaction-model.js';
import { selectRows, trainNetwork, type ReactionTable } from '../src/models/training.js';
import { fitWarping, unwarp, unwarpMoments, warp } from '../src/models/warping.js';
import { normal, rngFor, shuffled } from '../src/util/random.js';

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
});

const MPNN: MpnnConfig = { hidden: 16, depth: 3 };

function embed(smiles: string[], layout: 'sparse' | 'dense', pad: { minAtoms?: number; minEdges?: number } = {}): Float32Array {
  const params = new Parameters();
  addMpnnParameters(params, MPNN, rngFor(7, 'mpnn'));
  const graphs = layout === 'sparse' ? new SparseGraphLayout(packGraphs(smiles)) : new DenseGraphLayout(padGraphs(smiles, pad));
  try {
    return tf.tidy(() => encodeMolecules(params, MPNN, graphs).dataSync() as Float32Array);
  } finally {
    graphs.dispose();
    params.dispose();
  }
}

describe('tensor backend selection', () => {
  const engine = () => {
    const calls: string[] = [];
    return { calls, setBackend: async (name: string) => (calls.push(name), true), ready: async () => undefined };
  };
  const missing = (name: string): BackendCandidate => ({
    name,
    engineName: 'tensorflow',
    load: async () => {
      throw new Error(`Cannot find module '@tensorflow/${name}'`);
    },
  });

  it('falls back to wasm when the native modules fail to load, and says why', async () => {
    const e = engine();
    const choice = await selectBackend(
      [missing('tfjs-node-gpu'), missing('tfjs-node'), { name: 'wasm', engineName: 'wasm', load: async () => undefined }, { name: 'cpu', engineName: 'cpu', load: async () => undefined }],
      e,
    );
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toMatch(/tfjs-node-gpu unavailable \(Cannot find module/);
    expect(choice.reason).toMatch(/tfjs-node unavailable/);
    expect(e.calls).toEqual(['wasm']);
  });

  it('skips a backend that loads but does not initialise', async () => {
    const calls: string[] = [];
    const choice = await selectBackend(
      [{ name: 'wasm', engineName: 'wasm', load: async () => undefined }, { name: 'cpu', engineName: 'cpu', load: async () => undefined }],
      { setBackend: async (name) => (calls.push(name), name === 'cpu'), ready: async () => undefined },
    );
    expect(choice).toMatchObject({ backend: 'cpu' });
    expect(choice.reason).toMatch(/wasm unavailable \(failed to initialise\)/);
  });

  it('on this machine (no native TensorFlow) the real choice is wasm, made once', async () => {
    const first = await initTensorBackend();
    expect(await initTensorBackend()).toBe(first);
    expect(['tfjs-node-gpu', 'tfjs-node', 'wasm']).toContain(first.backend);
    expect(tf.getBackend()).toBe(first.backend === 'wasm' ? 'wasm' : 'tensorflow');
  });
});

describe('graph batching', () => {
  it('pads a batch to its largest molecule: shapes, masks and connectivity', () => {
    const batch = padGraphs(['CCO', 'c1ccccc1', '[K+]']);
    expect(batch).toMatchObject({ batch: 3, maxAtoms: 6, maxEdges: 12 });
    expect(batch.atomFeatures.length).toBe(3 * 6 * ATOM_FDIM);
    expect(batch.edgeBondFeatures.length).toBe(3 * 12 * BOND_FDIM);
    expect(Array.from(batch.atomMask)).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.atomCount)).toEqual([3, 6, 1]);
    // ethanol: 2 bonds → 4 directed edges, each leaving one atom and entering another
    const rowSums = (m: Float32Array, rows: number, cols: number, b: number) =>
      Array.from({ length: rows }, (_, r) => m.subarray((b * rows + r) * cols, (b * rows + r + 1) * cols).reduce((a, v) => a + v, 0));
    expect(rowSums(batch.edgeFromAtom, 12, 6, 0)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(rowSums(batch.atomFromEdge, 6, 12, 0)).toEqual([1, 2, 1, 0, 0, 0]);
    // the lone ion has no edges at all
    expect(rowSums(batch.edgeFromAtom, 12, 6, 2).every((v) => v === 0)).toBe(true);
  });

  it('a padded atom or edge changes nothing', () => {
    const smiles = ['CC(=O)Nc1ccc(O)cc1', 'O=C([O-])C.[K+]', 'Brc1ccccn1'];
    const tight = embed(smiles, 'dense');
    const loose = embed(smiles, 'dense', { minAtoms: 40, minEdges: 90 });
    expect(Array.from(loose)).toEqual(Array.from(tight));
  });

  it('the sparse packed layout computes the same embeddings as the dense padded one', () => {
    const smiles = ['CC(=O)Nc1ccc(O)cc1', 'O=C([O-])C.[K+]', 'Brc1ccccn1', 'C'];
    const dense = embed(smiles, 'dense');
    const sparse = embed(smiles, 'sparse');
    dense.forEach((v, i) => expect(sparse[i]).toBeCloseTo(v, 5));
  });
});

/** The same molecules with their atoms renumbered by `order` (new index → old index). */
function permutedPack(pack: GraphPack, rng: () => number): GraphPack {
  const order = shuffled(Array.from({ length: pack.numAtoms }, (_, i) => i), rng);
  const newIndex = new Int32Array(pack.numAtoms);
  order.forEach((old, i) => (newIndex[old] = i));
  const atomFeatures = new Float32Array(pack.atomFeatures.length);
  order.forEach((old, i) => atomFeatures.set(pack.atomFeatures.subarray(old * ATOM_FDIM, (old + 1) * ATOM_FDIM), i * ATOM_FDIM));
  return {
    ...pack,
    atomFeatures,
    edgeSource: pack.edgeSource.map((a) => newIndex[a]!),
    edgeTarget: pack.edgeTarget.map((a) => newIndex[a]!),
    atomMolecule: Int32Array.from(order, (old) => pack.atomMolecule[old]!),
  };
}

describe('message passing', () => {
  it('a molecule gets one embedding whatever the SMILES spelling (atom order)', () => {
    const [a, b] = [embed(['OCC(=O)N'], 'sparse'), embed(['NC(=O)CO'], 'sparse')];
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('the embedding is invariant under any renumbering of the atoms', () => {
    const pack = packGraphs(['CC(C)c1cc(C(C)C)c(-c2ccccc2P(C2CCCCC2)C2CCCCC2)c(C(C)C)c1', 'Cc1cc(-c2ccccc2)on1']);
    const params = new Parameters();
    addMpnnParameters(params, MPNN, rngFor(3, 'perm'));
    const run = (p: GraphPack) => {
      const layout = new SparseGraphLayout(p);
      try {
        return tf.tidy(() => encodeMolecules(params, MPNN, layout).dataSync() as Float32Array);
      } finally {
        layout.dispose();
      }
    };
    const reference = run(pack);
    for (const seed of [1, 2]) {
      const permuted = run(permutedPack(pack, rngFor(seed, 'order')));
      reference.forEach((v, i) => expect(permuted[i]).toBeCloseTo(v, 5));
    }
    params.dispose();
  });
});

describe('training', () => {
  it('a short run lowers the loss and the held-out error', async () => {
    // 60 made-up reactions of two roles whose outcome depends on the halogen and the base
    const halides = ['Clc1ccccc1', 'Brc1ccccc1', 'Ic1ccccc1', 'Clc1ccncc1', 'Brc1ccncc1', 'Ic1ccncc1'];
    const bases = ['CN(C)C(=NC(C)(C)C)N(C)C', 'CN1CCCN2CCCN=C12', 'O=C([O-])C.[K+]', 'CCN(CC)CC', 'C1CCNCC1'];
    const smiles = [...halides, ...bases];
    const rng = rngFor(11, 'data');
    const rows: [number, number, number][] = [];
    for (let h = 0; h < halides.length; h++) for (let b = 0; b < bases.length; b++) rows.push([h, halides.length + b, (h % 3) - 1 + 0.5 * (b % 2) + 0.1 * normal(rng)]);
    const all = [...rows, ...rows];
    const table: ReactionTable = {
      layout: new SparseGraphLayout(packGraphs(smiles)),
      byRole: [Int32Array.from(all, (r) => r[0]), Int32Array.from(all, (r) => r[1])],
      conditions: new Float32Array(0),
      conditionWidth: 0,
      targets: Float32Array.from(all, (r) => r[2]),
      targetCount: 1,
      rows: all.length,
    };
    const config: ReactionNetConfig = { roles: 2, conditionWidth: 0, targets: 1, mpnn: MPNN, hidden: [32], dropout: 0 };
    const params = new Parameters();
    addReactionParameters(params, config, rngFor(1, 'init'));
    const losses: number[] = [];
    const errors: number[] = [];
    const order = shuffled(Array.from({ length: all.length }, (_, i) => i), rngFor(1, 'split'));
    await trainNetwork(
      params,
      config,
      table,
      Int32Array.from(order.slice(0, 48)),
      Int32Array.from(order.slice(48)),
      { maxEpochs: 40, batchSize: 16, learningRate: 3e-3, finalLearningRateFactor: 0.3, patience: 100, beta: 0.5, weightDecay: 0, encoderEvery: 2, encoderLearningRateFactor: 1 },
      rngFor(1, 'train'),
      { onEpoch: (_, loss, rmse) => (losses.push(loss), errors.push(rmse)) },
    );
    expect(losses).toHaveLength(40);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
    expect(Math.min(...errors)).toBeLessThan(errors[0]! / 2);
    params.dispose();
    table.layout!.dispose();
  });

  describe('encoder every k steps', () => {
    // 12 reactions of two roles; the encoder (mpnn/*) and the predictor train on different schedules
    const halides = ['Clc1ccccc1', 'Brc1ccccc1', 'Ic1ccccc1', 'Brc1ccncc1'];
    const bases = ['CN1CCCN2CCCN=C12', 'O=C([O-])C.[K+]', 'CCN(CC)CC'];
    const config: ReactionNetConfig = { roles: 2, conditionWidth: 0, targets: 1, mpnn: MPNN, hidden: [16], dropout: 0 };
    const schedule = { maxEpochs: 1, batchSize: 64, learningRate: 1e-2, finalLearningRateFactor: 1, patience: 100, beta: 0, weightDecay: 0, encoderEvery: 1, encoderLearningRateFactor: 1 };
    const makeTable = (): ReactionTable => {
      const rows = halides.flatMap((_, h) => bases.map((_, b) => [h, halides.length + b, h - b / 2] as const));
      return {
        layout: new SparseGraphLayout(packGraphs([...halides, ...bases])),
        byRole: [Int32Array.from(rows, (r) => r[0]), Int32Array.from(rows, (r) => r[1])],
        conditions: new Float32Array(0),
        conditionWidth: 0,
        targets: Float32Array.from(rows, (r) => r[2]),
        targetCount: 1,
        rows: rows.length,
      };
    };
    const allRows = (t: ReactionTable) => Int32Array.from({ length: t.rows }, (_, i) => i);
    const encoderNames = (p: Parameters) => p.names().filter((n) => n.startsWith('mpnn/'));
    const predictorNames = (p: Parameters) => p.names().filter((n) => !n.startsWith('mpnn/'));
    const maxChange = (p: Parameters, before: Map<string, Float32Array>, names: string[]) =>
      Math.max(...names.map((n) => Math.max(...Array.from(p.get(n).dataSync() as Float32Array, (v, i) => Math.abs(v - before.get(n)![i]!)))));

    it('with one batch and k = 1 it takes exactly the step of joint training (Adam on the full gradient)', async () => {
      const table = makeTable();
      const trained = new Parameters();
      const reference = new Parameters();
      addReactionParameters(trained, config, rngFor(4, 'init'));
      addReactionParameters(reference, config, rngFor(4, 'init'));
      await trainNetwork(trained, config, table, allRows(table), null, schedule, rngFor(1, 'train'));
      // the reference: one Adam step on the gradient of the Gaussian NLL through encoder and predictor at once
      const batch = selectRows(table, allRows(table));
      const optimizer = tf.train.adam(schedule.learningRate);
      tf.tidy(() => {
        const y = tf.tensor2d(batch.targets, [batch.rows, 1]);
        const { grads } = tf.variableGrads(() => {
          const { mean, variance } = forwardReactions(reference, config, table.layout, batch, { dropoutSeed: 1 });
          return tf.mean(tf.add(tf.log(variance), tf.div(tf.square(tf.sub(y, mean)), variance))).mul(0.5) as tf.Scalar;
        }, reference.names().map((n) => reference.get(n)));
        optimizer.applyGradients(grads as Record<string, tf.Variable>);
      });
      const before = new Map<string, Float32Array>();
      const initial = new Parameters();
      addReactionParameters(initial, config, rngFor(4, 'init'));
      for (const n of initial.names()) before.set(n, Float32Array.from(initial.get(n).dataSync() as Float32Array));
      // both moved the encoder and the predictor, and by the same amounts
      expect(maxChange(trained, before, encoderNames(trained))).toBeGreaterThan(schedule.learningRate / 2);
      expect(maxChange(trained, before, predictorNames(trained))).toBeGreaterThan(schedule.learningRate / 2);
      for (const n of trained.names()) {
        const a = trained.get(n).dataSync();
        const b = reference.get(n).dataSync();
        a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(2e-5));
      }
      optimizer.dispose();
      for (const p of [trained, reference, initial]) p.dispose();
      table.layout!.dispose();
    });

    it('with k > 1 the accumulated gradient reaches the encoder once per window, scaled by its own learning-rate factor', async () => {
      const table = makeTable();
      const run = async (encoderLearningRateFactor: number) => {
        const p = new Parameters();
        addReactionParameters(p, config, rngFor(5, 'init'));
        const before = new Map(p.names().map((n) => [n, Float32Array.from(p.get(n).dataSync() as Float32Array)] as const));
        // 12 rows in batches of 3 = 4 predictor steps per epoch, one encoder step per 3 of them (and one for the rest)
        await trainNetwork(p, config, table, allRows(table), null, { ...schedule, maxEpochs: 3, batchSize: 3, encoderEvery: 3, encoderLearningRateFactor }, rngFor(2, 'train'));
        const change = { encoder: maxChange(p, before, encoderNames(p)), predictor: maxChange(p, before, predictorNames(p)) };
        p.dispose();
        return change;
      };
      const frozen = await run(0);
      expect(frozen.encoder).toBe(0);
      expect(frozen.predictor).toBeGreaterThan(0);
      const moving = await run(1);
      expect(moving.encoder).toBeGreaterThan(0);
      // six encoder steps of Adam move no weight by more than about 6 × the learning rate
      expect(moving.encoder).toBeLessThan(6 * schedule.learningRate * 1.5);
      table.layout!.dispose();
    });
  });
});

describe('numerics', () => {
  it('Cholesky, triangular solves and inverse agree', () => {
    const n = 5;
    const rng = rngFor(2, 'spd');
    const b = Float64Array.from({ length: n * n }, () => normal(rng));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] = a[i * n + j]! + b[i * n + k]! * b[j * n + k]!;
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + 1;
    const l = cholesky(a, n);
    const rhs = [1, 2, 3, 4, 5];
    const x = solveUpperTransposed(l, n, solveLower(l, n, rhs));
    for (let i = 0; i < n; i++) expect(Array.from({ length: n }, (_, j) => a[i * n + j]! * x[j]!).reduce((s, v) => s + v, 0)).toBeCloseTo(rhs[i]!, 9);
    const inv = invertLower(l, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = Array.from({ length: n }, (_, k) => l[i * n + k]! * inv[k * n + j]!).reduce((s, t) => s + t, 0);
        expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it.each([false, true])('the GP marginal-likelihood gradient matches finite differences (two-way term: %s)', (pairs) => {
    const schema = { roles: ['halide'], numeric: [{ name: 't', values: [0, 50, 100] }], categorical: [{ name: 's', values: ['a', 'b'] }], targets: ['y'] };
    const factors = factorsOf(schema, 1);
    const halides = ['Clc1ccccc1', 'Brc1ccccc1', 'Ic1ccccc1', 'Brc1ccncc1'];
    const rng = rngFor(8, 'gp-grad');
    const inputs = Array.from({ length: 14 }, (_, i) => ({ substances: { halide: halides[i % 4]! }, conditions: { t: 100 * rng(), s: i % 3 ? 'a' : 'b' } }));
    const coded = codeInputs(factors, inputs.map((x) => factorValues(schema, factors, x)));
    const distances = distanceTables(factors, coded, coded);
    const y = Float64Array.from(inputs, () => normal(rng));
    const theta = hyperToVector(defaultHyper(factors, undefined, pairs)).map((v) => v + 0.3 * normal(rng));
    expect(theta.length).toBe(2 * factors.length + (pairs ? 3 : 2));
    const f = (t: Float64Array) => negativeLogPosterior(factors, coded, distances, y, defaultPriors(factors, undefined, pairs), t);
    const { gradient } = f(theta);
    theta.forEach((_, k) => {
      const h = 1e-5;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[k] = up[k]! + h;
      down[k] = down[k]! - h;
      expect(gradient[k]).toBeCloseTo((f(up).value - f(down).value) / (2 * h), 5);
    });
  });

  it('calibration metrics: a calibrated Gaussian scores well, an overconfident one badly', () => {
    const rng = rngFor(5, 'calib');
    const n = 4000;
    const sigma = Float64Array.from({ length: n }, () => 0.5 + 2 * rng());
    const mean = new Float64Array(n);
    const y = Float64Array.from(sigma, (s) => s * normal(rng));
    expect(miscalibrationArea(y, mean, sigma)).toBeLessThan(0.02);
    expect(ence(y, mean, sigma)).toBeLessThan(0.1);
    expect(spearman(Float64Array.from(y, Math.abs), sigma)).toBeGreaterThan(0.3);
    expect(miscalibrationArea(y, mean, Float64Array.from(sigma, (s) => s / 3))).toBeGreaterThan(0.25);
    expect(probit(0.975)).toBeCloseTo(1.959964, 5);
    expect(r2([1, 2, 3], [1, 2, 3])).toBe(1);
  });

  it('the output warping round-trips and maps moments back to target units', () => {
    const yields = [0, 0.5, 1, 2, 3, 5, 8, 12, 20, 35, 60, 90];
    const w = fitWarping(yields);
    for (const v of [0, 7, 55, 99]) expect(unwarp(w, warp(w, v))).toBeCloseTo(v, 8);
    const identity = { lambda: 1, spread: 1, shift: 0, scale: 1 };
    const m = unwarpMoments(identity, 3, 2);
    expect(m.mean).toBeCloseTo(3, 9);
    expect(m.sd).toBeCloseTo(2, 9);
    // a right-skewed warping: the same warped σ means more yield σ at higher predicted yields
    expect(unwarpMoments(w, warp(w, 60), 0.2).sd).toBeGreaterThan(unwarpMoments(w, warp(w, 3), 0.2).sd);
  });
});

it('featurisation is deterministic and cached by canonical SMILES', () => {
  expect(molecularGraph('OCC')).toBe(molecularGraph('CCO'));
});
