import { stepContext, type StepContext } from '@twindb/core-tensors';

/** The step context of a terminal run: lines and progress on stderr (stdout is for `--json`). */
export function stepContextForCli(): StepContext {
  return stepContext({ log: (line) => process.stderr.write(`${line}\n`) });
}
