/**
 * Training stopped because the loss (or, after an update, the weights) stopped being finite. The
 * checkpoint on disk is the last good one: nothing non-finite is ever written to it.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly loss: number,
    /** 1-based epoch in which it happened. */
    readonly epoch: number,
    /** 1-based step within the epoch, when known. */
    readonly step: number | undefined,
    readonly stepsPerEpoch: number | undefined,
    /** The last good checkpoint, or undefined when no epoch had completed. */
    readonly checkpoint: string | undefined,
    what = `loss is ${loss}`,
  ) {
    const where = step === undefined ? `epoch ${epoch}` : `epoch ${epoch}, step ${step}${stepsPerEpoch ? `/${stepsPerEpoch}` : ''}`;
    const kept = checkpoint
      ? `the last good checkpoint (epoch ${epoch - 1}) is kept at ${checkpoint}`
      : 'no checkpoint was written yet';
    super(`pretext training stopped at ${where}: ${what}; ${kept}. Lower the learning rate or check the input normalisation.`);
    this.name = 'NonFiniteLossError';
  }
}
