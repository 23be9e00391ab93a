import { InputDataError } from '@twindb/core-tensors';
import { readOnnxModelInfo, type OnnxDim } from '@twindb/core-tensors/onnx';

/** How to feed an ONNX encoder and what comes out. */
export interface EncoderSpec {
  name: string;
  inputName: string;
  outputName: string;
  layout: 'NHWC' | 'NCHW';
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  mean: number[];
  std: number[];
  /** The encoder L2-normalises its output itself. */
  normalized: boolean;
}

export interface EncoderOverrides {
  layout?: 'NHWC' | 'NCHW';
  inputShape?: [number, number, number];
  mean?: number[];
  std?: number[];
}

function parseJsonNumbers(file: string, key: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputDataError(`${file}: metadata ${key} must be a JSON array of numbers, got ${JSON.stringify(text)}`);
  }
  return v as number[];
}

const fixed = (d: OnnxDim | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);

/**
 * What an encoder needs, from its `twindb.*` metadata (written by twindb pretext), the declared
 * input shape, and the caller's overrides, in that order of precedence: overrides first. Anything
 * still unknown is an error that names the metadata key and the option that would supply it.
 */
export function encoderSpec(bytes: Uint8Array, file: string, overrides: EncoderOverrides = {}): EncoderSpec {
  const info = readOnnxModelInfo(bytes, file);
  if (info.inputs.length !== 1) {
    throw new InputDataError(`${file}: expected an encoder with one input (a batch of images), found ${info.inputs.length}: ${info.inputs.map((i) => i.name).join(', ')}`);
  }
  if (info.outputs.length < 1) throw new InputDataError(`${file}: the model declares no output`);
  const input = info.inputs[0];
  const meta = info.metadata;
  if (input.dims.length !== 4) {
    throw new InputDataError(`${file}: input "${input.name}" has ${input.dims.length} dimensions, expected 4 (a batch of images)`);
  }
  const metaLayout = meta['twindb.layout'];
  if (metaLayout !== undefined && metaLayout !== 'NHWC' && metaLayout !== 'NCHW') {
    throw new InputDataError(`${file}: metadata twindb.layout must be NHWC or NCHW, got "${metaLayout}"`);
  }
  const [, d1, , d3] = input.dims;
  const guessed = fixed(d1) !== undefined && fixed(d1)! <= 4 ? 'NCHW' : fixed(d3) !== undefined && fixed(d3)! <= 4 ? 'NHWC' : undefined;
  const layout = overrides.layout ?? (metaLayout as 'NHWC' | 'NCHW' | undefined) ?? guessed;
  if (!layout) throw new InputDataError(`${file}: cannot tell the input layout of "${input.name}" [${input.dims}]; no twindb.layout metadata; pass layout (--layout NHWC|NCHW)`);

  const metaShape = parseJsonNumbers(file, 'twindb.input_shape', meta['twindb.input_shape']);
  const [h, w, c] = layout === 'NHWC' ? [input.dims[1], input.dims[2], input.dims[3]] : [input.dims[2], input.dims[3], input.dims[1]];
  const declared = [fixed(h), fixed(w), fixed(c)];
  const inputShape = overrides.inputShape ?? (metaShape as [number, number, number] | undefined) ??
    (declared.every((d) => d !== undefined) ? (declared as [number, number, number]) : undefined);
  if (!inputShape || inputShape.length !== 3) {
    throw new InputDataError(`${file}: input "${input.name}" [${input.dims}] has no fixed size and no twindb.input_shape metadata; pass inputShape (--input-shape H,W,C)`);
  }
  const mean = overrides.mean ?? parseJsonNumbers(file, 'twindb.normalize_mean', meta['twindb.normalize_mean']);
  const std = overrides.std ?? parseJsonNumbers(file, 'twindb.normalize_std', meta['twindb.normalize_std']);
  if (!mean || !std) {
    throw new InputDataError(`${file}: no pixel normalisation: metadata twindb.normalize_mean / twindb.normalize_std missing; pass mean and std (--mean, --std; ImageNet encoders: 0.485,0.456,0.406 and 0.229,0.224,0.225)`);
  }
  const channels = inputShape[2];
  for (const [key, v] of [['mean', mean], ['std', std]] as const) {
    if (v.length !== channels && v.length !== 1) throw new InputDataError(`${file}: ${key} has ${v.length} values for ${channels} input channels`);
  }
  const spread = (v: number[]) => (v.length === 1 ? Array.from({ length: channels }, () => v[0]) : v);
  return {
    name: meta['twindb.encoder'] ?? file.split(/[\\/]/).pop()!,
    inputName: input.name,
    outputName: info.outputs[0].name,
    layout,
    inputShape,
    mean: spread(mean),
    std: spread(std),
    normalized: meta['twindb.normalized'] === 'true',
  };
}
