import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A dimension: a fixed size or a symbolic name (e.g. 'batch'). */
export type OnnxDim = number | string;

/** Integers become INT attributes; wrap a float that happens to be whole as `{ float: 1 }`. */
export type OnnxAttribute = number | number[] | string | { float: number } | { floats: number[] };

/**
 * Builds an ONNX graph node by node and serialises it with the maintained ONNX protobuf definition
 * (`onnx-proto`). Float32 only, which is all the exported encoders need. Names are generated so
 * that callers only thread value names through.
 */
export class OnnxGraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  constructor(readonly name: string, readonly opset = 13) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, shape: OnnxDim[]): string {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  output(name: string, shape: OnnxDim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  /** A constant float tensor (weights); returns its name. */
  initializer(prefix: string, data: Float32Array, dims: number[]): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`onnx initializer ${prefix}: ${data.length} values for dims [${dims.join(', ')}] (expected ${expected})`);
    }
    const name = this.fresh(prefix);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        // Copy: raw_data must be little-endian bytes of exactly this tensor.
        rawData: new Uint8Array(data.slice().buffer),
      }),
    );
    return name;
  }

  /** A constant int64 tensor (shapes for Reshape, axes); returns its name. */
  int64Initializer(prefix: string, values: number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer),
      }),
    );
    return name;
  }

  /**
   * Adds a node; returns the name of its (first) output. `output` names the outputs (an array for
   * operators with several, e.g. TopK's values and indices); otherwise one fresh name.
   */
  node(opType: string, inputs: string[], attrs: Record<string, OnnxAttribute> = {}, output?: string | string[]): string {
    const outs = Array.isArray(output) ? output : [output ?? this.fresh(opType.toLowerCase())];
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.fresh(`${opType}_node`),
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs[0];
  }

  /** Serialise to ONNX bytes; `metadata` lands in the model's metadata_props. */
  toBytes(metadata: Record<string, string> = {}, producer = 'twindb'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: producer,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: this.opset })],
      graph: onnx.GraphProto.create({
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
      metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, shape: OnnxDim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((d) =>
            typeof d === 'number'
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

function attribute(name: string, v: OnnxAttribute) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: T.INT, i: v })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  }
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('float' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
}
