import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EInvoiceError } from '../errors';
import { packageRoot } from '../util/package-root';
import { CommandArgs, CommandFailure, EXIT, UsageError, type CommandIo, type CommandSpec } from './command';
import { ProblemAnswer } from './client';
import { COMMANDS } from './commands';
import { closest, commandHelp, commandList } from './help';

/** The version in package.json. */
export function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

function usageError(command: CommandSpec, what: string, io: CommandIo): number {
  io.stderr.write(
    `einvoice ${command.name}: ${what}\nRun 'einvoice ${command.name} --help' for its usage.\n`,
  );
  return EXIT.usage;
}

function unknownCommand(name: string, io: CommandIo): number {
  const suggestion = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  io.stderr.write(
    `einvoice: unknown command "${name}"${suggestion ? `; did you mean '${suggestion}'?` : ''}\n` +
      "Run 'einvoice help' for the list of commands.\n",
  );
  return EXIT.usage;
}

/** What parseArgs refused, said with the option's name. */
function parseProblem(error: unknown, command: CommandSpec): string {
  const message = (error as Error).message;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch ((error as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const suggestion = option.startsWith('--')
        ? closest(
            option.slice(2),
            command.options.map((o) => o.name),
          )
        : undefined;
      return `unknown option ${option}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const spec = command.options.find((o) => `--${o.name}` === option || `-${o.short}` === option);
      if (/argument missing/.test(message))
        return `${option} needs a value${spec?.value ? ` (${spec.value})` : ''}`;
      if (/does not take an argument/.test(message)) return `${option} takes no value`;
      if (/ambiguous/.test(message)) return `the value of ${option} starts with '-': write ${option}=VALUE`;
      return message.split('\n')[0]!;
    }
    default:
      return message.split('\n')[0]!;
  }
}

/** Checks the parsed values against the declaration: allowed values, value checks, required options. */
function optionProblem(command: CommandSpec, values: Record<string, unknown>): string | undefined {
  for (const option of command.options) {
    const value = values[option.name];
    if (typeof value !== 'string') {
      if (option.required && value === undefined)
        return `--${option.name} ${option.value ?? 'VALUE'} is required`;
      continue;
    }
    const items = option.list ? value.split(',').map((item) => item.trim()) : [value];
    if (option.allowed) {
      const wrong = items.find((item) => !option.allowed!.includes(item));
      if (wrong !== undefined)
        return option.list
          ? `--${option.name} must be one or more of ${option.allowed.join(', ')} (comma-separated); got "${wrong}"`
          : `--${option.name} must be one of ${option.allowed.join(', ')}; got "${wrong}"`;
    }
    const problem = option.check?.(value);
    if (problem !== undefined) return `--${option.name} must be ${problem}; got "${value}"`;
  }
  return undefined;
}

/** Checks the positional arguments against the declaration. */
function argumentProblem(command: CommandSpec, positionals: readonly string[]): string | undefined {
  const required = command.args.filter((a) => a.required);
  if (positionals.length < required.length) {
    const missing = required[positionals.length]!;
    return `missing ${missing.name}${missing.variadic ? '...' : ''} (${missing.description})`;
  }
  const variadic = command.args.some((a) => a.variadic);
  if (!variadic && positionals.length > command.args.length) {
    const extra = positionals[command.args.length]!;
    return command.args.length === 0
      ? `takes no arguments; got "${extra}"`
      : `too many arguments: "${extra}" (expected ${command.args.map((a) => a.name).join(' ')})`;
  }
  return undefined;
}

/** Parses `args` with only the options the command declares (strict), checks them, and runs it. */
export async function runCommand(command: CommandSpec, args: string[], io: CommandIo): Promise<number> {
  const beforeTerminator = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (beforeTerminator.includes('--help') || beforeTerminator.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of command.options)
    options[option.name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    return usageError(command, parseProblem(error, command), io);
  }
  const problem = optionProblem(command, parsed.values) ?? argumentProblem(command, parsed.positionals);
  if (problem !== undefined) return usageError(command, problem, io);
  try {
    return await command.run(new CommandArgs(command, parsed.values, parsed.positionals), io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(command, error.message, io);
    if (error instanceof ProblemAnswer && parsed.values.json === true) {
      // --json: the service's answer as it is, a refusal too.
      const { json, body } = error.answer;
      io.stdout.write(json !== undefined ? `${JSON.stringify(json, null, 2)}\n` : body);
      return EXIT.failure;
    }
    io.stderr.write(`einvoice ${command.name}: ${(error as Error).message}\n`);
    const lines =
      error instanceof CommandFailure
        ? error.lines
        : error instanceof EInvoiceError
          ? error.details.map((d) => `${d.code ? `${d.code} ` : ''}${d.path ?? ''}: ${d.message}`)
          : [];
    for (const line of lines) io.stderr.write(`  ${line}\n`);
    return EXIT.failure;
  }
}

const defaultIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** `einvoice ARGS...`: resolves to the exit code (0 success, 1 documented failure, 2 usage error). */
export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(commandList());
    return EXIT.usage;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (first === 'help' || first === '--help' || first === '-h') {
    const name = rest[0];
    if (name === undefined) {
      io.stdout.write(commandList());
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) return unknownCommand(name, io);
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  if (first.startsWith('-')) {
    io.stderr.write(`einvoice: unknown option ${first}\nRun 'einvoice help' for the list of commands.\n`);
    return EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) return unknownCommand(first, io);
  return runCommand(command, rest, io);
}
