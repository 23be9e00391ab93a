import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';

/**
 * Emitters for the layers twindb encoders use, taking tfjs-layout (NHWC, HWIO) weights and
 * producing ONNX (NCHW, OIHW) nodes. Each returns the name of its output value.
 */

/** NHWC input → NCHW, so the exported model takes the same layout as the tfjs model. */
export function nhwcToNchw(g: OnnxGraphBuilder, x: string): string {
  return g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
}

/** HWIO [kh, kw, in, out] → OIHW [out, in, kh, kw]. */
export function hwioToOihw(kernel: Float32Array, shape: [number, number, number, number]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
  return out;
}

export interface ConvSpec {
  kernel: Float32Array;
  /** HWIO shape. */
  shape: [number, number, number, number];
  bias?: Float32Array;
  stride: number;
  /** Explicit padding [top, left, bottom, right]. */
  pads: [number, number, number, number];
}

export function conv(g: OnnxGraphBuilder, x: string, spec: ConvSpec): string {
  const [kh, kw, cin, cout] = spec.shape;
  const w = g.initializer('conv_w', hwioToOihw(spec.kernel, spec.shape), [cout, cin, kh, kw]);
  const inputs = [x, w];
  if (spec.bias) inputs.push(g.initializer('conv_b', spec.bias, [cout]));
  return g.node('Conv', inputs, {
    kernel_shape: [kh, kw],
    strides: [spec.stride, spec.stride],
    pads: spec.pads,
    dilations: [1, 1],
    group: 1,
  });
}

export interface BatchNormSpec {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/** Inference-mode batch norm over the channel axis (running statistics). */
export function batchNorm(g: OnnxGraphBuilder, x: string, bn: BatchNormSpec): string {
  const c = bn.gamma.length;
  return g.node(
    'BatchNormalization',
    [x, g.initializer('bn_gamma', bn.gamma, [c]), g.initializer('bn_beta', bn.beta, [c]), g.initializer('bn_mean', bn.mean, [c]), g.initializer('bn_var', bn.variance, [c])],
    { epsilon: { float: bn.epsilon } },
  );
}

export function relu(g: OnnxGraphBuilder, x: string): string {
  return g.node('Relu', [x]);
}

export function add(g: OnnxGraphBuilder, a: string, b: string): string {
  return g.node('Add', [a, b]);
}

export function maxPool(g: OnnxGraphBuilder, x: string, size: number, stride: number, pads: [number, number, number, number] = [0, 0, 0, 0]): string {
  return g.node('MaxPool', [x], { kernel_shape: [size, size], strides: [stride, stride], pads });
}

/** Average pool without padding (so `count_include_pad` cannot matter), as PyTorch's `AvgPool2d(size, stride)`. */
export function averagePool(g: OnnxGraphBuilder, x: string, size: number, stride: number): string {
  return g.node('AveragePool', [x], { kernel_shape: [size, size], strides: [stride, stride], pads: [0, 0, 0, 0] });
}

/** [N, C, H, W] → [N, C·H·W], as PyTorch's `torch.flatten(x, 1)`. */
export function flatten(g: OnnxGraphBuilder, x: string): string {
  return g.node('Flatten', [x], { axis: 1 });
}

/** Global average pool + flatten: [N, C, H, W] → [N, C]. */
export function globalAveragePool(g: OnnxGraphBuilder, x: string): string {
  return g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
}

/** Dense layer with tfjs weight layout [in, out]. */
export function dense(g: OnnxGraphBuilder, x: string, weight: Float32Array, shape: [number, number], bias?: Float32Array): string {
  const [nin, nout] = shape;
  const inputs = [x, g.initializer('dense_w', weight, [nin, nout])];
  if (bias) inputs.push(g.initializer('dense_b', bias, [nout]));
  return g.node('Gemm', inputs, { transB: 0 });
}

/** Row-wise L2 normalisation with the reference's 1e-12 floor (zero rows stay zero, never NaN). */
export function l2Normalize(g: OnnxGraphBuilder, x: string): string {
  const norm = g.node('ReduceL2', [x], { axes: [1], keepdims: 1 });
  const floor = g.initializer('eps', new Float32Array([1e-12]), []);
  return g.node('Div', [x, g.node('Max', [norm, floor])]);
}
