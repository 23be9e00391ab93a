/**
 * Instantiates twindb's hand-written SIMD modules (`*.wat`, assembled into `*.wasm.ts`) on
 * tfjs-backend-wasm's own heap: each module imports the backend's WebAssembly.Memory, so its loops
 * read and write tensors in place with no copies, and stay valid when the heap grows.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** One module's binary, for a plain heap and for the threaded build's shared heap. */
export interface SimdBinary {
  plain: string;
  shared: string;
}

// The WebAssembly JS API, typed here because the packages compile without the DOM library.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface EmscriptenHeap {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

const emscripten = (backend: BackendWasm) => backend.wasm as unknown as EmscriptenHeap;

const instances = new WeakMap<WasmMemory, Map<SimdBinary, object>>();

/** The Memory behind the backend's heap (the threaded build imports it, the others export it). */
export function heapMemory(backend: BackendWasm): WasmMemory {
  const module = emscripten(backend);
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssemblyApi.Memory)) {
    throw new Error('wasm SIMD kernels: cannot find the WebAssembly.Memory of tfjs-backend-wasm (neither Module.wasmMemory nor Module.asm.memory)');
  }
  return memory;
}

/** The exports of `binary` instantiated on the backend's heap; one instance per heap. */
export function heapModule<T>(backend: BackendWasm, binary: SimdBinary): T {
  const memory = heapMemory(backend);
  let byBinary = instances.get(memory);
  if (byBinary === undefined) {
    byBinary = new Map();
    instances.set(memory, byBinary);
  }
  let exports = byBinary.get(binary);
  if (exports === undefined) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = Buffer.from(shared ? binary.shared : binary.plain, 'base64');
    exports = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(bytes), { env: { memory } }).exports;
    byBinary.set(binary, exports);
  }
  return exports as T;
}

/**
 * Scratch floats on the heap for one kernel call, freed by `release`. Views of the heap must be
 * taken after the last allocation: allocating may grow the heap and detach older views.
 */
export class HeapScratch {
  private readonly pointers: number[] = [];

  constructor(private readonly backend: BackendWasm) {}

  /** Byte offset of `floats` zeroed float32 slots, 16-byte aligned as malloc returns them. */
  floats(floats: number): number {
    const bytes = Math.max(16, floats * 4);
    const ptr = emscripten(this.backend)._malloc(bytes) >>> 0;
    if (ptr === 0) throw new Error(`wasm SIMD kernels: out of heap memory allocating ${bytes} bytes of scratch`);
    this.pointers.push(ptr);
    new Uint8Array(heapMemory(this.backend).buffer, ptr, bytes).fill(0);
    return ptr;
  }

  release(): void {
    for (const ptr of this.pointers) emscripten(this.backend)._free(ptr);
    this.pointers.length = 0;
  }
}
