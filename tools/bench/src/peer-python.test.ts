import { describe, expect, it } from 'vitest';
import { peerEnv, withoutMallocTuning } from './peer-python.js';

describe('peerEnv', () => {
  it('drops the OpenBLAS core pinning that slows a current BLAS, and keeps everything else', () => {
    const env = peerEnv({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '524288', OMP_NUM_THREADS: '2', PATH: '/usr/bin' });
    expect(env).toEqual({ OMP_NUM_THREADS: '2', PATH: '/usr/bin' });
  });
});

describe('withoutMallocTuning', () => {
  it('drops the malloc settings and keeps everything else', () => {
    expect(withoutMallocTuning({ MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '68719476736', PATH: '/usr/bin' })).toEqual({ PATH: '/usr/bin' });
  });
});
