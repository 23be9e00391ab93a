"""Peer for `npm run bench -- nn`: exact cosine k-NN of the same float32 vectors with PyTorch,
torch.mm of a query block against the whole pool then torch.topk, on the same threads; and the
machine's GEMM roofline: the same products (queries x pool^T, same blocks) with no top-k at all.
Prints one JSON line."""
import argparse, json, os, time

p = argparse.ArgumentParser()
p.add_argument('--queries', required=True)
p.add_argument('--pool', required=True)
p.add_argument('--dim', type=int, required=True)
p.add_argument('--k', type=int, required=True)
p.add_argument('--threads', type=int, required=True)
p.add_argument('--query-block', type=int, default=512, help='query rows per torch.mm (a [block x pool] float32 product)')
p.add_argument('--out', required=True, help='where to write the [nq x k] int32 indices')
a = p.parse_args()
for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[v] = str(a.threads)
import numpy as np  # after the thread variables, which BLAS reads at load
import torch

torch.set_num_threads(a.threads)
Q = torch.from_numpy(np.fromfile(a.queries, dtype=np.float32).reshape(-1, a.dim))
C = torch.from_numpy(np.fromfile(a.pool, dtype=np.float32).reshape(-1, a.dim))
Q = torch.nn.functional.normalize(Q, dim=1)
C = torch.nn.functional.normalize(C, dim=1)
CT = C.t()  # a view: BLAS reads it transposed, no copy
nq, b = Q.shape[0], a.query_block
S = torch.empty(min(b, nq), C.shape[0])
torch.mm(Q[:8], CT[:, :1024])  # load BLAS and start its threads outside the timings

def topk():
    I = torch.empty(nq, a.k, dtype=torch.int64)
    for q0 in range(0, nq, b):
        s = torch.mm(Q[q0:q0 + b], CT, out=S[:min(b, nq - q0)])
        I[q0:q0 + b] = torch.topk(s, a.k, dim=1).indices
    return I

def sgemm():
    for q0 in range(0, nq, b):
        torch.mm(Q[q0:q0 + b], CT, out=S[:min(b, nq - q0)])

t = time.perf_counter()
I = topk()
topk_s = time.perf_counter() - t
t = time.perf_counter()
sgemm()
sgemm_s = time.perf_counter() - t
I.to(torch.int32).numpy().tofile(a.out)
print(json.dumps({'torch': torch.__version__, 'threads': a.threads, 'queryBlock': b, 'topkMs': round(topk_s * 1000), 'sgemmMs': round(sgemm_s * 1000)}))
