import { z } from 'zod';
import type { LrSchedule } from '../lr-schedule.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { Sgd } from './sgd.js';

/** The reference configs' `optimizer_kwargs` (PyTorch names; coupled weight decay on every tensor). */
export const OptimizerKwargsSchema = z
  .object({
    lr: z.number().positive().describe('learning rate'),
    weight_decay: z.number().min(0).default(0).describe('coupled L2 added to every gradient (PyTorch semantics)'),
    momentum: z.number().min(0).max(1).default(0).describe('SGD only'),
    nesterov: z.boolean().default(false).describe('SGD only'),
  })
  .strict();

/** The reference configs' `scheduler_kwargs`. */
export const SchedulerKwargsSchema = z
  .object({
    lr_decay_rate: z.number().positive().optional().describe('cosine: floor lr·r³; step: factor per milestone'),
    lr_decay_epochs: z.array(z.number().int().nonnegative()).optional().describe('step: milestones (decay when epoch > d)'),
  })
  .strict();

export const OptimizerNameSchema = z.enum(['sgd', 'adam']);
export const SchedulerNameSchema = z.enum(['cosine', 'step', 'constant']);

/** The optimiser and schedule part of a SCAN-style YAML (pretext, scan and selflabel share it). */
export interface OptimizerConfig {
  optimizer: z.infer<typeof OptimizerNameSchema>;
  optimizer_kwargs: z.output<typeof OptimizerKwargsSchema>;
  scheduler: z.infer<typeof SchedulerNameSchema>;
  scheduler_kwargs: z.output<typeof SchedulerKwargsSchema>;
  epochs: number;
}

/** Zod refinement for {@link OptimizerConfig}: the keys a scheduler or optimiser needs, named by path. */
export function checkOptimizerConfig(c: OptimizerConfig, ctx: z.RefinementCtx): void {
  const sk = c.scheduler_kwargs;
  if (c.scheduler !== 'constant' && sk.lr_decay_rate === undefined) {
    ctx.addIssue({ code: 'custom', path: ['scheduler_kwargs', 'lr_decay_rate'], message: `missing (required by scheduler "${c.scheduler}")` });
  }
  if (c.scheduler === 'step' && sk.lr_decay_epochs === undefined) {
    ctx.addIssue({ code: 'custom', path: ['scheduler_kwargs', 'lr_decay_epochs'], message: 'missing (required by scheduler "step")' });
  }
  if (c.optimizer === 'adam' && (c.optimizer_kwargs.momentum !== 0 || c.optimizer_kwargs.nesterov)) {
    ctx.addIssue({ code: 'custom', path: ['optimizer_kwargs'], message: 'momentum and nesterov are SGD options; adam takes lr and weight_decay' });
  }
  if (c.optimizer_kwargs.nesterov && c.optimizer_kwargs.momentum === 0) {
    ctx.addIssue({ code: 'custom', path: ['optimizer_kwargs', 'nesterov'], message: 'nesterov needs momentum > 0 (as in torch.optim.SGD)' });
  }
}

/** The optimiser a config names, with PyTorch semantics (coupled weight decay on every tensor). */
export function createOptimizer(c: Pick<OptimizerConfig, 'optimizer' | 'optimizer_kwargs'>): Optimizer {
  const k = c.optimizer_kwargs;
  switch (c.optimizer) {
    case 'sgd':
      return new Sgd({ lr: k.lr, momentum: k.momentum, nesterov: k.nesterov, weight_decay: k.weight_decay });
    case 'adam':
      return new Adam({ lr: k.lr, weight_decay: k.weight_decay });
  }
}

/** The learning-rate schedule a config describes (validated by {@link checkOptimizerConfig}). */
export function lrScheduleOf(c: OptimizerConfig): LrSchedule {
  const lr = c.optimizer_kwargs.lr;
  switch (c.scheduler) {
    case 'cosine':
      return { scheduler: 'cosine', lr, epochs: c.epochs, lr_decay_rate: c.scheduler_kwargs.lr_decay_rate! };
    case 'step':
      return { scheduler: 'step', lr, lr_decay_rate: c.scheduler_kwargs.lr_decay_rate!, lr_decay_epochs: c.scheduler_kwargs.lr_decay_epochs! };
    case 'constant':
      return { scheduler: 'constant', lr };
  }
}
