// Copy of packages/scan/test/image-fixture.ts: a package's tests stay inside its own rootDir (tsc), so the fixture cannot be imported across packages.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import { createBackbone, encodeSafetensors, readState, uniformTensor } from '@twindb/core-tensors/nn';

/** The pretext run's image pipeline: 10×10 MNIST crops, so small-cnn trains in well under a second per epoch. */
export const TINY_TRANSFORM = { crop_size: 10, normalize: { mean: [0.1307], std: [0.3081] } };
export const TINY_AUGMENT = { augmentation_strategy: 'digits', augmentation_kwargs: { random_resized_crop: { size: 10 } } };

/**
 * A `twindb pretext` run folder without training: small-cnn and an mlp head (16-d) from a seeded
 * init, written as the pretext step writes them (model.safetensors with `backbone.*` and
 * `contrastive_head.{0,2}.*`, config.json).
 */
export function writeTinyPretextRun(dir: string, opts: { backbone?: string } = {}): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng('fixture:pretext');
  const backbone = createBackbone('small-cnn', { rng, inChannels: 1 });
  const tensors = readState(backbone, 'backbone.');
  const d = backbone.featureDim;
  const head = (name: string, shape: number[]) => {
    const t = uniformTensor(shape, 1 / Math.sqrt(shape[0]), rng);
    tensors.set(`contrastive_head.${name}`, { dtype: 'F32', shape, data: t.dataSync() as Float32Array });
    t.dispose();
  };
  head('0.weight', [d, d]);
  head('0.bias', [d]);
  head('2.weight', [d, 16]);
  head('2.bias', [16]);
  backbone.dispose();
  writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(tensors, { epochs: '1' }));
  const config = {
    setup: 'simclr',
    backbone: opts.backbone ?? 'small-cnn',
    model_kwargs: { head: 'mlp', features_dim: 16 },
    image_size: 10,
    transformation_kwargs: TINY_TRANSFORM,
    ...TINY_AUGMENT,
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/** An image-mode SCAN config on 200 digits 0/1 (val: 100 heldout digits 0/1). */
export function tinyImageScanConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    setup: 'scan',
    mode: 'image',
    backbone: 'small-cnn',
    train_db: 'mnist:pool?classes=0-1&n=200',
    val_db: 'mnist:heldout?classes=0-1&n=100',
    num_classes: 2,
    num_heads: 2,
    num_neighbors: 5,
    criterion: 'scan',
    criterion_kwargs: { entropy_weight: 5 },
    epochs: 6,
    batch_size: 32,
    optimizer: 'adam',
    optimizer_kwargs: { lr: 0.003, weight_decay: 0.0001 },
    scheduler: 'constant',
    update_cluster_head_only: false,
    transformation_kwargs: TINY_TRANSFORM,
    ...TINY_AUGMENT,
    ...over,
  };
}
