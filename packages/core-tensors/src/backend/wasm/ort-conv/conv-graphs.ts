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
import type { ConvMethodChoiceOption } from '../../backend-options.js';
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import type { ConvGeometry } from './conv-geometry.js';
import { NCHWC_CONV, nchwcBlockSize, nchwcFits, withNchwcDomain } from './nchwc.js';

export type ConvGraphKind = 'forward' | 'filter-grad' | 'input-grad';

/**
 * How a graph computes its convolution: ORT's Conv/ConvTranspose (or per-tap Gemms), one GEMM, or
 * ORT's blocked NCHWc Conv (nchwc.ts; forward and input gradient, whole channel blocks).
 */
/** The forms written as one ORT graph: every method of the zod schema but `auto` and `tap-views` (two sessions). */
export type ConvGraphMethod = Exclude<ConvMethodChoiceOption, 'auto' | 'tap-views'>;

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

/** The methods that can compute `kind` for `g` (the im2col input gradient needs stride 1 or a 1×1 strided conv). */
export function convGraphMethods(kind: ConvGraphKind, g: ConvGeometry): ConvGraphMethod[] {
  if (kind === 'filter-grad') return ['direct', 'im2col'];
  const blocked = nchwcFits(g.ci, g.co) && (kind === 'forward' || nchwcInputGrad(g)) ? (['nchwc'] as const) : [];
  if (kind === 'input-grad' && !asForwardConv(g)) return pointwiseStrided(g) ? ['direct', 'im2col', ...blocked] : ['direct', ...blocked];
  return ['direct', 'im2col', ...blocked];
}

export function convGraph(kind: ConvGraphKind, g: ConvGeometry, method: ConvGraphMethod = 'direct'): Uint8Array {
  if (!convGraphMethods(kind, g).includes(method)) throw new Error(`conv graph: no ${method} ${kind} graph for a strided or wide-padded layer`);
  const b = new OnnxGraphBuilder(`twindb-conv-${kind}-${method}`, 13);
  if (method === 'nchwc') {
    if (kind === 'forward') forwardNchwcGraph(b, g);
    else inputGradNchwcGraph(b, g);
    return withNchwcDomain(b.toBytes());
  }
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

/**
 * A 1×1 convolution with stride s, no padding, whose input size is a multiple of s (the ResNet
 * shortcuts): every input pixel is read by at most one output pixel, so dx is dy·Wᵀ at the pixels
 * the stride hits and zero elsewhere.
 */
function pointwiseStrided(g: ConvGeometry): boolean {
  const pads = g.padTop + g.padBottom + g.padLeft + g.padRight;
  return g.kh === 1 && g.kw === 1 && pads === 0 && g.dh === 1 && g.dw === 1 && g.h === g.ho * g.sh && g.w === g.wo * g.sw;
}

/**
 * 1×1 strided input gradient: one GEMM dy [pixels, co] · Wᵀ, then each value placed at its pixel by
 * padding a unit axis after each spatial axis up to the stride. Per call at batch 128 (ms, XNNPACK /
 * ORT ConvTranspose / this): 32×32×64→128 24.4 / 134.5 / 14.0, 16×16×128→256 19.7 / 16.7 / 7.8,
 * 8×8×256→512 17.2 / 13.9 / 5.2.
 */
function inputGradPointwiseGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('dy', dyShape(g));
  b.input('filter', filterShape(g));
  const dy2d = b.node('Reshape', ['dy', b.int64Initializer('shape', [g.n * g.ho * g.wo, g.co])]);
  const w2d = b.node('Reshape', ['filter', b.int64Initializer('shape', [g.ci, g.co])]);
  const dx2d = b.node('Gemm', [dy2d, w2d], { transB: 1 });
  const sparse = b.node('Reshape', [dx2d, b.int64Initializer('shape', [g.n, g.ho, 1, g.wo, 1, g.ci])]);
  const spread = b.node('Pad', [sparse, b.int64Initializer('pads', [0, 0, 0, 0, 0, 0, 0, 0, g.sh - 1, 0, g.sw - 1, 0])]);
  b.node('Reshape', [spread, b.int64Initializer('shape', xShape(g))], {}, 'dx');
  b.output('dx', xShape(g));
}

/** Stride 1: dx = patches of dy (padded by k − 1 − p) × the flipped filter read as [kh·kw·co, ci]. */
function inputGradIm2colGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  if (!asForwardConv(g)) {
    inputGradPointwiseGraph(b, g);
    return;
  }
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

/**
 * An HWIO filter of `kh`×`kw` taps, `ci` in and `co` out channels, as NCHWc Conv weights: blocks
 * [out/B][in/B][kh][kw][B in][B out] (MLAS's OIHWBiBo order), given to the op as [out, in, kh, kw].
 * `swapInOut` makes the conv's input channels the filter's `co` (gradient convolutions).
 */
function nchwcFilter(b: OnnxGraphBuilder, filter: string, kh: number, kw: number, ci: number, co: number, swapInOut: boolean): string {
  const B = nchwcBlockSize();
  // Split each channel axis into (block, lane): [kh, kw, ci/B, B, co/B, B].
  const split = b.node('Reshape', [filter, b.int64Initializer('shape', [kh, kw, ci / B, B, co / B, B])]);
  // Axes 0 kh, 1 kw, 2 ci block, 3 ci lane, 4 co block, 5 co lane → [out block, in block, kh, kw, in lane, out lane].
  const perm = swapInOut ? [2, 4, 0, 1, 5, 3] : [4, 2, 0, 1, 3, 5];
  const blocked = b.node('Transpose', [split], { perm });
  return b.node('Reshape', [blocked, b.int64Initializer('shape', swapInOut ? [ci, co, kh, kw] : [co, ci, kh, kw])]);
}

/** Blocked conv of an NHWC value to an NHWC value; the reorders read and write channels-last. */
function nchwcConv(b: OnnxGraphBuilder, x: string, w: string, cout: number, attrs: Record<string, number[]>, output?: string): string {
  const xb = b.node('ReorderInput', [x], { channels_last: 1 });
  const yb = b.node(NCHWC_CONV, [xb, w], attrs);
  return b.node('ReorderOutput', [yb], { channels: cout, channels_last: 1 }, output);
}

/** `filter` (HWIO) flipped in both spatial axes. */
function flipSpatial(b: OnnxGraphBuilder, filter: string): string {
  const flip = [b.int64Initializer('starts', [-1, -1]), b.int64Initializer('ends', [-(2 ** 53), -(2 ** 53)])];
  return b.node('Slice', [filter, ...flip, b.int64Initializer('axes', [0, 1]), b.int64Initializer('steps', [-1, -1])]);
}

function forwardNchwcGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('x', xShape(g));
  b.input('filter', filterShape(g));
  const w = nchwcFilter(b, 'filter', g.kh, g.kw, g.ci, g.co, false);
  nchwcConv(b, 'x', w, g.co, { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], dilations: [g.dh, g.dw], pads: onnxPads(g) }, 'y');
  b.output('y', dyShape(g));
}

/**
 * One stride phase of a strided input gradient along an axis: the dx rows y = s·q + e
 * (q ∈ [0, size/s)) only see the taps a ≡ (e + p) mod s, a = r + s·t, and are a stride-1
 * correlation of dy with those taps flipped; output q reads dy rows q + m0 − (taps − 1) … q + m0.
 */
interface PhaseSpec {
  r: number;
  taps: number;
  padBefore: number;
  padAfter: number;
}

function stridePhase(e: number, size: number, outSize: number, k: number, s: number, p: number): PhaseSpec {
  const r = (e + p) % s;
  const taps = Math.max(0, Math.ceil((k - r) / s));
  const m0 = (e + p - r) / s;
  return { r, taps, padBefore: taps - 1 - m0, padAfter: m0 + size / s - outSize };
}

/** The phases of both axes when every one is a plain padded conv (no dilation, sizes divisible by the stride, pads ≥ 0). */
function stridePhases(g: ConvGeometry): { rows: PhaseSpec[]; cols: PhaseSpec[] } | undefined {
  if (g.dh !== 1 || g.dw !== 1 || g.h % g.sh !== 0 || g.w % g.sw !== 0) return undefined;
  const rows = Array.from({ length: g.sh }, (_, e) => stridePhase(e, g.h, g.ho, g.kh, g.sh, g.padTop));
  const cols = Array.from({ length: g.sw }, (_, e) => stridePhase(e, g.w, g.wo, g.kw, g.sw, g.padLeft));
  const plain = (ph: PhaseSpec) => ph.taps > 0 && ph.padBefore >= 0 && ph.padAfter >= 0 && ph.padBefore < ph.taps && ph.padAfter < ph.taps;
  return rows.every(plain) && cols.every(plain) ? { rows, cols } : undefined;
}

/** Whether the nchwc form can compute the input gradient: stride 1, or strides whose phases are all plain convs. */
function nchwcInputGrad(g: ConvGeometry): boolean {
  return asForwardConv(g) || stridePhases(g) !== undefined;
}

/**
 * dx = dy convolved with the filter flipped in space, in/out swapped, padded by k − 1 − p (stride 1);
 * for stride s, one such conv per phase (s² sub-filters, no multiply by an inserted zero), the
 * phases interleaved into dx.
 */
function inputGradNchwcGraph(b: OnnxGraphBuilder, g: ConvGeometry): void {
  b.input('dy', dyShape(g));
  b.input('filter', filterShape(g));
  if (asForwardConv(g)) {
    const w = nchwcFilter(b, flipSpatial(b, 'filter'), g.kh, g.kw, g.ci, g.co, true);
    const pads = [g.kh - 1 - g.padTop, g.kw - 1 - g.padLeft, g.kh - 1 - g.padBottom, g.kw - 1 - g.padRight];
    nchwcConv(b, 'dy', w, g.ci, { kernel_shape: [g.kh, g.kw], strides: [1, 1], dilations: [1, 1], pads }, 'dx');
    b.output('dx', xShape(g));
    return;
  }
  const { rows, cols } = stridePhases(g)!;
  const [hq, wq] = [g.h / g.sh, g.w / g.sw];
  const axes = b.int64Initializer('axes', [0, 1]);
  const rowBands = rows.map((rp) => {
    const band = cols.map((cp) => {
      const starts = b.int64Initializer('starts', [rp.r, cp.r]);
      const ends = b.int64Initializer('ends', [g.kh, g.kw]);
      const sub = b.node('Slice', ['filter', starts, ends, axes, b.int64Initializer('steps', [g.sh, g.sw])]);
      const w = nchwcFilter(b, flipSpatial(b, sub), rp.taps, cp.taps, g.ci, g.co, true);
      const pads = [rp.padBefore, cp.padBefore, rp.padAfter, cp.padAfter];
      const phase = nchwcConv(b, 'dy', w, g.ci, { kernel_shape: [rp.taps, cp.taps], strides: [1, 1], dilations: [1, 1], pads });
      return b.node('Reshape', [phase, b.int64Initializer('shape', [g.n, hq, wq, 1, g.ci])]);
    });
    // Columns x = s·q + e: the phases side by side on a new axis after q.
    const cat = band.length === 1 ? band[0] : b.node('Concat', band, { axis: 3 });
    return b.node('Reshape', [cat, b.int64Initializer('shape', [g.n, hq, 1, g.w, g.ci])]);
  });
  const cat = rowBands.length === 1 ? rowBands[0] : b.node('Concat', rowBands, { axis: 2 });
  b.node('Reshape', [cat, b.int64Initializer('shape', xShape(g))], {}, 'dx');
  b.output('dx', xShape(g));
}
