import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { Sgd } from './sgd.js';

// Hand-rolled float64 PyTorch updates, 3 steps on a scalar parameter with a fixed gradient sequence.
const grads = [0.5, -0.25, 1.0];

function torchSgd(theta: number, lr: number, mu: number, wd: number, nesterov: boolean): number {
  let v: number | undefined;
  for (const g0 of grads) {
    const g = g0 + wd * theta;
    v = v === undefined ? g : mu * v + g;
    theta -= lr * (nesterov ? g + mu * v : v);
  }
  return theta;
}

function torchAdam(theta: number, lr: number, wd: number): number {
  let m = 0;
  let v = 0;
  grads.forEach((g0, i) => {
    const t = i + 1;
    const g = g0 + wd * theta;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const mh = m / (1 - 0.9 ** t);
    const vh = v / (1 - 0.999 ** t);
    theta -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
  });
  return theta;
}

function run(opt: Sgd | Adam, name: string): number {
  const p = tf.variable(tf.scalar(2), true, name);
  for (const g of grads) opt.step([p], { [name]: tf.scalar(g) });
  const out = p.dataSync()[0];
  p.dispose();
  return out;
}

describe('PyTorch-semantics optimisers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('SGD with momentum and coupled weight decay', () => {
    expect(run(new Sgd({ lr: 0.1, momentum: 0.9, weight_decay: 1e-2 }), 'sgd1')).toBeCloseTo(torchSgd(2, 0.1, 0.9, 1e-2, false), 5);
  });

  it('SGD with Nesterov momentum', () => {
    expect(run(new Sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), 'sgd2')).toBeCloseTo(torchSgd(2, 0.1, 0.9, 0, true), 5);
  });

  it('Adam with coupled L2 (not AdamW)', () => {
    expect(run(new Adam({ lr: 0.01, weight_decay: 0.1 }), 'adam1')).toBeCloseTo(torchAdam(2, 0.01, 0.1), 5);
  });

  it('state round-trips so that a resumed run continues identically', () => {
    const a = new Adam({ lr: 0.01 });
    const p = tf.variable(tf.scalar(2), true, 'adamR');
    a.step([p], { adamR: tf.scalar(grads[0]) });
    const state = a.getState();
    const b = new Adam({ lr: 0.01 });
    b.setState({ iterations: state.iterations, slots: state.slots.map((s) => ({ name: s.name, tensor: s.tensor.clone() })) });
    a.dispose();
    b.step([p], { adamR: tf.scalar(grads[1]) });
    b.step([p], { adamR: tf.scalar(grads[2]) });
    expect(p.dataSync()[0]).toBeCloseTo(torchAdam(2, 0.01, 0), 5);
    expect(b.iterations).toBe(3);
  });
});
