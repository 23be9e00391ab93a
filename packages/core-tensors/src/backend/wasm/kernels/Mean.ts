/** Mean on the wasm backend: leading-axes float32 reductions on the heap, the rest to the stock kernel. */
import { Mean } from '@tensorflow/tfjs-core';
import { leadingAxesReduceConfig } from '../leading-axes-reduce.js';

export const meanConfig = leadingAxesReduceConfig(Mean);
