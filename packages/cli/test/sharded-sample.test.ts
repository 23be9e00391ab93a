import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureWriter, parseTempName, Rng } from '@twindb/core-tensors';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * A sharded exact search on the real executable (built dist): four `twindb sample --pool-shard auto`
 * processes, two as pods of a Kubernetes Indexed Job and two as tasks of a Slurm array, then
 * `twindb sample --merge`; every output must equal a one-process run's byte for byte. Also
 * `twindb extract --shard auto`, and the refusals (exit 2 for the shard variables, 3 for partial
 * files that do not belong together), none of which leaves a file at the final name.
 */
const bin = fileURLToPath(new URL('../bin/twindb.mjs', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-sharded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

/** The shard variables of both engines, removed from the test's own environment before each run sets its own. */
const SHARD_VARS = ['JOB_COMPLETION_INDEX', 'TWINDB_SHARD_COUNT', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX'];

function twindb(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Exit> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  for (const v of SHARD_VARS) if (!(opts.env && v in opts.env)) delete env[v];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (err += c));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

const kubernetes = (index: number, count: number) => ({ JOB_COMPLETION_INDEX: String(index), TWINDB_SHARD_COUNT: String(count) });
// `sbatch --array=10-13`: task ids 10..13 are shards 0..3.
const slurm = (id: number) => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_MAX: '13', SLURM_ARRAY_TASK_COUNT: '4' });

/** Every file under `d` (relative path → bytes); report.json without its run time. */
function tree(d: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(d, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(d, f);
    if (statSync(p).isDirectory()) continue;
    let b = readFileSync(p);
    if (f === 'report.json') {
      const r = JSON.parse(b.toString('utf8'));
      delete r.seconds;
      b = Buffer.from(JSON.stringify(r, null, 2));
    }
    out.set(f, b);
  }
  return out;
}

const temps = (d: string) => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => parseTempName(path.basename(f)) !== undefined);

const dim = 10;
const rng = new Rng('sharded-cli');
const centres = Array.from({ length: 4 * dim }, () => rng.normal());
async function features(file: string, n: number, prefix: string, batchRows: number, duplicates: [number, number][] = []) {
  const e = new Float32Array(n * dim);
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) e[i * dim + j] = centres[labels[i] * dim + j] + 0.5 * rng.normal();
  for (const [from, to] of duplicates) for (let j = 0; j < dim; j++) e[to * dim + j] = e[from * dim + j] * (1 + 1e-3 * (j % 2));
  const w = await FeatureWriter.create(file, { encoder: 'cli-test', dim, normalized: false, db: prefix }, { batchRows });
  await w.appendBatch({ ids: Array.from({ length: n }, (_, i) => `${prefix}${i}`), labels, embeddings: e });
  await w.close();
}

// Relative paths from two sibling folders: report.json records --target, --pool and --out as typed.
const feats = path.join(dir, 'feats');
mkdirSync(feats);
await features(path.join(feats, 'pool-0.arrow'), 410, 'a', 64);
await features(path.join(feats, 'pool-1.arrow'), 290, 'b', 100);
// Near-duplicate targets (same class): --target-dedup removes them first, the same way in every process.
await features(path.join(feats, 'target.arrow'), 60, 't', 25, [[0, 8], [1, 21], [2, 42]]);
const inputs = ['--target', '../feats/target.arrow', '--pool', '../feats/pool-0.arrow', '../feats/pool-1.arrow'];
const common = [...inputs, '-k', '4', '--target-dedup', '0.99', '--report-samples', '60', '--codebook', '8', '--min-coverage', '0'];
const one = path.join(dir, 'one');
const sharded = path.join(dir, 'sharded');
mkdirSync(one);
mkdirSync(path.join(sharded, 'parts'), { recursive: true });
const partial = (i: number) => `parts/partial-${i}.arrow`;

// The refusal tests below reuse the four partial files the first test writes (tests run in order).
describe('twindb sample --pool-shard auto / --merge (real executable)', () => {
  it('4 shards (2 Kubernetes pods, 2 Slurm tasks) merged = one-process run, every file byte for byte', async () => {
    const ref = await twindb(['sample', ...common, '--out', 'newdb'], { cwd: one });
    expect(ref.code, ref.err).toBe(0);
    const runs = await Promise.all([
      twindb(['sample', ...common, '--pool-shard', 'auto', '--partial', partial(0), '--json'], { cwd: sharded, env: kubernetes(0, 4) }),
      twindb(['sample', ...common, '--pool-shard', 'auto', '--partial', partial(1), '--json'], { cwd: sharded, env: kubernetes(1, 4) }),
      twindb(['sample', ...common, '--pool-shard', 'auto', '--partial', partial(2), '--json'], { cwd: sharded, env: slurm(12) }),
      twindb(['sample', ...common, '--pool-shard', 'auto', '--partial', partial(3), '--json'], { cwd: sharded, env: slurm(13) }),
    ]);
    runs.forEach((r, i) => {
      expect(r.code, r.err).toBe(0);
      // 700 pool rows in 4: [0,175), [175,350), [350,525), [525,700); the third cuts pool-0 (410 rows).
      expect(JSON.parse(r.out)).toMatchObject({ shard: { index: i, count: 4 }, range: [175 * i, 175 * (i + 1)], targets: expect.any(Number) });
    });
    const merged = await twindb(['sample', ...common, '--merge', partial(3), partial(1), partial(0), partial(2), '--out', 'newdb'], { cwd: sharded });
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toContain('target de-duplication (greedy, similarity ≥ 0.99): 3 of 60 targets removed');
    expect(merged.out.replaceAll(sharded, one)).toBe(ref.out);
    const [a, b] = [tree(path.join(one, 'newdb')), tree(path.join(sharded, 'newdb'))];
    expect([...a.keys()]).toEqual(expect.arrayContaining(['selected.csv', 'selected.arrow', 'neighbors.arrow', 'uncovered-targets.csv', 'removed-targets.csv', 'report.json', '.twindb-run.json']));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
    expect(temps(sharded)).toEqual([]);
  }, 180_000);

  it('refuses missing, out-of-range and disagreeing shard variables: exit 2, naming the variable, no partial file', async () => {
    const args = ['sample', ...common, '--pool-shard', 'auto', '--partial', 'parts/refused.arrow'];
    const none = await twindb(args, { cwd: sharded });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--pool-shard: neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID .* is set/);
    const out = await twindb(args, { cwd: sharded, env: kubernetes(4, 4) });
    expect(out.code).toBe(2);
    expect(out.err).toMatch(/JOB_COMPLETION_INDEX=4 is out of range: expected below TWINDB_SHARD_COUNT=4/);
    const noCount = await twindb(args, { cwd: sharded, env: { JOB_COMPLETION_INDEX: '1' } });
    expect(noCount.code).toBe(2);
    expect(noCount.err).toMatch(/TWINDB_SHARD_COUNT is not/);
    const both = await twindb(args, { cwd: sharded, env: { ...kubernetes(1, 4), ...slurm(13) } });
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/both a Kubernetes Indexed Job .* and a Slurm array .* disagree/);
    expect(existsSync(path.join(sharded, 'parts', 'refused.arrow'))).toBe(false);
  }, 60_000);

  it('refuses a merge with a shard missing or duplicated, or partial files of another K: exit 3, naming the file, no output', async () => {
    const missing = await twindb(['sample', ...common, '--merge', partial(0), partial(1), partial(3), '--out', 'x1'], { cwd: sharded });
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/shard 2\/4 \(pool rows 350–525\) missing/);
    const twice = await twindb(['sample', ...common, '--merge', partial(0), partial(1), partial(2), partial(3), partial(2), '--out', 'x2'], { cwd: sharded });
    expect(twice.code).toBe(3);
    expect(twice.err).toContain(`${partial(2)}: shard 2/4 is given twice (also ${partial(2)})`);
    const otherK = await twindb(['sample', ...common, '-k', '5', '--merge', partial(0), partial(1), partial(2), partial(3), '--out', 'x3'], { cwd: sharded });
    expect(otherK.code).toBe(3);
    expect(otherK.err).toMatch(/parts\/partial-0\.arrow: searched with K 4 .*this run has K 5/);
    for (const d of ['x1', 'x2', 'x3']) expect(existsSync(path.join(sharded, d))).toBe(false);
  }, 60_000);
});

/** A 28×28 → 8 linear encoder, as fault-injection.test.ts builds one. */
function encoder(): string {
  const r = new Rng('sharded-encoder');
  const g = new OnnxGraphBuilder('sharded');
  g.input('pixels', ['batch', 28, 28, 1]);
  const flat = g.node('Flatten', ['pixels'], { axis: 1 });
  g.node('MatMul', [flat, g.initializer('w', Float32Array.from({ length: 784 * 8 }, () => r.normal() / 10), [784, 8])], {}, 'features');
  g.output('features', ['batch', 8]);
  const file = path.join(dir, 'encoder.onnx');
  writeFileSync(file, g.toBytes({ 'twindb.layout': 'NHWC', 'twindb.input_shape': '[28,28,1]', 'twindb.normalize_mean': '[0.1307]', 'twindb.normalize_std': '[0.3081]', 'twindb.encoder': 'sharded' }));
  return file;
}

describe('twindb extract --shard auto (real executable)', () => {
  it('a Kubernetes pod and a Slurm task of shard 1/2 write what --shard 1/2 writes; no variables: exit 2', async () => {
    const enc = encoder();
    const d = path.join(dir, 'extract');
    mkdirSync(d);
    const args = (out: string, shard: string) => ['extract', '--encoder', enc, '--db', 'mnist:heldout?n=40', '--out', path.join(d, out), '--shard', shard, '--batch-size', '8', '--threads', '1'];
    const ref = await twindb(args('ref.arrow', '1/2'));
    expect(ref.code, ref.err).toBe(0);
    const pod = await twindb(args('pod.arrow', 'auto'), { env: kubernetes(1, 2) });
    expect(pod.code, pod.err).toBe(0);
    const task = await twindb(args('task.arrow', 'auto'), { env: { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_COUNT: '2' } });
    expect(task.code, task.err).toBe(0);
    const want = readFileSync(path.join(d, 'ref.arrow'));
    expect(readFileSync(path.join(d, 'pod.arrow')).equals(want)).toBe(true);
    expect(readFileSync(path.join(d, 'task.arrow')).equals(want)).toBe(true);
    const none = await twindb(args('none.arrow', 'auto'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--shard: neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID/);
    expect(existsSync(path.join(d, 'none.arrow'))).toBe(false);
  }, 120_000);
});
