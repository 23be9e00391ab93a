"""Peer for `npm run bench -- nn`: k-NN of the same float32 vectors with faiss IndexFlatIP (exact)
and IndexHNSWFlat (inner product on unit vectors = cosine), same threads. Prints one JSON line."""
import argparse, json, os, resource, time

p = argparse.ArgumentParser()
p.add_argument('--queries', required=True)
p.add_argument('--pool', required=True)
p.add_argument('--dim', type=int, required=True)
p.add_argument('--k', type=int, required=True)
p.add_argument('--threads', type=int, required=True)
p.add_argument('--M', type=int, default=16)
p.add_argument('--ef-construction', type=int, default=200)
p.add_argument('--ef-search', type=int, default=128)
p.add_argument('--out', required=True, help='prefix for the [nq x k] int32 index files (.flat, .hnsw)')
p.add_argument('--no-hnsw', action='store_true', help='time IndexFlatIP only')
a = p.parse_args()
for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[v] = str(a.threads)
import numpy as np
import faiss

faiss.omp_set_num_threads(a.threads)
Q = np.fromfile(a.queries, dtype=np.float32).reshape(-1, a.dim)
C = np.fromfile(a.pool, dtype=np.float32).reshape(-1, a.dim)
faiss.normalize_L2(Q)
faiss.normalize_L2(C)

def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

res = {'faiss': faiss.__version__, 'threads': a.threads}
t = time.perf_counter()
flat = faiss.IndexFlatIP(a.dim)
flat.add(C)
_, If = flat.search(Q, a.k)
res['flatMs'] = round((time.perf_counter() - t) * 1000)
res['flatPeakMb'] = peak_mb()
If.astype(np.int32).tofile(a.out + '.flat')
del flat
if a.no_hnsw:
    print(json.dumps(res))
    raise SystemExit(0)

t = time.perf_counter()
h = faiss.IndexHNSWFlat(a.dim, a.M, faiss.METRIC_INNER_PRODUCT)
h.hnsw.efConstruction = a.ef_construction
h.add(C)
build = time.perf_counter() - t
h.hnsw.efSearch = max(a.ef_search, a.k)
t2 = time.perf_counter()
_, Ih = h.search(Q, a.k)
search = time.perf_counter() - t2
res['hnswBuildMs'] = round(build * 1000)
res['hnswSearchMs'] = round(search * 1000)
res['hnswMs'] = round((build + search) * 1000)
res['hnswPeakMb'] = peak_mb()
Ih.astype(np.int32).tofile(a.out + '.hnsw')
hits = sum(len(set(If[i]) & set(Ih[i])) for i in range(len(Q)))
res['hnswRecall'] = round(hits / (len(Q) * a.k), 4)
print(json.dumps(res))
