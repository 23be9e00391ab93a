/**
 * The wasm backend aborts (`RuntimeError: Aborted()`) when an allocation would take its heap past
 * wasm32's 4 GB address space, or traps (`memory access out of bounds`) when a kernel then writes
 * through the null pointer tfjs did not check; neither message says anything about memory. This
 * turns them into an error that names the step, the limit and what to change.
 */
export function explainWasmAbort(err: unknown, what: string): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (!/^Aborted\(|memory access out of bounds/.test(msg)) return err;
  return new Error(
    `${what}: the wasm backend ran out of memory (most likely) (its heap cannot grow past 4 GB, and the activations ` +
      `kept for the backward pass did not fit). Lower the batch size, or install @tensorflow/tfjs-node ` +
      `(no such limit). Original error: ${msg}`,
  );
}
