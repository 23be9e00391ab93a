import { MALLOC_TUNING_ENV } from '@twindb/core-tensors';
import { spawnSync } from 'node:child_process';

/**
 * The first Python interpreter that can import every module a peer needs: $TWINDB_PYTHON, python3
 * on PATH, then Debian's /usr/bin/python3 (where `apt-get install python3-torch python3-faiss
 * python3-torchvision libopenblas0-pthread` puts the peers, even when a pyenv python3 shadows it on
 * PATH; without an optimised BLAS, numpy and faiss fall back to the reference BLAS, ~1 GFLOP/s).
 */
export function findPeerPython(modules: string[]): { python: string | null; tried: string[] } {
  const tried = [...new Set([process.env.TWINDB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
  const probe = modules.map((m) => `import ${m}`).join('; ');
  for (const python of tried) {
    if (spawnSync(python, ['-c', probe], { stdio: 'ignore' }).status === 0) return { python, tried };
  }
  return { python: null, tried };
}

/**
 * The environment for a peer process: ours without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE. Where
 * they are set (some CI images pin an old core type), a current OpenBLAS picks slower kernels and
 * runs about tenfold slower, which would make the peer look worse than it is.
 */
export function peerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * `env` without the glibc malloc settings `npm run bench` runs with (core-tensors run/malloc-tuning.ts):
 * a peer as it runs by default. Peers keep them otherwise, since they speed PyTorch up too.
 */
export function withoutMallocTuning(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(MALLOC_TUNING_ENV)) delete out[k];
  return out;
}
