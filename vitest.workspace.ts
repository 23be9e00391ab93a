// The one list of test projects (Vitest 3.x honours this file; pinned because Vitest 4 removed it).
export default ['packages/*/vitest.config.ts', 'tools/bench/vitest.config.ts'];
