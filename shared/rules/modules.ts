import { en16931Arithmetic } from './en16931/arithmetic';
import { en16931CiiCodeLists, en16931CodeLists, en16931UblCodeLists } from './en16931/code-lists';
import { en16931Core } from './en16931/core';
import { ciiSyntax } from './en16931/cii-syntax';
import { ublSyntax } from './en16931/ubl-syntax';
import { en16931Vat } from './en16931/vat';
import { peppolArithmetic, peppolCiiArithmetic, peppolUblArithmetic } from './peppol/arithmetic';
import { peppolCiiCodeLists, peppolCodeLists, peppolUblCodeLists } from './peppol/code-lists';
import { peppolCiiSyntax, peppolCore, peppolUblSyntax } from './peppol/core';
import { peppolNational } from './peppol/national';
import { germanModules } from './german';
import type { RuleModule, RuleSetId } from './rule';

/** Every rule module the service ships, in the order their findings are reported. */
export const RULE_MODULES: readonly RuleModule[] = [
  en16931Core,
  en16931CodeLists,
  en16931Vat,
  en16931Arithmetic,
  ublSyntax,
  en16931UblCodeLists,
  ciiSyntax,
  en16931CiiCodeLists,
  peppolCore,
  peppolCodeLists,
  peppolUblCodeLists,
  peppolCiiCodeLists,
  peppolUblSyntax,
  peppolCiiSyntax,
  peppolArithmetic,
  peppolUblArithmetic,
  peppolCiiArithmetic,
  ...peppolNational,
  ...germanModules,
];

/** The modules of the rule sets that apply (EN 16931 always). */
export function modulesOf(sets: readonly RuleSetId[]): RuleModule[] {
  const wanted = new Set<RuleSetId>(['en16931', ...sets]);
  return RULE_MODULES.filter((module) => wanted.has(module.set));
}
