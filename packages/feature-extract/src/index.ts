export { extractFeatures, type ExtractSummary } from './extract-features.js';
export { ExtractOptionsSchema, ShardSchema, parseShard, shardRange, type ExtractOptions, type ExtractOptionsInput, type Shard } from './extract-options.js';
export { encoderSpec, type EncoderSpec, type EncoderOverrides } from './encoder-spec.js';
