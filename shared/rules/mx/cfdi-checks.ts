import { CFDI_CURRENCY_DECIMALS } from '../../formats/cfdi-figures';
import { invalidInput } from '../../errors';
import { exact, exactCompare, exactText, pow10, type ExactDecimal } from '../../model/exact-decimal';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { xpathOf as xpathOfElement } from '../../xml/xpath-of';

/**
 * The amount and consistency checks that SAT (through the PAC) makes of a CFDI 4.0 and that can be decided
 * from the file alone, each reported with the code of SAT's "Matriz de errores" of the CFDI 4.0 (Anexo 20
 * de la Resolución Miscelánea Fiscal, "Matriz de códigos de error para el Comprobante fiscal digital por
 * Internet, versión 4.0", as published by SAT on 13.01.2022 and reproduced per code at
 * gncys.com.mx/anexo20/4.0/errores/). The limits of the Importe of a concept and of a tax follow the
 * formulas of the Anexo 20 "Guía de llenado" (Concepto/Importe, Traslado/Importe, Retencion/Importe):
 *
 *   lower = (A − 10^−dA / 2) × (B − 10^−dB / 2), truncated to the decimals of the currency
 *   upper = (A + 10^−dA / 2 − 10^−12) × (B + 10^−dB / 2 − 10^−12), rounded up to the decimals of the currency
 *
 * with A, B = Cantidad, ValorUnitario for a concept, and A = Base, B = TasaOCuota (taken exactly, dB = ∞) for a
 * tax. Sums that SAT compares with a "redondeo" are rounded half up to the decimals of the currency.
 *
 * Not checked here: what needs SAT's catalogues or registries (c_Moneda limits and Confirmacion, RFC lists,
 * postal codes), the seal, and conformity to the schema. A currency whose decimals are not known here is
 * taken with the decimals the compared value is written with. Decimals are exact, never floating point.
 */

export const CFDI40_NAMESPACE = 'http://www.sat.gob.mx/cfd/4';
const IMPLOCAL_NAMESPACE = 'http://www.sat.gob.mx/implocal';

export interface CfdiFinding {
  /** The code of SAT's Matriz de errores: `CFDI40119`. */
  code: string;
  /** What is wrong, in English, naming the values involved. */
  message: string;
  /** The element the finding is about. */
  location: { xpath: string; line: number };
}

// ---------------------------------------------------------------------------------------------------------
// Exact arithmetic on written decimals

type Dec = ExactDecimal;

const ZERO: Dec = { units: 0n, scale: 0 };
const ONE: Dec = { units: 1n, scale: 0 };
const EPSILON: Dec = { units: 1n, scale: 12 };

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * pow10(scale - a.scale), b.units * pow10(scale - b.scale), scale];
}

function plus(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

function minus(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

function times(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** To `decimals` places: down (toward −∞), up (toward +∞) or half up (half away from zero). */
function toPlaces(value: Dec, decimals: number, mode: 'down' | 'up' | 'half'): Dec {
  if (value.scale <= decimals) return value;
  const step = pow10(value.scale - decimals);
  const floor = value.units >= 0n ? value.units / step : -((-value.units + step - 1n) / step);
  const rest = value.units - floor * step;
  if (mode === 'down' || rest === 0n) return { units: floor, scale: decimals };
  if (mode === 'up') return { units: floor + 1n, scale: decimals };
  const up = value.units >= 0n ? rest * 2n >= step : rest * 2n > step;
  return { units: up ? floor + 1n : floor, scale: decimals };
}

/** Half of the last place of a value written with `decimals` places: 10^−decimals / 2. */
function halfPlace(decimals: number): Dec {
  return { units: 5n, scale: decimals + 1 };
}

const sum = (values: readonly Dec[]): Dec => values.reduce(plus, ZERO);
const text = (value: Dec): string => exactText(value);

// ---------------------------------------------------------------------------------------------------------
// The document

interface Tax {
  readonly el: XmlTreeElement;
  readonly impuesto: string;
  readonly tipoFactor: string;
  readonly tasa: Dec | undefined;
  readonly base: Dec | undefined;
  readonly importe: Dec | undefined;
}

interface Concept {
  readonly el: XmlTreeElement;
  readonly cantidad: Dec | undefined;
  readonly cantidadText: string;
  readonly valorUnitario: Dec | undefined;
  readonly valorUnitarioText: string;
  readonly importe: Dec | undefined;
  readonly descuento: Dec | undefined;
  readonly traslados: readonly Tax[];
  readonly retenciones: readonly Tax[];
}

interface Cfdi {
  readonly root: XmlTreeElement;
  readonly tipo: string;
  readonly moneda: string;
  readonly subTotal: Dec | undefined;
  readonly descuento: Dec | undefined;
  readonly total: Dec | undefined;
  readonly concepts: readonly Concept[];
  /** Comprobante/Impuestos. */
  readonly impuestos: XmlTreeElement | undefined;
  readonly traslados: readonly Tax[];
  readonly retenciones: readonly Tax[];
  /** The decimals of the currency; undefined when not known here. */
  readonly decimals: number | undefined;
  /** TotalDeTraslados and TotalDeRetenciones of the local taxes complement, when present. */
  readonly localTraslados: Dec;
  readonly localRetenciones: Dec;
}

function child(el: XmlTreeElement | undefined, name: string): XmlTreeElement | undefined {
  return el?.children.find((c) => c.localName === name && c.namespaceURI === CFDI40_NAMESPACE);
}

function childrenOf(el: XmlTreeElement | undefined, name: string): XmlTreeElement[] {
  return el ? el.children.filter((c) => c.localName === name && c.namespaceURI === CFDI40_NAMESPACE) : [];
}

function amount(el: XmlTreeElement, name: string): Dec | undefined {
  const value = el.getAttribute(name);
  return value === null ? undefined : exact(value);
}

function taxOf(el: XmlTreeElement): Tax {
  return {
    el,
    impuesto: el.getAttribute('Impuesto') ?? '',
    tipoFactor: el.getAttribute('TipoFactor') ?? '',
    tasa: amount(el, 'TasaOCuota'),
    base: amount(el, 'Base'),
    importe: amount(el, 'Importe'),
  };
}

function taxesOf(impuestos: XmlTreeElement | undefined, group: string, name: string): Tax[] {
  return childrenOf(child(impuestos, group), name).map(taxOf);
}

function readCfdi(xml: string | XmlTreeElement): Cfdi {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  if (
    root.localName !== 'Comprobante' ||
    root.namespaceURI !== CFDI40_NAMESPACE ||
    root.getAttribute('Version') !== '4.0'
  )
    throw invalidInput(
      'cfdi.not-cfdi40',
      `Not a CFDI 4.0: the root is ${root.nodeName} (${root.namespaceURI ?? 'no namespace'}) with Version ${root.getAttribute('Version') ?? '(none)'}`,
    );
  const concepts = childrenOf(child(root, 'Conceptos'), 'Concepto').map((el): Concept => {
    const impuestos = child(el, 'Impuestos');
    return {
      el,
      cantidad: amount(el, 'Cantidad'),
      cantidadText: el.getAttribute('Cantidad') ?? '',
      valorUnitario: amount(el, 'ValorUnitario'),
      valorUnitarioText: el.getAttribute('ValorUnitario') ?? '',
      importe: amount(el, 'Importe'),
      descuento: amount(el, 'Descuento'),
      traslados: taxesOf(impuestos, 'Traslados', 'Traslado'),
      retenciones: taxesOf(impuestos, 'Retenciones', 'Retencion'),
    };
  });
  const impuestos = child(root, 'Impuestos');
  const moneda = root.getAttribute('Moneda') ?? '';
  const local = child(root, 'Complemento')?.children.find(
    (c) => c.localName === 'ImpuestosLocales' && c.namespaceURI === IMPLOCAL_NAMESPACE,
  );
  return {
    root,
    tipo: root.getAttribute('TipoDeComprobante') ?? '',
    moneda,
    subTotal: amount(root, 'SubTotal'),
    descuento: amount(root, 'Descuento'),
    total: amount(root, 'Total'),
    concepts,
    impuestos,
    traslados: taxesOf(impuestos, 'Traslados', 'Traslado'),
    retenciones: taxesOf(impuestos, 'Retenciones', 'Retencion'),
    decimals: CFDI_CURRENCY_DECIMALS[moneda],
    localTraslados: (local && amount(local, 'TotalDeTraslados')) ?? ZERO,
    localRetenciones: (local && amount(local, 'TotalDeRetenciones')) ?? ZERO,
  };
}

/** The decimals of the currency, or those `written` has when the currency is not known here. */
function placesFor(cfdi: Cfdi, written: Dec): number {
  return cfdi.decimals ?? written.scale;
}

/** `value` equals the sum of `parts` rounded half up to the decimals of the currency. */
function isRoundedSum(cfdi: Cfdi, value: Dec, parts: readonly Dec[]): [boolean, Dec] {
  const expected = toPlaces(sum(parts), placesFor(cfdi, value), 'half');
  return [exactCompare(value, expected) === 0, expected];
}

/** The limits SAT allows for A × B, A written with `decimalsA` places, B with `decimalsB` (undefined: exact). */
function limits(
  a: Dec,
  decimalsA: number,
  b: Dec,
  decimalsB: number | undefined,
  places: number,
): [Dec, Dec] {
  const halfB = decimalsB === undefined ? ZERO : halfPlace(decimalsB);
  const epsilonB = decimalsB === undefined ? ZERO : EPSILON;
  const lower = times(minus(a, halfPlace(decimalsA)), minus(b, halfB));
  const upper = times(minus(plus(a, halfPlace(decimalsA)), EPSILON), minus(plus(b, halfB), epsilonB));
  return [toPlaces(lower, places, 'down'), toPlaces(upper, places, 'up')];
}

function writtenPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot === -1 ? 0 : value.trim().length - dot - 1;
}

const INCOME_TYPES = new Set(['I', 'E', 'N']);

/** The generic RFC of a foreign receptor. */
const FOREIGN_RFC = 'XEXX010101000';

/** The key SAT groups the taxes of the summary by: Impuesto, TipoFactor and TasaOCuota (the value). */
function trasladoKey(tax: Tax): string {
  return `${tax.impuesto}|${tax.tipoFactor}|${tax.tasa ? text(tax.tasa) : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// The checks

/**
 * Reports `name` of `el` when it is written with more decimals than the currency has (c_Moneda). A currency
 * whose decimals are not known here is not judged.
 */
function tooManyDecimals(cfdi: Cfdi, el: XmlTreeElement, name: string, report: Report): void {
  const value = el.getAttribute(name);
  if (value === null || cfdi.decimals === undefined) return;
  const places = writtenPlaces(value);
  if (places > cfdi.decimals)
    report(el, `${name} ${value} has ${places} decimals; ${cfdi.moneda} has ${cfdi.decimals}`);
}

type Report = (at: XmlTreeElement, message: string) => void;

interface CfdiCheck {
  readonly code: string;
  /** SAT's description of the error. */
  readonly description: string;
  check(cfdi: Cfdi, report: Report): void;
}

const CHECKS: readonly CfdiCheck[] = [
  {
    code: 'CFDI40103',
    description:
      'Si existe el campo FormaPago, el TipoDeComprobante debe ser I o E (no debe existir en un comprobante T, N o P).',
    check(cfdi, report) {
      if (['T', 'N', 'P'].includes(cfdi.tipo) && cfdi.root.hasAttribute('FormaPago'))
        report(
          cfdi.root,
          `A TipoDeComprobante ${cfdi.tipo} has no FormaPago (a payment receipt says it per Pago)`,
        );
    },
  },
  {
    code: 'CFDI40107',
    description:
      'El valor registrado en el campo SubTotal excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of [cfdi.root]) tooManyDecimals(cfdi, el, 'SubTotal', report);
    },
  },
  {
    code: 'CFDI40108',
    description:
      'El TipoDeComprobante es I, E o N, el importe registrado en el campo no es igual al redondeo de la suma de los importes de los conceptos registrados.',
    check(cfdi, report) {
      if (!INCOME_TYPES.has(cfdi.tipo) || !cfdi.subTotal) return;
      const importes = cfdi.concepts.map((c) => c.importe ?? ZERO);
      const [ok, expected] = isRoundedSum(cfdi, cfdi.subTotal, importes);
      if (!ok)
        report(
          cfdi.root,
          `SubTotal ${text(cfdi.subTotal)} is not the sum of the concepts' Importe (${importes.map(text).join(' + ')}) rounded: ${text(expected)}`,
        );
    },
  },
  {
    code: 'CFDI40109',
    description: 'El TipoDeComprobante es T o P y el importe no es igual a 0, o cero con decimales.',
    check(cfdi, report) {
      if ((cfdi.tipo === 'T' || cfdi.tipo === 'P') && cfdi.subTotal && cfdi.subTotal.units !== 0n)
        report(cfdi.root, `SubTotal is ${text(cfdi.subTotal)}, where a TipoDeComprobante ${cfdi.tipo} has 0`);
    },
  },
  {
    code: 'CFDI40110',
    description: 'El valor registrado en el campo Descuento no es menor o igual que el campo Subtotal.',
    check(cfdi, report) {
      if (cfdi.descuento && cfdi.subTotal && exactCompare(cfdi.descuento, cfdi.subTotal) > 0)
        report(
          cfdi.root,
          `Descuento ${text(cfdi.descuento)} is greater than SubTotal ${text(cfdi.subTotal)}`,
        );
    },
  },
  {
    code: 'CFDI40111',
    description:
      'El TipoDeComprobante no es I,E o N, y un concepto incluye el campo descuento. (Caso de validación: con I, E o N y algún concepto con Descuento, debe existir y ser igual al redondeo de la suma de los Descuento de los conceptos.)',
    check(cfdi, report) {
      const discounts = cfdi.concepts.filter((c) => c.descuento !== undefined);
      if (!INCOME_TYPES.has(cfdi.tipo)) {
        if (discounts.length > 0 || cfdi.descuento)
          report(cfdi.root, `A TipoDeComprobante ${cfdi.tipo} has a Descuento, on the document or a concept`);
        return;
      }
      if (discounts.length === 0) return;
      const parts = discounts.map((c) => c.descuento!);
      if (!cfdi.descuento) {
        report(
          cfdi.root,
          `Descuento is absent, while the concepts have discounts of ${parts.map(text).join(' + ')}`,
        );
        return;
      }
      const [ok, expected] = isRoundedSum(cfdi, cfdi.descuento, parts);
      if (!ok)
        report(
          cfdi.root,
          `Descuento ${text(cfdi.descuento)} is not the sum of the concepts' Descuento (${parts.map(text).join(' + ')}) rounded: ${text(expected)}`,
        );
    },
  },
  {
    code: 'CFDI40112',
    description:
      'El valor registrado en el campo Descuento excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of [cfdi.root]) tooManyDecimals(cfdi, el, 'Descuento', report);
    },
  },
  {
    code: 'CFDI40114',
    description:
      'Cuando el valor del campo Moneda es MXN, el campo TipoCambio, si se registra, debe tener el valor "1".',
    check(cfdi, report) {
      const tipoCambio = cfdi.root.getAttribute('TipoCambio');
      if (cfdi.moneda !== 'MXN' || tipoCambio === null) return;
      const value = exact(tipoCambio);
      if (!value || exactCompare(value, ONE) !== 0)
        report(cfdi.root, `TipoCambio is ${tipoCambio} with Moneda MXN, where it must be 1`);
    },
  },
  {
    code: 'CFDI40115',
    description:
      'El campo TipoCambio no se registró cuando el campo Moneda tiene un valor distinto de MXN y XXX.',
    check(cfdi, report) {
      if (
        cfdi.moneda &&
        cfdi.moneda !== 'MXN' &&
        cfdi.moneda !== 'XXX' &&
        !cfdi.root.hasAttribute('TipoCambio')
      )
        report(cfdi.root, `TipoCambio is absent with Moneda ${cfdi.moneda}`);
    },
  },
  {
    code: 'CFDI40116',
    description: 'Cuando el campo Moneda tiene el valor XXX, el campo TipoCambio no se debe registrar.',
    check(cfdi, report) {
      if (cfdi.moneda === 'XXX' && cfdi.root.hasAttribute('TipoCambio'))
        report(cfdi.root, `TipoCambio ${cfdi.root.getAttribute('TipoCambio')} is present with Moneda XXX`);
    },
  },
  {
    code: 'CFDI40119',
    description:
      'El campo Total no corresponde con la suma del subtotal, menos los descuentos aplicables, más las contribuciones recibidas (impuestos trasladados - federales o locales, derechos, productos, aprovechamientos, aportaciones de seguridad social, contribuciones de mejoras) menos los impuestos retenidos.',
    check(cfdi, report) {
      if (!cfdi.total || !cfdi.subTotal) return;
      const trasladados = (cfdi.impuestos && amount(cfdi.impuestos, 'TotalImpuestosTrasladados')) ?? ZERO;
      const retenidos = (cfdi.impuestos && amount(cfdi.impuestos, 'TotalImpuestosRetenidos')) ?? ZERO;
      const descuento = cfdi.descuento ?? ZERO;
      const expected = plus(
        minus(plus(minus(cfdi.subTotal, descuento), trasladados), retenidos),
        minus(cfdi.localTraslados, cfdi.localRetenciones),
      );
      if (exactCompare(cfdi.total, expected) !== 0) {
        const local =
          cfdi.localTraslados.units !== 0n || cfdi.localRetenciones.units !== 0n
            ? ` + local ${text(cfdi.localTraslados)} − local ${text(cfdi.localRetenciones)}`
            : '';
        report(
          cfdi.root,
          `Total ${text(cfdi.total)} is not SubTotal ${text(cfdi.subTotal)} − Descuento ${text(descuento)} + TotalImpuestosTrasladados ${text(trasladados)} − TotalImpuestosRetenidos ${text(retenidos)}${local} = ${text(expected)}`,
        );
      }
    },
  },
  {
    code: 'CFDI40125',
    description: 'Si el TipoDeComprobante es T o P, el campo MetodoPago no debe existir.',
    check(cfdi, report) {
      if ((cfdi.tipo === 'T' || cfdi.tipo === 'P') && cfdi.root.hasAttribute('MetodoPago'))
        report(cfdi.root, `A TipoDeComprobante ${cfdi.tipo} has no MetodoPago`);
    },
  },
  {
    code: 'CFDI40151',
    description:
      'Si el RFC del receptor es un RFC inscrito en el SAT o el RFC genérico nacional, el campo ResidenciaFiscal no debe existir.',
    check(cfdi, report) {
      const receptor = child(cfdi.root, 'Receptor');
      if (receptor?.hasAttribute('ResidenciaFiscal') && receptor.getAttribute('Rfc') !== FOREIGN_RFC)
        report(
          receptor,
          `ResidenciaFiscal is for a foreign receptor (Rfc ${FOREIGN_RFC}), not ${receptor.getAttribute('Rfc') ?? '(none)'}`,
        );
    },
  },
  {
    code: 'CFDI40152',
    description: 'El valor del campo ResidenciaFiscal no puede ser MEX.',
    check(cfdi, report) {
      const receptor = child(cfdi.root, 'Receptor');
      if (receptor?.getAttribute('ResidenciaFiscal') === 'MEX')
        report(receptor, 'ResidenciaFiscal is MEX: a Mexican receptor has no foreign residence');
    },
  },
  {
    code: 'CFDI40154',
    description:
      'Si el RFC del receptor es un RFC inscrito en el SAT o el RFC genérico nacional, el campo NumRegIdTrib no debe existir.',
    check(cfdi, report) {
      const receptor = child(cfdi.root, 'Receptor');
      if (receptor?.hasAttribute('NumRegIdTrib') && receptor.getAttribute('Rfc') !== FOREIGN_RFC)
        report(
          receptor,
          `NumRegIdTrib is for a foreign receptor (Rfc ${FOREIGN_RFC}), not ${receptor.getAttribute('Rfc') ?? '(none)'}`,
        );
    },
  },
  {
    code: 'CFDI40167',
    description:
      'El valor del campo Importe que corresponde a Concepto no se encuentra entre el limite inferior y superior permitido.',
    check(cfdi, report) {
      for (const c of cfdi.concepts) {
        if (!c.cantidad || !c.valorUnitario || !c.importe) continue;
        const [lower, upper] = limits(
          c.cantidad,
          writtenPlaces(c.cantidadText),
          c.valorUnitario,
          writtenPlaces(c.valorUnitarioText),
          placesFor(cfdi, c.importe),
        );
        if (exactCompare(c.importe, lower) < 0 || exactCompare(c.importe, upper) > 0)
          report(
            c.el,
            `Importe ${text(c.importe)} of Cantidad ${c.cantidadText} × ValorUnitario ${c.valorUnitarioText} is outside the limits ${text(lower)} … ${text(upper)}`,
          );
      }
    },
  },
  {
    code: 'CFDI40169',
    description: 'El valor registrado en el campo Descuento no es menor o igual que el campo Importe.',
    check(cfdi, report) {
      for (const c of cfdi.concepts)
        if (c.descuento && c.importe && exactCompare(c.descuento, c.importe) > 0)
          report(
            c.el,
            `Descuento ${text(c.descuento)} of the concept is greater than its Importe ${text(c.importe)}`,
          );
    },
  },
  {
    code: 'CFDI40171',
    description: 'Cuando el valor del campo ObjetoImp sea "02", el nodo Impuestos del concepto debe existir.',
    check(cfdi, report) {
      for (const c of cfdi.concepts)
        if (c.el.getAttribute('ObjetoImp') === '02' && !child(c.el, 'Impuestos'))
          report(c.el, 'ObjetoImp is 02 but the concept has no Impuestos');
    },
  },
  {
    code: 'CFDI40180',
    description:
      'El valor del campo Importe que corresponde a Traslado no se encuentra entre el limite inferior y superior permitido.',
    check(cfdi, report) {
      for (const c of cfdi.concepts)
        for (const tax of c.traslados) checkTaxLimits(cfdi, tax, 'Traslado', report);
    },
  },
  {
    code: 'CFDI40186',
    description:
      'El valor del campo Importe que corresponde a Retencion no se encuentra entre el limite inferior y superior permitido.',
    check(cfdi, report) {
      for (const c of cfdi.concepts)
        for (const tax of c.retenciones) checkTaxLimits(cfdi, tax, 'Retencion', report);
    },
  },
  {
    code: 'CFDI40201',
    description: 'Si el TipoDeComprobante es T o P, el nodo Impuestos no debe existir.',
    check(cfdi, report) {
      if ((cfdi.tipo === 'T' || cfdi.tipo === 'P') && cfdi.impuestos)
        report(
          cfdi.impuestos,
          `A TipoDeComprobante ${cfdi.tipo} has no Impuestos (a payment receipt's are in its Pagos)`,
        );
    },
  },
  {
    code: 'CFDI40202',
    description:
      'El valor del campo TotalImpuestosRetenidos excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of cfdi.impuestos ? [cfdi.impuestos] : [])
        tooManyDecimals(cfdi, el, 'TotalImpuestosRetenidos', report);
    },
  },
  {
    code: 'CFDI40203',
    description:
      'El valor del campo TotalImpuestosRetenidos debe ser igual a la suma de los importes registrados en el elemento hijo Retencion.',
    check(cfdi, report) {
      const total = cfdi.impuestos && amount(cfdi.impuestos, 'TotalImpuestosRetenidos');
      if (!cfdi.impuestos || !total) return;
      const parts = cfdi.retenciones.map((t) => t.importe ?? ZERO);
      if (exactCompare(total, sum(parts)) !== 0)
        report(
          cfdi.impuestos,
          `TotalImpuestosRetenidos ${text(total)} is not the sum of the Retencion Importe (${parts.map(text).join(' + ')}) = ${text(sum(parts))}`,
        );
    },
  },
  {
    code: 'CFDI40204',
    description:
      'El valor del campo TotalImpuestosTrasladados excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of cfdi.impuestos ? [cfdi.impuestos] : [])
        tooManyDecimals(cfdi, el, 'TotalImpuestosTrasladados', report);
    },
  },
  {
    code: 'CFDI40205',
    description:
      'El valor del campo TotalImpuestosTrasladados no es igual a la suma de los importes registrados en el elemento hijo Traslado.',
    check(cfdi, report) {
      const total = cfdi.impuestos && amount(cfdi.impuestos, 'TotalImpuestosTrasladados');
      if (!cfdi.impuestos || !total) return;
      const parts = cfdi.traslados.map((t) => t.importe ?? ZERO);
      if (exactCompare(total, sum(parts)) !== 0)
        report(
          cfdi.impuestos,
          `TotalImpuestosTrasladados ${text(total)} is not the sum of the Traslado Importe (${parts.map(text).join(' + ')}) = ${text(sum(parts))}`,
        );
    },
  },
  {
    code: 'CFDI40210',
    description:
      'El valor del campo Importe correspondiente a Retencion excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of cfdi.retenciones.map((t) => t.el)) tooManyDecimals(cfdi, el, 'Importe', report);
    },
  },
  {
    code: 'CFDI40211',
    description:
      'El valor del campo Importe correspondiente a Retencion no es igual al redondeo de la suma de los importes de los impuestos retenidos registrados en los conceptos donde el impuesto sea igual al campo impuesto de este elemento.',
    check(cfdi, report) {
      for (const summary of cfdi.retenciones) {
        if (!summary.importe) continue;
        const parts = cfdi.concepts
          .flatMap((c) => c.retenciones)
          .filter((t) => t.impuesto === summary.impuesto)
          .map((t) => t.importe ?? ZERO);
        const [ok, expected] = isRoundedSum(cfdi, summary.importe, parts);
        if (!ok)
          report(
            summary.el,
            `Retencion Importe ${text(summary.importe)} (Impuesto ${summary.impuesto}) is not the rounded sum of the concepts' withholdings of that tax: ${text(expected)}`,
          );
      }
    },
  },
  {
    code: 'CFDI40214',
    description:
      'El valor del campo Base correspondiente a Traslado excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of cfdi.traslados.map((t) => t.el)) tooManyDecimals(cfdi, el, 'Base', report);
    },
  },
  {
    code: 'CFDI40215',
    description:
      'El valor del campo Base correspondiente a Traslado no es igual al redondeo de la suma de los importes de las bases trasladadas registradas en los conceptos donde el impuesto, tipo factor y tasa o cuota sean iguales a los de este elemento.',
    check(cfdi, report) {
      for (const summary of cfdi.traslados) {
        if (!summary.base) continue;
        const parts = conceptTraslados(cfdi, summary).map((t) => t.base ?? ZERO);
        const [ok, expected] = isRoundedSum(cfdi, summary.base, parts);
        if (!ok)
          report(
            summary.el,
            `Traslado Base ${text(summary.base)} (${describeTax(summary)}) is not the rounded sum of the concepts' bases: ${text(expected)}`,
          );
      }
    },
  },
  {
    code: 'CFDI40220',
    description:
      'El valor del campo Importe correspondiente a Traslado excede la cantidad de decimales que soporta la moneda.',
    check(cfdi, report) {
      for (const el of cfdi.traslados.map((t) => t.el)) tooManyDecimals(cfdi, el, 'Importe', report);
    },
  },
  {
    code: 'CFDI40221',
    description:
      'El valor del campo Importe correspondiente a Traslado no es igual al redondeo de la suma de los importes de los impuestos trasladados registrados en los conceptos donde el impuesto, tipo factor y tasa o cuota sean iguales a los de este elemento.',
    check(cfdi, report) {
      for (const summary of cfdi.traslados) {
        if (!summary.importe) continue;
        const parts = conceptTraslados(cfdi, summary).map((t) => t.importe ?? ZERO);
        const [ok, expected] = isRoundedSum(cfdi, summary.importe, parts);
        if (!ok)
          report(
            summary.el,
            `Traslado Importe ${text(summary.importe)} (${describeTax(summary)}) is not the rounded sum of the concepts' taxes: ${text(expected)}`,
          );
      }
    },
  },
];

function conceptTraslados(cfdi: Cfdi, summary: Tax): Tax[] {
  const key = trasladoKey(summary);
  return cfdi.concepts.flatMap((c) => c.traslados).filter((t) => trasladoKey(t) === key);
}

function describeTax(tax: Tax): string {
  return `Impuesto ${tax.impuesto}, ${tax.tipoFactor}${tax.tasa ? ` ${text(tax.tasa)}` : ''}`;
}

function checkTaxLimits(cfdi: Cfdi, tax: Tax, name: string, report: Report): void {
  if (!tax.base || !tax.tasa || !tax.importe) return;
  const baseText = tax.el.getAttribute('Base') ?? '';
  const [lower, upper] = limits(
    tax.base,
    writtenPlaces(baseText),
    tax.tasa,
    undefined,
    placesFor(cfdi, tax.importe),
  );
  if (exactCompare(tax.importe, lower) < 0 || exactCompare(tax.importe, upper) > 0)
    report(
      tax.el,
      `${name} Importe ${text(tax.importe)} of Base ${baseText} × TasaOCuota ${text(tax.tasa)} is outside the limits ${text(lower)} … ${text(upper)}`,
    );
}

/** The checks, with SAT's code and description, in the order of the Matriz de errores. */
export const CFDI_CHECKS: ReadonlyArray<{ code: string; description: string }> = CHECKS.map(
  ({ code, description }) => ({ code, description }),
);

const REPEATABLE = new Set(['Concepto', 'Traslado', 'Retencion']);

/** The XPath of an element of a CFDI, repeated elements (Concepto, Traslado, Retencion) numbered. */
export function cfdiXpathOf(el: XmlTreeElement): string {
  return xpathOfElement(el, (step) => REPEATABLE.has(step.localName));
}

/**
 * The findings of the checks on a CFDI 4.0 (none when it passes them all), in the order of the checks.
 * Throws (`cfdi.not-cfdi40`) when the document is not a CFDI 4.0, or not well-formed XML. The document as
 * text, or as a tree parsed before.
 */
export function checkCfdiAmounts(xml: string | XmlTreeElement): CfdiFinding[] {
  const cfdi = readCfdi(xml);
  const findings: CfdiFinding[] = [];
  for (const check of CHECKS)
    check.check(cfdi, (at, message) =>
      findings.push({ code: check.code, message, location: { xpath: cfdiXpathOf(at), line: at.line } }),
    );
  return findings;
}
