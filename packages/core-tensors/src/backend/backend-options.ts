import { z } from 'zod';

/**
 * Which TensorFlow.js backend to run on. `auto` tries them fastest first:
 * tfjs-node-gpu (`tensorflow` on CUDA), tfjs-node (`tensorflow` on CPU), `wasm` (XNNPACK), `cpu` (plain JS).
 */
export const BackendChoiceSchema = z
  .enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
  .describe('Compute backend: auto | tensorflow-gpu | tensorflow | wasm | cpu (env TWINDB_BACKEND)');
export type BackendChoice = z.infer<typeof BackendChoiceSchema>;

/**
 * What runs the wasm backend's convolutions (forward and both gradients). `auto` picks `ort`
 * (ONNX Runtime's native CPU kernels through onnxruntime-node) when it loads, else `xnnpack`
 * (the wasm backend's own kernels plus twindb's XNNPACK gradient kernels).
 */
export const ConvEngineChoiceSchema = z
  .enum(['auto', 'ort', 'xnnpack'])
  .describe('Engine for wasm convolutions: auto | ort | xnnpack (env TWINDB_CONV_ENGINE)');
export type ConvEngineChoice = z.infer<typeof ConvEngineChoiceSchema>;

/**
 * How the `ort` engine computes each convolution: ORT's own Conv (`direct`), one im2col GEMM over
 * the batch (`im2col`), ORT's blocked NCHWc Conv where channels are whole blocks (`nchwc`; forward
 * and stride-1 input gradients, the rest as `direct`), per-tap GEMMs over zero-copy windows of a
 * channel-major grid (`tap-views`; stride-1 filter gradients, the rest as `direct`), or whichever
 * ran faster on the layer's first call (`auto`). Pin one to get bit-identical results across processes; `auto` may choose
 * differently on another run.
 */
export const ConvMethodChoiceSchema = z
  .enum(['auto', 'direct', 'im2col', 'nchwc', 'tap-views'])
  .describe('Form of ort convolutions: auto | direct | im2col | nchwc | tap-views (filter gradients only) (env TWINDB_CONV_METHOD)');
export type ConvMethodChoiceOption = z.infer<typeof ConvMethodChoiceSchema>;

export const BackendOptionsSchema = z.object({
  backend: BackendChoiceSchema.optional().describe('Forced backend; defaults to TWINDB_BACKEND, then auto.'),
  convEngine: ConvEngineChoiceSchema.optional().describe('wasm only; defaults to TWINDB_CONV_ENGINE, then auto.'),
  convMethod: ConvMethodChoiceSchema.optional().describe('ort engine only; defaults to TWINDB_CONV_METHOD, then auto.'),
  convPlan: z
    .string()
    .optional()
    .describe(
      'Conv plan file (JSON) keeping each layer\'s timed conv form for later processes on this machine, so reruns and resumes round alike (ort engine, auto method); "off" for none. Library default: TWINDB_CONV_PLAN, else off; the twindb CLI defaults to ~/.cache/twindb/conv-plan.json.',
    ),
  log: z
    .custom<(msg: string) => void>((v) => typeof v === 'function')
    .optional()
    .describe('Where to report the choice and why faster backends were skipped (default: stderr).'),
});
export type BackendOptions = z.infer<typeof BackendOptionsSchema>;

/** Parse a user-supplied backend name (flag or env), with an error that lists the valid names. */
export function parseBackendChoice(value: string, source: string): BackendChoice {
  const parsed = BackendChoiceSchema.safeParse(value.trim().toLowerCase());
  if (!parsed.success) {
    throw new Error(
      `${source}: unknown backend "${value}"; expected one of ${BackendChoiceSchema.options.join(', ')}`,
    );
  }
  return parsed.data;
}

/** Parse a user-supplied conv method name (flag or env), with an error that lists the valid names. */
export function parseConvMethodChoice(value: string, source: string): ConvMethodChoiceOption {
  const parsed = ConvMethodChoiceSchema.safeParse(value.trim().toLowerCase());
  if (!parsed.success) {
    throw new Error(`${source}: unknown conv method "${value}"; expected one of ${ConvMethodChoiceSchema.options.join(', ')}`);
  }
  return parsed.data;
}

/** Parse a user-supplied conv engine name (flag or env), with an error that lists the valid names. */
export function parseConvEngineChoice(value: string, source: string): ConvEngineChoice {
  const parsed = ConvEngineChoiceSchema.safeParse(value.trim().toLowerCase());
  if (!parsed.success) {
    throw new Error(`${source}: unknown conv engine "${value}"; expected one of ${ConvEngineChoiceSchema.options.join(', ')}`);
  }
  return parsed.data;
}
