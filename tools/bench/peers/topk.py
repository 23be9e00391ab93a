"""Peer for `npm run bench -- topk`: exact cosine top-k of the same float32 data, by faiss
IndexFlatIP when importable, else numpy BLAS + argpartition. Prints one JSON line."""
import argparse, json, os, time

p = argparse.ArgumentParser()
p.add_argument('--queries', required=True)
p.add_argument('--pool', required=True)
p.add_argument('--dim', type=int, required=True)
p.add_argument('--k', type=int, required=True)
p.add_argument('--out', required=True, help='where to write the [nq x k] int32 indices')
p.add_argument('--threads', type=int, required=True)
p.add_argument('--engine', choices=['auto', 'faiss', 'numpy'], default='auto')
a = p.parse_args()
for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[v] = str(a.threads)
import numpy as np  # after the thread variables, which BLAS reads at load

Q = np.fromfile(a.queries, dtype=np.float32).reshape(-1, a.dim)
C = np.fromfile(a.pool, dtype=np.float32).reshape(-1, a.dim)
engine = a.engine
if engine == 'auto':
    try:
        import faiss  # noqa: F401
        engine = 'faiss'
    except ImportError:
        engine = 'numpy'

def unit(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n == 0, 1, n)

w0, c0 = time.perf_counter(), time.process_time()
if engine == 'faiss':
    import faiss
    faiss.omp_set_num_threads(a.threads)
    index = faiss.IndexFlatIP(a.dim)
    index.add(unit(C))
    _, I = index.search(unit(Q), a.k)
else:
    Qn, Cn = unit(Q), unit(C)
    I = np.empty((len(Q), a.k), np.int64)
    for q0 in range(0, len(Q), 1024):
        S = Qn[q0:q0 + 1024] @ Cn.T
        idx = np.argpartition(-S, a.k - 1, axis=1)[:, :a.k]
        order = np.argsort(-np.take_along_axis(S, idx, 1), axis=1, kind='stable')
        I[q0:q0 + 1024] = np.take_along_axis(idx, order, 1)
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
I.astype(np.int32).tofile(a.out)
print(json.dumps({'engine': engine, 'threads': a.threads, 'wallMs': round(wall * 1000), 'cpuMs': round(cpu * 1000), 'numpy': np.__version__}))
