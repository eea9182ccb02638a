/**
 * The "cadena original" of Mexican CFDI documents (the text their seals sign), as SAT's stylesheets produce
 * it: `cadenaoriginal_4_0.xslt`, `cadenaoriginal_3_3.xslt` and `cadenaoriginal_TFD_1_1.xslt`. The
 * stylesheets' order is written here as data: one table per element, listing what it contributes in the
 * stylesheet's order (its attributes, and the child elements it visits), not in document order.
 *
 * What a stylesheet writes for an attribute: `Requerido` always writes `|` and the value (nothing after the
 * bar when the attribute is absent); `Opcional` writes them only when the attribute is present (an empty one
 * included). Values go through XPath's `normalize-space`. The whole string is `|` + the fields + `||`.
 */
import { invalidInput } from '../errors';
import { normalizeSpace, parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';

export const CFDI_NAMESPACE_40 = 'http://www.sat.gob.mx/cfd/4';
export const CFDI_NAMESPACE_33 = 'http://www.sat.gob.mx/cfd/3';
export const TFD_NAMESPACE = 'http://www.sat.gob.mx/TimbreFiscalDigital';

/** One thing an element contributes to the cadena, in the stylesheet's order. */
export type CadenaStep =
  /** `Requerido`: `|` and the attribute's value, also when absent. */
  | { readonly required: string }
  /** `Opcional`: `|` and the value, only when the attribute is present. */
  | { readonly optional: string }
  /**
   * The elements at `path` (child steps separated by `/`, or `//Name` for every descendant so named), in
   * document order, each contributing its table. Names are in the namespace of the table that holds the step.
   */
  | { readonly each: string; readonly table: ElementTable }
  /** Every element child, each by its complement's table (`cfdi:Complemento`, `cfdi:ComplementoConcepto`). */
  | { readonly complements: true };

/** What an element contributes to the cadena: its steps in the stylesheet's order. */
export interface ElementTable {
  readonly steps: readonly CadenaStep[];
}

/** A complement the stylesheet includes, by its root element. */
export interface ComplementTable extends ElementTable {
  readonly namespace: string;
  readonly element: string;
  /** How the complement is usually written (`pago20:Pagos`), for messages. */
  readonly label: string;
}

const req = (attribute: string): CadenaStep => ({ required: attribute });
const opt = (attribute: string): CadenaStep => ({ optional: attribute });
const each = (path: string, ...steps: CadenaStep[]): CadenaStep => ({ each: path, table: { steps } });
const eachTable = (path: string, table: ElementTable): CadenaStep => ({ each: path, table });
const COMPLEMENTS: CadenaStep = { complements: true };

// ---------------------------------------------------------------------------------------------------------
// CFDI 4.0 (cadenaoriginal_4_0.xslt)

/** The same in 4.0 and 3.3. */
const CFDI_PARTE: ElementTable = {
  steps: [
    req('ClaveProdServ'),
    opt('NoIdentificacion'),
    req('Cantidad'),
    opt('Unidad'),
    req('Descripcion'),
    opt('ValorUnitario'),
    opt('Importe'),
    each('//InformacionAduanera', req('NumeroPedimento')),
  ],
};

const CFDI40_CONCEPTO: ElementTable = {
  steps: [
    req('ClaveProdServ'),
    opt('NoIdentificacion'),
    req('Cantidad'),
    req('ClaveUnidad'),
    opt('Unidad'),
    req('Descripcion'),
    req('ValorUnitario'),
    req('Importe'),
    opt('Descuento'),
    req('ObjetoImp'),
    each(
      'Impuestos/Traslados/Traslado',
      req('Base'),
      req('Impuesto'),
      req('TipoFactor'),
      opt('TasaOCuota'),
      opt('Importe'),
    ),
    each(
      'Impuestos/Retenciones/Retencion',
      req('Base'),
      req('Impuesto'),
      req('TipoFactor'),
      req('TasaOCuota'),
      req('Importe'),
    ),
    each(
      'ACuentaTerceros',
      req('RfcACuentaTerceros'),
      req('NombreACuentaTerceros'),
      req('RegimenFiscalACuentaTerceros'),
      req('DomicilioFiscalACuentaTerceros'),
    ),
    each('InformacionAduanera', req('NumeroPedimento')),
    each('CuentaPredial', req('Numero')),
    each('ComplementoConcepto', COMPLEMENTS),
    eachTable('//Parte', CFDI_PARTE),
  ],
};

const CFDI40_IMPUESTOS: ElementTable = {
  steps: [
    each('Retenciones/Retencion', req('Impuesto'), req('Importe')),
    opt('TotalImpuestosRetenidos'),
    each(
      'Traslados/Traslado',
      req('Base'),
      req('Impuesto'),
      req('TipoFactor'),
      opt('TasaOCuota'),
      opt('Importe'),
    ),
    opt('TotalImpuestosTrasladados'),
  ],
};

const CFDI40_COMPROBANTE: ElementTable = {
  steps: [
    req('Version'),
    opt('Serie'),
    opt('Folio'),
    req('Fecha'),
    opt('FormaPago'),
    req('NoCertificado'),
    opt('CondicionesDePago'),
    req('SubTotal'),
    opt('Descuento'),
    req('Moneda'),
    opt('TipoCambio'),
    req('Total'),
    req('TipoDeComprobante'),
    req('Exportacion'),
    opt('MetodoPago'),
    req('LugarExpedicion'),
    opt('Confirmacion'),
    each('InformacionGlobal', req('Periodicidad'), req('Meses'), req('Año')),
    each('CfdiRelacionados', req('TipoRelacion'), each('CfdiRelacionado', req('UUID'))),
    each('Emisor', req('Rfc'), req('Nombre'), req('RegimenFiscal'), opt('FacAtrAdquirente')),
    each(
      'Receptor',
      req('Rfc'),
      req('Nombre'),
      req('DomicilioFiscalReceptor'),
      opt('ResidenciaFiscal'),
      opt('NumRegIdTrib'),
      req('RegimenFiscalReceptor'),
      req('UsoCFDI'),
    ),
    each('Conceptos', eachTable('Concepto', CFDI40_CONCEPTO)),
    eachTable('Impuestos', CFDI40_IMPUESTOS),
    each('Complemento', COMPLEMENTS),
  ],
};

// ---------------------------------------------------------------------------------------------------------
// CFDI 3.3 (cadenaoriginal_3_3.xslt)

const CFDI33_CONCEPTO: ElementTable = {
  steps: [
    req('ClaveProdServ'),
    opt('NoIdentificacion'),
    req('Cantidad'),
    req('ClaveUnidad'),
    opt('Unidad'),
    req('Descripcion'),
    req('ValorUnitario'),
    req('Importe'),
    opt('Descuento'),
    each(
      'Impuestos/Traslados/Traslado',
      req('Base'),
      req('Impuesto'),
      req('TipoFactor'),
      opt('TasaOCuota'),
      opt('Importe'),
    ),
    each(
      'Impuestos/Retenciones/Retencion',
      req('Base'),
      req('Impuesto'),
      req('TipoFactor'),
      req('TasaOCuota'),
      req('Importe'),
    ),
    each('InformacionAduanera', req('NumeroPedimento')),
    each('CuentaPredial', req('Numero')),
    each('ComplementoConcepto', COMPLEMENTS),
    eachTable('//Parte', CFDI_PARTE),
  ],
};

const CFDI33_IMPUESTOS: ElementTable = {
  steps: [
    each('Retenciones/Retencion', req('Impuesto'), req('Importe')),
    opt('TotalImpuestosRetenidos'),
    each('Traslados/Traslado', req('Impuesto'), req('TipoFactor'), req('TasaOCuota'), req('Importe')),
    opt('TotalImpuestosTrasladados'),
  ],
};

const CFDI33_COMPROBANTE: ElementTable = {
  steps: [
    req('Version'),
    opt('Serie'),
    opt('Folio'),
    req('Fecha'),
    opt('FormaPago'),
    req('NoCertificado'),
    opt('CondicionesDePago'),
    req('SubTotal'),
    opt('Descuento'),
    req('Moneda'),
    opt('TipoCambio'),
    req('Total'),
    req('TipoDeComprobante'),
    opt('MetodoPago'),
    req('LugarExpedicion'),
    opt('Confirmacion'),
    each('CfdiRelacionados', req('TipoRelacion'), each('CfdiRelacionado', req('UUID'))),
    each('Emisor', req('Rfc'), opt('Nombre'), req('RegimenFiscal')),
    each('Receptor', req('Rfc'), opt('Nombre'), opt('ResidenciaFiscal'), opt('NumRegIdTrib'), req('UsoCFDI')),
    each('Conceptos', eachTable('Concepto', CFDI33_CONCEPTO)),
    eachTable('Impuestos', CFDI33_IMPUESTOS),
    each('Complemento', COMPLEMENTS),
  ],
};

// ---------------------------------------------------------------------------------------------------------
// Complements

/** The attributes of a Pago, the same in Pagos 1.0 and 2.0 (both stylesheets write them in this order). */
const PAGO: readonly CadenaStep[] = [
  req('FechaPago'),
  req('FormaDePagoP'),
  req('MonedaP'),
  opt('TipoCambioP'),
  req('Monto'),
  opt('NumOperacion'),
  opt('RfcEmisorCtaOrd'),
  opt('NomBancoOrdExt'),
  opt('CtaOrdenante'),
  opt('RfcEmisorCtaBen'),
  opt('CtaBeneficiario'),
  opt('TipoCadPago'),
  opt('CertPago'),
  opt('CadPago'),
  opt('SelloPago'),
];

/** Pagos 2.0 (Pagos20.xslt), included by the 4.0 stylesheet. */
const PAGOS20: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/Pagos20',
  element: 'Pagos',
  label: 'pago20:Pagos',
  steps: [
    req('Version'),
    each(
      'Totales',
      opt('TotalRetencionesIVA'),
      opt('TotalRetencionesISR'),
      opt('TotalRetencionesIEPS'),
      opt('TotalTrasladosBaseIVA16'),
      opt('TotalTrasladosImpuestoIVA16'),
      opt('TotalTrasladosBaseIVA8'),
      opt('TotalTrasladosImpuestoIVA8'),
      opt('TotalTrasladosBaseIVA0'),
      opt('TotalTrasladosImpuestoIVA0'),
      opt('TotalTrasladosBaseIVAExento'),
      req('MontoTotalPagos'),
    ),
    each(
      'Pago',
      ...PAGO,
      each(
        'DoctoRelacionado',
        req('IdDocumento'),
        opt('Serie'),
        opt('Folio'),
        req('MonedaDR'),
        opt('EquivalenciaDR'),
        req('NumParcialidad'),
        req('ImpSaldoAnt'),
        req('ImpPagado'),
        req('ImpSaldoInsoluto'),
        req('ObjetoImpDR'),
        each(
          'ImpuestosDR/RetencionesDR/RetencionDR',
          req('BaseDR'),
          req('ImpuestoDR'),
          req('TipoFactorDR'),
          req('TasaOCuotaDR'),
          req('ImporteDR'),
        ),
        each(
          'ImpuestosDR/TrasladosDR/TrasladoDR',
          req('BaseDR'),
          req('ImpuestoDR'),
          req('TipoFactorDR'),
          opt('TasaOCuotaDR'),
          opt('ImporteDR'),
        ),
      ),
      each(
        'ImpuestosP',
        each('RetencionesP', each('RetencionP', req('ImpuestoP'), req('ImporteP'))),
        each(
          'TrasladosP',
          each(
            'TrasladoP',
            req('BaseP'),
            req('ImpuestoP'),
            req('TipoFactorP'),
            opt('TasaOCuotaP'),
            opt('ImporteP'),
          ),
        ),
      ),
    ),
  ],
};

/** Pagos 1.0 (Pagos10.xslt), included by the 3.3 stylesheet. */
const PAGOS10: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/Pagos',
  element: 'Pagos',
  label: 'pago10:Pagos',
  steps: [
    req('Version'),
    each(
      'Pago',
      ...PAGO,
      each(
        'DoctoRelacionado',
        req('IdDocumento'),
        opt('Serie'),
        opt('Folio'),
        req('MonedaDR'),
        opt('TipoCambioDR'),
        req('MetodoDePagoDR'),
        opt('NumParcialidad'),
        opt('ImpSaldoAnt'),
        opt('ImpPagado'),
        opt('ImpSaldoInsoluto'),
      ),
      each(
        'Impuestos',
        opt('TotalImpuestosRetenidos'),
        opt('TotalImpuestosTrasladados'),
        each('Retenciones', each('Retencion', req('Impuesto'), req('Importe'))),
        each(
          'Traslados',
          each('Traslado', req('Impuesto'), req('TipoFactor'), req('TasaOCuota'), req('Importe')),
        ),
      ),
    ),
  ],
};

/** Impuestos locales 1.0 (implocal.xslt). */
const IMPLOCAL: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/implocal',
  element: 'ImpuestosLocales',
  label: 'implocal:ImpuestosLocales',
  steps: [
    req('version'),
    req('TotaldeRetenciones'),
    req('TotaldeTraslados'),
    each('RetencionesLocales', req('ImpLocRetenido'), req('TasadeRetencion'), req('Importe')),
    each('TrasladosLocales', req('ImpLocTrasladado'), req('TasadeTraslado'), req('Importe')),
  ],
};

/** Leyendas fiscales 1.0 (leyendasFisc.xslt). */
const LEYENDAS_FISCALES: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/leyendasFiscales',
  element: 'LeyendasFiscales',
  label: 'leyendasFisc:LeyendasFiscales',
  steps: [req('version'), each('Leyenda', opt('disposicionFiscal'), opt('norma'), req('textoLeyenda'))],
};

/** Divisas 1.0 (divisas.xslt). */
const DIVISAS: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/divisas',
  element: 'Divisas',
  label: 'divisas:Divisas',
  steps: [req('version'), req('tipoOperacion')],
};

/** Donatarias 1.1 (donat11.xslt). */
const DONATARIAS: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/donat',
  element: 'Donatarias',
  label: 'donat:Donatarias',
  steps: [req('version'), req('noAutorizacion'), req('fechaAutorizacion'), req('leyenda')],
};

/** INE 1.1 (ine11.xslt). */
const INE: ComplementTable = {
  namespace: 'http://www.sat.gob.mx/ine',
  element: 'INE',
  label: 'ine:INE',
  steps: [
    req('Version'),
    req('TipoProceso'),
    opt('TipoComite'),
    opt('IdContabilidad'),
    each('Entidad', req('ClaveEntidad'), opt('Ambito'), each('Contabilidad', req('IdContabilidad'))),
  ],
};

/**
 * The complements each stylesheet includes and that are supported here. The stylesheets include more
 * (nómina, Carta Porte, comercio exterior...): a document holding one of those is refused, not sealed
 * without it.
 */
const SUPPORTED_COMPLEMENTS: Record<CfdiVersion, readonly ComplementTable[]> = {
  '4.0': [PAGOS20, IMPLOCAL, LEYENDAS_FISCALES, DIVISAS, DONATARIAS, INE],
  '3.3': [PAGOS10, IMPLOCAL, LEYENDAS_FISCALES, DIVISAS, DONATARIAS, INE],
};

/**
 * Elements that the stylesheets have no template for and that are known to belong outside the cadena: the
 * stylesheet's built-in rule writes their text content (none, for an empty element) and nothing else.
 */
const OUTSIDE_THE_CADENA: readonly { namespace: string; element: string }[] = [
  { namespace: TFD_NAMESPACE, element: 'TimbreFiscalDigital' },
];

/** The TimbreFiscalDigital 1.1 (cadenaoriginal_TFD_1_1.xslt). */
const TFD11: ElementTable = {
  steps: [
    req('Version'),
    req('UUID'),
    req('FechaTimbrado'),
    req('RfcProvCertif'),
    opt('Leyenda'),
    req('SelloCFD'),
    req('NoCertificadoSAT'),
  ],
};

// ---------------------------------------------------------------------------------------------------------

export type CfdiVersion = '4.0' | '3.3';

interface Stylesheet {
  version: CfdiVersion;
  namespace: string;
  comprobante: ElementTable;
  complements: ReadonlyMap<string, ComplementTable>;
}

const key = (namespace: string | null, element: string) => `{${namespace ?? ''}}${element}`;

function stylesheet(version: CfdiVersion, namespace: string, comprobante: ElementTable): Stylesheet {
  const complements = new Map<string, ComplementTable>();
  for (const table of SUPPORTED_COMPLEMENTS[version])
    complements.set(key(table.namespace, table.element), table);
  return { version, namespace, comprobante, complements };
}

const STYLESHEETS: readonly Stylesheet[] = [
  stylesheet('4.0', CFDI_NAMESPACE_40, CFDI40_COMPROBANTE),
  stylesheet('3.3', CFDI_NAMESPACE_33, CFDI33_COMPROBANTE),
];

const OUTSIDE = new Set(OUTSIDE_THE_CADENA.map((entry) => key(entry.namespace, entry.element)));

/** The complements supported in the cadena of a CFDI version, as `prefix:Element` labels. */
export function supportedComplements(version: CfdiVersion): string[] {
  return SUPPORTED_COMPLEMENTS[version].map((table) => table.label);
}

/** Reads a CFDI (text or parsed) and returns its root `cfdi:Comprobante` with the stylesheet of its version. */
function comprobanteOf(xml: string | XmlTreeElement): { root: XmlTreeElement; sheet: Stylesheet } {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  if (
    root.localName !== 'Comprobante' ||
    (root.namespaceURI !== CFDI_NAMESPACE_40 && root.namespaceURI !== CFDI_NAMESPACE_33)
  ) {
    throw invalidInput('cfdi.not-cfdi', 'The document is not a CFDI: its root is not cfdi:Comprobante', [
      { path: `line ${root.line}, column ${root.column}`, message: `root element ${root.nodeName}` },
    ]);
  }
  const version = root.getAttribute('Version');
  const sheet = STYLESHEETS.find((s) => s.namespace === root.namespaceURI && s.version === version);
  if (!sheet) {
    throw invalidInput(
      'cfdi.unsupported-version',
      `CFDI version ${JSON.stringify(version)} in ${root.namespaceURI} is not supported (3.3 and 4.0 are)`,
      [{ path: '/cfdi:Comprobante/@Version', message: `Version="${version ?? ''}"` }],
    );
  }
  return { root, sheet };
}

/** The CFDI version of a Comprobante (`4.0` or `3.3`), or an `EInvoiceError` when it is neither. */
export function cfdiVersion(xml: string | XmlTreeElement): CfdiVersion {
  return comprobanteOf(xml).sheet.version;
}

/**
 * The cadena original of a CFDI 4.0 or 3.3 `cfdi:Comprobante`, exactly as SAT's stylesheet for its version
 * writes it. The Addenda, and a TimbreFiscalDigital in the Complemento, are not part of it. Throws
 * `EInvoiceError` `cfdi.unsupported-complement` for a complement not supported here (rather than leave it
 * out), `cfdi.not-cfdi`, `cfdi.unsupported-version`, or `xml.*` for XML the parser refuses.
 */
export function cadenaOriginal(xml: string | XmlTreeElement): string {
  const { root, sheet } = comprobanteOf(xml);
  const out: string[] = ['|'];
  write(root, sheet.comprobante, sheet.namespace, sheet, out);
  out.push('||');
  return out.join('');
}

/** The TimbreFiscalDigital element: the root itself, or the one in the Comprobante's Complemento. */
export function findTimbre(xml: string | XmlTreeElement): XmlTreeElement | undefined {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  if (root.localName === 'TimbreFiscalDigital' && root.namespaceURI === TFD_NAMESPACE) return root;
  for (const complemento of root.children) {
    if (complemento.localName !== 'Complemento' || complemento.namespaceURI !== root.namespaceURI) continue;
    for (const child of complemento.children)
      if (child.localName === 'TimbreFiscalDigital' && child.namespaceURI === TFD_NAMESPACE) return child;
  }
  return undefined;
}

/**
 * The cadena original of a TimbreFiscalDigital 1.1 (what SelloSAT signs), as `cadenaoriginal_TFD_1_1.xslt`
 * writes it: `||1.1|UUID|FechaTimbrado|RfcProvCertif|[Leyenda|]SelloCFD|NoCertificadoSAT||`. `tfd` is the
 * TimbreFiscalDigital (text or element) or a stamped CFDI holding it.
 */
export function cadenaTimbre(tfd: string | XmlTreeElement): string {
  const timbre = findTimbre(tfd);
  if (!timbre) {
    throw invalidInput('cfdi.no-timbre', 'The document has no tfd:TimbreFiscalDigital', [
      { path: '/cfdi:Comprobante/cfdi:Complemento', message: 'no TimbreFiscalDigital' },
    ]);
  }
  const version = timbre.getAttribute('Version');
  if (version !== '1.1') {
    throw invalidInput(
      'cfdi.unsupported-version',
      `TimbreFiscalDigital version ${JSON.stringify(version)} is not supported (1.1 is)`,
      [{ path: 'tfd:TimbreFiscalDigital/@Version', message: `Version="${version ?? ''}"` }],
    );
  }
  const out: string[] = ['|'];
  write(timbre, TFD11, TFD_NAMESPACE, undefined, out);
  out.push('||');
  return out.join('');
}

function write(
  el: XmlTreeElement,
  table: ElementTable,
  namespace: string,
  sheet: Stylesheet | undefined,
  out: string[],
): void {
  for (const step of table.steps) {
    if ('required' in step) {
      out.push('|', normalizeSpace(el.getAttribute(step.required) ?? ''));
    } else if ('optional' in step) {
      const value = el.getAttribute(step.optional);
      if (value !== null) out.push('|', normalizeSpace(value));
    } else if ('each' in step) {
      for (const found of select(el, step.each, namespace)) write(found, step.table, namespace, sheet, out);
    } else {
      for (const child of el.children) writeComplement(child, sheet, out);
    }
  }
}

function writeComplement(el: XmlTreeElement, sheet: Stylesheet | undefined, out: string[]): void {
  const id = key(el.namespaceURI, el.localName);
  const table = sheet?.complements.get(id);
  if (table) {
    write(el, table, table.namespace, sheet, out);
    return;
  }
  if (OUTSIDE.has(id)) {
    // the stylesheet's built-in template: the element's text, nothing of its attributes
    out.push(el.textContent);
    return;
  }
  const supported = sheet ? SUPPORTED_COMPLEMENTS[sheet.version].map((t) => t.label).join(', ') : '';
  throw invalidInput(
    'cfdi.unsupported-complement',
    `The complement ${el.nodeName} (${el.namespaceURI ?? 'no namespace'}) is not supported in the cadena original` +
      (sheet ? ` of CFDI ${sheet.version} (supported: ${supported})` : ''),
    [{ path: `line ${el.line}, column ${el.column}`, message: `${el.nodeName} {${el.namespaceURI ?? ''}}` }],
  );
}

/** The elements at `path` under `el`, in document order (see {@link CadenaStep}). */
function select(el: XmlTreeElement, path: string, namespace: string): XmlTreeElement[] {
  if (path.startsWith('//')) {
    const name = path.slice(2);
    const found: XmlTreeElement[] = [];
    const visit = (parent: XmlTreeElement) => {
      for (const child of parent.children) {
        if (child.localName === name && child.namespaceURI === namespace) found.push(child);
        visit(child);
      }
    };
    visit(el);
    return found;
  }
  let current: XmlTreeElement[] = [el];
  for (const name of path.split('/')) {
    const next: XmlTreeElement[] = [];
    for (const parent of current)
      for (const child of parent.children)
        if (child.localName === name && child.namespaceURI === namespace) next.push(child);
    current = next;
  }
  return current;
}
