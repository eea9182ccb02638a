import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseXmlTree, type XmlTreeElement } from '../../xml/xml-tree';
import { cfdiXpathOf, type CfdiFinding } from './cfdi-checks';

/**
 * SAT's very large catalogues (c_ClaveProdServ: some 52,000 product keys; c_CodigoPostal: some 95,000 postal
 * codes; c_ClaveUnidad), read from SAT's own catalogue schema `catCFDI.xsd` where the official schemas are
 * installed (EINVOICE_SCHEMAS_DIR, in SAT's layout beside `cfdv40.xsd`), not shipped: they change often and
 * SAT publishes them. Each is read once per process (again when the file changes).
 */

/** Where `catCFDI.xsd` may be under the schema folder: SAT's layout, as downloaded or mirrored. */
export const CAT_CFDI_PATHS: readonly string[] = [
  'cfdi/catalogos/catCFDI.xsd',
  'www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd',
  'resources/www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd',
  'sat-cfdi-xsd/resources/www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd',
];

/** The catalogues read from it. */
export const LARGE_CATALOGUES = ['c_ClaveProdServ', 'c_ClaveUnidad', 'c_CodigoPostal'] as const;
export type LargeCatalogue = (typeof LARGE_CATALOGUES)[number];

export interface SatCatalogues {
  file: string;
  codes: Readonly<Record<LargeCatalogue, ReadonlySet<string>>>;
}

let cached: { file: string; mtimeMs: number; catalogues: SatCatalogues } | undefined;

/**
 * The codes of each simple type of an XSD text named in `names` (its `xs:enumeration` values), read without
 * building a tree of the whole file: a 6 MB schema is scanned once.
 */
function enumerations(xsd: string, names: readonly string[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const start = /<(?:[\w.-]+:)?simpleType\s+name\s*=\s*"([^"]+)"/g;
  for (let match = start.exec(xsd); match; match = start.exec(xsd)) {
    const name = match[1]!;
    if (!names.includes(name)) continue;
    // up to its end tag (`</xs:simpleType>`: the start tags here all have a name, so never `simpleType>`)
    const close = xsd.indexOf('simpleType>', match.index + match[0].length);
    const body = xsd.slice(match.index, close === -1 ? xsd.length : close);
    const codes = new Set<string>();
    for (const value of body.matchAll(/<(?:[\w.-]+:)?enumeration\s+value\s*=\s*"([^"]*)"/g))
      codes.add(value[1]!);
    found.set(name, codes);
  }
  return found;
}

/**
 * SAT's large catalogues from the schema folder, or where they were looked for when they are not there (or
 * the file holds none of them: not SAT's catalogue schema).
 */
export function satCatalogues(schemasDir: string | undefined): SatCatalogues | { missing: string } {
  if (!schemasDir) return { missing: 'no schema folder is set (EINVOICE_SCHEMAS_DIR)' };
  const file = CAT_CFDI_PATHS.map((path) => join(schemasDir, path)).find((path) => existsSync(path));
  if (!file)
    return { missing: `catCFDI.xsd is not in ${schemasDir} (looked for ${CAT_CFDI_PATHS.join(', ')})` };
  const mtimeMs = statSync(file).mtimeMs;
  if (cached?.file === file && cached.mtimeMs === mtimeMs) return cached.catalogues;
  const read = enumerations(readFileSync(file, 'utf8'), LARGE_CATALOGUES);
  const absent = LARGE_CATALOGUES.filter((name) => !read.has(name));
  if (absent.length > 0)
    return { missing: `${file} has no ${absent.join(', ')}: not SAT's catalogue schema` };
  const catalogues: SatCatalogues = {
    file,
    codes: {
      c_ClaveProdServ: read.get('c_ClaveProdServ')!,
      c_ClaveUnidad: read.get('c_ClaveUnidad')!,
      c_CodigoPostal: read.get('c_CodigoPostal')!,
    },
  };
  cached = { file, mtimeMs, catalogues };
  return catalogues;
}

const CHECKS: ReadonlyArray<{
  code: string;
  description: string;
  catalogue: LargeCatalogue;
  /** The elements and the attribute holding the code. */
  at(root: XmlTreeElement): Array<[XmlTreeElement, string]>;
}> = [
  {
    code: 'CFDI40126',
    description: 'El campo LugarExpedicion, no contiene un valor del catálogo c_CodigoPostal.',
    catalogue: 'c_CodigoPostal',
    at: (root) => [[root, 'LugarExpedicion']],
  },
  {
    code: 'CFDI40162',
    description: 'El campo ClaveProdServ, no contiene un valor del catálogo c_ClaveProdServ.',
    catalogue: 'c_ClaveProdServ',
    at: (root) => concepts(root).map((c) => [c, 'ClaveProdServ']),
  },
  {
    code: 'CFDI40165',
    description: 'El campo ClaveUnidad no contiene un valor del catálogo c_ClaveUnidad.',
    catalogue: 'c_ClaveUnidad',
    at: (root) => concepts(root).map((c) => [c, 'ClaveUnidad']),
  },
];

/** The catalogue checks, with SAT's code and description. */
export const CATALOGUE_CHECKS = CHECKS.map(({ code, description }) => ({ code, description }));

function concepts(root: XmlTreeElement): XmlTreeElement[] {
  const ns = root.namespaceURI;
  const conceptos = root.children.find((c) => c.localName === 'Conceptos' && c.namespaceURI === ns);
  return (conceptos?.children ?? []).filter((c) => c.localName === 'Concepto' && c.namespaceURI === ns);
}

/** The codes of a CFDI 4.0 that are not in SAT's large catalogues, each with SAT's code and where. */
export function checkCfdiCatalogues(xml: string | XmlTreeElement, catalogues: SatCatalogues): CfdiFinding[] {
  const root = typeof xml === 'string' ? parseXmlTree(xml) : xml;
  const findings: CfdiFinding[] = [];
  for (const check of CHECKS)
    for (const [el, attribute] of check.at(root)) {
      const value = el.getAttribute(attribute);
      if (value !== null && !catalogues.codes[check.catalogue].has(value))
        findings.push({
          code: check.code,
          message: `${attribute} ${value} is not in SAT's ${check.catalogue}`,
          location: { xpath: cfdiXpathOf(el), line: el.line },
        });
    }
  return findings;
}
