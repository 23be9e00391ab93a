import path from 'node:path';
import type { Command } from 'commander';
import { InputDataError, loadFeatures, UsageError } from '@twindb/core-tensors';
import { openImageSource } from '@twindb/core-tensors/data';
import { runExtract } from '@twindb/feature-extract';
import { evaluateAgainstLabels, readPredictions, writeConfusion } from '@twindb/scan';
import { z } from 'zod';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

export const EvalOptionsSchema = z.object({
  db: z.string().min(1).describe('the labelled DB to score against (DB spec, e.g. mnist:heldout?classes=0-4)'),
  predictions: z.string().min(1).optional().describe('a predictions.csv (or .arrow) of twindb scan / selflabel: rows are matched to the DB by id'),
  classifier: z.string().min(1).optional().describe('a classifier.onnx of twindb scan / selflabel: run on every image of the DB'),
  out: z.string().min(1).optional().describe('folder for confusion.csv / confusion.svg (and the classifier\'s probabilities.arrow)'),
});

/** `twindb eval`: Hungarian accuracy, NMI, ARI, many-to-one and top-5 of a classifier or a predictions file on a labelled DB. */
export function registerEvalCommand(program: Command): void {
  const flags = new SchemaFlags(EvalOptionsSchema, { db: { valueName: 'spec' }, predictions: { valueName: 'file' }, classifier: { valueName: 'onnx' }, out: { valueName: 'dir' } });
  const cmd = program
    .command('eval')
    .description('Score a classifier.onnx or a predictions file against a labelled DB (Hungarian ACC, NMI, ARI, many-to-one, top-5)')
    .option('--json', 'print the scores as JSON');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb eval --predictions runs/selflabel/predictions.csv --db mnist:pool\n  twindb eval --classifier runs/selflabel/classifier.onnx --db mnist:heldout --out runs/eval\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const o = flags.parse(raw);
      const ctx = stepContextForCli();
      if ((o.predictions === undefined) === (o.classifier === undefined)) throw new UsageError('give one of --predictions and --classifier');
      let ids: string[];
      let cluster: Int32Array;
      let probs: Float32Array;
      let k: number;
      let labelOf: (row: number) => number;
      if (o.classifier !== undefined) {
        const out = path.join(o.out ?? path.dirname(o.classifier), 'probabilities.arrow');
        await runExtract({ encoder: o.classifier, db: o.db, out, l2Normalize: false, force: true }, ctx);
        const f = await loadFeatures(out);
        ({ ids, embeddings: probs } = f);
        k = f.dim;
        cluster = Int32Array.from({ length: f.rows }, (_, r) => argmax(probs.subarray(r * k, (r + 1) * k)));
        labelOf = (r) => f.labels[r] ?? -1;
      } else {
        const p = await readPredictions(o.predictions!);
        ({ ids, cluster, k } = p);
        probs = p.probabilities;
        if (k === 0) k = Math.max(...cluster) + 1;
        if (p.probabilities.length === 0) probs = new Float32Array(ids.length * k);
        const db = await openImageSource(o.db);
        const byId = new Map(db.records.map((r) => [r.id, r.label ?? -1]));
        const found = ids.filter((id) => byId.has(id)).length;
        if (found === 0) throw new InputDataError(`${o.predictions}: none of its ${ids.length} ids is in ${db.name}; score it against the DB it was made from`);
        if (found < ids.length) ctx.log(`eval: ${ids.length - found} of ${ids.length} rows are not in ${db.name} and are left out`);
        labelOf = (r) => byId.get(ids[r]) ?? -1;
      }
      const labels = Int32Array.from(ids, (_, r) => labelOf(r));
      const e = evaluateAgainstLabels(cluster, probs, k, labels);
      if (!e) throw new InputDataError(`${o.db}: no row has a label; eval needs a labelled DB`);
      const summary = { n: e.labelled, clusters: k, classes: e.classes.length, acc: e.acc, nmi: e.nmi, ari: e.ari, manyToOneAcc: e.manyToOneAcc, top5: e.top5, clusterToLabel: e.clusterToLabel };
      if (o.out) {
        const files = await writeConfusion(path.join(o.out, 'confusion'), e, `eval: ${o.db}`);
        ctx.log(`eval: ${files.csv}, ${files.svg}`);
      }
      process.stdout.write(
        raw.json === true
          ? `${JSON.stringify(summary)}\n`
          : `eval on ${o.db}: ${e.labelled} labelled rows, ${k} clusters vs ${e.classes.length} classes · ACC ${e.acc.toFixed(4)} · NMI ${e.nmi.toFixed(4)} · ARI ${e.ari.toFixed(4)} · many-to-one ${e.manyToOneAcc.toFixed(4)}${e.top5 !== undefined ? ` · top-5 ${e.top5.toFixed(4)}` : ''}\n`,
      );
    });
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}
