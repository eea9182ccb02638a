import { invalidInput } from '../../errors';
import {
  exact,
  exactCompare,
  exactFixed,
  exactSub,
  exactText,
  pow10,
  type ExactDecimal,
} from '../../model/exact-decimal';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { xpathOf } from '../../xml/xpath-of';

/**
 * The cross-checks SEFAZ makes of an NF-e 4.00 (model 55, and the NFC-e, model 65, which shares the layout)
 * between its totals (`total/ICMSTot`) and its items (`det`), that can be decided from the file alone. Each
 * is reported with the rejection code (cStat) and text of the Manual de Orientação do Contribuinte (MOC 7.0,
 * "Regras de Validação", group W and rule I11-10), as the table of result codes of nfephp-org/sped-nfe
 * (storage/cstat.json @ 3b44ec9f, the same transcription shared/connectors/sefaz/cstat.json takes its codes
 * from) gives them; that table has none for the totals of vFCP, vFCPST, vFCPSTRet and vIPIDevol, so those
 * are only read where they enter the total of the note (610).
 *
 * How each sum is made, as the MOC's rules say it:
 * - the ICMS totals add the element of that name of each item's ICMS group (`ICMS00` … `ICMSSN900`):
 *   vBC, vICMS, vICMSDeson, vBCST and vICMSST (vST); the repassed ST of `ICMSST` has no vBC or vBCST;
 * - vProd adds the items that count in the total (`indTot` 1); vFrete, vSeg, vDesc and vOutro add every item;
 * - vPIS and vCOFINS add the contributions of the items subject to ICMS (an item with ISSQN counts in
 *   ISSQNtot), not their PISST / COFINSST;
 * - vNF = vProd − vDesc − vICMSDeson + vST + vFCPST + vFrete + vSeg + vOutro + vII + vIPI + vIPIDevol + vServ,
 *   with the PISST / COFINSST an item says count (indSomaPISST / indSomaCOFINSST 1); without vST and vFCPST
 *   for a direct sale of new vehicles (veicProd/tpOp 2); not checked for an import (a CFOP 3xxx); and, as the
 *   MOC allows (NT 2013/005, NT 2023.004), a vNF that does not subtract vICMSDeson, or subtracts only that of
 *   the items with indDeduzDeson 1, is accepted;
 * - vProd of an item against qCom × vUnCom (629, from NT 2011/004) is checked for a normal NF-e (finNFe 1),
 *   with the tolerance of R$ 0,01 either way that comes with the rule; a state may leave it unapplied.
 *
 * A total the document does not write is not judged, except the optional totals of the destination state's
 * ICMS (vFCPUFDest, vICMSUFDest, vICMSUFRemet), which are reported when the items have them and the total is
 * absent. Decimals are exact, never floating point. Not checked here: the schema, the signature, the codes,
 * and whatever needs SEFAZ's registries.
 */

export const NFE_NAMESPACE = 'http://www.portalfiscal.inf.br/nfe';

export interface NfeFinding {
  /** SEFAZ's result code (cStat) of the rejection: `531`. */
  code: string;
  /** SEFAZ's text of the rejection (xMotivo), as the MOC gives it. */
  xMotivo: string;
  /** What is wrong, in English, naming the values involved. */
  message: string;
  /** The element the finding is about: its XPath (`det` always numbered) and the line it starts on. */
  location: { xpath: string; line: number };
}

type Dec = ExactDecimal;

const ZERO: Dec = { units: 0n, scale: 0 };
/** R$ 0,01: the tolerance of rule 629. */
const CENT: Dec = { units: 1n, scale: 2 };

function plus(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale), scale };
}

const minus = exactSub;
const times = (a: Dec, b: Dec): Dec => ({ units: a.units * b.units, scale: a.scale + b.scale });
const sum = (values: readonly Dec[]): Dec => values.reduce(plus, ZERO);
const abs = (a: Dec): Dec => (a.units < 0n ? { units: -a.units, scale: a.scale } : a);
const text = (value: Dec): string => exactText(value);
/** A sum as a total is written: at least two decimals. */
const shown = (value: Dec): string => exactFixed(value, Math.max(2, value.scale));

/** Rounded half away from zero to two places, as a total of the NF-e is written. */
function cents(value: Dec): Dec {
  if (value.scale <= 2) return value;
  const step = pow10(value.scale - 2);
  const magnitude = value.units < 0n ? -value.units : value.units;
  const rounded = (magnitude * 2n + step) / (2n * step);
  return { units: value.units < 0n ? -rounded : rounded, scale: 2 };
}

// ---------------------------------------------------------------------------------------------------------
// The document

function child(el: XmlTreeElement | undefined, name: string): XmlTreeElement | undefined {
  return el?.children.find((c) => c.localName === name && c.namespaceURI === NFE_NAMESPACE);
}

function childrenOf(el: XmlTreeElement | undefined, name: string): XmlTreeElement[] {
  return el ? el.children.filter((c) => c.localName === name && c.namespaceURI === NFE_NAMESPACE) : [];
}

/** The only element child of `el` (the chosen group of a choice: `ICMS/ICMS00`), if it has one. */
function onlyChild(el: XmlTreeElement | undefined): XmlTreeElement | undefined {
  return el?.children.length === 1 ? el.children[0] : undefined;
}

function valueOf(el: XmlTreeElement | undefined): Dec | undefined {
  return el === undefined ? undefined : exact(el.textContent);
}

/** The value of the child `name` of `el`; absent (or not a number) is undefined. */
function amount(el: XmlTreeElement | undefined, name: string): Dec | undefined {
  return valueOf(child(el, name));
}

interface Item {
  readonly det: XmlTreeElement;
  readonly prod: XmlTreeElement | undefined;
  readonly imposto: XmlTreeElement | undefined;
  /** The chosen group of imposto/ICMS (`ICMS00`, `ICMSSN101`, …); undefined for an item with ISSQN. */
  readonly icms: XmlTreeElement | undefined;
}

interface Nfe {
  readonly infNFe: XmlTreeElement;
  readonly finNFe: string;
  readonly items: readonly Item[];
  readonly total: XmlTreeElement | undefined;
  readonly icmsTot: XmlTreeElement | undefined;
}

function readNfe(nfe: XmlTreeElement): Nfe {
  const infNFe = child(nfe, 'infNFe');
  if (!infNFe || infNFe.getAttribute('versao') !== '4.00')
    throw invalidInput(
      'nfe.not-nfe400',
      `Not an NF-e 4.00: infNFe has versao ${infNFe?.getAttribute('versao') ?? '(no infNFe)'}`,
    );
  const items = childrenOf(infNFe, 'det').map((det): Item => {
    const imposto = child(det, 'imposto');
    return { det, prod: child(det, 'prod'), imposto, icms: onlyChild(child(imposto, 'ICMS')) };
  });
  const total = child(infNFe, 'total');
  return {
    infNFe,
    finNFe: child(child(infNFe, 'ide'), 'finNFe')?.textContent.trim() ?? '',
    items,
    total,
    icmsTot: child(total, 'ICMSTot'),
  };
}

/** The NF-e documents of a file: an `NFe`, or those an `nfeProc` or a lote (`enviNFe`) holds. */
function documentsOf(root: XmlTreeElement): XmlTreeElement[] {
  if (root.namespaceURI !== NFE_NAMESPACE)
    throw invalidInput(
      'nfe.not-nfe400',
      `Not an NF-e: the root is ${root.nodeName} (${root.namespaceURI ?? 'no namespace'})`,
    );
  if (root.localName === 'NFe') return [root];
  const held = childrenOf(root, 'NFe');
  if ((root.localName === 'nfeProc' || root.localName === 'enviNFe') && held.length > 0) return held;
  throw invalidInput('nfe.not-nfe400', `Not an NF-e: the root is ${root.nodeName}, holding no NFe`);
}

// ---------------------------------------------------------------------------------------------------------
// The checks

type Report = (at: XmlTreeElement, message: string) => void;

interface NfeCheck {
  /** SEFAZ's cStat. */
  readonly code: string;
  /** SEFAZ's text (xMotivo). */
  readonly description: string;
  check(nfe: Nfe, report: Report): void;
}

/** Compares the total `name` of ICMSTot with the sum of `parts` of the items, reporting a difference there. */
function compareTotal(
  nfe: Nfe,
  name: string,
  parts: ReadonlyArray<XmlTreeElement | undefined>,
  report: Report,
  options: { whenAbsent?: boolean; partName?: string } = {},
): void {
  if (!nfe.icmsTot) return;
  const element = child(nfe.icmsTot, name);
  const written = valueOf(element);
  const present = parts.filter((p): p is XmlTreeElement => p !== undefined);
  const expected = sum(present.map((p) => valueOf(p) ?? ZERO));
  const partName = options.partName ?? name;
  if (element === undefined) {
    if (options.whenAbsent && expected.units !== 0n)
      report(
        nfe.icmsTot,
        `ICMSTot has no ${name}, while the items' ${partName} add up to ${shown(expected)}`,
      );
    return;
  }
  if (written === undefined || exactCompare(written, expected) !== 0)
    report(
      element,
      `${name} ${element.textContent.trim()} is not the sum of the items' ${partName} (${present.length === 0 ? 'none' : present.map((p) => p.textContent.trim()).join(' + ')}) = ${shown(expected)}`,
    );
}

/** prod's element `name` of an item, as written. */
const written = (item: Item, name: string): string => child(item.prod, name)?.textContent.trim() ?? '';

/** The ICMS group's element `name` of each item (undefined where the group has none). */
const icmsOf = (nfe: Nfe, name: string) => nfe.items.map((item) => child(item.icms, name));

/** prod's element `name` of each item. */
const prodOf = (nfe: Nfe, name: string) => nfe.items.map((item) => child(item.prod, name));

/** The contribution (vPIS / vCOFINS) of the group `tax` of each item subject to ICMS. */
function contributionOf(nfe: Nfe, tax: 'PIS' | 'COFINS'): Array<XmlTreeElement | undefined> {
  return nfe.items
    .filter((item) => item.icms !== undefined)
    .map((item) => child(onlyChild(child(item.imposto, tax)), `v${tax}`));
}

/** The destination state's totals are optional: one the items have is reported when absent. */
const ABSENT = { whenAbsent: true };

const CHECKS: readonly NfeCheck[] = [
  {
    code: '531',
    description: 'Rejeição: Total da BC ICMS difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vBC', icmsOf(nfe, 'vBC'), report),
  },
  {
    code: '532',
    description: 'Rejeição: Total do ICMS difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vICMS', icmsOf(nfe, 'vICMS'), report),
  },
  {
    code: '533',
    description: 'Rejeição: Total da BC ICMS-ST difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vBCST', icmsOf(nfe, 'vBCST'), report),
  },
  {
    code: '534',
    description: 'Rejeição: Total do ICMS-ST difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vST', icmsOf(nfe, 'vICMSST'), report, { partName: 'vICMSST' }),
  },
  {
    code: '535',
    description: 'Rejeição: Total do Frete difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vFrete', prodOf(nfe, 'vFrete'), report),
  },
  {
    code: '536',
    description: 'Rejeição: Total do Seguro difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vSeg', prodOf(nfe, 'vSeg'), report),
  },
  {
    code: '537',
    description: 'Rejeição: Total do Desconto difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vDesc', prodOf(nfe, 'vDesc'), report),
  },
  {
    code: '538',
    description: 'Rejeição: Total do IPI difere do somatório dos itens',
    check: (nfe, report) =>
      compareTotal(
        nfe,
        'vIPI',
        nfe.items.map((item) => child(child(child(item.imposto, 'IPI'), 'IPITrib'), 'vIPI')),
        report,
      ),
  },
  {
    code: '564',
    description: 'Rejeição: Total do Produto / Serviço difere do somatório dos itens',
    check: (nfe, report) =>
      compareTotal(
        nfe,
        'vProd',
        nfe.items
          .filter((item) => (child(item.prod, 'indTot')?.textContent.trim() ?? '1') === '1')
          .map((item) => child(item.prod, 'vProd')),
        report,
      ),
  },
  {
    code: '601',
    description: 'Rejeição: Total do II difere do somatório dos itens',
    check: (nfe, report) =>
      compareTotal(
        nfe,
        'vII',
        nfe.items.map((item) => child(child(item.imposto, 'II'), 'vII')),
        report,
      ),
  },
  {
    code: '602',
    description: 'Rejeição: Total do PIS difere do somatório dos itens sujeitos ao ICMS',
    check: (nfe, report) => compareTotal(nfe, 'vPIS', contributionOf(nfe, 'PIS'), report),
  },
  {
    code: '603',
    description: 'Rejeição: Total do COFINS difere do somatório dos itens sujeitos ao ICMS',
    check: (nfe, report) => compareTotal(nfe, 'vCOFINS', contributionOf(nfe, 'COFINS'), report),
  },
  {
    code: '604',
    description: 'Rejeição: Total do vOutro difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vOutro', prodOf(nfe, 'vOutro'), report),
  },
  {
    code: '610',
    description: 'Rejeição: Total da NF difere do somatório dos Valores compõe o valor Total da NF.',
    check: checkTotalOfNote,
  },
  {
    code: '629',
    description:
      'Rejeição: Valor do Produto difere do produto Valor Unitário de Comercialização e Quantidade Comercial',
    check(nfe, report) {
      if (nfe.finNFe !== '1') return;
      for (const item of nfe.items) {
        const vProdElement = child(item.prod, 'vProd');
        const vProd = valueOf(vProdElement);
        const qCom = amount(item.prod, 'qCom');
        const vUnCom = amount(item.prod, 'vUnCom');
        if (!vProdElement || !vProd || !qCom || !vUnCom) continue;
        const product = times(qCom, vUnCom);
        if (exactCompare(abs(minus(vProd, product)), CENT) > 0)
          report(
            vProdElement,
            `vProd ${written(item, 'vProd')} differs from qCom ${written(item, 'qCom')} × vUnCom ${written(item, 'vUnCom')} = ${text(product)} (${shown(cents(product))}) by more than 0.01`,
          );
      }
    },
  },
  {
    code: '685',
    description: 'Rejeição: Total do Valor Aproximado dos Tributos difere do somatório dos itens',
    check: (nfe, report) =>
      compareTotal(
        nfe,
        'vTotTrib',
        nfe.items.map((item) => child(item.imposto, 'vTotTrib')),
        report,
      ),
  },
  {
    code: '795',
    description: 'Rejeição: Total do ICMS desonerado difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vICMSDeson', icmsOf(nfe, 'vICMSDeson'), report),
  },
  {
    code: '798',
    description:
      'Valor total do ICMS relativo Fundo de Combate à Pobreza (FCP) da UF de destino difere do somatório do valor dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vFCPUFDest', ufDestOf(nfe, 'vFCPUFDest'), report, ABSENT),
  },
  {
    code: '799',
    description: 'Valor total do ICMS Interestadual da UF de destino difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vICMSUFDest', ufDestOf(nfe, 'vICMSUFDest'), report, ABSENT),
  },
  {
    code: '800',
    description: 'Valor total do ICMS Interestadual da UF do remetente difere do somatório dos itens',
    check: (nfe, report) => compareTotal(nfe, 'vICMSUFRemet', ufDestOf(nfe, 'vICMSUFRemet'), report, ABSENT),
  },
];

function ufDestOf(nfe: Nfe, name: string): Array<XmlTreeElement | undefined> {
  return nfe.items.map((item) => child(child(item.imposto, 'ICMSUFDest'), name));
}

/** The substituted PIS / COFINS an item adds to the note (indSoma… 1). */
function summedSubstitution(item: Item, tax: 'PIS' | 'COFINS'): Dec {
  const group = child(item.imposto, `${tax}ST`);
  return child(group, `indSoma${tax}ST`)?.textContent.trim() === '1'
    ? (amount(group, `v${tax}`) ?? ZERO)
    : ZERO;
}

function checkTotalOfNote(nfe: Nfe, report: Report): void {
  const tot = nfe.icmsTot;
  const vNFElement = child(tot, 'vNF');
  const vNF = valueOf(vNFElement);
  if (!tot || !vNFElement) return;
  // the MOC does not apply the rule to an import (its note adds what customs charged)
  if (nfe.items.some((item) => child(item.prod, 'CFOP')?.textContent.trim().startsWith('3'))) return;
  const total = (name: string): Dec => amount(tot, name) ?? ZERO;
  const vehicles = nfe.items.some(
    (item) => child(child(item.prod, 'veicProd'), 'tpOp')?.textContent.trim() === '2',
  );
  const vServ = amount(child(nfe.total, 'ISSQNtot'), 'vServ') ?? ZERO;
  const substitutions = sum(
    nfe.items.map((item) => plus(summedSubstitution(item, 'PIS'), summedSubstitution(item, 'COFINS'))),
  );
  const added = sum([
    total('vProd'),
    ...(vehicles ? [] : [total('vST'), total('vFCPST')]),
    total('vFrete'),
    total('vSeg'),
    total('vOutro'),
    total('vII'),
    total('vIPI'),
    total('vIPIDevol'),
    vServ,
    substitutions,
  ]);
  const base = minus(added, total('vDesc'));
  const deducted = sum(
    nfe.items
      .filter((item) => child(item.icms, 'indDeduzDeson')?.textContent.trim() === '1')
      .map((item) => amount(item.icms, 'vICMSDeson') ?? ZERO),
  );
  const accepted = [minus(base, total('vICMSDeson')), base, minus(base, deducted)];
  if (vNF && accepted.some((value) => exactCompare(vNF, value) === 0)) return;
  const terms = [
    `vProd ${shown(total('vProd'))}`,
    `− vDesc ${shown(total('vDesc'))}`,
    `− vICMSDeson ${shown(total('vICMSDeson'))}`,
    ...(vehicles ? [] : [`+ vST ${shown(total('vST'))}`, `+ vFCPST ${shown(total('vFCPST'))}`]),
    `+ vFrete ${shown(total('vFrete'))}`,
    `+ vSeg ${shown(total('vSeg'))}`,
    `+ vOutro ${shown(total('vOutro'))}`,
    `+ vII ${shown(total('vII'))}`,
    `+ vIPI ${shown(total('vIPI'))}`,
    `+ vIPIDevol ${shown(total('vIPIDevol'))}`,
    ...(vServ.units !== 0n ? [`+ vServ ${shown(vServ)}`] : []),
    ...(substitutions.units !== 0n ? [`+ PISST/COFINSST ${shown(substitutions)}`] : []),
  ];
  report(
    vNFElement,
    `vNF ${vNFElement.textContent.trim()} is not ${terms.join(' ')} = ${shown(accepted[0]!)}`,
  );
}

/** The checks, with SEFAZ's cStat and text, in the order of the codes. */
export const NFE_CHECKS: ReadonlyArray<{ code: string; description: string }> = CHECKS.map(
  ({ code, description }) => ({ code, description }),
);

/** The XPath of an element of an NF-e file, items (`det`) always numbered, other elements where repeated. */
export function nfeXpathOf(el: XmlTreeElement): string {
  return xpathOf(el, (step, named) => step.localName === 'det' || named.length > 1);
}

/**
 * The findings of the checks on the NF-e 4.00 documents of `xml` (an `NFe`, an `nfeProc`, or a lote `enviNFe`),
 * none when they pass them all, in the order of the checks for each document. Throws (`nfe.not-nfe400`) when
 * the file holds no NF-e, or one of another version, and (`xml.*`) when it is not well-formed XML.
 */
export function checkNfeTotals(xml: string): NfeFinding[] {
  const findings: NfeFinding[] = [];
  for (const document of documentsOf(parseXmlTree(xml))) {
    const nfe = readNfe(document);
    for (const check of CHECKS)
      check.check(nfe, (at, message) =>
        findings.push({
          code: check.code,
          xMotivo: check.description,
          message,
          location: { xpath: nfeXpathOf(at), line: at.line },
        }),
      );
  }
  return findings;
}
