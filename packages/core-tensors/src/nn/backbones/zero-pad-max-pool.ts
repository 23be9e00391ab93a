import * as tf from '@tensorflow/tfjs-core';

/**
 * PyTorch's `MaxPool2d(size, stride, padding)` for input that follows a ReLU: pad `padding` zeros
 * on every side, then pool without padding. PyTorch pads with −∞, which equals zero padding here
 * because every input value is ≥ 0. TF's 'same' would pad only bottom/right and give other sizes
 * (48×48 instead of the STL net's 49×49).
 */
export function zeroPadMaxPool(x: tf.Tensor4D, size: number, stride: number, padding: number): tf.Tensor4D {
  const padded = padding === 0 ? x : tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]]);
  return tf.maxPool(padded, size, stride, 'valid');
}
