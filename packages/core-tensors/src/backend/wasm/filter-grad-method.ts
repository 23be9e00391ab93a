/**
 * Which filter-gradient implementation a layer shape gets. Rule fitted to per-call times at
 * batch 128 on CIFAR ResNet-18 shapes (2-thread XNNPACK, ms, GEMM vs transposed conv):
 * 3-ch stem 26 vs 124; 3×3 stride 1: 64-ch 32×32 882 vs 502, 128-ch 16×16 481 vs 340, 256-ch
 * 8×8 391 vs 297, 512-ch 4×4 346 vs 276; 3×3 stride 2: 64→128 307 vs 257, 128→256 175 vs 196,
 * 256→512 129 vs 153; 1×1 stride 2: GEMM 3–4× faster. The transposed conv pays two transposes
 * and a dilated "filter" of the whole output plane; it wins once the patch matrix would hold
 * kh·kw copies of many channels. A fixed rule (not a timed autotune) keeps results reproducible.
 */
import type { FilterGradGeometry } from './filter-grad-gemm.js';

export type FilterGradMethod = 'gemm' | 'transposed-conv';

export function filterGradMethod(g: FilterGradGeometry): FilterGradMethod {
  const spatialTaps = g.kh * g.kw;
  if (spatialTaps === 1 || g.ci < 16) return 'gemm';
  const unitStride = g.sh === 1 && g.sw === 1;
  return unitStride || g.ho * g.wo >= 256 ? 'transposed-conv' : 'gemm';
}
