import { ConfigError } from '../config/config.ts';
import { endQuietlyWhenOutputCloses } from './closed-output.ts';
import { type CommandName, commandUsage } from './command-usage.ts';
import { sanitizeForTerminal } from './terminal-text.ts';

type Command = (args: string[], env: Record<string, string | undefined>) => Promise<number>;

/** Each command is loaded only when it runs, so `chat` and `--help` start without the server's modules. */
const commands: Record<CommandName, () => Promise<Command>> = {
  serve: async () => (await import('./serve-command.ts')).serveCommand,
  chat: async () => (await import('./chat-command.ts')).chatCommand,
  sessions: async () => (await import('./sessions-command.ts')).sessionsCommand,
  migrate: async () => (await import('./migrate-command.ts')).migrateCommand,
};

/** The `autopilot` command line. Returns the process exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...args] = argv;
  // A server whose log reader went away keeps Node's loud exit: an operator must learn why it stopped.
  if (name !== 'serve') endQuietlyWhenOutputCloses();
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(commandUsage.autopilot);
    return name === undefined ? 1 : 0;
  }
  if (!isCommandName(name)) {
    process.stderr.write(`Unknown command "${name}".\n\n${commandUsage.autopilot}`);
    return 1;
  }
  if (wantsHelp(args)) {
    process.stdout.write(commandUsage[name]);
    return 0;
  }
  try {
    return await (await commands[name]())(args, env);
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    const hint = isUsageError(error) ? `\nRun "autopilot ${name} --help" for its options.` : '';
    process.stderr.write(`${sanitizeForTerminal(message)}${hint}\n`);
    return 1;
  }
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

/** `--help` or `-h` among the options; after `--` everything is a message, even "--help". */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** `parseArgs` rejects unknown options and missing values with these codes. */
function isUsageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
