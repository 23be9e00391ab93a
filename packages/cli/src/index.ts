/** @twindb/cli — the `twindb` command, also usable programmatically. */
export { createProgram, run, type GlobalOptions } from './program.js';
// The report (`twindb report`): report.html of a run folder, and its SVG chart functions.
export {
  ReportOptionsSchema,
  runReport,
  locateRun,
  lineChart,
  barChart,
  histogramChart,
  scatterChart,
  heatmapChart,
  type ReportOptions,
  type ReportOptionsInput,
  type ReportResult,
  type ReportSummary,
} from './report/index.js';
