import { describe, expect, it } from 'vitest';
import { peerEnv } from './peer-python.js';

describe('peerEnv', () => {
  it('drops the OpenBLAS core pinning that slows a current BLAS, and keeps everything else', () => {
    const env = peerEnv({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '524288', OMP_NUM_THREADS: '2', PATH: '/usr/bin' });
    expect(env).toEqual({ OMP_NUM_THREADS: '2', PATH: '/usr/bin' });
  });
});
