/**
 * ONNX Runtime's NCHWc convolutions (the `com.microsoft.nchwc` ops: ReorderInput, Conv,
 * ReorderOutput), used directly by the conv graphs' 'nchwc' form.
 *
 * Why: ORT only rewrites a Conv into its blocked NCHWc kernel (MLAS's direct convolution, its
 * fastest on x86) when the weights are constant initializers; ours are graph inputs (they change
 * every step), so the 'direct' form runs the generic im2col + GEMM per image between two
 * NHWC↔NCHW transposes. Written out by hand, the blocked form reads NHWC itself (ReorderInput
 * with channels_last) and the weights are reordered in the graph (a few MB per layer). Measured on
 * ResNet-18 CIFAR forward layers, batch 128, 2 threads, CPU ms direct → nchwc: 32×32×64 254 → 202,
 * 16×16×128 203 → 163, 8×8×256 275 → 125, 32×32×64→128 s2 161 → 116, 16×16×128→256 s2 185 → 87.
 */
import onnxProto from 'onnx-proto';
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import { OrtSyncSession } from '../../ort/ort-sync-session.js';

const { onnx } = onnxProto;

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/** The op type conv-graphs writes for the blocked Conv; {@link withNchwcDomain} renames it. */
export const NCHWC_CONV = 'NchwcConv';
const NCHWC_OPS = new Set(['ReorderInput', 'ReorderOutput', NCHWC_CONV]);

let blockSize: number | undefined;

/**
 * The channel block of this machine's NCHWc kernels (8 with AVX2, 16 with AVX-512), or 0 when ORT
 * has none (MLAS builds without NCHWc, e.g. some ARM ones). Probed once: ReorderInput pads 4
 * channels up to one block, so its output length is the block size.
 */
export function nchwcBlockSize(): number {
  if (blockSize !== undefined) return blockSize;
  try {
    const b = new OnnxGraphBuilder('twindb-nchwc-probe', 13);
    b.input('x', [1, 1, 1, 4]);
    b.node('ReorderInput', ['x'], { channels_last: 1 }, 'y');
    b.output('y', [1, 'block', 1, 1]);
    const session = new OrtSyncSession(withNchwcDomain(b.toBytes()), { threads: 1 });
    try {
      const y = session.run({ x: { data: new Float32Array(4), dims: [1, 1, 1, 4] } }, ['y']).y;
      blockSize = y.length >= 4 ? y.length : 0;
    } finally {
      session.dispose();
    }
  } catch {
    blockSize = 0;
  }
  return blockSize;
}

/** Whether a conv with these channel counts can run blocked: both whole blocks. */
export function nchwcFits(ci: number, co: number): boolean {
  const block = nchwcBlockSize();
  return block > 0 && ci % block === 0 && co % block === 0;
}

/** Moves the graph's NCHWc ops into their ONNX domain (the builder writes the default domain only). */
export function withNchwcDomain(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  for (const node of model.graph?.node ?? []) {
    if (!NCHWC_OPS.has(node.opType ?? '')) continue;
    if (node.opType === NCHWC_CONV) node.opType = 'Conv';
    node.domain = NCHWC_DOMAIN;
  }
  model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: NCHWC_DOMAIN, version: 1 }));
  return onnx.ModelProto.encode(model).finish();
}
