import path from 'node:path';
import type { Command } from 'commander';
import { formatDbSpec } from '@twindb/core-tensors/data';
import { parseBackendChoice } from '@twindb/core-tensors/backend';
import { loadPretextConfig, trainSimclr, type KnnReport } from '@twindb/pretext';

interface PretextOptions {
  configExp: string;
  configEnv?: string;
  out?: string;
  resume: boolean;
  json: boolean;
  evaluateUntrained: boolean;
}

/** `twindb pretext`: STEP 1, SimCLR training driven by a SCAN-style YAML config. */
export function registerPretextCommand(program: Command): void {
  program
    .command('pretext')
    .description('STEP 1: train SimCLR features on the config\'s train_db (checkpoint after every epoch, kNN monitoring on val_db)')
    .requiredOption('--config-exp <yml>', 'experiment config (configs/pretext/simclr_*.yml)')
    .option('--config-env <yml>', 'env config with root_dir; the run goes to <root_dir>/<train_db>/pretext unless --out is given')
    .option('--out <dir>', 'run folder (checkpoint.safetensors, model.safetensors, train-log.jsonl)')
    .option('--resume', 'continue the run folder\'s checkpoint (the config must not have changed)', false)
    .option('--evaluate-untrained', 'also measure kNN accuracy of the untrained network (the baseline)', false)
    .option('--json', 'print a summary object on stdout when done', false)
    .addHelpText('after', '\nExample:\n  twindb pretext --config-exp configs/pretext/simclr_mnist.yml --out runs/mnist --json\n')
    .action(async (opts: PretextOptions) => {
      const { backend } = program.opts<{ backend?: string }>();
      const { config, env, expPath } = await loadPretextConfig(opts.configExp, opts.configEnv);
      const runDir = opts.out ?? defaultRunDir(expPath, config.train_db.map((d) => formatDbSpec(d)), env?.root_dir);
      const r = await trainSimclr({
        config,
        runDir,
        resume: opts.resume,
        backend: backend ? parseBackendChoice(backend, '--backend') : undefined,
        evaluateUntrained: opts.evaluateUntrained,
      });
      if (opts.json) {
        const knn = (k?: KnnReport) =>
          k && { k: k.head.k, head: { weighted: k.head.weighted, majority: k.head.majority }, backbone: { weighted: k.backbone.weighted, majority: k.backbone.majority } };
        const summary = {
          runDir: r.runDir,
          epochs: r.epochs,
          epochsCompleted: r.epochsCompleted,
          startEpoch: r.startEpoch,
          finalLoss: r.finalLoss,
          knn: knn(r.knn),
          untrainedKnn: knn(r.untrained),
          checkpoint: r.checkpointPath,
          model: r.modelPath,
          onnx: r.onnxPath,
          backend: r.backend,
          trainImages: r.trainImages,
        };
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      }
    });
}

/** The reference's `<root_dir>/<train_db_name>/pretext`, else `runs/pretext/<config name>`. */
function defaultRunDir(expPath: string, trainDbs: string[], rootDir?: string): string {
  if (rootDir) return path.join(rootDir, trainDbs.join('+').replace(/[^A-Za-z0-9._=-]+/g, '_'), 'pretext');
  return path.join('runs', 'pretext', path.basename(expPath).replace(/\.ya?ml$/i, ''));
}
