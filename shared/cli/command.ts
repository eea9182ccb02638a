/**
 * What a CLI command declares next to its code (one file per command in `commands/`): the dispatcher parses
 * and checks arguments from these declarations, and help and docs/cli.md are rendered from them.
 */

/** One `--option` of a command. */
export interface OptionSpec {
  /** The long name, without `--`. */
  name: string;
  /** A one-letter alias, without `-`. */
  short?: string;
  type: 'string' | 'boolean';
  /** The placeholder of the value in help (`URL`, `N`); string options only. */
  value?: string;
  description: string;
  /** The only values allowed (string options). With `list`, each comma-separated item must be one of them. */
  allowed?: readonly string[];
  /** The value is a comma-separated list (`--status failed,rejected`). */
  list?: boolean;
  /** Checks a value: undefined when it is good, else what it must be (`a whole number of 0 or more`). */
  check?: (value: string) => string | undefined;
  /** The command cannot run without it. */
  required?: boolean;
  /** An environment variable that gives the value when the option is absent. */
  env?: string;
}

/** One positional argument. */
export interface ArgumentSpec {
  /** As help shows it: `FILE`, `ID`. */
  name: string;
  required?: boolean;
  /** Takes every remaining argument (`FILE...`). Only the last argument may be variadic. */
  variadic?: boolean;
  description: string;
}

/** A shell line and what it does. */
export interface Example {
  /** The command line, starting with `einvoice`. */
  command: string;
  /** What it does, as a sentence fragment. */
  comment: string;
}

/** Where a command writes, and the environment it reads. Tests pass their own. */
export interface CommandIo {
  stdout: { write(text: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
}

/** The parsed arguments of one run, checked against the declaration. */
export class CommandArgs {
  constructor(
    private readonly command: CommandSpec,
    private readonly values: Readonly<Record<string, string | boolean | undefined>>,
    readonly positionals: readonly string[],
  ) {}

  private declared(name: string, type: OptionSpec['type']): OptionSpec {
    const option = this.command.options.find((o) => o.name === name);
    if (!option || option.type !== type)
      throw new TypeError(`einvoice ${this.command.name} declares no ${type} option --${name}`);
    return option;
  }

  /** A string option's value (or undefined when absent). */
  string(name: string): string | undefined {
    this.declared(name, 'string');
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** A boolean option: present or not. */
  flag(name: string): boolean {
    this.declared(name, 'boolean');
    return this.values[name] === true;
  }

  /** Whether the option was given on the command line. */
  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A comma-separated option's items. */
  list(name: string): string[] {
    return (this.string(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  /** A numeric option (already checked by its declaration). */
  number(name: string): number | undefined {
    const value = this.string(name);
    return value === undefined ? undefined : Number(value);
  }
}

/** A CLI command: its declaration and the function that runs it. */
export interface CommandSpec {
  name: string;
  /** One line, lower case, no final period: what the command does. */
  description: string;
  /** The synopsis, starting with `einvoice NAME`. */
  usage: string;
  /** Paragraphs help prints after the synopsis (exit codes, what is read from where). */
  details?: string;
  options: readonly OptionSpec[];
  args: readonly ArgumentSpec[];
  examples: readonly Example[];
  /** Runs the command; resolves to the exit code. Throws UsageError for a usage error (exit 2). */
  run(args: CommandArgs, io: CommandIo): number | Promise<number>;
}

/** The command line is wrong (exit 2): the message says what, help says how. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A documented failure already explained (exit 1): `message` is printed after `einvoice CMD: `. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    message: string,
    /** Further lines, printed indented. */
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Exit codes: one table, in docs/cli.md. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
