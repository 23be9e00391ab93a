import { saveModelWeights, writeEncoderOnnx } from '@twindb/core-tensors/nn';
import type { ContrastiveModel } from '../contrastive-model.js';
import type { PretextConfig } from '../pretext-config.js';

/**
 * Phase "export", once every epoch is done: the final weights (`model.safetensors`) and the encoder
 * (backbone + head + L2) as ONNX with its input size and pixel normalisation in `twindb.*` metadata,
 * which `twindb extract` reads.
 */
export async function exportRun(x: {
  model: ContrastiveModel;
  config: PretextConfig;
  modelPath: string;
  onnxPath: string;
  configHash: string;
  inChannels: number;
}): Promise<void> {
  const c = x.config;
  await saveModelWeights(x.modelPath, x.model, { epochs: String(c.epochs), config_hash: x.configHash });
  const crop = c.transformation_kwargs.crop_size;
  await writeEncoderOnnx(x.onnxPath, x.model, {
    inputShape: [crop, crop, x.inChannels],
    name: `simclr-${c.backbone}`,
    l2Normalize: false, // the contrastive model's graph already ends in L2 normalisation
    normalize: c.transformation_kwargs.normalize,
    metadata: { 'twindb.config_hash': x.configHash },
  });
}
