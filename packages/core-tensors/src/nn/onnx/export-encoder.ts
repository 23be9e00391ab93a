import type * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../run/atomic-file.js';
import type { Module } from '../backbones/module.js';
import { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { l2Normalize, nhwcToNchw } from './onnx-ops.js';

export interface EncoderOnnxOptions {
  /** One image's [height, width, channels]; the batch dimension stays symbolic. */
  inputShape: [number, number, number];
  /** Encoder name, recorded in the metadata and, by extraction, in every feature file. */
  name?: string;
  /** Append row-wise L2 normalisation to the output (default true: what kNN sampling uses). */
  l2Normalize?: boolean;
  /** The pixel normalisation the caller must apply to [0, 1] RGB input, recorded in the metadata. */
  normalize?: { mean: number[]; std: number[] };
  /** Output dimension, when the model does not expose `featureDim` / `featuresDim`. */
  dim?: number;
  /** Extra metadata entries. */
  metadata?: Record<string, string>;
}

/** Names of the exported graph's input and output. */
export const ONNX_INPUT = 'images';
export const ONNX_OUTPUT = 'embedding';

/**
 * The inference graph of an encoder (a backbone, or backbone + head) as ONNX bytes. Input is NHWC
 * float32 like the tfjs model's (transposed to NCHW inside the graph), batch-norm uses the running
 * statistics, and the metadata says what the input must look like:
 * `twindb.layout`, `twindb.input_shape`, `twindb.normalize_mean/std`, `twindb.encoder`, `twindb.dim`,
 * `twindb.normalized`.
 */
export function encoderToOnnx(model: Module<tf.Tensor4D, tf.Tensor2D>, opts: EncoderOnnxOptions): Uint8Array {
  const [h, w, c] = opts.inputShape;
  const normalized = opts.l2Normalize ?? true;
  const g = new OnnxGraphBuilder(opts.name ?? 'twindb-encoder');
  let x = model.toOnnx(g, nhwcToNchw(g, g.input(ONNX_INPUT, ['batch', h, w, c])));
  if (normalized) x = l2Normalize(g, x);
  g.node('Identity', [x], {}, ONNX_OUTPUT);
  const shape = model as { featureDim?: number; featuresDim?: number };
  const dim = opts.dim ?? shape.featuresDim ?? shape.featureDim;
  g.output(ONNX_OUTPUT, ['batch', dim ?? 'dim']);
  const metadata: Record<string, string> = {
    'twindb.layout': 'NHWC',
    'twindb.input_shape': JSON.stringify([h, w, c]),
    'twindb.encoder': opts.name ?? model.constructor.name,
    'twindb.normalized': String(normalized),
    ...(dim ? { 'twindb.dim': String(dim) } : {}),
    ...(opts.normalize
      ? { 'twindb.normalize_mean': JSON.stringify(opts.normalize.mean), 'twindb.normalize_std': JSON.stringify(opts.normalize.std) }
      : {}),
    ...opts.metadata,
  };
  return g.toBytes(metadata);
}

/** Writes `encoder.onnx` (or any path) through a temp name, so a crash never leaves a partial model. */
export async function writeEncoderOnnx(path: string, model: Module<tf.Tensor4D, tf.Tensor2D>, opts: EncoderOnnxOptions): Promise<void> {
  await writeFileAtomic(path, encoderToOnnx(model, opts));
}
