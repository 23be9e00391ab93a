import { z } from 'zod';
import type { FlagSpec } from './schema-flags.js';

/** The config-file flags of a step driven by a SCAN-style YAML (the seed writes --config_exp / --config_env). */
export function configFileFields(what: string) {
  return {
    configExp: z.string().min(1).describe(what),
    configEnv: z.string().min(1).optional().describe("the reference's env config; accepted for its commands (outputs go to --out)"),
  };
}

/** How the shared keys of `scan` and `selflabel` appear on the command line. */
export const CONFIG_STEP_FLAGS: Readonly<Record<string, FlagSpec>> = {
  configExp: { valueName: 'yml', aliases: ['config_exp'] },
  configEnv: { valueName: 'yml', aliases: ['config_env'] },
  pretext: { valueName: 'run' },
  features: { valueName: 'arrow' },
  valFeatures: { valueName: 'arrow' },
  out: { valueName: 'dir' },
  backend: { hidden: true }, // the global --backend
};
