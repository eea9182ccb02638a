import { add, dec, mul, percent, round, type Decimal } from '../util/decimal';
import type { CanonicalInvoice, VatCategory } from './invoice';

export interface LineTotal {
  net: Decimal;
}

export interface VatBreakdown {
  category: VatCategory;
  rate?: Decimal;
  taxable: Decimal;
  tax: Decimal;
  exemptionReason?: string;
}

export interface InvoiceTotals {
  lines: LineTotal[];
  breakdown: VatBreakdown[];
  lineExtension: Decimal;
  taxExclusive: Decimal;
  tax: Decimal;
  taxInclusive: Decimal;
  payable: Decimal;
}

const DEFAULT_EXEMPTION: Partial<Record<VatCategory, string>> = {
  E: 'Exempt from VAT',
  AE: 'Reverse charge',
  K: 'Intra-community supply',
  G: 'Export outside the EU',
  O: 'Not subject to VAT',
};

/**
 * Line net amounts (BT-131 = quantity × price, rounded to 2 places), the VAT breakdown per category and rate
 * (BG-23, tax rounded per group) and document totals (BG-22), in exact decimals.
 */
export function computeTotals(invoice: CanonicalInvoice): InvoiceTotals {
  const lines = invoice.lines.map((line) => ({ net: round(mul(dec(line.quantity), dec(line.price)), 2) }));
  const groups = new Map<string, VatBreakdown>();
  invoice.lines.forEach((line, index) => {
    const rate = line.vat.category === 'O' ? undefined : dec(line.vat.rate ?? 0);
    const key = `${line.vat.category}:${rate ?? ''}`;
    const group = groups.get(key) ?? {
      category: line.vat.category,
      ...(rate === undefined ? {} : { rate }),
      taxable: 0n,
      tax: 0n,
      ...(DEFAULT_EXEMPTION[line.vat.category] || line.vat.exemptionReason
        ? { exemptionReason: line.vat.exemptionReason ?? DEFAULT_EXEMPTION[line.vat.category] }
        : {}),
    };
    group.taxable += lines[index]!.net;
    groups.set(key, group);
  });
  const breakdown = [...groups.values()].map((g) => ({
    ...g,
    tax: round(percent(g.taxable, g.rate ?? 0n), 2),
  }));
  const lineExtension = add(...lines.map((l) => l.net));
  const tax = add(...breakdown.map((b) => b.tax));
  const taxInclusive = lineExtension + tax;
  return {
    lines,
    breakdown,
    lineExtension,
    taxExclusive: lineExtension,
    tax,
    taxInclusive,
    payable: taxInclusive,
  };
}
