import { codeList } from '../rules/code-lists/code-lists';

/** FatturaPA 1.2's namespace (the same for 1.2.1, 1.2.2 and 1.2.3). */
export const FATTURAPA_NS = 'http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2';

/**
 * How EN 16931 terms and FatturaPA's codes stand for each other, both ways (docs/countries/italy.md). The
 * `fatturapa` mapping writes with the same tables (its `codes`; a test keeps them equal); reading, an Italian
 * code without an entry is read by its family (N3.3 → Z, N6.4 → AE) and kept as an `it.*` extension.
 */
const NATURA_OF_CATEGORY: Readonly<Record<string, string>> = {
  Z: 'N3.5',
  E: 'N4',
  AE: 'N6.9',
  K: 'N3.2',
  G: 'N3.1',
  O: 'N2.2',
  L: 'N3.6',
  M: 'N3.6',
};

/** Reading: the category of each Natura, and of each family for the sub-codes without an entry. */
const CATEGORY_OF_NATURA: Readonly<Record<string, string>> = {
  N1: 'O',
  N2: 'O',
  'N2.1': 'O',
  'N2.2': 'O',
  N3: 'Z',
  'N3.1': 'G',
  'N3.2': 'K',
  'N3.5': 'Z',
  'N3.6': 'Z',
  N4: 'E',
  N5: 'E',
  N6: 'AE',
  N7: 'O',
};

const TIPO_OF_TYPE_CODE: Readonly<Record<string, string>> = {
  '380': 'TD01',
  '381': 'TD04',
  '383': 'TD05',
  '384': 'TD01',
  '386': 'TD02',
  '389': 'TD01',
  '393': 'TD01',
  '875': 'TD01',
  '876': 'TD01',
  '877': 'TD01',
};

/** Reading: the UNTDID 1001 type code of each TipoDocumento (TD04 and TD08 credit notes, the others invoices). */
const TYPE_CODE_OF_TIPO: Readonly<Record<string, string>> = {
  TD01: '380',
  TD02: '386',
  TD03: '386',
  TD04: '381',
  TD05: '383',
  TD06: '380',
  TD07: '380',
  TD08: '381',
  TD09: '383',
  TD16: '380',
  TD17: '380',
  TD18: '380',
  TD19: '380',
  TD20: '380',
  TD21: '380',
  TD22: '380',
  TD23: '380',
  TD24: '380',
  TD25: '380',
  TD26: '380',
  TD27: '380',
  TD28: '380',
  TD29: '380',
};

const MODALITA_OF_MEANS_CODE: Readonly<Record<string, string>> = {
  '10': 'MP01',
  '20': 'MP02',
  '30': 'MP05',
  '31': 'MP05',
  '42': 'MP05',
  '48': 'MP08',
  '49': 'MP19',
  '54': 'MP08',
  '55': 'MP08',
  '57': 'MP05',
  '58': 'MP05',
  '59': 'MP19',
};

/** Reading: the UNTDID 4461 payment means of each ModalitaPagamento (1, not defined, where none fits). */
const MEANS_CODE_OF_MODALITA: Readonly<Record<string, string>> = {
  MP01: '10',
  MP02: '20',
  MP03: '20',
  MP05: '58',
  MP08: '48',
  MP09: '49',
  MP10: '49',
  MP11: '49',
  MP12: '49',
  MP16: '49',
  MP19: '59',
  MP20: '59',
  MP21: '59',
};

/** Italian units of measure as invoices write them, and their UN/ECE Recommendation 20 code. */
const UNIT_OF_MISURA: Readonly<Record<string, string>> = {
  PZ: 'H87',
  NR: 'H87',
  'N.': 'H87',
  KG: 'KGM',
  LT: 'LTR',
  L: 'LTR',
  MT: 'MTR',
  M: 'MTR',
  ORE: 'HUR',
  H: 'HUR',
  GG: 'DAY',
};

const MIME_OF_FORMATO: Readonly<Record<string, string>> = {
  PDF: 'application/pdf',
  PNG: 'image/png',
  JPG: 'image/jpeg',
  JPEG: 'image/jpeg',
  CSV: 'text/csv',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ODS: 'application/vnd.oasis.opendocument.spreadsheet',
  TXT: 'text/plain',
  XML: 'text/xml',
};

export const FATTURAPA_CODES = {
  naturaOfCategory: NATURA_OF_CATEGORY,
  categoryOfNatura: CATEGORY_OF_NATURA,
  tipoOfTypeCode: TIPO_OF_TYPE_CODE,
  typeCodeOfTipo: TYPE_CODE_OF_TIPO,
  modalitaOfMeansCode: MODALITA_OF_MEANS_CODE,
  meansCodeOfModalita: MEANS_CODE_OF_MODALITA,
  /** CodiceTipo of a buyer's item code (BT-156); any other is the seller's (BT-155). */
  buyerItemCode: 'Codice Art. cliente',
  isUnitCode: (code: string): boolean => codeList('en16931/unece-rec-20-21').has(code),
  /** The Recommendation 20 code of an Italian unit (C62, one, when it is not known or not given). */
  unitCodeOf: (unit: string | undefined): string => (unit && UNIT_OF_MISURA[unit.toUpperCase()]) ?? 'C62',
  /** The MIME code of an attachment by FormatoAttachment, else by its name's extension. */
  mimeOf: (formato: string | undefined, name: string): string => {
    const byName = /\.([A-Za-z0-9]+)$/.exec(name)?.[1];
    return MIME_OF_FORMATO[(formato ?? byName ?? '').toUpperCase()] ?? 'application/octet-stream';
  },
} as const;
