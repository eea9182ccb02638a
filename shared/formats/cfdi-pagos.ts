import { invalidInput, type ProblemDetail } from '../errors';
import { exact, pow10, type ExactDecimal } from '../model/exact-decimal';
import { divRound } from '../util/decimal';
import { currencyDecimals } from './cfdi-figures';

/**
 * The figures of a payment receipt (CFDI type P with the Pagos 2.0 complement) as SAT computes them, from the
 * canonical payment document (`shared/model/schemas/payment.schema.json`):
 *
 * - per paid document: the balance left (ImpSaldoAnt − ImpPagado), the equivalence (1 in the same currency),
 *   and its taxes in the share paid: as the ERP gives them, or computed from the amount paid when every tax
 *   is on one base (BaseDR = ImpPagado ÷ (1 + the rates charged − the rates withheld), six decimals);
 * - per payment: its taxes (ImpuestosP), each the sum of the documents' in the payment's currency
 *   (BaseDR ÷ EquivalenciaDR), rounded to six decimals once summed;
 * - Totales: each the sum over payments of the payment's figure × TipoCambioP, rounded to two decimals.
 *
 * The rounding is the one SAT's validation accepts and the PAC-stamped receipts of the corpus carry: the
 * corpus test recomputes ImpuestosP and Totales of each and finds the same values. Fractions are exact
 * (an EquivalenciaDR may have ten decimals).
 */

/** An exact fraction: `n / d`, d > 0. */
interface Fraction {
  n: bigint;
  d: bigint;
}

const ZERO: Fraction = { n: 0n, d: 1n };
const frac = (value: ExactDecimal): Fraction => ({ n: value.units, d: pow10(value.scale) });
const plus = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const minus = (a: Fraction, b: Fraction): Fraction => plus(a, { n: -b.n, d: b.d });
const times = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.n, d: a.d * b.d });
function over(a: Fraction, b: Fraction): Fraction {
  if (b.n === 0n) throw new RangeError('Division by zero');
  return b.n < 0n ? { n: -a.n * b.d, d: a.d * -b.n } : { n: a.n * b.d, d: a.d * b.n };
}
const compare = (a: Fraction, b: Fraction): number => {
  const x = a.n * b.d;
  const y = b.n * a.d;
  return x === y ? 0 : x < y ? -1 : 1;
};

/** Rounded half away from zero to `decimals` places, as a fraction again. */
function rounded(value: Fraction, decimals: number): Fraction {
  return { n: divRound(value.n * pow10(decimals), value.d), d: pow10(decimals) };
}

/** The text with exactly `decimals` places (rounded half away from zero). */
function fixed(value: Fraction, decimals: number): string {
  const units = divRound(value.n * pow10(decimals), value.d);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

export interface PagosTax {
  /** c_Impuesto: 001 ISR, 002 IVA, 003 IEPS. */
  impuesto: '001' | '002' | '003';
  tipoFactor: 'Tasa' | 'Exento';
  /** Six decimals (0.160000); absent for Exento. */
  tasaOCuota?: string;
  /** Absent on a payment's withholdings (RetencionP has none). */
  base?: string;
  importe?: string;
}

export interface PagosDocument {
  idDocumento: string;
  serie?: string;
  folio?: string;
  monedaDR: string;
  equivalenciaDR: string;
  numParcialidad: string;
  impSaldoAnt: string;
  impPagado: string;
  impSaldoInsoluto: string;
  objetoImpDR: string;
  trasladosDR: PagosTax[];
  retencionesDR: PagosTax[];
}

export interface PagosPayment {
  /** The canonical payment (its date, means, reference, extensions: the mapping reads them there). */
  payment: CanonicalPayment;
  monedaP: string;
  tipoCambioP: string;
  monto: string;
  doctos: PagosDocument[];
  trasladosP: PagosTax[];
  retencionesP: PagosTax[];
}

export interface PagosTotales {
  montoTotalPagos: string;
  totalRetencionesIVA?: string;
  totalRetencionesISR?: string;
  totalRetencionesIEPS?: string;
  totalTrasladosBaseIVA16?: string;
  totalTrasladosImpuestoIVA16?: string;
  totalTrasladosBaseIVA8?: string;
  totalTrasladosImpuestoIVA8?: string;
  totalTrasladosBaseIVA0?: string;
  totalTrasladosImpuestoIVA0?: string;
  totalTrasladosBaseIVAExento?: string;
}

export interface PagosFigures {
  totales: PagosTotales;
  pagos: PagosPayment[];
}

type Extensions = Record<string, string | number | boolean>;

/** A tax of a paid document (`tax` of payment.schema.json). */
export interface CanonicalPaymentTax {
  tax: 'VAT' | 'ISR' | 'IEPS';
  category?: 'S' | 'Z' | 'E';
  rate?: string | number;
  withheld?: boolean;
  base?: string | number;
  amount?: string | number;
}

export interface CanonicalPaidDocument {
  id: string;
  series?: string;
  number?: string;
  currency: string;
  exchangeRate?: string | number;
  installment: number;
  previousBalance: string | number;
  paid: string | number;
  taxes?: CanonicalPaymentTax[];
  extensions?: Extensions;
}

export interface CanonicalPayment {
  date: string;
  meansCode?: string;
  currency: string;
  exchangeRate?: string | number;
  amount?: string | number;
  reference?: string;
  extensions?: Extensions;
  documents: CanonicalPaidDocument[];
}

/** The canonical payment document, as its schema has checked it. */
export interface CanonicalPaymentDocument {
  id: string;
  payments: CanonicalPayment[];
  extensions?: Extensions;
  [term: string]: unknown;
}

const IMPUESTO = { VAT: '002', ISR: '001', IEPS: '003' } as const;

/** A tax as Pagos groups them: by tax, factor and rate (charged) or by tax alone (withheld). */
interface TaxFraction {
  impuesto: PagosTax['impuesto'];
  tipoFactor: PagosTax['tipoFactor'];
  tasaOCuota?: string;
  base: Fraction;
  importe?: Fraction;
}

/**
 * A payment's taxes from its documents' (BaseDR and ImporteDR ÷ EquivalenciaDR, summed), unrounded: charged
 * taxes by tax, factor and rate, withheld ones by tax.
 */
export function paymentTaxes(
  doctos: ReadonlyArray<{ equivalenciaDR: string; trasladosDR: PagosTax[]; retencionesDR: PagosTax[] }>,
): { traslados: TaxFraction[]; retenciones: TaxFraction[] } {
  const traslados = new Map<string, TaxFraction>();
  const retenciones = new Map<string, TaxFraction>();
  for (const docto of doctos) {
    const equivalence = frac(exact(docto.equivalenciaDR)!);
    const add = (groups: Map<string, TaxFraction>, key: string, tax: PagosTax) => {
      const group = groups.get(key) ?? {
        impuesto: tax.impuesto,
        tipoFactor: tax.tipoFactor,
        ...(key.includes('|') && tax.tasaOCuota !== undefined ? { tasaOCuota: tax.tasaOCuota } : {}),
        base: ZERO,
      };
      group.base = plus(group.base, over(frac(exact(tax.base ?? '0')!), equivalence));
      if (tax.importe !== undefined)
        group.importe = plus(group.importe ?? ZERO, over(frac(exact(tax.importe)!), equivalence));
      groups.set(key, group);
    };
    for (const tax of docto.trasladosDR)
      add(traslados, `${tax.impuesto}|${tax.tipoFactor}|${tax.tasaOCuota ?? ''}`, tax);
    for (const tax of docto.retencionesDR) add(retenciones, tax.impuesto, tax);
  }
  return { traslados: [...traslados.values()], retenciones: [...retenciones.values()] };
}

/** ImpuestosP of a payment: its taxes rounded to six decimals (a withholding carries no base). */
export function impuestosP(doctos: Parameters<typeof paymentTaxes>[0]): {
  trasladosP: PagosTax[];
  retencionesP: PagosTax[];
} {
  const { traslados, retenciones } = paymentTaxes(doctos);
  return {
    trasladosP: traslados.map((t) => ({
      impuesto: t.impuesto,
      tipoFactor: t.tipoFactor,
      ...(t.tasaOCuota !== undefined ? { tasaOCuota: t.tasaOCuota } : {}),
      base: fixed(t.base, 6),
      ...(t.importe !== undefined ? { importe: fixed(t.importe, 6) } : {}),
    })),
    retencionesP: retenciones.map((t) => ({
      impuesto: t.impuesto,
      tipoFactor: t.tipoFactor,
      importe: fixed(t.importe ?? ZERO, 6),
    })),
  };
}

/** Totales of the complement: each payment's figure × TipoCambioP, summed, rounded to two decimals. */
export function pagosTotales(
  pagos: ReadonlyArray<{
    tipoCambioP: string;
    monto: string;
    trasladosP: PagosTax[];
    retencionesP: PagosTax[];
  }>,
): PagosTotales {
  const sums = new Map<keyof PagosTotales, Fraction>();
  const add = (key: keyof PagosTotales, value: string | undefined, rate: Fraction) => {
    if (value === undefined) return;
    sums.set(key, plus(sums.get(key) ?? ZERO, times(frac(exact(value)!), rate)));
  };
  const RETENCIONES = { '001': 'ISR', '002': 'IVA', '003': 'IEPS' } as const;
  const IVA_RATES: Record<string, string> = { '0.160000': '16', '0.080000': '8', '0.000000': '0' };
  for (const pago of pagos) {
    const rate = frac(exact(pago.tipoCambioP)!);
    add('montoTotalPagos', pago.monto, rate);
    for (const tax of pago.retencionesP)
      add(`totalRetenciones${RETENCIONES[tax.impuesto]}` as keyof PagosTotales, tax.importe, rate);
    for (const tax of pago.trasladosP) {
      if (tax.impuesto !== '002') continue;
      if (tax.tipoFactor === 'Exento') {
        add('totalTrasladosBaseIVAExento', tax.base, rate);
        continue;
      }
      const iva = IVA_RATES[tax.tasaOCuota ?? ''];
      if (iva === undefined) continue;
      add(`totalTrasladosBaseIVA${iva}` as keyof PagosTotales, tax.base, rate);
      add(`totalTrasladosImpuestoIVA${iva}` as keyof PagosTotales, tax.importe ?? '0', rate);
    }
  }
  const totales = { montoTotalPagos: '0.00' } as PagosTotales;
  for (const [key, value] of sums) totales[key] = fixed(value, 2);
  return totales;
}

/** The Pagos 2.0 figures of a canonical payment document, or every reason it cannot be one, located. */
export function pagosFigures(document: CanonicalPaymentDocument): PagosFigures {
  if (!Array.isArray(document.payments))
    throw invalidInput(
      'transform.inconsistent',
      'A payment receipt is made of a canonical payment document (payment.schema.json): this has no payments',
      [{ path: '/payments', message: 'required', code: 'cfdi.unsupported' }],
    );
  const problems: ProblemDetail[] = [];
  const problem = (path: string, message: string) =>
    problems.push({ path, code: 'cfdi.unsupported', message });
  const pagos = document.payments.map((payment, p): PagosPayment => {
    const at = `/payments/${p}`;
    const monedaP = payment.currency;
    if (monedaP === 'XXX') problem(`${at}/currency`, 'A payment is in a currency: XXX is not one');
    const tipoCambio = exact(String(payment.exchangeRate ?? '1'))!;
    if (monedaP === 'MXN' && compare(frac(tipoCambio), { n: 1n, d: 1n }) !== 0)
      problem(`${at}/exchangeRate`, 'A payment in MXN has exchange rate 1');
    let paidInPaymentCurrency = ZERO;
    const doctos = payment.documents.map((doc, j): PagosDocument => {
      const where = `${at}/documents/${j}`;
      const decimals = currencyDecimals(doc.currency);
      const same = doc.currency === monedaP;
      if (!same && doc.exchangeRate === undefined)
        problem(
          `${where}/exchangeRate`,
          `The invoice is in ${doc.currency}, the payment in ${monedaP}: give the equivalence`,
        );
      const equivalence = exact(String(doc.exchangeRate ?? '1'))!;
      if (equivalence.units <= 0n) problem(`${where}/exchangeRate`, 'The equivalence is more than 0');
      const previous = frac(exact(String(doc.previousBalance))!);
      const paid = frac(exact(String(doc.paid))!);
      if (paid.n <= 0n) problem(`${where}/paid`, 'What is paid of a document is more than 0');
      if (compare(paid, previous) > 0)
        problem(`${where}/paid`, `${doc.paid} paid is more than the balance of ${doc.previousBalance}`);
      if (equivalence.units > 0n)
        paidInPaymentCurrency = plus(paidInPaymentCurrency, over(paid, frac(equivalence)));
      const taxes = doc.taxes ?? [];
      const objetoImp = String(doc.extensions?.['mx.objetoImpDR'] ?? (taxes.length > 0 ? '02' : '01'));
      if (objetoImp !== '02' && taxes.length > 0)
        problem(`${where}/taxes`, `ObjetoImpDR ${objetoImp} has no taxes`);
      const { trasladosDR, retencionesDR } = documentTaxes(taxes, paid, where, problem);
      return {
        idDocumento: doc.id,
        ...(doc.series !== undefined ? { serie: doc.series } : {}),
        ...(doc.number !== undefined ? { folio: doc.number } : {}),
        monedaDR: doc.currency,
        equivalenciaDR: same ? '1' : String(doc.exchangeRate ?? '1'),
        numParcialidad: String(doc.installment),
        impSaldoAnt: fixed(previous, decimals),
        impPagado: fixed(paid, decimals),
        impSaldoInsoluto: fixed(minus(previous, paid), decimals),
        objetoImpDR: objetoImp,
        trasladosDR,
        retencionesDR,
      };
    });
    const decimals = currencyDecimals(monedaP);
    const least = rounded(paidInPaymentCurrency, decimals);
    const monto = payment.amount === undefined ? least : frac(exact(String(payment.amount))!);
    if (compare(monto, least) < 0)
      problem(
        `${at}/amount`,
        `The payment (${fixed(monto, decimals)}) is less than what it pays of its documents (${fixed(least, decimals)})`,
      );
    return {
      payment,
      monedaP,
      tipoCambioP: monedaP === 'MXN' ? '1' : String(payment.exchangeRate ?? '1'),
      monto: fixed(monto, decimals),
      doctos,
      ...impuestosP(doctos),
    };
  });
  if (problems.length > 0)
    throw invalidInput(
      'transform.inconsistent',
      `The payment cannot be a CFDI payment receipt (${problems.length} problems)`,
      problems,
    );
  return { totales: pagosTotales(pagos), pagos };
}

/**
 * A paid document's taxes in the share paid: as given (base, and amount or base × rate), or when no tax has
 * a base, every tax on the one base the amount paid implies (paid = base × (1 + charged − withheld)).
 */
function documentTaxes(
  taxes: readonly CanonicalPaymentTax[],
  paid: Fraction,
  where: string,
  problem: (path: string, message: string) => void,
): { trasladosDR: PagosTax[]; retencionesDR: PagosTax[] } {
  const trasladosDR: PagosTax[] = [];
  const retencionesDR: PagosTax[] = [];
  const given = taxes.filter((t) => t.base !== undefined).length;
  if (given !== 0 && given !== taxes.length) {
    problem(
      `${where}/taxes`,
      'Give the base of every tax, or of none (then it is computed from the amount paid)',
    );
    return { trasladosDR, retencionesDR };
  }
  const rateOf = (tax: CanonicalPaymentTax): Fraction | undefined => {
    if (tax.category === 'E') return undefined;
    if (tax.category === 'Z') return ZERO;
    const rate = tax.rate === undefined ? undefined : exact(String(tax.rate));
    return rate === undefined ? undefined : over(frac(rate), { n: 100n, d: 1n });
  };
  let base: Fraction | undefined;
  if (given === 0 && taxes.length > 0) {
    let factor: Fraction = { n: 1n, d: 1n };
    for (const tax of taxes) {
      const rate = rateOf(tax);
      if (rate !== undefined) factor = tax.withheld ? minus(factor, rate) : plus(factor, rate);
    }
    if (factor.n <= 0n) problem(`${where}/taxes`, 'The rates withheld leave nothing to pay');
    else base = rounded(over(paid, factor), 6);
  }
  taxes.forEach((tax, k) => {
    const at = `${where}/taxes/${k}`;
    const impuesto = IMPUESTO[tax.tax];
    if (tax.tax !== 'VAT' && tax.category !== undefined)
      problem(`${at}/category`, `${tax.tax} has no category`);
    if (tax.category === 'E' && tax.withheld) problem(`${at}/withheld`, 'An exemption is not withheld');
    if (tax.category !== 'E' && tax.category !== 'Z' && tax.rate === undefined)
      problem(`${at}/rate`, 'A tax charged or withheld has a rate');
    const taxBase = tax.base !== undefined ? frac(exact(String(tax.base))!) : (base ?? ZERO);
    const baseText = tax.base !== undefined ? String(tax.base) : fixed(taxBase, 6);
    if (tax.category === 'E') {
      trasladosDR.push({ impuesto, tipoFactor: 'Exento', base: baseText });
      return;
    }
    const rate = rateOf(tax) ?? ZERO;
    const importe =
      tax.amount !== undefined ? String(tax.amount) : fixed(rounded(times(taxBase, rate), 6), 6);
    const entry: PagosTax = {
      impuesto,
      tipoFactor: 'Tasa',
      tasaOCuota: fixed(rate, 6),
      base: baseText,
      importe,
    };
    (tax.withheld ? retencionesDR : trasladosDR).push(entry);
  });
  return { trasladosDR, retencionesDR };
}
