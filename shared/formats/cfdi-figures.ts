import { invalidInput, type ProblemDetail } from '../errors';
import type { CanonicalInvoice } from '../model/invoice';
import { dec, format, mul, percent, round, type Decimal } from '../util/decimal';

/**
 * The figures of a CFDI 4.0 as SAT computes them, from the canonical invoice: per concept the amount
 * (Cantidad × ValorUnitario), its discount (the line's allowances), its taxes, each rounded to the currency's
 * decimals on the concept (SAT adds up concepts, not rates: EN 16931's VAT breakdown may differ by cents), then
 * the summaries by tax, factor and rate, SubTotal, Descuento and Total. Terms the canonical model lacks come
 * from the `mx.*` extensions (docs/countries/mexico.md). A CFDI mapping (`"calculate": "cfdi"`) reads them at
 * `/cfdi`; what CFDI cannot carry (a line charge, a document-level allowance or charge) is refused, located.
 */

/**
 * Decimals of an amount, by currency, as SAT's c_Moneda gives them for the currencies CFDIs are most written
 * in; a currency not listed here has two where amounts are made (the checks take what a document writes).
 */
export const CFDI_CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  MXN: 2,
  USD: 2,
  EUR: 2,
  CAD: 2,
  GBP: 2,
  CHF: 2,
  CNY: 2,
  JPY: 0,
  KRW: 0,
  CLP: 0,
  CLF: 4,
  BHD: 3,
  KWD: 3,
};

/** The decimals amounts in `currency` are made with: {@link CFDI_CURRENCY_DECIMALS}, else two. */
export const currencyDecimals = (currency: string): number => CFDI_CURRENCY_DECIMALS[currency] ?? 2;

export interface CfdiTax {
  /** c_Impuesto: 001 ISR, 002 IVA, 003 IEPS. */
  impuesto: '001' | '002' | '003';
  tipoFactor: 'Tasa' | 'Cuota' | 'Exento';
  /** Six decimals (0.160000); absent for Exento. */
  tasaOCuota?: string;
  base: string;
  /** Absent for Exento. */
  importe?: string;
}

export interface CfdiConcept {
  /** The canonical line. */
  line: CanonicalInvoice['lines'][number];
  importe: string;
  descuento?: string;
  objetoImp: string;
  traslados: CfdiTax[];
  retenciones: CfdiTax[];
}

export interface CfdiFigures {
  tipoDeComprobante: 'I' | 'E';
  subTotal: string;
  descuento?: string;
  total: string;
  conceptos: CfdiConcept[];
  traslados: CfdiTax[];
  retenciones: CfdiTax[];
  totalImpuestosTrasladados?: string;
  totalImpuestosRetenidos?: string;
}

const text = (value: string | number | boolean | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : String(value);

function rate6(percentage: Decimal): string {
  return format(percentage / 100n, 6);
}

function summarize(taxes: CfdiTax[], decimals: number): CfdiTax[] {
  const groups = new Map<string, { tax: CfdiTax; base: Decimal; importe: Decimal }>();
  for (const tax of taxes) {
    const key = `${tax.impuesto}|${tax.tipoFactor}|${tax.tasaOCuota ?? ''}`;
    const group = groups.get(key) ?? { tax, base: 0n, importe: 0n };
    group.base += dec(tax.base);
    if (tax.importe !== undefined) group.importe += dec(tax.importe);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ tax, base, importe }) => ({
    impuesto: tax.impuesto,
    tipoFactor: tax.tipoFactor,
    ...(tax.tasaOCuota !== undefined ? { tasaOCuota: tax.tasaOCuota } : {}),
    base: format(base, decimals),
    ...(tax.importe !== undefined ? { importe: format(importe, decimals) } : {}),
  }));
}

/** The CFDI figures of a canonical invoice, or every reason it cannot be a CFDI, located. */
export function cfdiFigures(invoice: CanonicalInvoice): CfdiFigures {
  const problems: ProblemDetail[] = [];
  const decimals = currencyDecimals(invoice.currency);
  if (invoice.typeCode !== '380' && invoice.typeCode !== '381')
    problems.push({
      path: '/typeCode',
      code: 'cfdi.unsupported',
      message: `A CFDI Ingreso is type code 380, an Egreso 381; not ${invoice.typeCode}`,
    });
  for (const key of ['allowances', 'charges'] as const)
    if ((invoice[key] ?? []).length > 0)
      problems.push({
        path: `/${key}`,
        code: 'cfdi.unsupported',
        message: `CFDI has no document-level ${key === 'allowances' ? 'allowance' : 'charge'}: put it on the lines`,
      });
  const conceptos = invoice.lines.map((line, i): CfdiConcept => {
    const at = `/lines/${i}`;
    if ((line.charges ?? []).length > 0)
      problems.push({
        path: `${at}/charges`,
        code: 'cfdi.unsupported',
        message: 'A CFDI concept has no charge',
      });
    const ext = line.extensions;
    const importe = round(mul(dec(String(line.quantity)), dec(String(line.price.net))), decimals);
    let discount = 0n;
    for (const allowance of line.allowances ?? []) discount += dec(String(allowance.amount));
    const base = importe - discount;
    const traslados: CfdiTax[] = [];
    const retenciones: CfdiTax[] = [];
    const category = line.vat.category;
    const objetoImp = text(ext?.['mx.objetoImp']) ?? (category === 'O' ? '01' : '02');
    if (objetoImp === '02') {
      if (category === 'E')
        traslados.push({ impuesto: '002', tipoFactor: 'Exento', base: format(base, decimals) });
      else {
        const rate = dec(String(line.vat.rate ?? '0'));
        traslados.push({
          impuesto: '002',
          tipoFactor: 'Tasa',
          tasaOCuota: rate6(rate),
          base: format(base, decimals),
          importe: format(round(percent(base, rate), decimals), decimals),
        });
      }
      const ieps = text(ext?.['mx.iepsTasa']);
      if (ieps !== undefined)
        traslados.push({
          impuesto: '003',
          tipoFactor: 'Tasa',
          tasaOCuota: format(dec(ieps), 6),
          base: format(base, decimals),
          importe: format(round(mul(base, dec(ieps)), decimals), decimals),
        });
      for (const [key, impuesto] of [
        ['mx.retencionIsrTasa', '001'],
        ['mx.retencionIvaTasa', '002'],
      ] as const) {
        const tasa = text(ext?.[key]);
        if (tasa !== undefined)
          retenciones.push({
            impuesto,
            tipoFactor: 'Tasa',
            tasaOCuota: format(dec(tasa), 6),
            base: format(base, decimals),
            importe: format(round(mul(base, dec(tasa)), decimals), decimals),
          });
      }
    }
    return {
      line,
      importe: format(importe, decimals),
      ...(discount !== 0n ? { descuento: format(discount, decimals) } : {}),
      objetoImp,
      traslados,
      retenciones,
    };
  });
  if (problems.length > 0)
    throw invalidInput(
      'transform.inconsistent',
      `The invoice cannot be a CFDI (${problems.length} problems)`,
      problems,
    );
  const sum = (values: Array<string | undefined>) =>
    values.reduce<Decimal>((total, v) => (v === undefined ? total : total + dec(v)), 0n);
  const subTotal = sum(conceptos.map((c) => c.importe));
  const descuento = sum(conceptos.map((c) => c.descuento));
  const traslados = summarize(
    conceptos.flatMap((c) => c.traslados),
    decimals,
  );
  const retenciones = summarize(
    conceptos.flatMap((c) => c.retenciones),
    decimals,
  );
  const trasladado = sum(traslados.map((t) => t.importe));
  const retenido = sum(retenciones.map((t) => t.importe));
  const anyTasa = traslados.some((t) => t.importe !== undefined);
  return {
    tipoDeComprobante: invoice.typeCode === '381' ? 'E' : 'I',
    subTotal: format(subTotal, decimals),
    ...(descuento !== 0n ? { descuento: format(descuento, decimals) } : {}),
    total: format(subTotal - descuento + trasladado - retenido, decimals),
    conceptos,
    traslados,
    retenciones,
    ...(anyTasa ? { totalImpuestosTrasladados: format(trasladado, decimals) } : {}),
    ...(retenciones.length > 0 ? { totalImpuestosRetenidos: format(retenido, decimals) } : {}),
  };
}
