import type { HeldInvoice, InvoiceRule, Report } from '../../rule';

/** The members of a held list that are objects (an item of the wrong type has been left out as undefined). */
export function eachItem<T>(
  items: readonly T[] | undefined,
  path: string,
  visit: (item: NonNullable<T>, path: string) => void,
): void {
  if (!items) return;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item !== undefined && item !== null && typeof item === 'object') visit(item, `${path}/${i}`);
  }
}

export type HeldLine = NonNullable<NonNullable<HeldInvoice['lines']>[number]>;

/** Every invoice line (BG-25) with its path. */
export function eachLine(invoice: HeldInvoice, visit: (line: HeldLine, path: string) => void): void {
  const lines = invoice.lines;
  if (!lines) return;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line !== undefined && line !== null && typeof line === 'object') visit(line, linePath(i));
  }
}

/** The paths of the first lines, made once: some twenty rules visit every line, each with its path. */
const LINE_PATHS: string[] = [];

function linePath(index: number): string {
  return index < 10_000 ? (LINE_PATHS[index] ??= `/lines/${index}`) : `/lines/${index}`;
}

/** A fatal rule of EN 16931 (the artefact flags all but BR-51 so). */
export function fatal(
  id: string,
  terms: readonly string[],
  message: string,
  check: (invoice: HeldInvoice, report: Report<string>) => void,
): InvoiceRule {
  return { id, terms, message, check };
}

/**
 * Where a missing member of a group is reported: in the group when the group is there, else at the group
 * (a document without a seller lacks the seller, as the schema says it, rather than the seller's name).
 */
export function missingIn(group: unknown, groupPath: string, member: string): string {
  return group === undefined || group === null ? groupPath : `${groupPath}/${member}`;
}
