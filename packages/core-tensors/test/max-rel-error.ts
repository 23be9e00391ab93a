/** max |a − b| over max |b|: the parity measure of the ONNX tests (relative to the output's scale). */
export function maxRelError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`maxRelError: lengths differ (${a.length} vs ${b.length})`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}
