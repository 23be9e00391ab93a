import path from 'node:path';
import { lineChart } from '../charts/line-chart.js';
import { figure, table, type Section } from '../html/page.js';
import { readJson, readJsonLines } from '../read/read-files.js';

/** What a `train-log.jsonl` line may hold (pretext's EpochRecord; epoch 0 is the untrained kNN baseline). */
interface EpochLine {
  epoch: number;
  loss?: number;
  lr?: number;
  imagesPerSecond?: number;
  knn?: { head?: { weighted?: number; majority?: number; k?: number }; backbone?: { weighted?: number } };
}

/** STEP 1: the SimCLR loss per epoch and the kNN accuracy curves (pretext/train-log.jsonl). */
export async function pretextSection(dir: string | undefined): Promise<Section> {
  const s: Section = { id: 'pretext', title: 'STEP 1 · SimCLR', html: '', missing: [] };
  if (!dir) {
    s.missing.push('No pretext run here (pretext/train-log.jsonl): run `twindb pretext` or `twindb pipeline` to see the SimCLR loss and kNN curves.');
    return s;
  }
  const lines = ((await readJsonLines<EpochLine>(path.join(dir, 'train-log.jsonl'))) ?? []).filter((l) => typeof l.epoch === 'number');
  const summary = await readJson<Record<string, unknown>>(path.join(dir, 'pretext.summary.json'));
  const losses = lines.filter((l) => l.epoch > 0 && typeof l.loss === 'number').map((l) => [l.epoch, l.loss!] as [number, number]);
  const knn = lines.filter((l) => l.knn);
  const parts: string[] = ['<div class="charts">'];
  if (losses.length) {
    parts.push(figure(lineChart({ title: 'SimCLR loss per epoch', series: [{ name: 'loss', points: losses }], xLabel: 'epoch', yLabel: 'mean NT-Xent loss', integerX: true }), 'Lower is better; the mean contrastive loss over the epoch\'s batches.'));
  } else {
    s.missing.push(`${path.join(dir, 'train-log.jsonl')} holds no finished epoch yet.`);
  }
  if (knn.length) {
    const k = knn.find((l) => l.knn?.head?.k)?.knn?.head?.k;
    parts.push(
      figure(
        lineChart({
          title: `kNN accuracy on val_db${k ? ` (${k}-NN)` : ''}`,
          series: [
            { name: 'head', points: knn.map((l) => [l.epoch, l.knn?.head?.weighted ?? NaN] as [number, number]) },
            { name: 'backbone', points: knn.map((l) => [l.epoch, l.knn?.backbone?.weighted ?? NaN] as [number, number]) },
          ],
          xLabel: 'epoch (0 = untrained)',
          yLabel: 'accuracy',
          yDomain: [0, 1],
          integerX: true,
        }),
        'Weighted k-NN accuracy of val_db against the training DB; higher is better.',
      ),
    );
  } else {
    s.missing.push('No kNN curve: this run had no kNN monitoring (no labelled val_db; `twindb pipeline` turns it off, since its target is in the training bank).');
  }
  parts.push('</div>');
  const last = lines.filter((l) => l.epoch > 0).at(-1);
  if (summary || last) {
    parts.push(
      table([
        ['', 'value'],
        ['epochs completed', (summary?.epochsCompleted as number | undefined) ?? last?.epoch],
        ['final loss', (summary?.finalLoss as number | undefined) ?? last?.loss],
        ['training images', summary?.trainImages as number | undefined],
        ['images / s (last epoch)', last?.imagesPerSecond],
        ['backend', typeof summary?.backend === 'string' ? summary.backend : undefined],
      ]),
    );
  }
  s.html = parts.join('');
  return s;
}
