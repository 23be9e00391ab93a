import { type PretextConfig, parsePretextConfig } from '@twindb/pretext';

/**
 * A SimCLR config small enough for the plain-JS cpu backend: 64 MNIST digits resized to 12×12,
 * batches of 16, the digit augmentation, Adam. `overrides` replace top-level keys.
 */
export function tinyConfig(overrides: Record<string, unknown> = {}): PretextConfig {
  return parsePretextConfig({
    setup: 'simclr',
    backbone: 'small-cnn',
    model_kwargs: { head: 'mlp', features_dim: 16 },
    train_db: 'mnist:pool?n=64',
    val_db: 'mnist:heldout?n=40',
    criterion: 'simclr',
    criterion_kwargs: { temperature: 0.1 },
    epochs: 2,
    optimizer: 'adam',
    optimizer_kwargs: { lr: 0.001, weight_decay: 0.000001 },
    scheduler: 'cosine',
    scheduler_kwargs: { lr_decay_rate: 0.1 },
    batch_size: 16,
    num_workers: 2,
    image_size: 12,
    augmentation_strategy: 'digits',
    augmentation_kwargs: { random_resized_crop: { size: 12 } },
    transformation_kwargs: { crop_size: 12, normalize: { mean: [0.1307], std: [0.3081] } },
    seed: 3,
    knn: { every: 1, k: 5 },
    ...overrides,
  });
}
