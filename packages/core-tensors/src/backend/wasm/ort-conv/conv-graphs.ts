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
 *
 * Each kind also has an 'im2col' form that stays NHWC: the kh·kw strided taps of the input are
 * concatenated on the channel axis into one [pixels, kh·kw·c] patch matrix and the whole batch is
 * one GEMM with the HWIO filter read as [kh·kw·ci, co]. ORT's Conv runs one small GEMM per image
 * plus transposes; on small feature maps the single GEMM wins (7×7×64→128, batch 512: forward
 * 128 → 60 ms, input gradient 134 → 71 ms), on mid-sized ones it loses (16×16×128, batch 256:
 * forward 205 → 268 ms), so ort-conv times both on first use of a shape and keeps the faster.
 */
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import type { ConvGeometry } from './conv-geometry.js';

export type ConvGraphKind = 'forward' | 'filter-grad' | 'input-grad';

/** How a graph computes its convolution: ORT's Conv/ConvTranspose (or per-tap Gemms), or one GEMM. */
export type ConvGraphMethod = 'direct' | 'im2col';

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

/** The methods that can compute `kind` for `g` (the im2col input gradient needs stride 1). */
export function convGraphMethods(kind: ConvGraphKind, g: ConvGeometry): ConvGraphMethod[] {
  return kind === 'input-grad' && !asForwardConv(g) ? ['direct'] : ['direct', 'im2col'];
}

export function convGraph(kind: ConvGraphKind, g: ConvGeometry, method: ConvGraphMethod = 'direct'): Uint8Array {
  if (!convGraphMethods(kind, g).includes(method)) throw new Error(`conv graph: no ${method} ${kind} graph for a strided or wide-padded layer`);
  const b = new OnnxGraphBuilder(`twindb-conv-${kind}-${method}`, 13);
  if (method === 'im2col') {
    if (kind === 'forward') forwardIm2colGraph(b, g);
    else if (kind === 'input-grad') inputGradIm2colGraph(b, g);
    else filterGradIm2colGraph(b, g);
  } else if (kind === 'forward') forwardGraph(b, g);
  else if (kind === 'input-grad') inputGradGraph(b, g);
  else filterGradGraph(b, g);
  return b.toBytes();
}

/** What the taps of a (possibly padded, strided, dilated) window read: an NHWC value of `shape`. */
type PatchSpec = { shape: number[] } & Pick<
  ConvGeometry,
  'kh' | 'kw' | 'sh' | 'sw' | 'dh' | 'dw' | 'ho' | 'wo' | 'padTop' | 'padBottom' | 'padLeft' | 'padRight'
>;

/** The kh·kw strided [n, ho, wo, c] views of `x` (padded first), one per kernel tap in HWIO order. */
function tapSlices(b: OnnxGraphBuilder, x: string, p: PatchSpec): string[] {
  let xp = x;
  if (p.padTop || p.padLeft || p.padBottom || p.padRight) {
    xp = b.node('Pad', [x, b.int64Initializer('pads', [0, p.padTop, p.padLeft, 0, 0, p.padBottom, p.padRight, 0])]);
  }
  const axes = b.int64Initializer('axes', [1, 2]);
  const steps = b.int64Initializer('steps', [p.sh, p.sw]);
  const taps: string[] = [];
  for (let a = 0; a < p.kh; a++) {
    for (let d = 0; d < p.kw; d++) {
      const starts = b.int64Initializer('starts', [a * p.dh, d * p.dw]);
      const ends = b.int64Initializer('ends', [a * p.dh + (p.ho - 1) * p.sh + 1, d * p.dw + (p.wo - 1) * p.sw + 1]);
      taps.push(b.node('Slice', [xp, starts, ends, axes, steps]));
    }
  }
  return taps;
}

/** [n·ho·wo, kh·kw·c] patch matrix of an NHWC value, taps in HWIO order (row-major over the kernel). */
function patches(b: OnnxGraphBuilder, x: string, p: PatchSpec): string {
  const [n, , , c] = p.shape;
  const taps = tapSlices(b, x, p);
  const cat = taps.length === 1 ? taps[0] : b.node('Concat', taps, { axis: 3 });
  return b.node('Reshape', [cat, b.int64Initializer('shape', [n * p.ho * p.wo, p.kh * p.kw * c])]);
}

const forwardPatches = (g: ConvGeometry): PatchSpec => ({ ...g, shape: xShape(g) });

function forwardIm2colGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('x', xShape(g));
  b.input('filter', filterShape(g));
  const w2d = b.node('Reshape', ['filter', b.int64Initializer('shape', [g.kh * g.kw * g.ci, g.co])]);
  const y2d = b.node('MatMul', [patches(b, 'x', forwardPatches(g)), w2d]);
  b.node('Reshape', [y2d, b.int64Initializer('shape', dyShape(g))], {}, 'y');
  b.output('y', dyShape(g));
}

function filterGradIm2colGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('x', xShape(g));
  b.input('dy', dyShape(g));
  const dy2d = b.node('Reshape', ['dy', b.int64Initializer('shape', [g.n * g.ho * g.wo, g.co])]);
  const dw2d = b.node('Gemm', [patches(b, 'x', forwardPatches(g)), dy2d], { transA: 1 });
  b.node('Reshape', [dw2d, b.int64Initializer('shape', filterShape(g))], {}, 'dw');
  b.output('dw', filterShape(g));
}

/** Stride 1: dx = patches of dy (padded by k − 1 − p) × the flipped filter read as [kh·kw·co, ci]. */
function inputGradIm2colGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('dy', dyShape(g));
  b.input('filter', filterShape(g));
  const flip = [b.int64Initializer('starts', [-1, -1]), b.int64Initializer('ends', [-(2 ** 53), -(2 ** 53)])];
  const flipped = b.node('Slice', ['filter', ...flip, b.int64Initializer('axes', [0, 1]), b.int64Initializer('steps', [-1, -1])]);
  const swapped = b.node('Transpose', [flipped], { perm: [0, 1, 3, 2] });
  const w2d = b.node('Reshape', [swapped, b.int64Initializer('shape', [g.kh * g.kw * g.co, g.ci])]);
  const spec: PatchSpec = {
    shape: dyShape(g),
    padTop: g.kh - 1 - g.padTop,
    padLeft: g.kw - 1 - g.padLeft,
    padBottom: g.kh - 1 - g.padBottom,
    padRight: g.kw - 1 - g.padRight,
    kh: g.kh, kw: g.kw, sh: 1, sw: 1, dh: 1, dw: 1, ho: g.h, wo: g.w,
  };
  const dx2d = b.node('MatMul', [patches(b, 'dy', spec), w2d]);
  b.node('Reshape', [dx2d, b.int64Initializer('shape', xShape(g))], {}, 'dx');
  b.output('dx', xShape(g));
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
  const pixels = g.n * g.ho * g.wo;
  const dy2d = b.node('Reshape', ['dy', b.int64Initializer('shape', [pixels, g.co])]);
  const tapShape = b.int64Initializer('shape', [pixels, g.ci]);
  // One Gemm per tap rather than one over the concatenated patch matrix (the im2col form): the
  // intermediates are one shifted copy of x instead of kh·kw of them (peak RSS 9.2 → 6.5 GB).
  const grads = tapSlices(b, 'x', forwardPatches(g)).map((tap) => b.node('Gemm', [b.node('Reshape', [tap, tapShape]), dy2d], { transA: 1 }));
  const dw2d = grads.length === 1 ? grads[0] : b.node('Concat', grads, { axis: 0 });
  b.node('Reshape', [dw2d, b.int64Initializer('shape', filterShape(g))], {}, 'dw');
  b.output('dw', filterShape(g));
}
