/**
 * Named trainable tensors with seeded initialisation, snapshots (for early stopping) and plain
 * arrays in and out (for saving). Initial values are drawn from our own seeded generator, not
 * tfjs's, so the same seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/random.js';

export type Snapshot = Map<string, Float32Array>;

export class Parameters {
  private readonly variables = new Map<string, tf.Variable>();
  private static nextId = 0;
  private readonly prefix = `p${Parameters.nextId++}/`;

  /** Glorot-uniform weights (fan-in = first dimension), or zeros for biases. */
  add(name: string, shape: number[], init: 'glorot' | 'zeros', rng: Rng): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === 'glorot') {
      const fanIn = shape.length > 1 ? shape[0]! : 1;
      const fanOut = shape[shape.length - 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = (2 * rng() - 1) * limit;
    }
    return this.set(name, shape, values);
  }

  set(name: string, shape: number[], values: Float32Array): tf.Variable {
    this.variables.get(name)?.dispose();
    // a variable shares its initial tensor's data and holds its own reference: the initial tensor
    // must be disposed, or the data outlives the variable (wasm memory grows until it traps)
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true, `${this.prefix}${name}`);
    initial.dispose();
    this.variables.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.variables.keys()];
  }

  list(): tf.Variable[] {
    return [...this.variables.values()];
  }

  count(): number {
    return this.list().reduce((n, v) => n + v.size, 0);
  }

  snapshot(): Snapshot {
    return new Map([...this.variables].map(([name, v]) => [name, v.dataSync() as Float32Array]));
  }

  restore(snapshot: Snapshot): void {
    for (const [name, values] of snapshot) {
      const value = tf.tensor(values, this.get(name).shape, 'float32');
      this.get(name).assign(value);
      value.dispose();
    }
  }

  /** Copies values of parameters with the same name and shape from `other` (warm start). */
  copyMatching(other: Parameters): number {
    let copied = 0;
    for (const [name, source] of other.variables) {
      const target = this.variables.get(name);
      if (target && target.shape.join() === source.shape.join()) {
        target.assign(source);
        copied++;
      }
    }
    return copied;
  }

  /** Parameters with the given shapes and values (a stored member, or a snapshot). */
  static fromArrays(shapes: Record<string, number[]>, values: Snapshot): Parameters {
    const params = new Parameters();
    for (const [name, shape] of Object.entries(shapes)) {
      const data = values.get(name);
      if (!data) throw new Error(`no values for parameter ${name}`);
      params.set(name, shape, data);
    }
    return params;
  }

  shapes(): Record<string, number[]> {
    return Object.fromEntries([...this.variables].map(([name, v]) => [name, v.shape]));
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}
