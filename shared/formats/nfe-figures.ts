import { invalidInput, type ProblemDetail } from '../errors';
import type { CanonicalInvoice, InvoiceLine, LineAllowanceCharge } from '../model/invoice';
import {
  exact,
  exactCompare,
  exactFixed,
  exactRound,
  pow10,
  type ExactDecimal,
} from '../model/exact-decimal';
import { codeList, type CodeListId } from '../rules/code-lists/code-lists';
import { divRound } from '../util/decimal';
import { parseAccessKey, UF_CODES, type Uf } from './nfe-key';

/**
 * The figures of a Brazilian NF-e 4.00 (model 55) as SEFAZ validates them, computed from the canonical invoice,
 * its `br.*` extensions (flows/br-nfe-sefaz/schemas/extensions.schema.json) and the issuer's parameters
 * ({@link NfeCompany}): per item (`det`) the product's values and its taxes (ICMS by CST or CSOSN with ICMS-ST,
 * FCP and the Simples Nacional credit, the destination state's share of an interstate sale to a consumer,
 * IPI, PIS and COFINS), each rounded to cents on the item (half away from zero), then `total/ICMSTot` as the
 * exact sums of the items, and the header's derived codes (tpNF, idDest, indFinal, indIEDest). Names are the
 * layout's, and each group's values are listed in the schema's order, so a mapping can write them as they
 * come. What cannot be computed is refused at once, every problem located by its JSON path.
 *
 * The choices made, where the layout leaves them to the issuer:
 * - vUnCom is BT-146 (the net price) divided by BT-149 (the base quantity), to at most 10 decimals; qCom is
 *   BT-129 with at most 4; vProd = qCom × vUnCom rounded to cents (rule 629 of the MOC).
 * - A line's allowances make its vDesc; a line's charges its vFrete (UNTDID 7161 reason code FC), vSeg (IN)
 *   or vOutro (any other). Document-level allowances and charges are apportioned to the items by their
 *   vProd, to the cent (largest remainders first, ties to the earlier item), so the totals add up exactly.
 * - The value of the operation of an item is vProd − vDesc + vFrete + vSeg + vOutro. It is the base of IPI
 *   (ad valorem only), of PIS and COFINS (less the item's ICMS when {@link NfeCompany.pisCofinsBaseExcludesIcms}),
 *   and of the Simples Nacional credit. The ICMS base adds the item's IPI when the buyer is a final consumer
 *   (indFinal 1: the Constitution, art. 155 §2 XI, leaves it out only between taxpayers); the ICMS-ST base
 *   always adds it, then applies the MVA (modBCST 4) or not (6) and any reduction.
 * - ICMS-ST due = vBCST × pICMSST less the ICMS of the issuer's own operation (for a Simples Nacional issuer:
 *   at `br.pICMS`, the rate the operation would bear), never below zero.
 * - Difal (ICMSUFDest, EC 87/2015 with the destination's full share since 2019, pICMSInterPart 100): for an
 *   interstate sale (idDest 2) to a consumer (indFinal 1) who is not a taxpayer (indIEDest 9), on a single
 *   base (vBCUFDest = the item's ICMS base before reduction): vICMSUFDest = vBCUFDest × pICMSUFDest −
 *   vBCUFDest × pICMSInter, each rounded, not below zero; vFCPUFDest = vBCUFDest × pFCPUFDest; vICMSUFRemet 0.
 *   A regime-normal issuer must give it on every item that bears ICMS (CST other than 40, 41, 50, 60); for a
 *   Simples Nacional issuer it is computed where the item gives `br.pICMSUFDest`.
 * - The buyer's IE is the header's `br.ieDest` (the canonical buyer has no tax registration term); indIEDest
 *   is `br.indIEDest`, else 1 with an IE and 9 without (always 9 abroad); indFinal is `br.indFinal`, else 1
 *   for a buyer who is not a taxpayer (indIEDest 9) and 0 otherwise.
 * - tpNF follows the items' CFOPs (1xxx–3xxx entry, 5xxx–7xxx exit); their first digit must agree with idDest.
 *
 * Refused as not supported, located: currencies other than BRL; invoice types other than 380 and 381 (a 381 is
 * a return, finNFe 4); ICMS CST 02, 15, 30, 53, 61 (single-phase fuels, ST without own ICMS); ST bases from a
 * price list (modBCST 0, 1, 2, 3, 5); PIS/COFINS per unit (CST 03). Not offered: IPI per unit, a tributável
 * unit other than the commercial one, FCP on a CSOSN 900. Not computed (written as zero or not at all):
 * desonerated ICMS (vICMSDeson), ICMS retained before by ST (CST 60 / CSOSN 500 details, vFCPSTRet), import
 * tax (vII), the difal's double base of LC 190/2022, ISSQN items.
 */

/** The issuer's parameters the figures need (the company's configuration, not the document's). */
export interface NfeCompany {
  /**
   * Código de Regime Tributário: 1 Simples Nacional, 2 Simples Nacional over the sub-limit, 3 regime normal.
   * CRT 1 writes an item's ICMS by CSOSN (`br.csosn`), 2 and 3 by CST (`br.cst`).
   */
  crt: '1' | '2' | '3';
  /** The issuer's state (UF abbreviation, `SP`). */
  uf: Uf;
  /** The Simples Nacional credit rate (pCredSN, percent) for CSOSN 101, 201 and 900 where an item gives none. */
  pCredSN?: string | number;
  /** Whether the PIS and COFINS base of an item excludes its ICMS (STF RE 574.706). Default false. */
  pisCofinsBaseExcludesIcms?: boolean;
}

/** The ICMS groups of imposto/ICMS the figures write. */
export type NfeIcmsGroup =
  | 'ICMS00'
  | 'ICMS10'
  | 'ICMS20'
  | 'ICMS40'
  | 'ICMS51'
  | 'ICMS60'
  | 'ICMS70'
  | 'ICMS90'
  | 'ICMSSN101'
  | 'ICMSSN102'
  | 'ICMSSN201'
  | 'ICMSSN202'
  | 'ICMSSN500'
  | 'ICMSSN900';

/** The elements of a group, by name, in the schema's order, as written (`"18.00"`). */
export type NfeFields = Readonly<Record<string, string>>;

/** The values of det/prod the figures make (the descriptive ones come from the line). */
export interface NfeProd {
  NCM: string;
  CEST?: string;
  CFOP: string;
  /** BT-129, four decimals. */
  qCom: string;
  /** Net price per unit, 2 to 10 decimals. */
  vUnCom: string;
  /** qCom × vUnCom, to cents. */
  vProd: string;
  /** The same unit as the commercial one: qTrib = qCom, vUnTrib = vUnCom. */
  qTrib: string;
  vUnTrib: string;
  vFrete?: string;
  vSeg?: string;
  vDesc?: string;
  vOutro?: string;
  indTot: '1';
}

export interface NfeImposto {
  /** Approximate taxes of the item (Lei 12.741/2012), where the line gives `br.vTotTrib`. */
  vTotTrib?: string;
  /** One group, by its name: `{ ICMS00: { orig, CST, modBC, vBC, pICMS, vICMS } }`. */
  ICMS: Partial<Record<NfeIcmsGroup, NfeFields>>;
  /** Where the line gives `br.ipiCst`: `{ cEnq, IPITrib: {…} }` or `{ cEnq, IPINT: { CST } }`. */
  IPI?: { cEnq: string; IPITrib?: NfeFields; IPINT?: NfeFields };
  /** One group, by its name: PISAliq, PISNT or PISOutr. */
  PIS: Readonly<Record<string, NfeFields>>;
  /** One group, by its name: COFINSAliq, COFINSNT or COFINSOutr. */
  COFINS: Readonly<Record<string, NfeFields>>;
  /** The destination state's ICMS (difal), see {@link nfeFigures}. */
  ICMSUFDest?: NfeFields;
}

export interface NfeItem {
  /** 1-based, as det/@nItem. */
  nItem: number;
  /** The canonical line. */
  line: InvoiceLine;
  prod: NfeProd;
  imposto: NfeImposto;
  /** A return's IPI (finNFe 4, `br.vIPIDevol`). */
  impostoDevol?: { pDevol: string; IPI: { vIPIDevol: string } };
  /** The name of the group in `imposto.ICMS`. */
  icmsGroup: NfeIcmsGroup;
}

/** total/ICMSTot, every element in the schema's order (the destination's three and vTotTrib when due). */
export interface NfeIcmsTot {
  vBC: string;
  vICMS: string;
  vICMSDeson: string;
  vFCPUFDest?: string;
  vICMSUFDest?: string;
  vICMSUFRemet?: string;
  vFCP: string;
  vBCST: string;
  vST: string;
  vFCPST: string;
  vFCPSTRet: string;
  vProd: string;
  vFrete: string;
  vSeg: string;
  vDesc: string;
  vII: string;
  vIPI: string;
  vIPIDevol: string;
  vPIS: string;
  vCOFINS: string;
  vOutro: string;
  vNF: string;
  vTotTrib?: string;
}

export interface NfeFigures {
  ide: {
    natOp: string;
    /** 0 entry, 1 exit: from the items' CFOPs. */
    tpNF: '0' | '1';
    /** 1 within the state, 2 interstate, 3 abroad: from the issuer's and the buyer's state. */
    idDest: '1' | '2' | '3';
    finNFe: '1' | '2' | '3' | '4';
    indFinal: '0' | '1';
    indPres: string;
    /** The referenced NF-e (BG-3's identifiers, access keys). */
    NFref: Array<{ refNFe: string }>;
  };
  emit: { CRT: NfeCompany['crt']; UF: Uf };
  dest: { UF?: Uf; indIEDest: '1' | '2' | '9'; IE?: string };
  det: NfeItem[];
  total: { ICMSTot: NfeIcmsTot };
  transp: { modFrete: string };
}

// ---------------------------------------------------------------------------------------------------------
// Exact arithmetic

type Dec = ExactDecimal;

const ZERO: Dec = { units: 0n, scale: 0 };
const HUNDRED: Dec = { units: 100n, scale: 0 };

function plus(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale), scale };
}

const negate = (a: Dec): Dec => ({ units: -a.units, scale: a.scale });
const minus = (a: Dec, b: Dec): Dec => plus(a, negate(b));
const times = (a: Dec, b: Dec): Dec => ({ units: a.units * b.units, scale: a.scale + b.scale });
/** a × p / 100. */
const ofPercent = (a: Dec, p: Dec): Dec => ({ units: a.units * p.units, scale: a.scale + p.scale + 2 });
const sum = (values: readonly Dec[]): Dec => values.reduce(plus, ZERO);
/** Rounded half away from zero to cents. */
const cents = (a: Dec): Dec => exactRound(a, 2);
const atLeastZero = (a: Dec): Dec => (a.units < 0n ? ZERO : a);
const isZero = (a: Dec): boolean => a.units === 0n;

/** a ÷ b rounded half away from zero to `places`. */
function divide(a: Dec, b: Dec, places: number): Dec {
  // (a.u / 10^a.s) / (b.u / 10^b.s) × 10^places = a.u × 10^(b.s + places) / (b.u × 10^a.s)
  return { units: divRound(a.units * pow10(b.scale + places), b.units * pow10(a.scale)), scale: places };
}

/** The value with its trailing fraction zeros dropped (an exact quotient written as short as it is). */
function trimmed(a: Dec): Dec {
  let { units, scale } = a;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

const money = (a: Dec): string => exactFixed(a, 2);
/** A percentage as TDec_0302a04 writes it: 2 to 4 decimals. */
const rateText = (a: Dec): string => exactFixed(a, Math.min(4, Math.max(2, trimmed(a).scale)));

// ---------------------------------------------------------------------------------------------------------
// Codes

const UFS = new Set(Object.keys(UF_CODES));
const isUf = (value: string): value is Uf => UFS.has(value);

/** The ICMS CSTs computed here (br/cst-icms lists also 02, 15, 30, 53 and 61). */
const SUPPORTED_CST = new Set(['00', '10', '20', '40', '41', '50', '51', '60', '70', '90']);
/** CSTs whose item bears no ICMS of its own in the operation (no difal required). */
const NO_OWN_ICMS = new Set(['40', '41', '50', '60']);
const IPI_TRIB = new Set(['00', '49', '50', '99']);
const PIS_ALIQ = new Set(['01', '02']);
const PIS_NT = new Set(['04', '05', '06', '07', '08', '09']);
const INTERSTATE_RATES = ['4', '7', '12'];
/** UNTDID 7161 reason codes of a charge that is freight or insurance. */
const FREIGHT = 'FC';
const INSURANCE = 'IN';

const ICMS_GROUP_OF_CST: Readonly<Record<string, NfeIcmsGroup>> = {
  '00': 'ICMS00',
  '10': 'ICMS10',
  '20': 'ICMS20',
  '40': 'ICMS40',
  '41': 'ICMS40',
  '50': 'ICMS40',
  '51': 'ICMS51',
  '60': 'ICMS60',
  '70': 'ICMS70',
  '90': 'ICMS90',
};

const ICMS_GROUP_OF_CSOSN: Readonly<Record<string, NfeIcmsGroup>> = {
  '101': 'ICMSSN101',
  '102': 'ICMSSN102',
  '103': 'ICMSSN102',
  '300': 'ICMSSN102',
  '400': 'ICMSSN102',
  '201': 'ICMSSN201',
  '202': 'ICMSSN202',
  '203': 'ICMSSN202',
  '500': 'ICMSSN500',
  '900': 'ICMSSN900',
};

// ---------------------------------------------------------------------------------------------------------
// Reading the invoice

type Extensions = InvoiceLine['extensions'];

/** Reads `br.*` values of one extensions object, reporting each problem at its path. */
class Reader {
  constructor(
    private readonly extensions: Extensions,
    /** The path of the extensions object: `/extensions`, `/lines/3/extensions`. */
    readonly at: string,
    private readonly problems: ProblemDetail[],
  ) {}

  path(name: string): string {
    return `${this.at}/${name}`;
  }

  /** Reports a problem of `name` once (a value is read by several computations). */
  problem(name: string, code: string, message: string): void {
    const path = this.path(name);
    if (!this.problems.some((p) => p.path === path && p.message === message))
      this.problems.push({ path, code, message });
  }

  /** The value as text (a number as written), or undefined when absent or empty. */
  text(name: string): string | undefined {
    const value = this.extensions?.[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'boolean') {
      this.problem(name, 'nfe.invalid', `${name} is a boolean, not a value`);
      return undefined;
    }
    return String(value).trim();
  }

  /** The value, which must match `pattern` (`what` says what it should be). */
  matching(name: string, pattern: RegExp, what: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && !pattern.test(value)) {
      this.problem(name, 'nfe.invalid', `${name} ${JSON.stringify(value)} is not ${what}`);
      return undefined;
    }
    return value;
  }

  /** A code of the list `list`, or undefined (reported) when it is not one. */
  code(name: string, list: CodeListId): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const codes = codeList(list);
    if (!codes.has(value)) {
      this.problem(name, 'nfe.invalid', `${name} ${JSON.stringify(value)} is not a code of ${codes.name}`);
      return undefined;
    }
    return value;
  }

  /** A value that must be there: reported as missing when it is not. */
  required<T>(name: string, value: T | undefined, why: string): T | undefined {
    if (value === undefined && this.text(name) === undefined)
      this.problem(name, 'nfe.missing', `${name} is missing: ${why}`);
    return value;
  }

  /** A percentage: 0 to 999.9999 (or `max`), at most four decimals. */
  rate(name: string, max = 999.9999): Dec | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const parsed = exact(value);
    if (
      !parsed ||
      parsed.units < 0n ||
      trimmed(parsed).scale > 4 ||
      exactCompare(parsed, exact(max) ?? HUNDRED) > 0
    ) {
      this.problem(
        name,
        'nfe.invalid',
        `${name} ${JSON.stringify(value)} is not a percentage of 0 to ${max} with at most 4 decimals`,
      );
      return undefined;
    }
    return parsed;
  }

  /** An amount: not negative, at most two decimals. */
  amount(name: string): Dec | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const parsed = exact(value);
    if (!parsed || parsed.units < 0n || trimmed(parsed).scale > 2) {
      this.problem(
        name,
        'nfe.invalid',
        `${name} ${JSON.stringify(value)} is not an amount (0 or more, to cents)`,
      );
      return undefined;
    }
    return parsed;
  }
}

/** The value of an allowance or charge: its amount, else base × percentage (the base defaults to `base`). */
function allowanceAmount(entry: LineAllowanceCharge, base: Dec, at: string, problems: ProblemDetail[]): Dec {
  const amount = entry.amount === undefined ? undefined : exact(entry.amount);
  if (amount) {
    if (amount.units < 0n || trimmed(amount).scale > 2)
      problems.push({
        path: `${at}/amount`,
        code: 'nfe.invalid',
        message: 'An amount is 0 or more, to cents',
      });
    return amount;
  }
  const percentage = entry.percentage === undefined ? undefined : exact(entry.percentage);
  const baseAmount = entry.baseAmount === undefined ? base : exact(entry.baseAmount);
  if (percentage && baseAmount) return cents(ofPercent(baseAmount, percentage));
  problems.push({ path: `${at}/amount`, code: 'nfe.missing', message: 'Neither an amount nor a percentage' });
  return ZERO;
}

/** Splits `amount` over `weights` in proportion, to the cent, the remainders to the largest fractions. */
function apportion(amount: Dec, weights: readonly Dec[]): Dec[] {
  const total = sum(weights);
  const amountCents = exactRound(amount, 2).units * pow10(2 - Math.min(2, amount.scale));
  if (isZero(total)) return weights.map(() => ZERO);
  // each share in cents as a fraction over the total's units at a common scale
  const scale = Math.max(...weights.map((w) => w.scale));
  const units = weights.map((w) => w.units * pow10(scale - w.scale));
  const totalUnits = units.reduce((a, b) => a + b, 0n);
  const floors = units.map((u) => (amountCents * u) / totalUnits);
  const remainders = units.map((u, i) => amountCents * u - floors[i]! * totalUnits);
  let left = amountCents - floors.reduce((a, b) => a + b, 0n);
  const order = remainders
    .map((r, i) => [r, i] as const)
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] > b[0] ? -1 : 1));
  for (const [, i] of order) {
    if (left === 0n) break;
    floors[i] = floors[i]! + 1n;
    left -= 1n;
  }
  return floors.map((c) => ({ units: c, scale: 2 }));
}

/** What a line carries into the taxes, before them. */
interface ItemValues {
  readonly line: InvoiceLine;
  /** The line's path: `/lines/3`. */
  readonly at: string;
  readonly reader: Reader;
  readonly qCom: Dec;
  readonly vUnCom: Dec;
  readonly vProd: Dec;
  vDesc: Dec;
  vFrete: Dec;
  vSeg: Dec;
  vOutro: Dec;
}

function itemValues(line: InvoiceLine, i: number, problems: ProblemDetail[]): ItemValues {
  const at = `/lines/${i}`;
  const reader = new Reader(line.extensions, `${at}/extensions`, problems);
  const quantity = exact(line.quantity);
  let qCom = ZERO;
  if (!quantity || quantity.units < 0n || trimmed(quantity).scale > 4)
    problems.push({
      path: `${at}/quantity`,
      code: 'nfe.invalid',
      message: `qCom is 0 or more with at most 4 decimals, not ${String(line.quantity)}`,
    });
  else qCom = quantity;
  const gross = line.price.gross === undefined ? undefined : exact(line.price.gross);
  const net =
    line.price.net !== undefined
      ? exact(line.price.net)
      : gross && minus(gross, exact(line.price.discount ?? 0) ?? ZERO);
  const baseQuantity = line.price.baseQuantity === undefined ? undefined : exact(line.price.baseQuantity);
  let vUnCom = ZERO;
  if (!net || net.units < 0n)
    problems.push({
      path: `${at}/price/net`,
      code: net ? 'nfe.invalid' : 'nfe.missing',
      message: 'vUnCom needs a net price (or a gross price) of 0 or more',
    });
  else if (baseQuantity && isZero(baseQuantity))
    problems.push({
      path: `${at}/price/baseQuantity`,
      code: 'nfe.invalid',
      message: 'A base quantity is not 0',
    });
  else {
    const perUnit = baseQuantity ? divide(net, baseQuantity, 10) : net;
    vUnCom = trimmed(exactRound(perUnit, 10));
  }
  const vProd = cents(times(qCom, vUnCom));
  let vDesc = ZERO;
  (line.allowances ?? []).forEach((allowance, k) => {
    vDesc = plus(vDesc, allowanceAmount(allowance, vProd, `${at}/allowances/${k}`, problems));
  });
  const charges = { vFrete: ZERO, vSeg: ZERO, vOutro: ZERO };
  (line.charges ?? []).forEach((charge, k) => {
    const value = allowanceAmount(charge, vProd, `${at}/charges/${k}`, problems);
    const key =
      charge.reasonCode === FREIGHT ? 'vFrete' : charge.reasonCode === INSURANCE ? 'vSeg' : 'vOutro';
    charges[key] = plus(charges[key], value);
  });
  return { line, at, reader, qCom, vUnCom, vProd, vDesc, ...charges };
}

// ---------------------------------------------------------------------------------------------------------
// The header

interface Header {
  ide: NfeFigures['ide'];
  dest: NfeFigures['dest'];
  transp: NfeFigures['transp'];
}

function buyerUf(invoice: CanonicalInvoice, problems: ProblemDetail[]): Uf | undefined {
  const address = invoice.buyer.address;
  if (address.country !== 'BR') return undefined;
  const subdivision = address.subdivision?.trim().toUpperCase().replace(/^BR-/, '');
  if (subdivision && isUf(subdivision)) return subdivision;
  problems.push({
    path: '/buyer/address/subdivision',
    code: subdivision ? 'nfe.invalid' : 'nfe.missing',
    message: `A Brazilian buyer's state (UF, as SP or BR-SP) gives idDest; ${subdivision ? `${JSON.stringify(address.subdivision)} is none` : 'it is missing'}`,
  });
  return undefined;
}

function readHeader(
  invoice: CanonicalInvoice,
  company: NfeCompany,
  items: readonly ItemValues[],
  problems: ProblemDetail[],
): Header {
  const reader = new Reader(invoice.extensions, '/extensions', problems);
  if (invoice.currency !== 'BRL')
    problems.push({
      path: '/currency',
      code: 'nfe.unsupported',
      message: `An NF-e is in reais (BRL), not ${invoice.currency}`,
    });
  if (invoice.typeCode !== '380' && invoice.typeCode !== '381')
    problems.push({
      path: '/typeCode',
      code: 'nfe.unsupported',
      message: `An NF-e is made here of an invoice (380) or of a return (381, finNFe 4); not of ${invoice.typeCode}`,
    });
  const seller = invoice.seller.address;
  if (seller.country !== 'BR')
    problems.push({
      path: '/seller/address/country',
      code: 'nfe.invalid',
      message: 'The issuer of an NF-e is in Brazil',
    });
  const sellerUf = seller.subdivision?.trim().toUpperCase().replace(/^BR-/, '');
  if (sellerUf && sellerUf !== company.uf)
    problems.push({
      path: '/seller/address/subdivision',
      code: 'nfe.inconsistent',
      message: `The seller's state ${sellerUf} is not the issuer's UF ${company.uf}`,
    });

  const finNFe = (reader.code('br.finNFe', 'br/fin-nfe') ?? (invoice.typeCode === '381' ? '4' : '1')) as
    '1' | '2' | '3' | '4';
  if (invoice.typeCode === '381' && finNFe !== '4')
    reader.problem(
      'br.finNFe',
      'nfe.inconsistent',
      `A credit note (381) is a return, finNFe 4, not ${finNFe}`,
    );

  const uf = buyerUf(invoice, problems);
  const idDest =
    invoice.buyer.address.country !== 'BR' ? '3' : uf === undefined || uf === company.uf ? '1' : '2';

  const ie = reader.matching('br.ieDest', /^[0-9]{2,14}$/, "the buyer's IE (2 to 14 digits)");
  const givenIndIEDest = reader.code('br.indIEDest', 'br/ind-ie-dest') as '1' | '2' | '9' | undefined;
  const indIEDest = idDest === '3' ? '9' : (givenIndIEDest ?? (ie ? '1' : '9'));
  if (idDest === '3' && givenIndIEDest !== undefined && givenIndIEDest !== '9')
    reader.problem(
      'br.indIEDest',
      'nfe.inconsistent',
      'A buyer abroad is not a taxpayer of ICMS: indIEDest 9',
    );
  if (indIEDest === '1' && !ie)
    reader.problem('br.ieDest', 'nfe.missing', 'A buyer who is a taxpayer (indIEDest 1) has an IE');
  if (indIEDest === '2' && ie)
    reader.problem(
      'br.ieDest',
      'nfe.inconsistent',
      'A buyer exempt from registration (indIEDest 2) has no IE',
    );
  const indFinal = (reader.code('br.indFinal', 'br/ind-final') ?? (indIEDest === '9' ? '1' : '0')) as
    '0' | '1';
  if (indIEDest === '9' && indFinal === '0')
    reader.problem(
      'br.indFinal',
      'nfe.inconsistent',
      'A buyer who is not a taxpayer (indIEDest 9) is a final consumer (indFinal 1; SEFAZ rejection 696)',
    );

  const natOp = reader.required(
    'br.natOp',
    reader.matching('br.natOp', /^\S(.{0,58}\S)?$/s, 'a nature of the operation of 1 to 60 characters'),
    'the nature of the operation (natOp) names what the NF-e is for',
  );
  const indPres = reader.code('br.indPres', 'br/ind-pres') ?? (finNFe === '2' || finNFe === '3' ? '0' : '9');
  const anyFreight = items.some((item) => !isZero(item.vFrete));
  const modFrete = reader.code('br.modFrete', 'br/mod-frete');
  if (modFrete === undefined && anyFreight)
    reader.required(
      'br.modFrete',
      undefined,
      'the items carry freight: who contracts the transport (modFrete)',
    );
  if (modFrete === '9' && anyFreight)
    reader.problem('br.modFrete', 'nfe.inconsistent', 'modFrete 9 (no transport) with freight on the items');

  // the CFOP's first digit says the direction (1-3 in, 5-7 out) and where the goods go (1/5 state, 2/6, 3/7)
  const scopes = ['within the state', 'between states', 'abroad'];
  let first: { direction: '0' | '1'; line: number } | undefined;
  for (const [i, item] of items.entries()) {
    const cfop = item.reader.text('br.cfop');
    if (!cfop || !/^[1235-7][0-9]{3}$/.test(cfop)) continue;
    const digit = Number(cfop[0]);
    const direction = digit <= 3 ? '0' : '1';
    first ??= { direction, line: i };
    if (direction !== first.direction)
      item.reader.problem(
        'br.cfop',
        'nfe.inconsistent',
        `CFOP ${cfop} is of an ${direction === '0' ? 'entry' : 'exit'}, the CFOP of /lines/${first.line} of an ${first.direction === '0' ? 'entry' : 'exit'}: an NF-e is one or the other (SEFAZ rejections 518, 519)`,
      );
    const scope = String(((digit - 1) % 4) + 1);
    if (scope !== idDest)
      item.reader.problem(
        'br.cfop',
        'nfe.inconsistent',
        `CFOP ${cfop} is of an operation ${scopes[Number(scope) - 1]}, but the buyer's address makes it idDest ${idDest} (${scopes[Number(idDest) - 1]})`,
      );
  }
  const tpNF = first?.direction ?? '1';

  const NFref: Array<{ refNFe: string }> = [];
  (invoice.precedingInvoices ?? []).forEach((preceding, k) => {
    try {
      parseAccessKey(preceding.id);
      NFref.push({ refNFe: preceding.id });
    } catch (error) {
      problems.push({
        path: `/precedingInvoices/${k}/id`,
        code: 'nfe.invalid',
        message: `An NF-e refers to another by its access key: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
  if (finNFe !== '1' && (invoice.precedingInvoices ?? []).length === 0)
    problems.push({
      path: '/precedingInvoices',
      code: 'nfe.missing',
      message: `An NF-e with finNFe ${finNFe} refers to the NF-e it ${finNFe === '4' ? 'returns goods of (SEFAZ rejection 321)' : 'complements or adjusts'}`,
    });

  return {
    ide: { natOp: natOp ?? '', tpNF, idDest, finNFe, indFinal, indPres, NFref },
    dest: { ...(uf ? { UF: uf } : {}), indIEDest, ...(ie ? { IE: ie } : {}) },
    transp: { modFrete: modFrete ?? '9' },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The taxes of an item

interface ItemTaxes {
  readonly imposto: NfeImposto;
  readonly icmsGroup: NfeIcmsGroup;
  readonly impostoDevol?: NfeItem['impostoDevol'];
  /** Sums for ICMSTot. */
  readonly vBC: Dec;
  readonly vICMS: Dec;
  readonly vFCP: Dec;
  readonly vBCST: Dec;
  readonly vST: Dec;
  readonly vFCPST: Dec;
  readonly vIPI: Dec;
  readonly vIPIDevol: Dec;
  readonly vPIS: Dec;
  readonly vCOFINS: Dec;
  readonly ufDest?: { vFCPUFDest: Dec; vICMSUFDest: Dec; vICMSUFRemet: Dec };
  readonly vTotTrib?: Dec;
}

interface Context {
  readonly company: NfeCompany;
  readonly header: Header;
}

/** The ICMS-ST of an item: its fields in the schema's order, and its values. */
function substitution(
  r: Reader,
  stBase: Dec,
  ownIcms: Dec,
  required: boolean,
): { fields: Record<string, string>; vBCST: Dec; vST: Dec; vFCPST: Dec } | undefined {
  const pICMSST = r.rate('br.pICMSST');
  if (pICMSST === undefined) {
    if (required) r.required('br.pICMSST', undefined, 'the ICMS-ST rate of the destination of the goods');
    return undefined;
  }
  const modBCST = r.matching('br.modBCST', /^[0-6]$/, 'a modBCST (0 to 6)') ?? '4';
  if (modBCST !== '4' && modBCST !== '6') {
    r.problem(
      'br.modBCST',
      'nfe.unsupported',
      `modBCST ${modBCST} takes the base from a price list; only 4 (MVA) and 6 (value of the operation) are computed`,
    );
    return undefined;
  }
  const pMVAST = r.rate('br.pMVAST');
  const pRedBCST = r.rate('br.pRedBCST', 100);
  // stBase × (100 + pMVAST) / 100 × (100 − pRedBCST) / 100, rounded once
  const added = modBCST === '4' && pMVAST ? plus(HUNDRED, pMVAST) : HUNDRED;
  const kept = pRedBCST ? minus(HUNDRED, pRedBCST) : HUNDRED;
  const product = times(times(stBase, added), kept);
  const vBCST = cents({ units: product.units, scale: product.scale + 4 });
  const vST = atLeastZero(minus(cents(ofPercent(vBCST, pICMSST)), ownIcms));
  const pFCPST = r.rate('br.pFCPST');
  const vFCPST = pFCPST ? cents(ofPercent(vBCST, pFCPST)) : ZERO;
  const fields: Record<string, string> = {
    modBCST,
    ...(modBCST === '4' && pMVAST ? { pMVAST: rateText(pMVAST) } : {}),
    ...(pRedBCST ? { pRedBCST: rateText(pRedBCST) } : {}),
    vBCST: money(vBCST),
    pICMSST: rateText(pICMSST),
    vICMSST: money(vST),
    ...(pFCPST ? { vBCFCPST: money(vBCST), pFCPST: rateText(pFCPST), vFCPST: money(vFCPST) } : {}),
  };
  return { fields, vBCST, vST, vFCPST };
}

function taxesOf(item: ItemValues, context: Context, problems: ProblemDetail[]): ItemTaxes {
  const r = item.reader;
  const { company, header } = context;
  const value = plus(minus(item.vProd, item.vDesc), sum([item.vFrete, item.vSeg, item.vOutro]));
  if (value.units < 0n)
    problems.push({
      path: `${item.at}/allowances`,
      code: 'nfe.inconsistent',
      message: `The allowances exceed the item's value (vProd − vDesc + vFrete + vSeg + vOutro = ${money(value)})`,
    });
  const operationValue = atLeastZero(value);

  // IPI first: it enters the ICMS bases
  let vIPI = ZERO;
  let IPI: NfeImposto['IPI'];
  const ipiCst = r.code('br.ipiCst', 'br/cst-ipi');
  const cEnq = r.matching('br.cEnq', /^[0-9]{3}$/, 'a cEnq (3 digits)') ?? '999';
  if (ipiCst && IPI_TRIB.has(ipiCst)) {
    const pIPI = r.required('br.pIPI', r.rate('br.pIPI'), `IPI CST ${ipiCst} is taxed at a rate`);
    vIPI = pIPI ? cents(ofPercent(operationValue, pIPI)) : ZERO;
    IPI = {
      cEnq,
      IPITrib: { CST: ipiCst, vBC: money(operationValue), pIPI: rateText(pIPI ?? ZERO), vIPI: money(vIPI) },
    };
  } else if (ipiCst) IPI = { cEnq, IPINT: { CST: ipiCst } };

  const finalConsumer = header.ide.indFinal === '1';
  const icmsBase = finalConsumer ? plus(operationValue, vIPI) : operationValue;
  const stBase = plus(operationValue, vIPI);
  const orig =
    r.required(
      'br.origem',
      r.matching('br.origem', /^[0-8]$/, 'an origin of the goods (0 to 8)'),
      'the origin of the goods (orig)',
    ) ?? '0';
  const simples = company.crt === '1';
  const code = simples
    ? r.required(
        'br.csosn',
        r.code('br.csosn', 'br/csosn'),
        'an issuer under the Simples Nacional (CRT 1) gives the CSOSN',
      )
    : r.required(
        'br.cst',
        r.code('br.cst', 'br/cst-icms'),
        `an issuer of CRT ${company.crt} gives the CST of ICMS`,
      );
  if (simples && r.text('br.cst') !== undefined)
    r.problem(
      'br.cst',
      'nfe.inconsistent',
      'An issuer under the Simples Nacional (CRT 1) writes a CSOSN, not a CST (SEFAZ rejection 590)',
    );
  if (!simples && r.text('br.csosn') !== undefined)
    r.problem(
      'br.csosn',
      'nfe.inconsistent',
      `An issuer of CRT ${company.crt} writes a CST, not a CSOSN (SEFAZ rejection 591)`,
    );

  let group: NfeIcmsGroup = simples ? 'ICMSSN102' : 'ICMS40';
  let fields: Record<string, string> = {};
  let vBC = ZERO;
  let vICMS = ZERO;
  let vFCP = ZERO;
  let st: ReturnType<typeof substitution>;

  /** The own operation's ICMS: base (reduced by pRedBC), rate, tax, and FCP. */
  const own = (reduction: 'required' | 'optional' | 'none', fcpBase: boolean) => {
    const modBC = r.matching('br.modBC', /^[0-3]$/, 'a modBC (0 to 3)') ?? '3';
    if (reduction === 'none' && r.text('br.pRedBC') !== undefined)
      r.problem(
        'br.pRedBC',
        'nfe.inconsistent',
        `CST ${code} has no reduced base (CST 20, 51, 70 or 90 has)`,
      );
    const pRedBC =
      reduction === 'none'
        ? undefined
        : reduction === 'required'
          ? r.required('br.pRedBC', r.rate('br.pRedBC', 100), `CST ${code} reduces the base`)
          : r.rate('br.pRedBC', 100);
    const pICMS =
      r.required('br.pICMS', r.rate('br.pICMS'), `CST ${code} has the ICMS rate of the operation`) ?? ZERO;
    const base = pRedBC ? cents(ofPercent(icmsBase, minus(HUNDRED, pRedBC))) : icmsBase;
    const tax = cents(ofPercent(base, pICMS));
    const pFCP = r.rate('br.pFCP');
    const fcp = pFCP ? cents(ofPercent(base, pFCP)) : ZERO;
    vBC = base;
    vICMS = tax;
    vFCP = fcp;
    return {
      modBC,
      pRedBC: pRedBC ? rateText(pRedBC) : undefined,
      vBC: money(base),
      pICMS: rateText(pICMS),
      vICMS: money(tax),
      fcp: pFCP
        ? { ...(fcpBase ? { vBCFCP: money(base) } : {}), pFCP: rateText(pFCP), vFCP: money(fcp) }
        : {},
    };
  };
  const credit = (): Record<string, string> => {
    const pCredSN =
      r.rate('br.pCredSN') ?? (company.pCredSN === undefined ? undefined : exact(company.pCredSN));
    if (!pCredSN) {
      r.required(
        'br.pCredSN',
        undefined,
        `CSOSN ${code} states the credit of ICMS the buyer may take (or the company's pCredSN)`,
      );
      return {};
    }
    return { pCredSN: rateText(pCredSN), vCredICMSSN: money(cents(ofPercent(operationValue, pCredSN))) };
  };
  /** A Simples Nacional issuer's own ICMS, deducted from the ST: at the rate the operation would bear. */
  const simplesOwnIcms = (): Dec => {
    const pICMS = r.required(
      'br.pICMS',
      r.rate('br.pICMS'),
      `CSOSN ${code} deducts the ICMS of the own operation from the ST`,
    );
    return pICMS ? cents(ofPercent(icmsBase, pICMS)) : ZERO;
  };

  if (code !== undefined && !simples && !SUPPORTED_CST.has(code))
    r.problem(
      'br.cst',
      'nfe.unsupported',
      `CST ${code} is not computed here (single-phase fuels, or ST without an own ICMS)`,
    );
  else if (code !== undefined && !simples) {
    group = ICMS_GROUP_OF_CST[code]!;
    switch (code) {
      case '00': {
        const o = own('none', false);
        fields = { orig, CST: code, modBC: o.modBC, vBC: o.vBC, pICMS: o.pICMS, vICMS: o.vICMS, ...o.fcp };
        break;
      }
      case '20': {
        const o = own('required', true);
        fields = {
          orig,
          CST: code,
          modBC: o.modBC,
          pRedBC: o.pRedBC ?? '0.00',
          vBC: o.vBC,
          pICMS: o.pICMS,
          vICMS: o.vICMS,
          ...o.fcp,
        };
        break;
      }
      case '10':
      case '70': {
        const o = own(code === '70' ? 'required' : 'none', true);
        st = substitution(r, stBase, vICMS, true);
        fields = {
          orig,
          CST: code,
          modBC: o.modBC,
          ...(code === '70' ? { pRedBC: o.pRedBC ?? '0.00' } : {}),
          vBC: o.vBC,
          pICMS: o.pICMS,
          vICMS: o.vICMS,
          ...o.fcp,
          ...st?.fields,
        };
        break;
      }
      case '51': {
        const o = own('optional', true);
        const pDif =
          r.required('br.pDif', r.rate('br.pDif', 100), 'CST 51 defers a part of the ICMS (pDif)') ?? ZERO;
        const vICMSOp = vICMS;
        const vICMSDif = cents(ofPercent(vICMSOp, pDif));
        vICMS = minus(vICMSOp, vICMSDif);
        fields = {
          orig,
          CST: code,
          modBC: o.modBC,
          ...(o.pRedBC ? { pRedBC: o.pRedBC } : {}),
          vBC: o.vBC,
          pICMS: o.pICMS,
          vICMSOp: money(vICMSOp),
          pDif: rateText(pDif),
          vICMSDif: money(vICMSDif),
          vICMS: money(vICMS),
          ...o.fcp,
        };
        break;
      }
      case '90': {
        const o = r.text('br.pICMS') !== undefined ? own('optional', true) : undefined;
        st = substitution(r, stBase, vICMS, false);
        fields = {
          orig,
          CST: code,
          ...(o
            ? {
                modBC: o.modBC,
                vBC: o.vBC,
                ...(o.pRedBC ? { pRedBC: o.pRedBC } : {}),
                pICMS: o.pICMS,
                vICMS: o.vICMS,
                ...o.fcp,
              }
            : {}),
          ...st?.fields,
        };
        break;
      }
      default:
        // 40, 41, 50, 60: no values of the operation
        fields = { orig, CST: code };
    }
  } else if (code !== undefined) {
    group = ICMS_GROUP_OF_CSOSN[code]!;
    switch (code) {
      case '101':
        fields = { orig, CSOSN: code, ...credit() };
        break;
      case '201':
      case '202':
      case '203': {
        st = substitution(r, stBase, simplesOwnIcms(), true);
        fields = { orig, CSOSN: code, ...st?.fields, ...(code === '201' ? credit() : {}) };
        break;
      }
      case '900': {
        const o = r.text('br.pICMS') !== undefined ? own('optional', false) : undefined;
        st = substitution(r, stBase, vICMS, false);
        const hasCredit = r.text('br.pCredSN') !== undefined || company.pCredSN !== undefined;
        fields = {
          orig,
          CSOSN: code,
          ...(o
            ? {
                modBC: o.modBC,
                vBC: o.vBC,
                ...(o.pRedBC ? { pRedBC: o.pRedBC } : {}),
                pICMS: o.pICMS,
                vICMS: o.vICMS,
              }
            : {}),
          ...st?.fields,
          ...(hasCredit ? credit() : {}),
        };
        vFCP = ZERO;
        break;
      }
      default:
        // 102, 103, 300, 400, 500
        fields = { orig, CSOSN: code };
    }
  }

  // The destination state's ICMS of a sale to a consumer in another state who is not a taxpayer
  let ICMSUFDest: NfeFields | undefined;
  let ufDest: ItemTaxes['ufDest'];
  const { idDest, indFinal } = header.ide;
  if (idDest === '2' && indFinal === '1' && header.dest.indIEDest === '9') {
    const bearsIcms = !simples && code !== undefined && !NO_OWN_ICMS.has(code);
    const pICMSUFDest = r.rate('br.pICMSUFDest');
    if (pICMSUFDest === undefined && bearsIcms)
      r.required(
        'br.pICMSUFDest',
        undefined,
        "an interstate sale to a consumer who is not a taxpayer pays the destination state's ICMS (ICMSUFDest)",
      );
    if (pICMSUFDest !== undefined) {
      const inter = r.rate('br.pICMSInter') ?? r.rate('br.pICMS');
      const whole = inter && trimmed(inter);
      const pICMSInter =
        whole && whole.scale === 0 && INTERSTATE_RATES.includes(String(whole.units)) ? inter : undefined;
      if (!pICMSInter)
        r.problem(
          r.text('br.pICMSInter') !== undefined ? 'br.pICMSInter' : 'br.pICMS',
          inter ? 'nfe.invalid' : 'nfe.missing',
          `The interstate rate (pICMSInter, else the item's pICMS) is 4, 7 or 12${inter ? `, not ${rateText(inter)}` : ''}`,
        );
      const pFCPUFDest = r.rate('br.pFCPUFDest');
      const vBCUFDest = icmsBase;
      const vICMSUFDest = atLeastZero(
        minus(cents(ofPercent(vBCUFDest, pICMSUFDest)), cents(ofPercent(vBCUFDest, pICMSInter ?? ZERO))),
      );
      const vFCPUFDest = pFCPUFDest ? cents(ofPercent(vBCUFDest, pFCPUFDest)) : ZERO;
      ICMSUFDest = {
        vBCUFDest: money(vBCUFDest),
        ...(pFCPUFDest ? { vBCFCPUFDest: money(vBCUFDest), pFCPUFDest: rateText(pFCPUFDest) } : {}),
        pICMSUFDest: rateText(pICMSUFDest),
        pICMSInter: exactFixed(pICMSInter ?? ZERO, 2),
        pICMSInterPart: '100.00',
        ...(pFCPUFDest ? { vFCPUFDest: money(vFCPUFDest) } : {}),
        vICMSUFDest: money(vICMSUFDest),
        vICMSUFRemet: '0.00',
      };
      ufDest = { vFCPUFDest, vICMSUFDest, vICMSUFRemet: ZERO };
    }
  } else
    for (const name of ['br.pICMSUFDest', 'br.pFCPUFDest', 'br.pICMSInter'])
      if (r.text(name) !== undefined)
        r.problem(
          name,
          'nfe.inconsistent',
          `${name} is for an interstate sale (idDest 2) to a consumer (indFinal 1) who is not a taxpayer (indIEDest 9); this is idDest ${idDest}, indFinal ${indFinal}, indIEDest ${header.dest.indIEDest}`,
        );

  // PIS and COFINS
  const contributionBase = atLeastZero(
    company.pisCofinsBaseExcludesIcms ? minus(operationValue, vICMS) : operationValue,
  );
  const contribution = (tax: 'PIS' | 'COFINS', cstName: string, rateName: string) => {
    const cst = r.required(cstName, r.code(cstName, 'br/cst-pis-cofins'), `the CST of ${tax}`);
    if (cst === undefined) return { group: {}, value: ZERO };
    if (cst === '03') {
      r.problem(cstName, 'nfe.unsupported', `${tax} CST 03 is per unit sold; only rates are computed here`);
      return { group: {}, value: ZERO };
    }
    if (PIS_NT.has(cst)) return { group: { [`${tax}NT`]: { CST: cst } }, value: ZERO };
    const rate = PIS_ALIQ.has(cst)
      ? r.required(rateName, r.rate(rateName), `${tax} CST ${cst} is at a rate`)
      : r.rate(rateName);
    const base = rate === undefined ? ZERO : contributionBase;
    const value = rate === undefined ? ZERO : cents(ofPercent(base, rate));
    const name = PIS_ALIQ.has(cst) ? `${tax}Aliq` : `${tax}Outr`;
    return {
      group: {
        [name]: {
          CST: cst,
          vBC: money(base),
          [`p${tax}`]: exactFixed(rate ?? ZERO, 4),
          [`v${tax}`]: money(value),
        },
      },
      value,
    };
  };
  const pis = contribution('PIS', 'br.pisCst', 'br.pPIS');
  const cofins = contribution('COFINS', 'br.cofinsCst', 'br.pCOFINS');

  // A return's IPI
  const vIPIDevolGiven = r.amount('br.vIPIDevol');
  let impostoDevol: NfeItem['impostoDevol'];
  if (vIPIDevolGiven !== undefined) {
    if (header.ide.finNFe !== '4')
      r.problem(
        'br.vIPIDevol',
        'nfe.inconsistent',
        `The returned IPI is for a return (finNFe 4), not finNFe ${header.ide.finNFe} (SEFAZ rejection 354)`,
      );
    const pDevol = r.rate('br.pDevol', 100) ?? HUNDRED;
    impostoDevol = { pDevol: exactFixed(pDevol, 2), IPI: { vIPIDevol: money(vIPIDevolGiven) } };
  }
  const vTotTrib = r.amount('br.vTotTrib');

  return {
    imposto: {
      ...(vTotTrib !== undefined ? { vTotTrib: money(vTotTrib) } : {}),
      ICMS: { [group]: fields },
      ...(IPI ? { IPI } : {}),
      PIS: pis.group,
      COFINS: cofins.group,
      ...(ICMSUFDest ? { ICMSUFDest } : {}),
    },
    icmsGroup: group,
    ...(impostoDevol ? { impostoDevol } : {}),
    vBC,
    vICMS,
    vFCP,
    vBCST: st?.vBCST ?? ZERO,
    vST: st?.vST ?? ZERO,
    vFCPST: st?.vFCPST ?? ZERO,
    vIPI,
    vIPIDevol: vIPIDevolGiven ?? ZERO,
    vPIS: pis.value,
    vCOFINS: cofins.value,
    ...(ufDest ? { ufDest } : {}),
    ...(vTotTrib !== undefined ? { vTotTrib } : {}),
  };
}

function prodOf(item: ItemValues): NfeProd {
  const r = item.reader;
  const ncm = r.required(
    'br.ncm',
    r.matching('br.ncm', /^([0-9]{2}|[0-9]{8})$/, 'an NCM (8 digits, or 2 for a service)'),
    'the NCM of the goods',
  );
  const cfop = r.required(
    'br.cfop',
    r.matching('br.cfop', /^[1235-7][0-9]{3}$/, 'a CFOP (4 digits, starting 1-3 or 5-7)'),
    'the CFOP of the operation',
  );
  const cest = r.matching('br.cest', /^[0-9]{7}$/, 'a CEST (7 digits)');
  const qCom = exactFixed(item.qCom, 4);
  const vUnCom = exactFixed(item.vUnCom, Math.max(2, item.vUnCom.scale));
  const optional = (name: 'vFrete' | 'vSeg' | 'vDesc' | 'vOutro') =>
    isZero(item[name]) ? {} : { [name]: money(item[name]) };
  return {
    NCM: ncm ?? '',
    ...(cest ? { CEST: cest } : {}),
    CFOP: cfop ?? '',
    qCom,
    vUnCom,
    vProd: money(item.vProd),
    qTrib: qCom,
    vUnTrib: vUnCom,
    ...optional('vFrete'),
    ...optional('vSeg'),
    ...optional('vDesc'),
    ...optional('vOutro'),
    indTot: '1',
  };
}

function checkCompany(company: NfeCompany): void {
  if (!['1', '2', '3'].includes(company.crt))
    throw new RangeError(`The company's CRT is 1, 2 or 3, not ${String(company.crt)}`);
  if (!isUf(company.uf))
    throw new RangeError(`The company's UF is a state's abbreviation, not ${String(company.uf)}`);
  if (company.pCredSN !== undefined) {
    const rate = exact(company.pCredSN);
    if (!rate || rate.units < 0n || trimmed(rate).scale > 4)
      throw new RangeError(
        `The company's pCredSN is a percentage with at most 4 decimals, not ${String(company.pCredSN)}`,
      );
  }
}

/**
 * The NF-e figures of a canonical invoice, or every reason it cannot be an NF-e, located: throws
 * `transform.inconsistent` with one problem per reason (`path` a JSON pointer into the invoice:
 * `/lines/3/extensions/br.cst`; `code` nfe.missing, nfe.invalid, nfe.inconsistent or nfe.unsupported).
 * Throws a RangeError when `company` is not a valid configuration.
 */
export function nfeFigures(invoice: CanonicalInvoice, company: NfeCompany): NfeFigures {
  checkCompany(company);
  const problems: ProblemDetail[] = [];
  const items = invoice.lines.map((line, i) => itemValues(line, i, problems));

  // document-level allowances and charges, apportioned to the items by vProd
  const weights = items.map((item) => item.vProd);
  const spread = (entries: InvoiceLine['allowances'], key: 'allowances' | 'charges') =>
    (entries ?? []).forEach((entry, k) => {
      const amount = allowanceAmount(entry, sum(weights), `/${key}/${k}`, problems);
      if (isZero(amount)) return;
      if (isZero(sum(weights))) {
        problems.push({
          path: `/${key}/${k}`,
          code: 'nfe.inconsistent',
          message: `No item has a value to apportion the document's ${key === 'allowances' ? 'allowance' : 'charge'} to`,
        });
        return;
      }
      const field =
        key === 'allowances'
          ? 'vDesc'
          : entry.reasonCode === FREIGHT
            ? 'vFrete'
            : entry.reasonCode === INSURANCE
              ? 'vSeg'
              : 'vOutro';
      apportion(amount, weights).forEach((share, i) => {
        items[i]![field] = plus(items[i]![field], share);
      });
    });
  spread(invoice.allowances, 'allowances');
  spread(invoice.charges, 'charges');

  const header = readHeader(invoice, company, items, problems);
  const context: Context = { company, header };
  const taxes = items.map((item) => taxesOf(item, context, problems));
  const prods = items.map(prodOf);
  if (problems.length > 0)
    throw invalidInput(
      'transform.inconsistent',
      `The invoice cannot be an NF-e (${problems.length} problems)`,
      problems,
    );

  const total = (pick: (t: ItemTaxes) => Dec) => sum(taxes.map(pick));
  const itemTotal = (name: 'vProd' | 'vDesc' | 'vFrete' | 'vSeg' | 'vOutro') =>
    sum(items.map((item) => item[name]));
  const anyUfDest = taxes.some((t) => t.ufDest !== undefined);
  const anyTotTrib = taxes.some((t) => t.vTotTrib !== undefined);
  const v = {
    vBC: total((t) => t.vBC),
    vICMS: total((t) => t.vICMS),
    vICMSDeson: ZERO,
    vFCP: total((t) => t.vFCP),
    vBCST: total((t) => t.vBCST),
    vST: total((t) => t.vST),
    vFCPST: total((t) => t.vFCPST),
    vFCPSTRet: ZERO,
    vProd: itemTotal('vProd'),
    vFrete: itemTotal('vFrete'),
    vSeg: itemTotal('vSeg'),
    vDesc: itemTotal('vDesc'),
    vII: ZERO,
    vIPI: total((t) => t.vIPI),
    vIPIDevol: total((t) => t.vIPIDevol),
    vPIS: total((t) => t.vPIS),
    vCOFINS: total((t) => t.vCOFINS),
    vOutro: itemTotal('vOutro'),
  };
  const vNF = sum([
    v.vProd,
    negate(v.vDesc),
    negate(v.vICMSDeson),
    v.vST,
    v.vFCPST,
    v.vFrete,
    v.vSeg,
    v.vOutro,
    v.vII,
    v.vIPI,
    v.vIPIDevol,
  ]);
  const ICMSTot: NfeIcmsTot = {
    vBC: money(v.vBC),
    vICMS: money(v.vICMS),
    vICMSDeson: money(v.vICMSDeson),
    ...(anyUfDest
      ? {
          vFCPUFDest: money(total((t) => t.ufDest?.vFCPUFDest ?? ZERO)),
          vICMSUFDest: money(total((t) => t.ufDest?.vICMSUFDest ?? ZERO)),
          vICMSUFRemet: money(total((t) => t.ufDest?.vICMSUFRemet ?? ZERO)),
        }
      : {}),
    vFCP: money(v.vFCP),
    vBCST: money(v.vBCST),
    vST: money(v.vST),
    vFCPST: money(v.vFCPST),
    vFCPSTRet: money(v.vFCPSTRet),
    vProd: money(v.vProd),
    vFrete: money(v.vFrete),
    vSeg: money(v.vSeg),
    vDesc: money(v.vDesc),
    vII: money(v.vII),
    vIPI: money(v.vIPI),
    vIPIDevol: money(v.vIPIDevol),
    vPIS: money(v.vPIS),
    vCOFINS: money(v.vCOFINS),
    vOutro: money(v.vOutro),
    vNF: money(vNF),
    ...(anyTotTrib ? { vTotTrib: money(total((t) => t.vTotTrib ?? ZERO)) } : {}),
  };
  return {
    ide: header.ide,
    emit: { CRT: company.crt, UF: company.uf },
    dest: header.dest,
    det: items.map((item, i) => ({
      nItem: i + 1,
      line: item.line,
      prod: prods[i]!,
      imposto: taxes[i]!.imposto,
      ...(taxes[i]!.impostoDevol ? { impostoDevol: taxes[i]!.impostoDevol } : {}),
      icmsGroup: taxes[i]!.icmsGroup,
    })),
    total: { ICMSTot },
    transp: header.transp,
  };
}

/**
 * The issuer's parameters of {@link nfeFigures} from a company's feature parameters (`crt`, `uf`, `pCredSN`,
 * `pisCofinsBaseExcludesIcms`), or the refusal naming what is missing (a mapping rendered with no company).
 */
export function nfeCompanyOf(company: Readonly<Record<string, string>> | undefined): NfeCompany {
  const problems: ProblemDetail[] = [];
  const crt = company?.crt;
  const uf = company?.uf?.toUpperCase();
  if (crt !== '1' && crt !== '2' && crt !== '3')
    problems.push({ path: 'company.crt', message: `the company's CRT (1, 2 or 3), not ${crt ?? 'absent'}` });
  if (uf === undefined || !UFS.has(uf))
    problems.push({ path: 'company.uf', message: `the company's state (SP, RJ, …), not ${uf ?? 'absent'}` });
  if (problems.length > 0)
    throw invalidInput(
      'transform.inconsistent',
      "An NF-e needs the issuing company's CRT and state",
      problems,
    );
  return {
    crt: crt as NfeCompany['crt'],
    uf: uf as Uf,
    ...(company?.pCredSN ? { pCredSN: company.pCredSN } : {}),
    ...(company?.pisCofinsBaseExcludesIcms === 'true' ? { pisCofinsBaseExcludesIcms: true } : {}),
  };
}
