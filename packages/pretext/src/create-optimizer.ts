import { Adam } from './optim/adam.js';
import type { Optimizer } from './optim/optimizer.js';
import { Sgd } from './optim/sgd.js';
import type { PretextConfig } from './pretext-config.js';

/** The optimiser a config names, with PyTorch semantics (coupled weight decay on every tensor). */
export function createOptimizer(c: Pick<PretextConfig, 'optimizer' | 'optimizer_kwargs'>): Optimizer {
  const k = c.optimizer_kwargs;
  switch (c.optimizer) {
    case 'sgd':
      return new Sgd({ lr: k.lr, momentum: k.momentum, nesterov: k.nesterov, weight_decay: k.weight_decay });
    case 'adam':
      return new Adam({ lr: k.lr, weight_decay: k.weight_decay });
  }
}
