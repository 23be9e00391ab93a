import { Command, CommanderError, Option } from 'commander';
import { exitCodeOf, EXIT_CODES, installSignalCleanup, mallocTuning } from '@twindb/core-tensors';
import { BackendChoiceSchema, BackendOptionsSchema, defaultConvPlanPath, initBackend, parseBackendChoice } from '@twindb/core-tensors/backend';
import { registerExtractCommand } from './commands/extract.js';
import { registerFeaturesCommand } from './commands/features.js';
import { registerPretextCommand } from './commands/pretext.js';
import { registerSampleCommand } from './commands/sample.js';
import { registerScanCommand } from './commands/scan.js';
import { registerSelflabelCommand } from './commands/selflabel.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerPipelineCommand } from './commands/pipeline.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerReportCommand } from './commands/report.js';
import { cliTerminal, configureTerminal } from './step-context.js';

/** Options every subcommand understands. */
export interface GlobalOptions {
  backend?: string;
  /** Conv plan file, or 'off' (always set: it has a default). */
  convPlan: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** `--quiet` / `--verbose`, on the program and on every command (so that they may follow the command name). */
function addVerbosityOptions(cmd: Command): void {
  cmd
    .addOption(new Option('-q, --quiet', 'print only warnings and errors on stderr (no progress, no status lines)').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'also print details (the options as given, …) and, off a terminal, a progress line every second'));
}

/**
 * The `twindb` command. Each pipeline step adds one subcommand here; the work itself lives in the
 * step's package so that other tools can import it without the CLI.
 */
export function createProgram(): Command {
  const program = new Command('twindb')
    .description(
      'Build a training DB whose distribution matches a target DB, then label it without annotations\n' +
        '(SimCLR pretext → embeddings → kNN sampling → SCAN clustering → self-labelling).',
    )
    .version('0.1.0')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (env TWINDB_BACKEND)')
        .choices(BackendChoiceSchema.options)
        .env('TWINDB_BACKEND'),
    )
    .addOption(
      new Option('--conv-plan <file>', BackendOptionsSchema.shape.convPlan.description ?? 'conv plan file')
        .env('TWINDB_CONV_PLAN')
        .default(defaultConvPlanPath()),
    )
    .showHelpAfterError()
    // Usage errors (unknown flag, bad choice, missing argument) become exit code 2, not an exit inside commander.
    .exitOverride();

  program
    .command('backend')
    .description('Initialise TensorFlow.js and print the backend in use, as JSON, and why faster ones were skipped')
    .action(async () => {
      const { backend } = program.opts<GlobalOptions>();
      const info = await initBackend({
        backend: backend ? parseBackendChoice(backend, '--backend') : undefined,
        log: (m) => cliTerminal().log(m),
      });
      // malloc: whether the launcher's glibc settings reached this process (bin/twindb).
      process.stdout.write(`${JSON.stringify({ ...info, malloc: mallocTuning() }, null, 2)}\n`);
    });

  registerFeaturesCommand(program);
  registerPretextCommand(program);
  registerExtractCommand(program);
  registerSampleCommand(program);
  registerScanCommand(program);
  registerSelflabelCommand(program);
  registerEvalCommand(program);
  registerPipelineCommand(program);
  registerReportCommand(program);
  registerDemoCommand(program);

  addVerbosityOptions(program);
  for (const cmd of program.commands) addVerbosityOptions(cmd);
  // Before a command runs: its lines and progress go to a terminal set up for --quiet / --verbose.
  program.hook('preAction', (_root, action) => {
    const o = { ...program.opts<GlobalOptions>(), ...action.opts<GlobalOptions>() };
    // The steps' packages read it through initBackend (env), as library callers can.
    process.env.TWINDB_CONV_PLAN = program.opts<GlobalOptions>().convPlan;
    const t = configureTerminal(o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal');
    t.debug(`twindb ${action.name()}: options ${JSON.stringify({ ...program.opts(), ...action.opts() })}`);
  });
  program.hook('postAction', () => cliTerminal().endStatus());

  return program;
}

/**
 * Run the CLI on `argv` (process.argv layout); returns the exit code instead of exiting:
 * 0 ok, 1 runtime failure, 2 usage error (also an output twindb refuses to write), 3 bad input data,
 * 4 a result short of a stated guard; 130 / 143 when stopped by SIGINT / SIGTERM.
 */
export async function run(argv: string[]): Promise<number> {
  // SIGINT/SIGTERM: temp files removed, exit 130/143; complete outputs stay (core-tensors run/signal-cleanup.ts).
  installSignalCleanup();
  const program = createProgram();
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its message (and help) already; --help and --version are not errors.
      return err.exitCode === 0 ? 0 : EXIT_CODES.usage;
    }
    cliTerminal().error(`twindb: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeOf(err);
  }
}
