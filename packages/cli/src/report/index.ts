/**
 * The report — `twindb report <run-folder>`: one self-contained report.html of a run (SimCLR
 * curves, the new DB's match to the target, an embedding map, neighbour strips, clusters). Reads the
 * steps' output files only; never loads tfjs or ONNX Runtime.
 */
export { ReportOptionsSchema, type ReportOptions, type ReportOptionsInput } from './report-options.js';
export { runReport, type ReportResult, type ReportSummary } from './run-report.js';
export { locateRun, type RunLayout } from './locate-run.js';
export { checkReportFile, writeReportFile, REPORT_MARKER } from './write-report-file.js';
// --- charts: pure functions, data → one inline <svg> string ------------------------------------
export { lineChart, type LineChartOptions, type LineSeries } from './charts/line-chart.js';
export { barChart, type BarChartOptions, type BarSeries } from './charts/bar-chart.js';
export { histogramChart, type HistogramChartOptions, type HistogramSeries } from './charts/histogram-chart.js';
export { scatterChart, type ScatterChartOptions, type ScatterSeries } from './charts/scatter-chart.js';
export { heatmapChart, type HeatmapChartOptions } from './charts/heatmap-chart.js';
export { umapLayout, sampleFeatureRows } from './embedding-map.js';
