import { endianness } from 'node:os';

/** One tensor of a safetensors file. Only float32 and int32 are needed by twindb's checkpoints. */
export interface SafetensorsEntry {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A decoded safetensors file: named tensors plus the string-valued `__metadata__`. */
export interface Safetensors {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

const BYTES_PER_ELEMENT = { F32: 4, I32: 4 } as const;

function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order and the format is little-endian.
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian platforms are not supported');
}

/**
 * Encodes tensors in the safetensors layout (huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}`
 * padded with spaces to a multiple of 8 bytes, then the raw little-endian data. PyTorch, NumPy and
 * Rust tools read it without any twindb code.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafetensorsEntry>, metadata: Record<string, string> = {}): Uint8Array {
  assertLittleEndian();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('safetensors: "__metadata__" is reserved and cannot name a tensor');
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor "${name}" has shape [${t.shape}] (${count} values) but ${t.data.length} values`);
    }
    const bytes = count * BYTES_PER_ELEMENT[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const unpadded = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (unpadded % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Decodes and validates a safetensors file; `source` (its path) names the file in every error. */
export function decodeSafetensors(bytes: Uint8Array, source: string): Safetensors {
  assertLittleEndian();
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`header is not JSON: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32' && e.dtype !== 'I32') fail(`tensor "${name}" has dtype ${String(e.dtype)}; only F32 and I32 are supported`);
    const dtype = e.dtype as 'F32' | 'I32';
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape`);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0)) fail(`tensor "${name}" has invalid data_offsets`);
    const [begin, end] = off as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen) fail(`tensor "${name}" data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data section`);
    if (end - begin !== count * BYTES_PER_ELEMENT[dtype]) fail(`tensor "${name}" of shape [${shape}] needs ${count * 4} bytes, data_offsets span ${end - begin}`);
    // Copy: the data section need not be 4-byte aligned within the file buffer.
    const copy = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    const data = dtype === 'F32' ? new Float32Array(copy.buffer, 0, count) : new Int32Array(copy.buffer, 0, count);
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}
