import { benches } from './benches/index.js';
import { machineInfo } from './machine.js';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const name = rest[0];
  const bench = benches.find((b) => b.name === name);
  if (!bench) {
    const list = benches.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n');
    process.stderr.write(`${name ? `unknown bench "${name}"\n` : ''}usage: npm run bench -- <name> [--json] [options]\n\nbenches:\n${list}\n`);
    return name ? 2 : 0;
  }
  // With --json, stdout carries only the final JSON object; progress goes to stderr.
  const log = (msg: string) => (json ? process.stderr : process.stdout).write(`${msg}\n`);
  const result = await bench.run({ args: rest.slice(1), log, json });
  result.machine ??= machineInfo();
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else log(`\n${JSON.stringify(result, null, 2)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
