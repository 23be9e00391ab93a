import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, OptimizerSlot } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  weight_decay?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD (dampening 0): g ← ∇θ + λθ; v ← μv + g (v starts at g); θ ← θ − lr·(nesterov ? g + μv : v). */
export class Sgd implements Optimizer {
  learningRate: number;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;
  private readonly velocity = new Map<string, tf.Variable>();
  private steps = 0;

  constructor(opts: SgdOptions) {
    this.learningRate = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weight_decay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && this.momentum <= 0) throw new Error('sgd: nesterov requires momentum > 0');
  }

  get iterations(): number {
    return this.steps;
  }

  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>): void {
    tf.tidy(() => {
      for (const v of variables) {
        const raw = grads[v.name];
        if (!raw) continue;
        let g = this.weightDecay ? tf.add(raw, tf.mul(v, this.weightDecay)) : raw;
        if (this.momentum) {
          const buf = this.velocity.get(v.name);
          if (!buf) {
            this.velocity.set(v.name, tf.variable(g, false));
          } else {
            buf.assign(tf.add(tf.mul(buf, this.momentum), g));
          }
          const vel = this.velocity.get(v.name)!;
          g = this.nesterov ? tf.add(g, tf.mul(vel, this.momentum)) : vel;
        }
        v.assign(tf.sub(v, tf.mul(g, this.learningRate)));
      }
    });
    this.steps++;
  }

  getState(): { iterations: number; slots: OptimizerSlot[] } {
    return {
      iterations: this.steps,
      slots: [...this.velocity.entries()].map(([name, t]) => ({ name: `${name}/momentum`, tensor: t })),
    };
  }

  setState(state: { iterations: number; slots: OptimizerSlot[] }): void {
    this.dispose();
    this.steps = state.iterations;
    for (const { name, tensor } of state.slots) {
      const varName = name.replace(/\/momentum$/, '');
      this.velocity.set(varName, tf.variable(tensor, false));
    }
  }

  dispose(): void {
    for (const t of this.velocity.values()) t.dispose();
    this.velocity.clear();
  }
}
