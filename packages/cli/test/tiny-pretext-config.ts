/** A SimCLR config that trains in a second or two: the CLI tests' STEP 1. */
export const TINY_PRETEXT_CONFIG = `
setup: simclr
backbone: small-cnn
model_kwargs: {head: mlp, features_dim: 16}
train_db: mnist:pool?n=32
val_db: mnist:heldout?n=20
criterion: simclr
criterion_kwargs: {temperature: 0.1}
epochs: 1
optimizer: adam
optimizer_kwargs: {lr: 0.001}
scheduler: constant
batch_size: 16
image_size: 10
augmentation_strategy: digits
augmentation_kwargs: {random_resized_crop: {size: 10}}
transformation_kwargs: {crop_size: 10, normalize: {mean: [0.1307], std: [0.3081]}}
knn: {every: 1, k: 5}
`;
