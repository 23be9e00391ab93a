import { promises as fs } from 'node:fs';
import { InputDataError } from '@twindb/core-tensors';

/**
 * NumPy `.npy` (format 1.0) for 2-D little-endian int64 arrays, as `np.save` writes and `np.load`
 * reads them: the fork's `topk{K}_neighbors_val_from_train.npy`.
 */
export function encodeNpyInt64(rows: number, cols: number, data: ArrayLike<number>): Buffer {
  if (data.length !== rows * cols) throw new RangeError(`npy: ${data.length} values for shape (${rows}, ${cols})`);
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const buf = Buffer.alloc(total + rows * cols * 8);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  for (let i = 0; i < data.length; i++) buf.writeBigInt64LE(BigInt(data[i]), total + i * 8);
  return buf;
}

/** A 2-D integer `.npy` (int64/int32, little-endian, C order) → its shape and values; bad files are InputDataErrors naming the file. */
export async function readNpyInt(file: string): Promise<{ rows: number; cols: number; data: Float64Array }> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw new InputDataError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  const bad = (why: string): never => {
    throw new InputDataError(`${file}: not a NumPy neighbour file: ${why}`);
  };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') bad('no .npy magic');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.length >= 12 ? buf.readUInt32LE(8) : bad('truncated header');
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) bad(`unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') bad('Fortran order is not supported');
  const dims = shape!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (dims.length !== 2) bad(`shape (${shape}) is not 2-D`);
  const [rows, cols] = dims;
  const size = descr === '<i8' ? 8 : descr === '<i4' ? 4 : bad(`dtype ${descr}; expected int64 or int32`);
  if (buf.length - start < rows * cols * size) bad(`truncated: shape (${rows}, ${cols}) needs ${rows * cols * size} bytes of data, has ${buf.length - start}`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = size === 8 ? Number(buf.readBigInt64LE(start + i * 8)) : buf.readInt32LE(start + i * 4);
  return { rows, cols, data };
}
