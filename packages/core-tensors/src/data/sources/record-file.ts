import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * A file of fixed-size records (CIFAR and STL binaries). Files up to `maxInMemory` bytes are read
 * once; bigger ones (STL's 2.7 GB unlabelled set) are read record by record.
 */
export class RecordFile {
  private constructor(
    readonly file: string,
    readonly recordSize: number,
    readonly count: number,
    private readonly whole: Buffer | null,
    private readonly handle: FileHandle | null,
  ) {}

  static async open(file: string, recordSize: number, what: string, maxInMemory = 512 * 2 ** 20): Promise<RecordFile> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new Error(`${what}: missing file ${file}`);
    }
    if (size === 0 || size % recordSize !== 0) {
      throw new Error(`${what}: ${file} is ${size} bytes, expected a non-zero multiple of the ${recordSize}-byte record`);
    }
    const handle = await open(file, 'r');
    if (size <= maxInMemory) {
      const whole = await handle.readFile();
      await handle.close();
      return new RecordFile(file, recordSize, size / recordSize, whole, null);
    }
    return new RecordFile(file, recordSize, size / recordSize, null, handle);
  }

  async read(i: number): Promise<Uint8Array> {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`${this.file}: record ${i} out of range [0, ${this.count})`);
    if (this.whole) return this.whole.subarray(i * this.recordSize, (i + 1) * this.recordSize);
    const buf = Buffer.alloc(this.recordSize);
    await this.handle!.read(buf, 0, this.recordSize, i * this.recordSize);
    return buf;
  }

  /** Byte `offset` of every record (a label byte), without decoding the images. */
  async column(offset: number): Promise<Uint8Array> {
    const out = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = (await this.read(i))[offset];
    return out;
  }
}
