import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { InputDataError, Rng, writeFileAtomic } from '@twindb/core-tensors';
import {
  createBackbone,
  decodeSafetensors,
  encodeSafetensors,
  Linear,
  loadState,
  Module,
  onnxOps,
  readState,
  type BackboneName,
  type LoadReport,
  type ResNet18Variant,
  type SafetensorsEntry,
} from '@twindb/core-tensors/nn';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { ClusteringModel } from '../clustering-model.js';
import type { PretextRun } from './pretext-run.js';

export const CLUSTER_MODEL_FORMAT = 'twindb-cluster-model/1';

/** The image pipeline a clustering model was trained for (recorded in model.safetensors and classifier.onnx). */
export interface ImageSpec {
  backbone: BackboneName;
  variant?: ResNet18Variant;
  inChannels: number;
  /** One image's [height, width, channels]. */
  inputShape: [number, number, number];
  normalize: { mean: number[]; std: number[] };
  /** Decoding of the DB's images (image_size of the pretext run), as JSON. */
  imageSize?: number;
}

/**
 * A ClusteringModel with a fresh backbone and H heads, initialised from `rng` (heads as the
 * reference: Linear defaults); `featureNorm` adds the fixed feature standardisation in front of the heads.
 */
export function createClusteringModel(spec: Pick<ImageSpec, 'backbone' | 'variant' | 'inChannels'>, k: number, heads: number, rng: Rng, opts: { featureNorm?: boolean } = {}): ClusteringModel {
  const backbone = createBackbone(spec.backbone, { rng, inChannels: spec.inChannels, variant: spec.variant });
  return new ClusteringModel(backbone, { nclusters: k, nheads: heads, rng, featureNorm: opts.featureNorm });
}

/**
 * Weight hand-over pretext → SCAN (spec §4.8): the ContrastiveModel state is loaded into the
 * backbone; the only tensors left over must be the contrastive head, and the only ones missing the
 * cluster heads (which keep their fresh initialisation). Backbone weights and BN running statistics transfer.
 */
export function loadPretextBackbone(model: ClusteringModel, run: PretextRun): LoadReport {
  const unexpected = [...run.tensors.keys()].filter((n) => !n.startsWith('backbone.') && !n.startsWith('contrastive_head.'));
  if (unexpected.length) throw new InputDataError(`pretext: ${run.dir}/model.safetensors holds tensors that are neither backbone nor contrastive head: ${unexpected.slice(0, 5).join(', ')}`);
  return loadState(model.backbone, run.tensors, { source: `${run.dir}/model.safetensors`, prefix: 'backbone.' });
}

/** The reference's contrastive head (`mlp`: Linear–ReLU–Linear as `0`/`2`; `linear`), rebuilt from a state dict for mining. */
class ContrastiveProjection extends Module<tf.Tensor2D, tf.Tensor2D> {
  private readonly layers: Linear[];
  constructor(tensors: ReadonlyMap<string, SafetensorsEntry>, inFeatures: number) {
    super();
    const shape = (n: string) => tensors.get(`contrastive_head.${n}.weight`)?.shape;
    const rng = new Rng('unused');
    if (shape('0') && shape('2')) {
      this.layers = [this.addModule('0', new Linear(inFeatures, shape('0')![1], rng)), this.addModule('2', new Linear(shape('2')![0], shape('2')![1], rng))];
    } else if (tensors.get('contrastive_head.weight')) {
      // A linear head's tensors sit directly under `contrastive_head.`: a child named `_` holds them.
      const w = tensors.get('contrastive_head.weight')!.shape;
      this.layers = [this.addModule('_', new Linear(w[0], w[1], rng))];
    } else {
      throw new InputDataError('pretext: model.safetensors has no contrastive head (contrastive_head.0/2.* or contrastive_head.*)');
    }
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let y = this.layers[0].apply(x);
      if (this.layers.length === 2) y = this.layers[1].apply(tf.relu(y));
      return tf.div(y, tf.maximum(tf.norm(y, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
    });
  }
  load(tensors: ReadonlyMap<string, SafetensorsEntry>, source: string): void {
    const renamed = new Map<string, SafetensorsEntry>();
    for (const [n, t] of tensors) {
      if (!n.startsWith('contrastive_head.')) continue;
      const rest = n.slice('contrastive_head.'.length);
      renamed.set(this.layers.length === 1 ? `_.${rest}` : rest, t);
    }
    loadState(this, renamed, { source });
  }
}

/**
 * The pretext model's encoder (backbone → contrastive head → L2), as mining uses it (spec §8: the
 * L2-normalised SimCLR head output), in eval mode. Returns a function from an NHWC batch to embeddings.
 */
export function pretextEncoder(run: PretextRun): { embed(x: tf.Tensor4D): tf.Tensor2D; dim: number; dispose(): void } {
  const backbone = createBackbone(run.backbone, { rng: new Rng('pretext:encoder'), inChannels: run.inChannels, variant: run.variant });
  loadState(backbone, run.tensors, { source: `${run.dir}/model.safetensors`, prefix: 'backbone.' });
  const head = new ContrastiveProjection(run.tensors, backbone.featureDim);
  head.load(run.tensors, `${run.dir}/model.safetensors`);
  backbone.eval();
  const out = run.tensors.get('contrastive_head.2.weight') ?? run.tensors.get('contrastive_head.weight');
  return {
    embed: (x) => tf.tidy(() => head.apply(backbone.apply(x, { training: false }))),
    dim: out!.shape[1],
    dispose: () => {
      backbone.dispose();
      head.dispose();
    },
  };
}

/** Backbone + one head + softmax: the exported classifier (probabilities). */
class Classifier extends Module<tf.Tensor4D, tf.Tensor2D> {
  constructor(
    private readonly model: ClusteringModel,
    private readonly head: number,
  ) {
    super();
  }
  apply(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.model.clusterHead.heads[this.head].apply(this.model.headInput(this.model.backbone.apply(x, { training: false })))));
  }
}

export const CLASSIFIER_INPUT = 'images';
export const CLASSIFIER_OUTPUT = 'probabilities';

/**
 * `classifier.onnx`: backbone + head `head` + softmax, NHWC float32 input like encoder.onnx (batch
 * norm with running statistics), output `probabilities` [batch, K]; `twindb.*` metadata says what
 * the input must look like (input_shape, normalize_mean/std) and num_classes.
 */
export function classifierToOnnx(model: ClusteringModel, head: number, spec: ImageSpec, metadata: Record<string, string> = {}): Uint8Array {
  const [h, w, c] = spec.inputShape;
  const g = new OnnxGraphBuilder(`scan-${spec.backbone}`);
  const raw = model.backbone.toOnnx(g, onnxOps.nhwcToNchw(g, g.input(CLASSIFIER_INPUT, ['batch', h, w, c])));
  const features = model.featureNorm ? model.featureNorm.toOnnx(g, raw) : raw;
  const logits = model.clusterHead.heads[head].toOnnx(g, features);
  g.node('Softmax', [logits], { axis: 1 }, CLASSIFIER_OUTPUT);
  g.output(CLASSIFIER_OUTPUT, ['batch', model.nclusters]);
  return g.toBytes({
    'twindb.layout': 'NHWC',
    'twindb.input_shape': JSON.stringify([h, w, c]),
    'twindb.encoder': `scan-${spec.backbone}`,
    'twindb.output': 'probabilities',
    'twindb.num_classes': String(model.nclusters),
    'twindb.normalize_mean': JSON.stringify(spec.normalize.mean),
    'twindb.normalize_std': JSON.stringify(spec.normalize.std),
    ...metadata,
  });
}

/** Probabilities of the exported classifier computed in tfjs (the parity reference). */
export function classifierProbabilities(model: ClusteringModel, head: number, x: tf.Tensor4D): tf.Tensor2D {
  return new Classifier(model, head).apply(x);
}

/**
 * `model.safetensors` of an image-mode run: the backbone and the kept head as head 0
 * (`backbone.*`, `cluster_head.0.*`, spec §4.8's SCAN → self-label hand-over done at write time),
 * with the image pipeline in the metadata.
 */
export async function writeClusterModel(file: string, model: ClusteringModel, head: number, spec: ImageSpec, metadata: Record<string, string>): Promise<void> {
  const t = readState(model.backbone, 'backbone.');
  if (model.featureNorm) for (const [n, e] of readState(model.featureNorm, 'feature_norm.')) t.set(n, e);
  for (const [n, e] of readState(model.clusterHead.heads[head], 'cluster_head.0.')) t.set(n, e);
  const meta = {
    ...metadata,
    format: CLUSTER_MODEL_FORMAT,
    layout: 'tfjs (linear [in,out], conv HWIO)',
    num_classes: String(model.nclusters),
    image_spec: JSON.stringify(spec),
  };
  await writeFileAtomic(file, encodeSafetensors(t, meta));
}

export interface ClusterModelFile {
  tensors: Map<string, SafetensorsEntry>;
  spec: ImageSpec;
  numClasses: number;
  /** The model standardises backbone features in front of its head (`feature_norm.*` tensors). */
  featureNorm: boolean;
  metadata: Record<string, string>;
}

/** Reads an image-mode `model.safetensors`; problems are InputDataErrors naming `key`. */
export async function readClusterModel(file: string, key: string): Promise<ClusterModelFile> {
  let decoded;
  try {
    decoded = decodeSafetensors(await readFile(file), file);
  } catch (err) {
    throw new InputDataError(`${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== CLUSTER_MODEL_FORMAT) {
    throw new InputDataError(`${key}: ${file} is not an image-mode clustering model (format "${metadata.format ?? '(none)'}", expected "${CLUSTER_MODEL_FORMAT}"); run \`twindb scan\` in image mode first`);
  }
  return { tensors, spec: JSON.parse(metadata.image_spec) as ImageSpec, numClasses: Number(metadata.num_classes), featureNorm: tensors.has('feature_norm.mean'), metadata };
}

/** The safetensors format tag of a file, or undefined when it has none / cannot be read. */
export async function modelFormat(file: string): Promise<string | undefined> {
  try {
    return decodeSafetensors(await readFile(file), file).metadata.format;
  } catch {
    return undefined;
  }
}
