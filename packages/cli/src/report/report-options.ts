import { z } from 'zod';

export const ReportOptionsSchema = z.object({
  run: z.string().min(1).describe('the run folder: the --out of `twindb pipeline`, or of one step (sample, pretext, scan, selflabel) (required)'),
  out: z.string().min(1).optional().describe('the HTML file to write (default: <run>/report.html)'),
  mapPoints: z
    .number()
    .int()
    .min(0)
    .max(20000)
    .default(2000)
    .describe('embeddings on the UMAP map, target + selected + pool together, drawn at random (0 = no map; UMAP takes a few seconds per thousand)'),
  strips: z.number().int().min(0).max(500).default(8).describe('targets shown next to their nearest pool images'),
  uncovered: z.number().int().min(0).max(500).default(24).describe('uncovered targets shown at most'),
  prototypes: z.number().int().min(1).max(50).default(10).describe('most confident images shown per cluster'),
  seed: z.number().int().default(0).describe('seed of the map\'s sampling and layout and of the targets given a strip'),
});

export type ReportOptionsInput = z.input<typeof ReportOptionsSchema>;
export type ReportOptions = z.output<typeof ReportOptionsSchema>;
