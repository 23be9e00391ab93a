import type { Bench } from '../bench.js';
import { decodeBench } from './decode.js';
import { extractBench } from './extract.js';
import { topk } from './topk.js';
import { trainStep } from './train-step.js';
import { nnBench } from './nn.js';
import { scanBench } from './scan.js';

/** The registry of benchmarks: `npm run bench -- <name>`. Add one import and one entry per bench. */
export const benches: Bench[] = [decodeBench, trainStep, topk, nnBench, extractBench, scanBench];
