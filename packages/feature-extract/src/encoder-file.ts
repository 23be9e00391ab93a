import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputDataError, UsageError } from '@twindb/core-tensors';

/** What `twindb pretext` calls its exported encoder inside a run folder. */
export const PRETEXT_ENCODER_FILE = 'encoder.onnx';

/**
 * The ONNX file an `encoder` option names: the file itself, or the `encoder.onnx` of a twindb pretext
 * run folder given as the folder or as one of its `.safetensors` files (the seed's `--pretext_model`
 * names the trained pretext model). A PyTorch checkpoint is refused with what to give instead.
 */
export function encoderFile(encoder: string): string {
  if (/\.(pth|pt)(\.tar)?$/i.test(encoder)) {
    throw new UsageError(
      `${encoder} is a PyTorch checkpoint; twindb embeds with an ONNX encoder: give the encoder.onnx of a twindb pretext run (or its run folder), or export the model with torch.onnx.export and pass that file (with --layout NCHW, --mean and --std when it carries no twindb metadata)`,
    );
  }
  let isFolder = false;
  try {
    isFolder = statSync(encoder).isDirectory();
  } catch {
    return encoder; // a missing file is reported, with its error code, where it is read
  }
  const run = isFolder ? encoder : /\.safetensors$/i.test(encoder) ? path.dirname(encoder) : undefined;
  if (run === undefined) return encoder;
  const file = path.join(run, PRETEXT_ENCODER_FILE);
  if (!existsSync(file)) {
    throw new InputDataError(
      `${encoder}: ${isFolder ? 'a folder' : 'a weights file in a folder'} without ${PRETEXT_ENCODER_FILE}; give the ONNX encoder file, or a twindb pretext run folder (it exports ${PRETEXT_ENCODER_FILE} at the end of training)`,
    );
  }
  return file;
}
