import { describe, expect, it } from 'vitest';
import { Measurements, productOf, type Measurement } from '../src/measurements/measurements.js';
import { Objective } from '../src/objectives/objective.js';

/* A space of three candidates by key; 'gone' is a key an edited space no longer has. */
const space = { indexOfKey: (key: string) => ({ a: 0, b: 1, c: 2 } as Record<string, number>)[key] };

const rows: Measurement[] = [
  { seq: 1, candidateKey: 'a', parameters: { x: 1 }, values: { yield: 40, impurity: 3 }, raw: { product: 'CCO' } },
  { seq: 2, candidateKey: 'b', parameters: { x: 2 }, values: { impurity: 1 } }, // yield missing
  { seq: 3, candidateKey: 'gone', parameters: { x: 9 }, values: { yield: 99, impurity: 0 } },
  { seq: 4, candidateKey: 'c', parameters: { x: 3 }, values: { yield: 70, impurity: 5 }, raw: { product: '' } },
  { seq: 5, candidateKey: 'a', parameters: { x: 1 }, values: { yield: 95, impurity: 0.1 }, excludedReason: 'spilled' },
];
const measurements = Measurements.from(rows);

describe('Measurements', () => {
  it('keeps excluded rows flagged but leaves them out of what counts', () => {
    expect(measurements.all).toHaveLength(5);
    expect(measurements.usable.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('reads each target on its own, a missing value skipping only that target', () => {
    expect(measurements.valuesOf('yield').map((v) => [v.measurement.seq, v.value])).toEqual([[1, 40], [3, 99], [4, 70]]);
    expect(measurements.valuesOf('impurity').map((v) => [v.measurement.seq, v.value])).toEqual([[1, 3], [2, 1], [3, 0], [4, 5]]);
    expect(measurements.valuesOf('ee')).toEqual([]);
  });

  it('gives training rows in target units, without candidates the space lost', () => {
    expect(measurements.trainingRows(space, 'yield')).toEqual({ candidates: [0, 2], values: [40, 70], seqs: [1, 4] });
    expect(measurements.trainingRows(space, 'impurity')).toEqual({ candidates: [0, 1, 2], values: [3, 1, 5], seqs: [1, 2, 4] });
  });

  it('gives the planner oriented observations with the observed product', () => {
    const minimise = new Objective({ target: 'impurity', direction: 'minimize' });
    expect(measurements.observations(space, minimise)).toEqual([
      { candidate: 0, value: -3, product: 'CCO' },
      { candidate: 1, value: -1 },
      { candidate: 2, value: -5 },
    ]);
    const maximise = new Objective({ target: 'yield', direction: 'maximize' });
    expect(measurements.observations(space, maximise).map((o) => o.value)).toEqual([40, 70]);
  });

  it('names the best usable result by the objective', () => {
    // seq 5 (95 %) is excluded; seq 3 (99 %) counts although its candidate left the space
    expect(measurements.best(new Objective({ target: 'yield', direction: 'maximize' }))).toMatchObject({ value: 99, item: { seq: 3 } });
    expect(measurements.best(new Objective({ target: 'impurity', direction: 'minimize' }))).toMatchObject({ value: 0, item: { seq: 3 } });
    expect(measurements.best(new Objective({ target: 'ee', direction: 'maximize' }))).toBeUndefined();
  });

  it('reads a product only when the raw payload names one', () => {
    expect(productOf({ product: 'c1ccccc1' })).toBe('c1ccccc1');
    expect(productOf({ product: '' })).toBeUndefined();
    expect(productOf({ product: 3 })).toBeUndefined();
    expect(productOf(null)).toBeUndefined();
    expect(productOf(undefined)).toBeUndefined();
  });
});
