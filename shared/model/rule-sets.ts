import type { HeldInvoice } from '../rules/rule';
import { impliedGermanRuleSets, type GermanRuleSet } from './rules-de';

/**
 * The rule sets besides EN 16931 (which always applies): PEPPOL BIS Billing 3 (`peppol`: every
 * PEPPOL-EN16931-* and PEPPOL-COMMON-* rule the service implements), XRechnung (`xrechnung`: BR-DE-*) and
 * PEPPOL's German rules (`peppol-de`: DE-R-*). Which apply is decided by the document, its specification
 * identifier (BT-24) and parties, and by what a caller adds (`peppol`) or removes (`no-peppol`).
 */
export type RuleSet = 'peppol' | GermanRuleSet;

/** A rule set to add, or (`no-…`) to leave out even where the document implies it. */
export type RuleSetChoice = RuleSet | `no-${RuleSet}`;

export const RULE_SETS: readonly RuleSet[] = ['peppol', 'xrechnung', 'peppol-de'];

/**
 * PEPPOL BIS Billing 3's specification identifier. A document is a PEPPOL BIS 3 document when its BT-24
 * starts with it (PEPPOL-EN16931-R004), which includes extensions built on it (`…billing:3.0#conformant#…`).
 * XRechnung's identifiers (`…#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0`, with or without its
 * extension) are a CIUS of EN 16931 of their own, not of PEPPOL BIS 3, and do not start with it.
 */
export const PEPPOL_BIS3_SPECIFICATION =
  'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';

export function isPeppolBis3(invoice: Pick<HeldInvoice, 'process'>): boolean {
  return (invoice.process?.specification ?? '').trim().startsWith(PEPPOL_BIS3_SPECIFICATION);
}

/** The rule sets a document asks for by itself. */
export function impliedRuleSets(invoice: HeldInvoice): RuleSet[] {
  return [...(isPeppolBis3(invoice) ? (['peppol'] as const) : []), ...impliedGermanRuleSets(invoice)];
}

/** The rule sets that apply: those the document implies and those added, less those removed. */
export function appliedRuleSets(invoice: HeldInvoice, choices: readonly RuleSetChoice[] = []): RuleSet[] {
  const removed = new Set(choices.filter((c) => c.startsWith('no-')).map((c) => c.slice(3)));
  const added = choices.filter((c): c is RuleSet => !c.startsWith('no-'));
  return [...new Set([...impliedRuleSets(invoice), ...added])].filter((set) => !removed.has(set));
}
