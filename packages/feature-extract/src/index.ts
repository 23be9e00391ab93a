/**
 * @twindb/feature-extract — STEP 1-1: embeddings of an image DB with an ONNX encoder, into an Arrow
 * feature file.
 */
export { ExtractOptionsSchema, ShardSchema, parseShard, shardRange, type ExtractOptions, type ExtractOptionsInput, type Shard } from './extract-options.js';
export { runExtract, type ExtractSummary } from './run-extract.js';
export { encoderSpec, type EncoderSpec, type EncoderOverrides } from './encoder-spec.js';
export { encoderFile, PRETEXT_ENCODER_FILE } from './encoder-file.js';
