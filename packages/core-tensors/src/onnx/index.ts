/**
 * @twindb/core-tensors/onnx — building and reading ONNX graphs (no runtime: onnx-proto only).
 */

// --- onnx: building ONNX graphs (encoder export, native conv kernels) ---------------------------
export { OnnxGraphBuilder, type OnnxDim, type OnnxAttribute } from './onnx-graph.js';
export { readOnnxModelInfo, type OnnxModelInfo, type OnnxValueInfo } from './onnx-model-info.js';

