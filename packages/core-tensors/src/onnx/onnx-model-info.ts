import onnxProto from 'onnx-proto';
import type { OnnxDim } from './onnx-graph.js';

const { onnx } = onnxProto;

/** One graph input or output: its name and dimensions (symbolic ones by name, unknown ones as '?'). */
export interface OnnxValueInfo {
  name: string;
  dims: OnnxDim[];
}

/** What a caller needs to feed an ONNX model without running it: I/O signatures and metadata. */
export interface OnnxModelInfo {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** The model's `metadata_props` (twindb writes `twindb.*` keys there). */
  metadata: Record<string, string>;
}

/**
 * Reads a serialised ONNX model's inputs, outputs and metadata. Initialisers listed as graph
 * inputs (older exporters do this) are left out: they are weights, not feeds.
 */
export function readOnnxModelInfo(bytes: Uint8Array, source = 'ONNX model'): OnnxModelInfo {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${source}: not an ONNX model (${(err as Error).message})`);
  }
  const graph = model.graph;
  if (!graph) throw new Error(`${source}: the ONNX model has no graph`);
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const info = (v: onnxProto.onnx.IValueInfoProto): OnnxValueInfo => ({
    name: v.name ?? '',
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : '?')),
  });
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  return {
    inputs: (graph.input ?? []).filter((v) => !weights.has(v.name ?? '')).map(info),
    outputs: (graph.output ?? []).map(info),
    metadata,
  };
}
