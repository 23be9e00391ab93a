import type { Rng } from '../../math/random.js';
import { BasicBlock } from './basic-block.js';
import { Sequential } from './sequential.js';

/** Widths and first-block strides of the four stages; every stage has two BasicBlocks. */
const STAGES: ReadonlyArray<{ width: number; stride: number }> = [
  { width: 64, stride: 1 },
  { width: 128, stride: 2 },
  { width: 256, stride: 2 },
  { width: 512, stride: 2 },
];

/**
 * `layer1` … `layer4` of the reference's CIFAR and STL ResNet-18 (spec §4.1), which differ only
 * around these stages: [2, 2, 2, 2] BasicBlocks of widths 64/128/256/512 taking the 64-channel
 * stem output, a projection shortcut where the stride or width changes. The caller registers
 * stage i as `layer{i+1}`.
 */
export function resnet18Stages(rng: Rng): Sequential[] {
  let inWidth = 64;
  return STAGES.map(({ width, stride }) => {
    const stage = new Sequential([new BasicBlock(inWidth, width, stride, rng), new BasicBlock(width, width, 1, rng)]);
    inWidth = width;
    return stage;
  });
}
