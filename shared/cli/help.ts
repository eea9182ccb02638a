import type { CommandSpec, OptionSpec } from './command';
import { COMMAND_GROUPS } from './commands';

/** `--name VALUE` / `-o, --output FILE` as help shows it. */
export function optionLabel(option: OptionSpec): string {
  const long = `--${option.name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
  return option.short ? `-${option.short}, ${long}` : long;
}

/** What an option's help line says: its description, allowed values, environment variable. */
export function optionText(option: OptionSpec): string {
  const notes: string[] = [];
  if (option.allowed) notes.push(`${option.list ? 'any of' : 'one of'}: ${option.allowed.join(', ')}`);
  if (option.required) notes.push('required');
  if (option.env) notes.push(`env ${option.env}`);
  return notes.length > 0 ? `${option.description} (${notes.join('; ')})` : option.description;
}

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' };

const WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function columns(rows: Array<[string, string]>, indent = '  '): string {
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) => {
      const text = wrap(right, WIDTH - indent.length - width);
      const pad = `${indent}${' '.repeat(width)}`;
      const first =
        left.length + 2 > width
          ? `${indent}${left}\n${pad}${text[0] ?? ''}`
          : `${indent}${left.padEnd(width)}${text[0] ?? ''}`;
      return [first, ...text.slice(1).map((l) => `${pad}${l}`)].join('\n');
    })
    .join('\n');
}

/** `einvoice CMD --help`: synopsis, arguments, every option with its description, examples. */
export function commandHelp(command: CommandSpec): string {
  const parts = [`einvoice ${command.name}: ${command.description}`, `Usage: ${command.usage}`];
  if (command.details) parts.push(wrap(command.details, WIDTH).join('\n'));
  if (command.args.length > 0)
    parts.push(
      `Arguments:\n${columns(
        command.args.map((a) => [
          `${a.name}${a.variadic ? '...' : ''}`,
          `${a.description}${a.required ? '' : ' (optional)'}`,
        ]),
      )}`,
    );
  parts.push(
    `Options:\n${columns([...command.options, HELP_OPTION].map((o) => [optionLabel(o), optionText(o)]))}`,
  );
  parts.push(`Examples:\n${command.examples.map((e) => `  # ${e.comment}\n  ${e.command}`).join('\n\n')}`);
  return `${parts.join('\n\n')}\n`;
}

/** `einvoice help`: every command, grouped, with its description. */
export function commandList(): string {
  const groups = COMMAND_GROUPS.map(
    (group) => `${group.title}:\n${columns(group.commands.map((c) => [c.name, c.description]))}`,
  );
  return (
    `Usage: einvoice <command> [options]\n\n${groups.join('\n\n')}\n\n` +
    "Run 'einvoice <command> --help' (or 'einvoice help <command>') for its options and examples;\n" +
    "'einvoice --version' prints the version. Exit codes: 0 success, 1 failure, 2 usage error.\n"
  );
}

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo (or `word` is its prefix). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = name.startsWith(word) && word.length >= 2 ? 0 : distance(word, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

/** The reference part of docs/cli.md: every command with its usage, options and examples. */
export function referenceMarkdown(): string {
  const sections: string[] = [];
  for (const group of COMMAND_GROUPS) {
    for (const command of group.commands) {
      const lines = [`### einvoice ${command.name}`, '', `${capitalize(command.description)}.`, ''];
      lines.push('```text', command.usage, '```', '');
      if (command.details) lines.push(command.details, '');
      if (command.args.length > 0) {
        lines.push('| argument | |', '| --- | --- |');
        for (const a of command.args)
          lines.push(
            `| \`${a.name}${a.variadic ? '...' : ''}\` | ${escapeCell(a.description)}${a.required ? '' : ' (optional)'} |`,
          );
        lines.push('');
      }
      if (command.options.length > 0) {
        lines.push('| option | |', '| --- | --- |');
        for (const o of command.options)
          lines.push(`| \`${optionLabel(o)}\` | ${escapeCell(optionText(o))} |`);
        lines.push('');
      }
      lines.push('Examples:', '', '```text');
      for (const e of command.examples) lines.push(`# ${e.comment}`, e.command);
      lines.push('```', '');
      sections.push(lines.join('\n'));
    }
  }
  return sections.join('\n').trimEnd();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
