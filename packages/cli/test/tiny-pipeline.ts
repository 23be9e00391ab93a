import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TINY_PRETEXT_CONFIG } from './tiny-pretext-config.js';

const common = { backbone: 'small-cnn', train_db: 'mnist:pool', num_classes: 2, optimizer: 'adam', scheduler: 'constant', seed: 0 };

/** A whole pipeline in seconds: 10×10 digits, a 1-epoch SimCLR, a 2-class target, short SCAN and self-label. */
export function tinyPipeline(dir: string): string {
  writeFileSync(path.join(dir, 'pretext.yml'), TINY_PRETEXT_CONFIG.replace('batch_size: 16', 'batch_size: 64'));
  writeFileSync(
    path.join(dir, 'scan.yml'),
    JSON.stringify({ ...common, setup: 'scan', num_heads: 2, num_neighbors: 5, criterion: 'scan', criterion_kwargs: { entropy_weight: 2 }, epochs: 4, batch_size: 16, optimizer_kwargs: { lr: 0.003 } }),
  );
  writeFileSync(
    path.join(dir, 'selflabel.yml'),
    JSON.stringify({ ...common, setup: 'selflabel', criterion: 'confidence-cross-entropy', criterion_kwargs: { apply_class_balancing: true }, confidence_threshold: 0.9, epochs: 2, batch_size: 16, optimizer_kwargs: { lr: 0.001 } }),
  );
  const yml = path.join(dir, 'pipeline.yml');
  writeFileSync(
    yml,
    JSON.stringify({
      pool_db: 'mnist:pool?n=300',
      target_db: 'mnist:heldout?classes=0-1&n=40',
      pretext: { config: 'pretext.yml' },
      sample: { mode: 'union', k: 3, reportSamples: 20, codebook: 0 },
      scan: { config: 'scan.yml' },
      selflabel: { config: 'selflabel.yml' },
    }),
  );
  return yml;
}
