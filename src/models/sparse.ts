/**
 * y = S·x for a fixed 0/1 matrix S given by its non-zero (row, column) pairs, differentiable.
 *
 * Why not tf.gather / tf.unsortedSegmentSum: the gradient of gather is UnsortedSegmentSum, which
 * the WebAssembly backend lacks, and the batched matMul of dense adjacency runs there at about
 * 1.5 GFLOP/s (no XNNPACK path for batch > 1). SparseSegmentSum has a fast kernel on every
 * backend; its gradient is the same operation over the transposed pairs, supplied by customGrad.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from './ops.js';

export class SparseSum {
  private readonly forwardIndices: tf.Tensor1D;
  private readonly forwardSegments: tf.Tensor1D;
  private readonly backwardIndices: tf.Tensor1D;
  private readonly backwardSegments: tf.Tensor1D;
  private readonly op: (x: tf.Tensor2D) => tf.Tensor2D;

  /** S has `rowsOut` rows and `rowsIn` columns; pair k sets S[rows[k], columns[k]] = 1. */
  constructor(
    readonly rowsOut: number,
    readonly rowsIn: number,
    rows: Int32Array,
    columns: Int32Array,
  ) {
    // SparseSegmentSum needs sorted segment ids and sizes its output by the last id, so each
    // direction gets one extra pair from the last output row to an appended zero input row.
    const forward = sortedPairs(rows, columns, rowsOut - 1, rowsIn);
    const backward = sortedPairs(columns, rows, rowsIn - 1, rowsOut);
    this.forwardSegments = tf.tensor1d(forward.segments, 'int32');
    this.forwardIndices = tf.tensor1d(forward.indices, 'int32');
    this.backwardSegments = tf.tensor1d(backward.segments, 'int32');
    this.backwardIndices = tf.tensor1d(backward.indices, 'int32');
    // the index tensors live as long as this object, so the gradient may close over them
    this.op = customGradient<(x: tf.Tensor2D) => tf.Tensor2D>((x: tf.Tensor2D) => ({
      value: this.run(x, this.forwardIndices, this.forwardSegments),
      gradFunc: (dy: tf.Tensor2D) => this.run(dy, this.backwardIndices, this.backwardSegments),
    }));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (this.rowsOut === 0 || this.rowsIn === 0) return tf.zeros([this.rowsOut, x.shape[1]]);
    return this.op(x);
  }

  private run(x: tf.Tensor2D, indices: tf.Tensor1D, segments: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const padded = tf.concat([x, tf.zeros([1, x.shape[1]])], 0);
      return tf.sparse.sparseSegmentSum(padded, indices, segments) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const t of [this.forwardIndices, this.forwardSegments, this.backwardIndices, this.backwardSegments]) t.dispose();
  }
}

/** Pairs sorted by segment (stable), plus the guard pair (lastSegment → zeroRow). */
function sortedPairs(segments: Int32Array, indices: Int32Array, lastSegment: number, zeroRow: number) {
  const order = Array.from(segments.keys()).sort((a, b) => segments[a]! - segments[b]! || a - b);
  const out = { segments: new Int32Array(order.length + 1), indices: new Int32Array(order.length + 1) };
  order.forEach((k, i) => {
    out.segments[i] = segments[k]!;
    out.indices[i] = indices[k]!;
  });
  out.segments[order.length] = lastSegment;
  out.indices[order.length] = zeroRow;
  return out;
}
