import { describe, expect, it } from 'vitest';
import { learningRateAt, LrScheduleSchema } from './lr-schedule.js';

describe('learningRateAt', () => {
  it('cosine matches the reference values for the SimCLR config (lr 0.4, r 0.1, 500 epochs)', () => {
    const s = LrScheduleSchema.parse({ scheduler: 'cosine', lr: 0.4, epochs: 500, lr_decay_rate: 0.1 });
    const expected: [number, number][] = [
      [0, 0.4],
      [100, 0.361842],
      [250, 0.2002],
      [400, 0.0385584],
      [499, 0.000404],
    ];
    for (const [e, lr] of expected) expect(learningRateAt(s, e)).toBeCloseTo(lr, 6);
  });

  it('step decays only when the epoch is strictly past a milestone', () => {
    const s = LrScheduleSchema.parse({ scheduler: 'step', lr: 1, lr_decay_rate: 0.1, lr_decay_epochs: [10, 20] });
    expect(learningRateAt(s, 10)).toBe(1);
    expect(learningRateAt(s, 11)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(s, 20)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(s, 21)).toBeCloseTo(0.01, 12);
  });

  it('constant is constant', () => {
    expect(learningRateAt({ scheduler: 'constant', lr: 1e-4 }, 123)).toBe(1e-4);
  });

  it('rejects an unknown scheduler naming the allowed values', () => {
    const r = LrScheduleSchema.safeParse({ scheduler: 'poly', lr: 1 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/cosine.*step.*constant|scheduler/);
  });
});
