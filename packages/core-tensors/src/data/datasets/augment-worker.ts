// The worker_threads entry of AugmentWorkerPool: decodes (when given a file) and augments one sample
// per message and posts both views back with their buffers transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { transformFromRecipe } from '../augment/strategies/transform-from-recipe.js';
import { decodeImageFile } from '../decode/decode-image-file.js';
import { ImageReadError } from '../decode/image-read-error.js';
import type { ImageF32 } from '../image.js';
import type { AugmentReply, AugmentTask, AugmentWorkerInit, PostedView } from './augment-task.js';
import { augmentViews } from './augment-views.js';

const init = workerData as AugmentWorkerInit;
const standard = transformFromRecipe(init.standard);
const augment = transformFromRecipe(init.augment);
const port = parentPort!;

port.on('message', (task: AugmentTask) => {
  void run(task).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (err: unknown) => port.postMessage(failure(task.id, err)),
  );
});
port.postMessage({ ready: true } satisfies AugmentReply);

async function run(task: AugmentTask): Promise<{ reply: AugmentReply; transfer: ArrayBuffer[] }> {
  const img = task.image ?? (await decodeImageFile(task.path!, init.fileFormat));
  const v = augmentViews(standard, augment, init.seed, task.epoch, task.index, img);
  const image = own(v.image);
  const augmented = own(v.augmented);
  // Both views may be one buffer (a transform returning its input); a buffer is listed once to transfer.
  const transfer = [...new Set([image.data.buffer, augmented.data.buffer])] as ArrayBuffer[];
  return { reply: { id: task.id, ok: true, image, augmented }, transfer };
}

/** A view whose buffer holds exactly its pixels, so that transferring it moves nothing else. */
function own(v: ImageF32): PostedView {
  const d = v.data;
  const data = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
  return { width: v.width, height: v.height, channels: v.channels, data };
}

function failure(id: number, err: unknown): AugmentReply {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    id,
    ok: false,
    message: e.message,
    stack: e.stack,
    ...(err instanceof ImageReadError ? { readError: { file: err.file, reason: err.reason } } : {}),
  };
}
