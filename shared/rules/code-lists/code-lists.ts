import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root';
import { normalizeSpace } from '../../xml/xml-tree';

/**
 * The code lists the rules check codes against, as data: one JSON file per list in this folder
 * (`en16931/iso-4217.json`), each with its name, version and source (the official artefact it was taken
 * from) and its codes in the order the artefact lists them. A list is read, checked and frozen the first
 * time a rule asks for it, and kept.
 */

/** Every code list there is; the id is the file's path in this folder, without `.json`. */
export const CODE_LIST_IDS = [
  'en16931/untdid-1001',
  'en16931/untdid-1001-invoice',
  'en16931/untdid-1001-credit-note',
  'en16931/iso-4217',
  'en16931/untdid-2005',
  'en16931/untdid-2475',
  'en16931/untdid-1153',
  'en16931/untdid-4451',
  'en16931/iso-6523-icd',
  'en16931/untdid-7143',
  'en16931/iso-3166-1',
  'en16931/untdid-4461',
  'en16931/untdid-5305',
  'en16931/untdid-5189',
  'en16931/untdid-7161',
  'en16931/vatex',
  'en16931/unece-rec-20-21',
  'en16931/mime',
  'en16931/eas',
  'peppol/iso-4217',
  'peppol/eas',
  'peppol/mime',
  'peppol/untdid-2005',
  'peppol/untdid-5189',
  'peppol/untdid-7161',
  'it/natura',
  'it/tipo-documento',
  'it/modalita-pagamento',
  'it/regime-fiscale',
  'it/condizioni-pagamento',
  'it/esigibilita-iva',
  'mx/forma-pago',
  'mx/metodo-pago',
  'mx/uso-cfdi',
  'mx/regimen-fiscal',
  'mx/exportacion',
  'mx/objeto-imp',
  'mx/tipo-relacion',
  'br/c-uf',
  'br/t-pag',
  'br/mod-frete',
  'br/cst-icms',
  'br/csosn',
  'br/cst-pis-cofins',
  'br/cst-ipi',
  'br/fin-nfe',
  'br/tp-emis',
  'br/id-dest',
  'br/ind-ie-dest',
  'br/ind-final',
  'br/ind-pres',
] as const;

export type CodeListId = (typeof CODE_LIST_IDS)[number];

/** Who publishes the list in the form used here, and where. */
export interface CodeListSource {
  readonly publisher: string;
  readonly url: string;
}

export interface CodeList {
  readonly id: CodeListId;
  readonly name: string;
  /** The release of the artefact the codes were taken from. */
  readonly version: string;
  readonly source: CodeListSource;
  /** How this list differs from a related one, when it does. */
  readonly note?: string;
  readonly codes: readonly string[];
  /** Whether `code` is one of the codes, exactly as written (no trimming, case as it is). */
  has(code: string): boolean;
}

const loaded = new Map<CodeListId, CodeList>();

/** The code list `id`, read from its file the first time it is asked for. Throws when the file is not a code list. */
export function codeList(id: CodeListId): CodeList {
  let list = loaded.get(id);
  if (!list) {
    list = readCodeList(id);
    loaded.set(id, list);
  }
  return list;
}

/** The file a code list is kept in. */
export function codeListFile(id: CodeListId): string {
  return join(packageRoot(), 'shared', 'rules', 'code-lists', `${id}.json`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** A code is one token of printable characters: no white space, nothing empty. */
const CODE = /^\S+$/;

function readCodeList(id: CodeListId): CodeList {
  const file = codeListFile(id);
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const problems: string[] = [];
  if (!isObject(data)) throw new Error(`${file}: a code list is a JSON object`);
  if (data.id !== id) problems.push(`id must be "${id}"`);
  for (const key of ['name', 'version'] as const)
    if (!isText(data[key])) problems.push(`${key} must be text`);
  const source = data.source;
  if (!isObject(source) || !isText(source.publisher) || !isText(source.url))
    problems.push('source must have a publisher and a url');
  if (data.note !== undefined && !isText(data.note)) problems.push('note must be text');
  const codes = data.codes;
  if (!Array.isArray(codes) || codes.length === 0) problems.push('codes must be a list of codes');
  else {
    const bad = codes.filter((c) => typeof c !== 'string' || !CODE.test(c));
    if (bad.length > 0)
      problems.push(`codes must be single tokens: ${bad.map((c) => JSON.stringify(c)).join(', ')}`);
    const repeated = codes.filter((c, i) => codes.indexOf(c) !== i);
    if (repeated.length > 0) problems.push(`codes listed twice: ${repeated.join(', ')}`);
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  const valid = data as {
    name: string;
    version: string;
    source: CodeListSource;
    note?: string;
    codes: string[];
  };
  const set: ReadonlySet<string> = new Set(valid.codes);
  return Object.freeze({
    id,
    name: valid.name,
    version: valid.version,
    source: Object.freeze({ publisher: valid.source.publisher, url: valid.source.url }),
    ...(valid.note !== undefined ? { note: valid.note } : {}),
    codes: Object.freeze([...valid.codes]),
    has: (code: string) => set.has(code),
  });
}

export { normalizeSpace };

/**
 * Whether `text` is a code of `list` as the EN 16931 artefacts compare one: white space normalised, a single
 * token, then exactly one of the codes (case as written). Empty text is no code.
 */
export function isCodeOf(list: CodeList, text: string): boolean {
  // a code as written is its own normalised form (codes are single tokens): no need to normalise it
  if (list.has(text)) return true;
  const code = normalizeSpace(text);
  return code !== '' && !code.includes(' ') && list.has(code);
}

/** As {@link isCodeOf}, the text taken in upper case (BR-CL-22 compares VATEX codes so). */
export function isCodeOfAnyCase(list: CodeList, text: string): boolean {
  const code = normalizeSpace(text);
  return code !== '' && !code.includes(' ') && list.has(code.toUpperCase());
}

/**
 * How a rule compares a code with its list: `code` as {@link isCodeOf} (the EN 16931 artefacts and PEPPOL's
 * `normalize-space(.) = $code`), `any-case` as {@link isCodeOfAnyCase}, `exact` the text as it is (an
 * attribute compared with `@mimeCode = $code`).
 */
export type CodeComparison = 'code' | 'any-case' | 'exact';

/** A test of text against a code list; `list` gives the list (read when first asked for). */
export interface CodeTest {
  (text: string): boolean;
  readonly list: () => CodeList;
}

/** A test of text against the list `id`, which is read the first time the test is used. */
export function codeTest(id: CodeListId, comparison: CodeComparison = 'code'): CodeTest {
  let loaded: CodeList | undefined;
  const list = () => (loaded ??= codeList(id));
  switch (comparison) {
    case 'code':
      return Object.assign((text: string) => isCodeOf(list(), text), { list });
    case 'any-case':
      return Object.assign((text: string) => isCodeOfAnyCase(list(), text), { list });
    case 'exact':
      return Object.assign((text: string) => list().has(text), { list });
  }
}

/** The most codes a message lists; a longer list is named instead. */
const LISTED_CODES = 12;

/** What a code that is not accepted should have been, for a message: the codes, or the list's name. */
export function expectedCodes(list: CodeList): string {
  return list.codes.length <= LISTED_CODES
    ? `one of ${list.codes.map((c) => JSON.stringify(c)).join(', ')}`
    : `a code of ${list.name} (${list.codes.length} codes)`;
}

/** What a test's code should have been, when the test is one list's ({@link codeTest}). */
export function expectedOf(test: (text: string, ...context: never[]) => boolean): (() => string) | undefined {
  const list = (test as Partial<CodeTest>).list;
  return list ? () => expectedCodes(list()) : undefined;
}
