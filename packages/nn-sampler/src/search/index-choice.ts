/**
 * `--index auto`: exact search costs ~ targets × pool dot products; HNSW costs a build of ~ pool ×
 * efConstruction distance evaluations plus ~ targets × efSearch × log(pool) per query. Constants
 * from this machine (issue #4): 100k × 128 pool, 2,000 queries → exact ≈ 1 s, HNSW build ≈ 28 s,
 * i.e. one exact dot ≈ 5 ns and one HNSW insert ≈ 280 µs at efConstruction 200.
 */
export function chooseIndex(
  targets: number,
  poolRows: number,
  dim: number,
  efConstruction: number,
  efSearch: number,
  indexCached: boolean,
): { choice: 'exact' | 'hnsw'; exactSeconds: number; hnswSeconds: number } {
  const scale = dim / 128;
  const exactSeconds = targets * poolRows * 5e-9 * scale;
  const build = indexCached ? 0 : poolRows * 280e-6 * (efConstruction / 200) * scale;
  const search = targets * efSearch * Math.log2(Math.max(2, poolRows)) * 2e-7 * scale;
  const hnswSeconds = build + search;
  return { choice: hnswSeconds < exactSeconds ? 'hnsw' : 'exact', exactSeconds, hnswSeconds };
}
