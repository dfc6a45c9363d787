import { EcsTaperError } from '@ecs-taper/core';
import { didYouMean } from '@ecs-taper/core/workflow';
import packageJson from '../package.json';
import { ExitCode, UsageError } from './exit-codes';
import {
  abortHelp,
  deployHelp,
  mainHelp,
  planHelp,
  promoteHelp,
  rollbackHelp,
  simulateHelp,
  simulatorHelp,
  statusHelp,
} from './help';
import { type Terminal, takeColorFlags, terminalFor } from './render/terminal';

/** What a command gets: its arguments and where to write. Returns the exit code. */
export interface CommandIo {
  stdout: Terminal;
  stderr: Terminal;
}
export type CommandRun = (args: string[], io: CommandIo) => Promise<number>;

/** Commands load on demand: `--help` and `plan` never load the AWS SDK or the simulator. */
const commands: Record<string, { help: string; load: () => Promise<{ run: CommandRun }> }> = {
  deploy: { help: deployHelp, load: () => import('./commands/deploy') },
  plan: { help: planHelp, load: () => import('./commands/plan') },
  status: { help: statusHelp, load: () => import('./commands/status') },
  rollback: { help: rollbackHelp, load: () => import('./commands/rollback') },
  promote: { help: promoteHelp, load: () => import('./commands/promote') },
  abort: { help: abortHelp, load: () => import('./commands/abort') },
  simulate: { help: simulateHelp, load: () => import('./commands/simulate') },
  simulator: { help: simulatorHelp, load: () => import('./commands/simulator') },
};

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${packageJson.version}\n`);
    return ExitCode.ok;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(`${mainHelp}\n`);
    return ExitCode.ok;
  }
  if (name === undefined) {
    io.stderr.write(`${mainHelp}\n`);
    return ExitCode.badInput;
  }
  const commandName = name === 'help' ? (rest[0] ?? '') : name;
  const command = commands[commandName];
  if (!command) {
    io.stderr.write(
      `ecs-taper: unknown command ${JSON.stringify(commandName)}${didYouMean(commandName, Object.keys(commands))}; commands: ${Object.keys(commands).join(', ')} (see ecs-taper --help)\n`,
    );
    return ExitCode.badInput;
  }
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return ExitCode.ok;
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (error) {
    return reportError(commandName, error, io);
  }
}

function reportError(command: string, error: unknown, io: CommandIo): number {
  const prefix = `ecs-taper ${command}`;
  if (error instanceof UsageError || (error instanceof Error && error.name === 'InputValidationError')) {
    // Every problem found, each on its own line (input validation reports them all at once).
    for (const line of error.message.split('\n')) io.stderr.write(`${prefix}: ${line}\n`);
    return ExitCode.badInput;
  }
  if (error instanceof Error && error.name === 'DeploymentAbortedError') {
    io.stderr.write(`${prefix}: ${error.message}\n`);
    return ExitCode.interrupted;
  }
  if (error instanceof Error) {
    const hint = /region is missing/i.test(error.message)
      ? '\n  pass --region (or set AWS_REGION), or --simulator URL to use the simulator'
      : /credential/i.test(error.message)
        ? '\n  configure credentials for the default chain, or pass --profile NAME'
        : '';
    // ecs-taper's own errors say what failed; anything else (a bug, a library's error) is named too.
    const kind = error instanceof EcsTaperError ? '' : `${error.name}: `;
    io.stderr.write(`${prefix}: ${kind}${error.message}${hint}\n`);
    if (process.env.ECS_TAPER_DEBUG) io.stderr.write(`${error.stack}\n`);
    return ExitCode.failed;
  }
  io.stderr.write(`${prefix}: ${String(error)}\n`);
  return ExitCode.failed;
}

/** Exits once stdout and stderr are flushed (pipes are asynchronous on some platforms). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Runs the command line of this process and exits with its code (the bin launcher calls this too). */
export function runAsCommand(): void {
  // `ecs-taper ... | head`: a closed pipe ends the command quietly, as for other Unix tools.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  // --no-color and --color belong to every command: taken out before the command parses its flags.
  const { argv, color } = takeColorFlags(process.argv.slice(2));
  const io = {
    stdout: terminalFor(process.stdout, process.env, color),
    stderr: terminalFor(process.stderr, process.env, color),
  };
  main(argv, io).then(exit, (error: unknown) => {
    process.stderr.write(`ecs-taper: ${String(error)}\n`);
    exit(ExitCode.failed);
  });
}

if (typeof require !== 'undefined' && require.main === module) runAsCommand();
