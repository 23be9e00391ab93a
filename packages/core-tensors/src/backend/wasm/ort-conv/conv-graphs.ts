/**
 * ONNX graphs for one convolution layer's forward pass and its two gradients, on NHWC tensors
 * and HWIO filters as tfjs holds them. ONNX Runtime's Conv is NCHW, so the graphs transpose at the
 * edges (native, multi-threaded, cheap next to the convolution).
 *
 * - forward: Conv.
 * - input gradient: for stride 1 a Conv of dy with the flipped, channel-swapped filter; otherwise
 *   ConvTranspose with the forward's strides and pads, where `output_padding` restores the rows a
 *   strided forward pass dropped ((H + pads − k) mod s).
 * - filter gradient: ONNX has no such op. dW[a,b] = x_abᵀ · dy over all output pixels, where x_ab
 *   is x (padded) read at tap (a,b) with the stride: one strided Slice and one Gemm (transA) per
 *   tap, concatenated. ORT's Gemm blocks the long pixel axis itself, which XNNPACK's did not.
 */
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import type { ConvGeometry } from './conv-geometry.js';

export type ConvGraphKind = 'forward' | 'filter-grad' | 'input-grad';

/** Input and output names shared by the graphs and their callers. */
export const CONV_GRAPH_IO = {
  forward: { inputs: ['x', 'filter'], output: 'y' },
  'filter-grad': { inputs: ['x', 'dy'], output: 'dw' },
  'input-grad': { inputs: ['dy', 'filter'], output: 'dx' },
} as const;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
const HWIO_TO_OIHW = [3, 2, 0, 1];
const HWIO_TO_IOHW = [2, 3, 0, 1];

/** Whether the input gradient can be a plain stride-1 convolution (pads within the kernel). */
function asForwardConv(g: ConvGeometry): boolean {
  const unit = g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
  return unit && Math.max(g.padTop, g.padBottom) < g.kh && Math.max(g.padLeft, g.padRight) < g.kw;
}

/** Rows a strided pass leaves unread at the bottom/right; ConvTranspose must add them back. */
function droppedTail(size: number, padBefore: number, padAfter: number, k: number, s: number, d: number): number {
  return (size + padBefore + padAfter - ((k - 1) * d + 1)) % s;
}

export function convGraph(kind: ConvGraphKind, g: ConvGeometry): Uint8Array {
  const b = new OnnxGraphBuilder(`twindb-conv-${kind}`, 13);
  if (kind === 'forward') forwardGraph(b, g);
  else if (kind === 'input-grad') inputGradGraph(b, g);
  else filterGradGraph(b, g);
  return b.toBytes();
}

const xShape = (g: ConvGeometry) => [g.n, g.h, g.w, g.ci];
const dyShape = (g: ConvGeometry) => [g.n, g.ho, g.wo, g.co];
const filterShape = (g: ConvGeometry) => [g.kh, g.kw, g.ci, g.co];
const onnxPads = (g: ConvGeometry) => [g.padTop, g.padLeft, g.padBottom, g.padRight];

function forwardGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('x', xShape(g));
  b.input('filter', filterShape(g));
  const xc = b.node('Transpose', ['x'], { perm: NHWC_TO_NCHW });
  const wc = b.node('Transpose', ['filter'], { perm: HWIO_TO_OIHW });
  const yc = b.node('Conv', [xc, wc], {
    kernel_shape: [g.kh, g.kw],
    strides: [g.sh, g.sw],
    dilations: [g.dh, g.dw],
    pads: onnxPads(g),
  });
  b.node('Transpose', [yc], { perm: NCHW_TO_NHWC }, 'y');
  b.output('y', dyShape(g));
}

function inputGradGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('dy', dyShape(g));
  b.input('filter', filterShape(g));
  const dyc = b.node('Transpose', ['dy'], { perm: NHWC_TO_NCHW });
  let dxc: string;
  if (asForwardConv(g)) {
    // Stride 1: dx is dy convolved with the filter flipped in space, in/out channels swapped,
    // padded by k − 1 − p. ORT's Conv is faster than its ConvTranspose (col2im) on these.
    const swapped = b.node('Transpose', ['filter'], { perm: HWIO_TO_IOHW });
    const flip = [b.int64Initializer('starts', [-1, -1]), b.int64Initializer('ends', [-(2 ** 53), -(2 ** 53)])];
    const flipped = b.node('Slice', [swapped, ...flip, b.int64Initializer('axes', [2, 3]), b.int64Initializer('steps', [-1, -1])]);
    dxc = b.node('Conv', [dyc, flipped], {
      kernel_shape: [g.kh, g.kw],
      pads: [g.kh - 1 - g.padTop, g.kw - 1 - g.padLeft, g.kh - 1 - g.padBottom, g.kw - 1 - g.padRight],
    });
  } else {
    // ConvTranspose weights are [C_in of the transpose = co, ci, kh, kw]: the forward OIHW filter.
    const wc = b.node('Transpose', ['filter'], { perm: HWIO_TO_OIHW });
    dxc = b.node('ConvTranspose', [dyc, wc], {
      kernel_shape: [g.kh, g.kw],
      strides: [g.sh, g.sw],
      dilations: [g.dh, g.dw],
      pads: onnxPads(g),
      output_padding: [
        droppedTail(g.h, g.padTop, g.padBottom, g.kh, g.sh, g.dh),
        droppedTail(g.w, g.padLeft, g.padRight, g.kw, g.sw, g.dw),
      ],
    });
  }
  b.node('Transpose', [dxc], { perm: NCHW_TO_NHWC }, 'dx');
  b.output('dx', xShape(g));
}

function filterGradGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('x', xShape(g));
  b.input('dy', dyShape(g));
  let xp = 'x';
  if (onnxPads(g).some((p) => p !== 0)) {
    const padSpec = b.int64Initializer('pads', [0, g.padTop, g.padLeft, 0, 0, g.padBottom, g.padRight, 0]);
    xp = b.node('Pad', ['x', padSpec]);
  }
  const axes = b.int64Initializer('axes', [1, 2]);
  const steps = b.int64Initializer('steps', [g.sh, g.sw]);
  const pixels = g.n * g.ho * g.wo;
  const dy2d = b.node('Reshape', ['dy', b.int64Initializer('shape', [pixels, g.co])]);
  const tapShape = b.int64Initializer('shape', [pixels, g.ci]);
  // One Gemm per tap rather than one over the concatenated patch matrix: as fast here, and the
  // intermediates are one shifted copy of x instead of kh·kw of them (peak RSS 9.2 → 6.5 GB).
  const grads: string[] = [];
  for (let a = 0; a < g.kh; a++) {
    for (let c = 0; c < g.kw; c++) {
      const y0 = a * g.dh;
      const x0 = c * g.dw;
      const starts = b.int64Initializer('starts', [y0, x0]);
      const ends = b.int64Initializer('ends', [y0 + (g.ho - 1) * g.sh + 1, x0 + (g.wo - 1) * g.sw + 1]);
      const tap = b.node('Slice', [xp, starts, ends, axes, steps]);
      grads.push(b.node('Gemm', [b.node('Reshape', [tap, tapShape]), dy2d], { transA: 1 }));
    }
  }
  const dw2d = grads.length === 1 ? grads[0] : b.node('Concat', grads, { axis: 0 });
  b.node('Reshape', [dw2d, b.int64Initializer('shape', filterShape(g))], {}, 'dw');
  b.output('dw', filterShape(g));
}
