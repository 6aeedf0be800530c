/**
 * Tensor operations with gradients chosen for speed on the WebAssembly backend.
 *
 * tfjs-backend-wasm only sends matMul to XNNPACK when neither operand is flagged as transposed;
 * the stock matMul gradient uses those flags and runs about 10× slower there (measured: 12 ms
 * instead of 1.2 ms for 1180×141·141×64). These products transpose explicitly in their gradient,
 * and skip the gradient of operands that are data rather than weights.
 */
import * as tf from '@tensorflow/tfjs';

/** tf.customGrad with the loose typing its callers need (tfjs does not export the function type). */
export function customGradient<F>(f: (...args: never[]) => { value: tf.Tensor; gradFunc: (dy: never, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

// customGrad must save its inputs: tensors it closes over may be disposed before the backward pass.
const matMulBoth = customGradient<(a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D>((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
});

// the left operand is data (features, selections): its gradient is never needed, so not computed
const matMulRight = customGradient<(a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D>((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.zerosLike(saved[0]!), tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy)],
  };
});

/** a·b for rank-2 tensors; `dataLeft` when a is data that needs no gradient. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, dataLeft = false): tf.Tensor2D {
  return dataLeft ? matMulRight(a, b) : matMulBoth(a, b);
}

/** A dense layer over the last axis of a rank-2 or rank-3 tensor. */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor, dataInput = false): tf.Tensor {
  if (x.rank === 2) {
    const y = matMul(x as tf.Tensor2D, w as tf.Tensor2D, dataInput);
    return b ? tf.add(y, b) : y;
  }
  const [batch, rows, width] = x.shape as [number, number, number];
  const y = matMul(tf.reshape(x, [batch * rows, width]), w as tf.Tensor2D, dataInput);
  return tf.reshape(b ? tf.add(y, b) : y, [batch, rows, w.shape[1]!]);
}
