import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, OptimizerSlot } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  weight_decay?: number;
  betas?: [number, number];
  eps?: number;
}

/**
 * torch.optim.Adam (amsgrad off) with *coupled* L2 (g ← ∇θ + λθ, not AdamW):
 * m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − lr·m̂/(√v̂ + eps), bias-corrected, eps 1e-8.
 */
export class Adam implements Optimizer {
  learningRate: number;
  private readonly weightDecay: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private steps = 0;

  constructor(opts: AdamOptions) {
    this.learningRate = opts.lr;
    this.weightDecay = opts.weight_decay ?? 0;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
  }

  get iterations(): number {
    return this.steps;
  }

  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>): void {
    const t = this.steps + 1;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    tf.tidy(() => {
      for (const p of variables) {
        const raw = grads[p.name];
        if (!raw) continue;
        const g = this.weightDecay ? tf.add(raw, tf.mul(p, this.weightDecay)) : raw;
        const m = this.slot(this.m, p);
        const v = this.slot(this.v, p);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, bc2)), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), this.learningRate / bc1)));
      }
    });
    this.steps = t;
  }

  private slot(map: Map<string, tf.Variable>, p: tf.Variable): tf.Variable {
    let s = map.get(p.name);
    if (!s) {
      s = tf.variable(tf.zerosLike(p), false);
      map.set(p.name, s);
    }
    return s;
  }

  getState(): { iterations: number; slots: OptimizerSlot[] } {
    const slots: OptimizerSlot[] = [];
    for (const [name, t] of this.m) slots.push({ name: `${name}/m`, tensor: t });
    for (const [name, t] of this.v) slots.push({ name: `${name}/v`, tensor: t });
    return { iterations: this.steps, slots };
  }

  setState(state: { iterations: number; slots: OptimizerSlot[] }): void {
    this.dispose();
    this.steps = state.iterations;
    for (const { name, tensor } of state.slots) {
      const match = /^(.*)\/(m|v)$/.exec(name);
      if (!match) throw new Error(`adam: unexpected optimizer slot "${name}" (expected "<variable>/m" or "<variable>/v")`);
      (match[2] === 'm' ? this.m : this.v).set(match[1], tf.variable(tensor, false));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
