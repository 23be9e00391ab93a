import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputDataError, UsageError } from '@twindb/core-tensors';
import type { ImageFormat } from '@twindb/core-tensors/data';
import { decodeSafetensors, defaultInChannels, type BackboneName, type ResNet18Variant, type SafetensorsEntry } from '@twindb/core-tensors/nn';

/** What image mode needs from a `twindb pretext` run folder (model.safetensors + config.json). */
export interface PretextRun {
  dir: string;
  /** The run's ContrastiveModel state dict (`backbone.*`, `contrastive_head.*`). */
  tensors: Map<string, SafetensorsEntry>;
  /** sha256 (16 hex) of model.safetensors: part of the checkpoint identity. */
  digest: string;
  backbone: BackboneName;
  variant?: ResNet18Variant;
  inChannels: number;
  /** How the run's images were decoded (channels, optional fixed size). */
  format: ImageFormat;
  /** The run's pretext config (augmentation and transformation kwargs are image mode's defaults). */
  config: Record<string, unknown>;
}

/**
 * Reads a pretext run folder for image mode and checks that its backbone is the one the step's
 * config names (a mismatch is a UsageError naming both).
 */
export function readPretextRun(dir: string, backbone: string, key = 'pretext'): PretextRun {
  const modelFile = path.join(dir, 'model.safetensors');
  const configFile = path.join(dir, 'config.json');
  for (const f of [modelFile, configFile]) {
    if (!existsSync(f)) throw new InputDataError(`${key}: ${dir} is not a finished \`twindb pretext\` run (no ${path.basename(f)} in it)`);
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputDataError(`${key}: ${configFile} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const runBackbone = String(config.backbone ?? '');
  if (runBackbone !== backbone) {
    throw new UsageError(`backbone "${backbone}" of the config differs from backbone "${runBackbone}" of the pretext run ${configFile}; image mode fine-tunes the pretext backbone, so both must name the same one`);
  }
  const bytes = readFileSync(modelFile);
  let tensors: Map<string, SafetensorsEntry>;
  try {
    tensors = decodeSafetensors(bytes, modelFile).tensors;
  } catch (err) {
    throw new InputDataError(`${key}: cannot read ${modelFile}: ${(err as Error).message}`, { cause: err });
  }
  const kwargs = (config.model_kwargs ?? {}) as { in_channels?: number; variant?: ResNet18Variant };
  const inChannels = kwargs.in_channels ?? defaultInChannels(runBackbone as BackboneName);
  const size = typeof config.image_size === 'number' ? config.image_size : undefined;
  const format: ImageFormat = { channels: inChannels as 1 | 3, ...(size ? { size, fit: 'crop' as const } : {}) };
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { dir: path.resolve(dir), tensors, digest, backbone: runBackbone as BackboneName, variant: kwargs.variant, inChannels, format, config };
}
