// One HNSW shard job (worker_threads): build (or load) the shard's cosine index with hnswlib-node,
// search every query, post back local indices and distances. Plain JS so that it runs as a worker
// without a TypeScript loader. hnswlib-node takes plain Arrays only and has no batch calls, so one
// reusable Array per vector keeps conversion cost at a copy.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { parentPort } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;

parentPort.on('message', (job) => {
  try {
    parentPort.postMessage({ id: job.id, ok: true, ...run(job) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});

/** Rows inserted between two progress messages to the main thread. */
const PROGRESS_ROWS = 2000;

function run({ id, dim, rows, shard, queries, k, M, efConstruction, efSearch, indexPath, source }) {
  const params = { space: 'cosine', dim, rows, M, efConstruction, source };
  const t0 = Date.now();
  const index = new HierarchicalNSW('cosine', dim);
  let reused = false;
  if (indexPath && existsSync(indexPath) && existsSync(`${indexPath}.json`)) {
    const saved = JSON.parse(readFileSync(`${indexPath}.json`, 'utf8'));
    if (JSON.stringify(saved) === JSON.stringify(params)) {
      index.readIndexSync(indexPath);
      reused = true;
      parentPort.postMessage({ id, progress: rows });
    }
  }
  const row = new Array(dim);
  if (!reused) {
    index.initIndex(rows, M, efConstruction, 100);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < dim; j++) row[j] = shard[r * dim + j];
      index.addPoint(row, r);
      if ((r + 1) % PROGRESS_ROWS === 0 || r + 1 === rows) parentPort.postMessage({ id, progress: r + 1 });
    }
    if (indexPath) {
      const tmp = `${indexPath}.${process.pid}.tmp`;
      index.writeIndexSync(tmp);
      renameSync(tmp, indexPath);
      writeFileSync(`${indexPath}.json`, JSON.stringify(params));
    }
  }
  const buildSeconds = (Date.now() - t0) / 1000;
  const kk = Math.min(k, rows);
  index.setEf(Math.max(efSearch, kk));
  const nq = queries.length / dim;
  const indices = new Int32Array(nq * k).fill(-1);
  const distances = new Float32Array(nq * k).fill(Infinity);
  for (let q = 0; q < nq; q++) {
    for (let j = 0; j < dim; j++) row[j] = queries[q * dim + j];
    const res = index.searchKnn(row, kk);
    for (let j = 0; j < res.neighbors.length; j++) {
      indices[q * k + j] = res.neighbors[j];
      distances[q * k + j] = res.distances[j];
    }
  }
  return { indices, distances, buildSeconds, searchSeconds: (Date.now() - t0) / 1000 - buildSeconds, reused };
}
