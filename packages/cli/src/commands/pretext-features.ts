import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputDataError, type StepContext } from '@twindb/core-tensors';
import { formatDbSpec, parseDbSpec } from '@twindb/core-tensors/data';
import { runExtract } from '@twindb/feature-extract';

/** The feature files a SCAN / self-label run reads: the DB being clustered and its val DB. */
export interface StepFeatures {
  features: string;
  valFeatures?: string;
}

/**
 * Frozen-feature mode from a `twindb pretext` run folder: its `encoder.onnx` embeds the config's
 * train_db and val_db into `<out>/features/{train,val}.arrow` (STEP 1-1). A rerun finds them
 * complete and skips the work; the steps fingerprint the files they read.
 */
export async function featuresFromPretext(
  pretextRun: string,
  trainDb: unknown,
  valDb: unknown,
  out: string,
  ctx: StepContext,
): Promise<StepFeatures> {
  const encoder = path.join(pretextRun, 'encoder.onnx');
  if (!existsSync(encoder)) {
    throw new InputDataError(`--pretext ${pretextRun}: no encoder.onnx in it (a finished \`twindb pretext\` run writes one)`);
  }
  const dir = path.join(out, 'features');
  const extract = async (db: unknown, name: string) => {
    const file = path.join(dir, `${name}.arrow`);
    const s = await runExtract({ encoder, db: formatDbSpec(parseDbSpec(db)), out: file, runDir: dir }, ctx);
    ctx.log(`features of ${s.db}: ${s.rows} × ${s.dim}${s.skipped ? ' (already extracted)' : ` in ${s.seconds} s`} → ${file}`);
    return file;
  };
  const features = await extract(trainDb, 'train');
  const valFeatures = valDb === undefined ? undefined : await extract(valDb, 'val');
  return { features, valFeatures };
}
