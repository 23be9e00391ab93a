import type { Command } from 'commander';
import { extractFeatures, parseShard } from '@twindb/feature-extract';

interface ExtractFlags {
  encoder: string;
  db: string;
  out: string;
  batchSize: string;
  threads?: string;
  concurrency?: string;
  shard?: string;
  fit: string;
  layout?: string;
  inputShape?: string;
  mean?: string;
  std?: string;
  l2: boolean;
  runDir?: string;
  force: boolean;
  json: boolean;
}

const numbers = (flag: string, text: string | undefined): number[] | undefined => {
  if (text === undefined) return undefined;
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.some((x) => !Number.isFinite(x))) throw new Error(`${flag}: expected comma-separated numbers, got "${text}"`);
  return v;
};

const integer = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v)) throw new Error(`${flag}: expected an integer, got "${text}"`);
  return v;
};

/** `twindb extract`: STEP 1-1, embeddings of a DB with an ONNX encoder into an Arrow feature file. */
export function registerExtractCommand(program: Command): void {
  program
    .command('extract')
    .description('STEP 1-1: embed every image of a DB (or one shard) with an ONNX encoder into an Arrow feature file')
    .requiredOption('--encoder <onnx>', 'ONNX encoder (twindb pretext writes <run>/encoder.onnx; any image encoder works with --mean/--std)')
    .requiredOption('--db <spec>', 'DB spec: folder:/path, list:/file.txt, mnist:pool, cifar10:test?classes=0-4, ...')
    .requiredOption('--out <arrow>', 'feature file to write (appears only when complete)')
    .option('--batch-size <n>', 'images per encoder call', '256')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
    .option('--concurrency <n>', 'images decoded at once (default: 2 × cores)')
    .option('--shard <i/n>', 'embed only the i-th of n contiguous parts (job arrays on Slurm or Kubernetes)')
    .option('--fit <mode>', 'crop | pad | stretch to the encoder\'s input size', 'crop')
    .option('--layout <NHWC|NCHW>', 'input layout, for encoders without twindb metadata')
    .option('--input-shape <H,W,C>', 'input size, for encoders without twindb metadata')
    .option('--mean <m1,m2,m3>', 'pixel mean of (x/255 − mean)/std, for encoders without twindb metadata')
    .option('--std <s1,s2,s3>', 'pixel std, for encoders without twindb metadata')
    .option('--no-l2', 'keep the encoder\'s raw output (default: L2-normalise, as cosine search needs)')
    .option('--run-dir <dir>', 'where extract.log.jsonl and extract.summary.json go (default: the output folder)')
    .option('--force', 'extract again even if --out already holds this DB and encoder', false)
    .option('--json', 'print the summary object on stdout when done', false)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb extract --encoder runs/mnist/encoder.onnx --db mnist:pool --out feats/pool.arrow --json\n' +
        '  twindb extract --encoder resnet50.onnx --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --db folder:/data/pool --out pool-3.arrow --shard 3/8\n',
    )
    .action(async (flags: ExtractFlags) => {
      const inputShape = numbers('--input-shape', flags.inputShape);
      if (inputShape && inputShape.length !== 3) throw new Error(`--input-shape: expected H,W,C, got "${flags.inputShape}"`);
      const summary = await extractFeatures({
        encoder: flags.encoder,
        db: flags.db,
        out: flags.out,
        batchSize: integer('--batch-size', flags.batchSize),
        threads: integer('--threads', flags.threads),
        concurrency: integer('--concurrency', flags.concurrency),
        shard: flags.shard ? parseShard(flags.shard) : undefined,
        fit: flags.fit as 'crop' | 'pad' | 'stretch',
        layout: flags.layout as 'NHWC' | 'NCHW' | undefined,
        inputShape: inputShape as [number, number, number] | undefined,
        mean: numbers('--mean', flags.mean),
        std: numbers('--std', flags.std),
        l2Normalize: flags.l2,
        runDir: flags.runDir,
        force: flags.force,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stderr.write(`extract: ${summary.rows} embeddings (dim ${summary.dim}) → ${summary.out}${summary.skipped ? ' (already complete)' : ''}\n`);
    });
}
