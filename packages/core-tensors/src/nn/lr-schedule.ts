import { z } from 'zod';

/** The reference's `scheduler` + `scheduler_kwargs` (SCAN `adjust_learning_rate`). */
export const LrScheduleSchema = z.discriminatedUnion('scheduler', [
  z.object({
    scheduler: z.literal('cosine'),
    lr: z.number().positive(),
    epochs: z.number().int().positive(),
    lr_decay_rate: z.number().positive().describe('r: the floor is lr·r³'),
  }),
  z.object({
    scheduler: z.literal('step'),
    lr: z.number().positive(),
    lr_decay_rate: z.number().positive(),
    lr_decay_epochs: z.array(z.number().int().nonnegative()).describe('decay once for every entry d with epoch > d'),
  }),
  z.object({ scheduler: z.literal('constant'), lr: z.number().positive() }),
]);
export type LrSchedule = z.infer<typeof LrScheduleSchema>;

/**
 * Learning rate for 0-based `epoch`, set once at the start of each epoch (never per iteration, no warm-up),
 * exactly as the reference: cosine decays to lr·r³ (not 0); step decays when epoch > milestone (strict).
 */
export function learningRateAt(schedule: LrSchedule, epoch: number): number {
  switch (schedule.scheduler) {
    case 'cosine': {
      const etaMin = schedule.lr * schedule.lr_decay_rate ** 3;
      return etaMin + ((schedule.lr - etaMin) * (1 + Math.cos((Math.PI * epoch) / schedule.epochs))) / 2;
    }
    case 'step': {
      const n = schedule.lr_decay_epochs.filter((d) => epoch > d).length;
      return schedule.lr * schedule.lr_decay_rate ** n;
    }
    case 'constant':
      return schedule.lr;
  }
}
