import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { ortAvailability, OrtSyncSession } from './ort-sync-session.js';

const require = createRequire(import.meta.url);
const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;

/**
 * twindb's conv and matmul kernels on wasm call onnxruntime-node's *private* synchronous binding
 * (dist/binding). An upgrade may move or change it; then this test fails and names the version,
 * instead of every training step silently falling back to slower kernels.
 */
describe(`the private synchronous ONNX Runtime binding (onnxruntime-node ${ortVersion})`, () => {
  it('loads', () => {
    const a = ortAvailability();
    expect(a, `onnxruntime-node ${ortVersion}: ${a.ok ? '' : a.reason}; twindb's adapter (backend/ort/ort-sync-session.ts) needs updating`).toEqual({ ok: true });
  });

  it('runs a model synchronously, into a given output buffer too', () => {
    const g = new OnnxGraphBuilder('add');
    const x = g.input('x', [2, 3]);
    const y = g.input('y', [2, 3]);
    g.output(g.node('Add', [x, y], {}, 'z'), [2, 3]);
    const session = new OrtSyncSession(g.toBytes(), { threads: 1 });
    try {
      const feeds = { x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [2, 3] }, y: { data: Float32Array.of(10, 20, 30, 40, 50, 60), dims: [2, 3] } };
      expect(Array.from(session.run(feeds, ['z']).z)).toEqual([11, 22, 33, 44, 55, 66]);
      const into = new Float32Array(6);
      const out = session.run(feeds, ['z'], { z: { data: into, dims: [2, 3] } });
      expect(out.z).toBe(into);
      expect(Array.from(into)).toEqual([11, 22, 33, 44, 55, 66]);
    } finally {
      session.dispose();
    }
  });
});
