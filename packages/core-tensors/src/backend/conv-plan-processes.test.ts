/**
 * The conv plan's promise across processes: two processes that train the same layers under the
 * auto method run the same forms and produce the same bits — the first times and records, the
 * second reads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

// Conv layers above the ORT threshold (2^22 multiply-adds): forward and both gradients of two
// 3×3 convs on 8 images of 24×24; prints the SHA-256 of every gradient's bits and how each
// layer's runner was chosen.
const SCRIPT = `
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, ortConvChoices } from '@twindb/core-tensors/backend';
await initBackend({ backend: 'wasm', convEngine: 'ort', convMethod: 'auto', convPlan: process.env.PLAN, log: () => {} });
const rnd = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const x = rnd([8, 24, 24, 16], 1), w1 = rnd([3, 3, 16, 32], 2), w2 = rnd([3, 3, 32, 32], 3);
const loss = (a, b) => tf.conv2d(tf.relu(tf.conv2d(x, a, 1, 'same')), b, 1, 'same').square().mean();
const grads = tf.grads(loss)([w1, w2]);
const hash = createHash('sha256');
for (const g of grads) hash.update(new Uint8Array(g.dataSync().buffer));
console.log(JSON.stringify({ hash: hash.digest('hex'), sources: [...new Set(ortConvChoices().map((c) => c.source))] }));
`;

function trainOnce(plan: string): { hash: string; sources: string[] } {
  const r = spawnSync(process.execPath, ['--conditions=@twindb/source', '--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PLAN: plan },
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('conv plan across processes', () => {
  it('the second process reads every decision the first one timed, and its gradients match bit for bit', () => {
    const plan = path.join(mkdtempSync(path.join(os.tmpdir(), 'twindb-plan-procs-')), 'plan.json');
    const first = trainOnce(plan);
    expect(first.sources).toEqual(['timed']);
    const decided = Object.values(JSON.parse(readFileSync(plan, 'utf8')).machines as Record<string, object>)[0];
    // forward ×2, input gradient ×1 (the first conv's input needs none), filter gradient ×2
    expect(Object.keys(decided)).toHaveLength(5);
    const second = trainOnce(plan);
    expect(second.sources).toEqual(['plan']);
    expect(second.hash).toBe(first.hash);
  }, 240_000);
});
