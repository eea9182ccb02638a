import { RULE_MODULES } from '../../rules/modules';
import type { RuleModule, RuleSetId } from '../../rules/rule';
import type { CommandSpec } from '../command';
import { JSON_OPTION } from '../options';

const SETS: readonly RuleSetId[] = ['en16931', 'peppol', 'xrechnung', 'peppol-de'];

interface RuleRow {
  id: string;
  severity: 'fatal' | 'warning';
  terms: string[];
  message: string;
  module: string;
  set: RuleSetId;
}

const rowsOf = (module: RuleModule): RuleRow[] =>
  module.rules.map((rule) => ({
    id: rule.id,
    severity: rule.severity ?? 'fatal',
    terms: [...rule.terms],
    message: rule.message,
    module: module.id,
    set: module.set,
  }));

export const rules: CommandSpec = {
  name: 'rules',
  description: 'list the rule modules, the rules of a set, or what given rules check',
  usage: 'einvoice rules [--set SET] [--json] [RULE...]',
  options: [
    {
      name: 'set',
      type: 'string',
      value: 'SET',
      allowed: SETS,
      description: 'every rule of this rule set: id, severity, business terms, message',
    },
    { ...JSON_OPTION, description: 'print the modules, or the rules, as JSON' },
  ],
  args: [{ name: 'RULE', variadic: true, description: 'rule ids to show (BR-CO-10, PEPPOL-EN16931-R120)' }],
  examples: [
    { command: 'einvoice rules', comment: 'the modules: rule set, number of rules, official source' },
    { command: 'einvoice rules BR-CO-10', comment: 'what BR-CO-10 checks, and in which module' },
    { command: 'einvoice rules --set peppol --json', comment: 'every PEPPOL BIS 3 rule as JSON' },
  ],
  run(args, io) {
    const json = args.flag('json');
    const set = args.string('set') as RuleSetId | undefined;
    const wanted = args.positionals;
    if (set === undefined && wanted.length === 0) {
      const modules = RULE_MODULES.map((m) => ({
        id: m.id,
        set: m.set,
        reads: m.reads,
        title: m.title,
        rules: m.rules.length,
        source: m.source,
      }));
      if (json) io.stdout.write(`${JSON.stringify(modules, null, 2)}\n`);
      else
        for (const m of modules)
          io.stdout.write(
            `${m.id.padEnd(22)} ${m.set.padEnd(10)} ${String(m.rules).padStart(4)} rules  ${m.title} ` +
              `(${m.source.artefact} ${m.source.version})\n`,
          );
      return 0;
    }
    const all = RULE_MODULES.filter((m) => set === undefined || m.set === set).flatMap(rowsOf);
    const ids = new Set(wanted.map((id) => id.toUpperCase()));
    const rows = ids.size === 0 ? all : all.filter((r) => ids.has(r.id.toUpperCase()));
    const unknown = [...ids].filter((id) => !rows.some((r) => r.id.toUpperCase() === id));
    if (json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else
      for (const r of rows)
        io.stdout.write(
          `${r.id.padEnd(24)} ${r.severity.padEnd(7)} ${r.module.padEnd(22)} ${r.terms.join(' ').padEnd(16)} ${r.message}\n`,
        );
    for (const id of unknown)
      io.stderr.write(`einvoice rules: no rule ${id}${set ? ` in set ${set}` : ''}\n`);
    return unknown.length > 0 ? 1 : 0;
  },
};
