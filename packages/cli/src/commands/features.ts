import type { Command } from 'commander';
import { exportFeaturesCsv, importFeaturesCsv, openFeatureFile } from '@twindb/core-tensors';

/** `twindb features …`: inspect feature files and convert them from/to the original scripts' CSV. */
export function registerFeaturesCommand(program: Command): void {
  const features = program.command('features').description('Inspect Arrow feature files and convert to/from CSV (path,f0,f1,…)');

  features
    .command('info <file>')
    .description('Print a feature file\'s metadata, row count and batches as JSON (reads only the footer)')
    .action(async (file: string) => {
      const info = await openFeatureFile(file);
      process.stdout.write(`${JSON.stringify({ path: info.path, rows: info.rows, bytes: info.byteLength, batches: info.batchRows.length, meta: info.meta }, null, 2)}\n`);
    });

  features
    .command('import-csv <csv> <arrow>')
    .description('Convert a CSV of features (header path,f0,…,f{d-1}; optional id, label) into an Arrow feature file')
    .option('--encoder <name>', 'encoder that produced the features (recorded in the metadata)', 'unknown')
    .option('--db <spec>', 'DB the features describe (recorded in the metadata)', '')
    .option('--normalized', 'the rows are L2-normalised (checked on every row)', false)
    .addHelpText('after', '\nExample:\n  twindb features import-csv target_features.csv target.arrow --encoder simclr-resnet18 --db folder:/data/target\n')
    .action(async (csv: string, arrow: string, opts: { encoder: string; db: string; normalized: boolean }) => {
      const r = await importFeaturesCsv(csv, arrow, { encoder: opts.encoder, db: opts.db, normalized: opts.normalized });
      process.stderr.write(`wrote ${r.rows} rows × ${r.dim} dims to ${arrow}\n`);
    });

  features
    .command('export-csv <arrow> <csv>')
    .description('Write an Arrow feature file as CSV in the original scripts\' layout (path,f0,f1,…); <csv> "-" = stdout')
    .option('--include-id', 'add an id column (required when ids differ from paths)', false)
    .option('--include-label', 'add a label column', false)
    .option('--headerless', "the fork's layout (its feature_extract.py / nn_maker.py): no header, rows name,f0,f1,… with the id as name, as Python's csv.writer writes them", false)
    .action(async (arrow: string, csv: string, opts: { includeId: boolean; includeLabel: boolean; headerless: boolean }) => {
      const r = await exportFeaturesCsv(arrow, csv, { includeId: opts.includeId, includeLabel: opts.includeLabel, headerless: opts.headerless });
      process.stderr.write(`wrote ${r.rows} rows × ${r.dim} dims to ${csv}\n`);
    });
}
