// The dataset-backed simulated lab over the real published CSVs, with its journal in a temp dir:
// exact lookups, idempotent dispatch, noise, failures, latency, capacity, cancel, restarts.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile, resolveSpecPath } from '../src/campaign/index.js';
import type { CampaignSpec } from '../src/campaign/index.js';
import { initChem } from '../src/chem/index.js';
import { TransientLabError, type ExperimentOrder, type LabResult } from '../src/lab-adapters/contract.js';
import { DatasetSimulator, type DatasetSimulatorOptions } from '../src/lab-adapters/dataset-simulator.js';
import { keyOfValues, type SearchSpace } from '../src/planner/space.js';
import { readCsv, type CsvRow } from '../src/util/csv.js';
import { EXAMPLES, exampleChoiceName, simulatorLab, tempHome } from './helpers.js';

let spec: CampaignSpec;
let space: SearchSpace;
let rows: CsvRow[];
let datasetPath: string;
const home = tempHome('athanor-simulator-');
const started: DatasetSimulator[] = [];
let journalCount = 0;

beforeAll(async () => {
  await initChem();
  spec = (await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'))).spec;
  space = await buildSpace(spec);
  datasetPath = resolveSpecPath(spec, simulatorLab(spec).dataset);
  rows = (await readCsv(datasetPath)).rows;
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

afterAll(() => home.cleanup());

function freshJournal(): string {
  return join(home.home, `journal-${++journalCount}`, 'simulator-journal.jsonl');
}

/** A simulator over direct_arylation.csv, indexed by the DA space as buildRuntime does. */
function simulator(options: Partial<DatasetSimulatorOptions> = {}): DatasetSimulator {
  const { columns, results } = simulatorLab(spec);
  const sim = new DatasetSimulator({
    rows,
    source: datasetPath,
    keyOfRow: (row) => space.keyOfRow(row, columns),
    results,
    bounds: { yield: [0, 100] },
    noiseSd: 0,
    latencyMs: 0,
    failureRate: 0,
    seed: 1,
    capacity: 20,
    journalPath: freshJournal(),
    ...options,
  });
  return sim;
}

/** Starts the simulator with a handler that records what it is given. */
async function collect(sim: DatasetSimulator): Promise<LabResult[]> {
  const results: LabResult[] = [];
  started.push(sim);
  await sim.start(async (result) => {
    results.push(result);
  });
  return results;
}

/** The candidate the dataset row `r` describes, found by the row's names (not by its SMILES). */
function candidateOfRow(r: number): number {
  const row = rows[r] as CsvRow;
  const key = keyOfValues([row.Base ?? '', exampleChoiceName(row.Ligand ?? ''), exampleChoiceName(row.Solvent ?? ''), Number(row.Concentration), Number(row.Temp_C)]);
  const candidate = space.indexOfKey(key);
  if (candidate === undefined) throw new Error(`row ${r} names no candidate: ${key}`);
  return candidate;
}

function order(id: string, candidate: number, seq = 1): ExperimentOrder {
  return {
    id,
    campaignId: 'test-campaign',
    seq,
    candidateKey: space.keyOf(candidate),
    parameters: space.valuesOf(candidate),
    substances: space.substancesOf(candidate),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const until = (check: () => void, timeout = 3000) => vi.waitFor(check, { timeout, interval: 5 });

function valueOf(result: LabResult | undefined): number {
  if (result?.status !== 'completed') throw new Error(`expected a completed result, got ${JSON.stringify(result)}`);
  return result.values.yield as number;
}

describe('DatasetSimulator over direct_arylation.csv', () => {
  it('answers an experiment with the dataset’s exact yield', async () => {
    const sim = simulator();
    const results = await collect(sim);
    // row 0: KOAc / BrettPhos / DMAc / 0.1 M / 105 °C → 5.47 %; row 1552: one of the two 100 % reactions
    expect(rows[0]?.yield).toBe('5.47');
    expect(rows[1552]?.yield).toBe('100');
    expect(await sim.dispatch(order('exp-1', candidateOfRow(0), 1))).toEqual({ duplicate: false });
    expect(await sim.dispatch(order('exp-2', candidateOfRow(1552), 2))).toEqual({ duplicate: false });
    await until(() => expect(results).toHaveLength(2));
    const byId = new Map(results.map((r) => [r.experimentId, r]));
    expect(byId.get('exp-1')).toMatchObject({ status: 'completed', values: { yield: 5.47 } });
    expect(byId.get('exp-2')).toMatchObject({ status: 'completed', values: { yield: 100 } });
    expect(await sim.status('exp-1')).toBe('completed');
    expect(await sim.status('never-sent')).toBe('unknown');
    expect(await sim.health()).toEqual({ ok: true, detail: expect.stringContaining('1728 dataset candidates') });
  });

  it('runs an experiment id once however often it is dispatched', async () => {
    const sim = simulator();
    const results = await collect(sim);
    const candidate = candidateOfRow(10);
    expect(await sim.dispatch(order('dup', candidate))).toEqual({ duplicate: false });
    expect(await sim.dispatch(order('dup', candidate))).toEqual({ duplicate: true });
    await until(() => expect(results).toHaveLength(1));
    expect(await sim.dispatch(order('dup', candidate))).toEqual({ duplicate: true }); // after delivery too
    await sleep(30);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ experimentId: 'dup', status: 'completed', values: { yield: Number(rows[10]?.yield) } });
    expect(sim.acceptedCounts()).toEqual(new Map([['dup', 1]]));
    // the same candidate under a new id is a new experiment
    expect(await sim.dispatch(order('dup-2', candidate))).toEqual({ duplicate: false });
    await until(() => expect(results).toHaveLength(2));
    expect(sim.acceptedCounts()).toEqual(new Map([['dup', 1], ['dup-2', 1]]));
  });

  it('fails an experiment whose candidate the dataset does not hold, naming the key', async () => {
    const sim = simulator();
    const results = await collect(sim);
    const key = keyOfValues(['Cesium acetate', 'XPhos', 'DMAc', 0.2, 150]);
    await sim.dispatch({ ...order('missing', 0), candidateKey: key });
    await until(() => expect(results).toHaveLength(1));
    const result = results[0];
    expect(result?.status).toBe('failed');
    expect(result?.status === 'failed' ? result.reason : '').toContain(key);
    expect(result?.status === 'failed' ? result.reason : '').toContain('direct_arylation.csv');
    expect(await sim.status('missing')).toBe('failed');
  });

  it('adds seeded noise, the same for the same seed and candidate replicate under any experiment id, clipped into the bounds', async () => {
    const zero = candidateOfRow(1); // a 0 % reaction: noise below it must clip to 0
    const full = candidateOfRow(1552); // a 100 % reaction: noise above it must clip to 100
    expect(rows[1]?.yield).toBe('0');
    // experiment ids are random UUIDs in a campaign, so a repeat run sends the same candidates under other ids
    const run = async (seed: number, prefix: string): Promise<number[]> => {
      const ids = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
      const sim = simulator({ noiseSd: 15, seed, capacity: ids.length });
      const results = await collect(sim);
      for (const [i, id] of ids.entries()) await sim.dispatch(order(id, i % 2 === 0 ? zero : full, i));
      await until(() => expect(results).toHaveLength(ids.length));
      const byId = new Map(results.map((r) => [r.experimentId, valueOf(r)]));
      return ids.map((id) => byId.get(id) as number);
    };
    const first = await run(7, 'noisy');
    const again = await run(7, 'repeat');
    const other = await run(8, 'noisy');
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);

    for (const v of first) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    // replicates of one candidate each get their own draw
    const low = first.filter((_, i) => i % 2 === 0);
    const high = first.filter((_, i) => i % 2 === 1);
    // noise is really there (not all exact) and really clipped (some at the bounds)
    expect(low.some((v) => v === 0)).toBe(true);
    expect(low.some((v) => v > 0)).toBe(true);
    expect(high.some((v) => v === 100)).toBe(true);
    expect(high.some((v) => v < 100)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(10);
  });

  it('with failure_rate 1 fails every experiment with a reason', async () => {
    const sim = simulator({ failureRate: 1 });
    const results = await collect(sim);
    for (let i = 0; i < 8; i++) await sim.dispatch(order(`fail-${i}`, candidateOfRow(i * 100), i));
    await until(() => expect(results).toHaveLength(8));
    for (const result of results) {
      expect(result.status).toBe('failed');
      expect(result.status === 'failed' ? result.reason : '').toMatch(/simulated failure/);
      expect(await sim.status(result.experimentId)).toBe('failed');
    }
  });

  it('with latency, results arrive later, not on the next tick', async () => {
    const instant = simulator();
    const slow = simulator({ latencyMs: 50 });
    const instantResults = await collect(instant);
    const slowResults = await collect(slow);
    const ids = Array.from({ length: 10 }, (_, i) => `lat-${i}`);
    for (const [i, id] of ids.entries()) {
      await instant.dispatch(order(id, candidateOfRow(i), i));
      await slow.dispatch(order(id, candidateOfRow(i), i));
    }
    expect(slowResults).toHaveLength(0);
    for (const id of ids) expect(await slow.status(id)).toBe('running');
    await sleep(5);
    expect(instantResults).toHaveLength(10); // no latency: delivered as soon as the loop turns
    expect(slowResults.length).toBeLessThan(10); // mean 50 ms: not all of them yet
    await until(() => expect(slowResults).toHaveLength(10));
    expect(slowResults.map((r) => r.experimentId).sort()).toEqual([...ids].sort());
    // latency changes when, not what
    const exact = new Map(instantResults.map((r) => [r.experimentId, valueOf(r)]));
    for (const r of slowResults) expect(valueOf(r)).toBe(exact.get(r.experimentId));
  });

  it('refuses work beyond its capacity with a TransientLabError', async () => {
    const sim = simulator({ capacity: 2 });
    // not started yet: accepted experiments stay running
    await sim.dispatch(order('cap-1', candidateOfRow(1)));
    await sim.dispatch(order('cap-2', candidateOfRow(2)));
    await expect(sim.dispatch(order('cap-3', candidateOfRow(3)))).rejects.toThrow(TransientLabError);
    await expect(sim.dispatch(order('cap-3', candidateOfRow(3)))).rejects.toThrow(/full \(2\/2/);
    expect(await sim.status('cap-3')).toBe('unknown');
    // a duplicate of an accepted id is not new work
    expect(await sim.dispatch(order('cap-1', candidateOfRow(1)))).toEqual({ duplicate: true });
    expect(sim.acceptedCounts().has('cap-3')).toBe(false);
    // once the lab runs and the experiments finish, there is room again
    const results = await collect(sim);
    await until(() => expect(results).toHaveLength(2));
    expect(await sim.dispatch(order('cap-3', candidateOfRow(3)))).toEqual({ duplicate: false });
    await until(() => expect(results).toHaveLength(3));
  });

  it('cancels a running experiment: status cancelled, no result', async () => {
    const sim = simulator();
    const results = await collect(sim);
    await sim.dispatch(order('keep', candidateOfRow(5), 1));
    await sim.dispatch(order('drop', candidateOfRow(6), 2));
    expect(await sim.cancel('drop')).toBe(true);
    expect(await sim.status('drop')).toBe('cancelled');
    await until(() => expect(results).toHaveLength(1));
    await sleep(30);
    expect(results.map((r) => r.experimentId)).toEqual(['keep']);
    expect(await sim.status('drop')).toBe('cancelled');
    expect(await sim.cancel('drop')).toBe(false); // no longer cancellable
    expect(await sim.cancel('keep')).toBe(false); // already finished
    expect(await sim.cancel('never-sent')).toBe(false);
    expect(await sim.dispatch(order('drop', candidateOfRow(6), 2))).toEqual({ duplicate: true });
  });

  it('remembers across a restart through its journal and redelivers unacknowledged results', async () => {
    const journalPath = freshJournal();
    const options = { journalPath, noiseSd: 5 };
    const first = simulator(options);
    const seen: LabResult[] = [];
    await first.start(async (result) => {
      seen.push(result);
      if (result.experimentId === 'unacked') throw new Error('crashed before storing the result');
    });
    await first.dispatch(order('acked', candidateOfRow(20), 1));
    await first.dispatch(order('unacked', candidateOfRow(21), 2));
    await until(() => expect(seen.map((r) => r.experimentId).sort()).toEqual(['acked', 'unacked']));
    await first.stop();
    // accepted while the lab was stopped, never run
    await first.dispatch(order('queued', candidateOfRow(22), 3));
    await first.dispatch(order('cancelled', candidateOfRow(23), 4));
    await first.cancel('cancelled');

    const second = simulator(options);
    expect(await second.status('acked')).toBe('completed');
    expect(await second.status('unacked')).toBe('completed');
    expect(await second.status('queued')).toBe('running');
    expect(await second.status('cancelled')).toBe('cancelled');
    expect(await second.status('other')).toBe('unknown');
    for (const [id, row] of [['acked', 20], ['unacked', 21], ['queued', 22], ['cancelled', 23]] as const) {
      expect(await second.dispatch(order(id, candidateOfRow(row)))).toEqual({ duplicate: true });
    }
    expect(second.acceptedCounts()).toEqual(new Map([['acked', 1], ['unacked', 1], ['queued', 1], ['cancelled', 1]]));

    const redelivered = await collect(second);
    await until(() => expect(redelivered).toHaveLength(2));
    await sleep(30);
    expect(redelivered.map((r) => r.experimentId).sort()).toEqual(['queued', 'unacked']);
    // exactly the result the first handler was offered, noise and all
    const before = seen.find((r) => r.experimentId === 'unacked');
    expect(redelivered.find((r) => r.experimentId === 'unacked')).toEqual(before);
    expect(valueOf(before)).not.toBe(Number(rows[21]?.yield)); // the noise is real, so equality means replay
    await second.stop();

    // everything is acknowledged now: a third start delivers nothing
    const third = simulator(options);
    const none = await collect(third);
    await sleep(30);
    expect(none).toEqual([]);
    expect(await third.status('queued')).toBe('completed');
  });

  it('offers an unacknowledged result again while running, until the handler takes it', async () => {
    const journalPath = freshJournal();
    const sim = simulator({ journalPath });
    started.push(sim);
    const offers: LabResult[] = [];
    await sim.start(async (result) => {
      offers.push(result);
      if (offers.length === 1) throw new Error('database briefly unavailable');
    });
    await sim.dispatch(order('retry', candidateOfRow(40)));
    await until(() => expect(offers).toHaveLength(2), 5000); // retried after about a second
    expect(offers[1]).toEqual(offers[0]);
    await sim.stop();
    const restarted = simulator({ journalPath });
    const after = await collect(restarted);
    await sleep(30);
    expect(after).toEqual([]); // the second offer was acknowledged and journaled
  });

  it('survives a journal line torn by a crash mid-write, and keeps journaling after it', async () => {
    const journalPath = freshJournal();
    const first = simulator({ journalPath });
    await first.dispatch(order('before-crash', candidateOfRow(30), 1));
    // the process died while writing the next entry: half a line, no newline
    appendFileSync(journalPath, '{"t":"accepted","id":"torn","key":"[\\"Ces');

    const second = simulator({ journalPath });
    expect(await second.status('before-crash')).toBe('running');
    expect(await second.status('torn')).toBe('unknown');
    expect(await second.dispatch(order('after-crash', candidateOfRow(31), 2))).toEqual({ duplicate: false });
    const results = await collect(second);
    await until(() => expect(results.map((r) => r.experimentId).sort()).toEqual(['after-crash', 'before-crash']));
    await second.stop();

    // what was written after the torn line must be readable on the next restart
    const third = simulator({ journalPath });
    expect(await third.status('after-crash')).toBe('completed');
    expect(await third.dispatch(order('after-crash', candidateOfRow(31), 2))).toEqual({ duplicate: true });
    expect(third.acceptedCounts()).toEqual(new Map([['before-crash', 1], ['after-crash', 1]]));
    const again = await collect(third);
    await sleep(30);
    expect(again).toEqual([]); // both were acknowledged before the restart
  });

  it('reference(yield) gives the published facts of the dataset', () => {
    const reference = simulator({ journalPath: undefined }).reference('yield');
    expect(reference).toMatchObject({ quantity: 'yield', count: 1728, max: 100, min: 0, top1Count: 18 });
    expect(reference.top1Threshold).toBeCloseTo(90.39, 2);
    const minimum = simulator({ journalPath: undefined }).reference('yield', 'minimize');
    expect(minimum.top1Threshold).toBe(0); // hundreds of 0 % reactions: all tie at the threshold
    expect(minimum.top1Count).toBe(rows.filter((r) => Number(r.yield) === 0).length);
  });
});

describe('DatasetSimulator over buchwald_hartwig_3955.csv', () => {
  it('reference(yield): 3,955 reactions, top-1 % threshold 92.90', async () => {
    const bhSpec = (await loadCampaignFile(join(EXAMPLES, 'buchwald-hartwig.yaml'))).spec;
    const bhSpace = await buildSpace(bhSpec);
    const bhLab = simulatorLab(bhSpec);
    const file = resolveSpecPath(bhSpec, bhLab.dataset);
    const bhRows = (await readCsv(file)).rows;
    const sim = new DatasetSimulator({
      rows: bhRows,
      source: file,
      keyOfRow: (row) => bhSpace.keyOfRow(row, bhLab.columns),
      results: bhLab.results,
      seed: bhSpec.seed,
      capacity: 5,
    });
    const reference = sim.reference('yield');
    expect(reference.count).toBe(3955);
    expect(reference.top1Threshold).toBeCloseTo(92.9, 2);
    expect(reference.top1Count).toBe(40);
    expect(reference.max).toBeCloseTo(99.99999, 4);
  });
});
