import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEInvoiceError, type EInvoiceError } from '../shared/errors';
import {
  accessKeyCheckDigit,
  cnpjCheckDigits,
  composeAccessKey,
  isAcceptableCNF,
  isValidCnpj,
  isValidCpf,
  newCNF,
  parseAccessKey,
  TP_EMIS,
  UF_CODES,
  ufOfCode,
  type AccessKeyParts,
} from '../shared/formats/nfe-key';
import { CODE_LIST_IDS, codeList, codeListFile, type CodeList } from '../shared/rules/code-lists/code-lists';
import { elementsNamed, parseXmlTree, type XmlTreeElement } from '../shared/xml/xml-tree';
import { describeWithCorpus } from './support/corpus';

/** The NF-e access key (chave de acesso), CNPJ and CPF check digits, cNF, and the NF-e code lists. */

function thrown(action: () => unknown): EInvoiceError {
  try {
    action();
  } catch (error) {
    if (isEInvoiceError(error)) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

/** `text` with `replacement` written over it from `index` on. */
const withAt = (text: string, index: number, replacement: string) =>
  text.slice(0, index) + replacement + text.slice(index + replacement.length);

const zeros = (n: number) => '0'.repeat(n);

/** A numeric NF-e of São Paulo, July 2026, issued by the example CNPJ 11.222.333/0001-81. */
const PARTS: AccessKeyParts = {
  cUF: '35',
  year: 26,
  month: 7,
  cnpjCpf: '11222333000181',
  mod: '55',
  serie: 1,
  nNF: 123,
  tpEmis: 1,
  cNF: '58213467',
};

describe('the access key check digit (cDV)', () => {
  it("gives the MOC's worked example its digit, 5", () => {
    // the manual's example key (of the layout before tpEmis took a place of cNF: the digit's rule is the same)
    expect(accessKeyCheckDigit('5206043300991100250655012000000780026730161')).toBe('5');
  });

  it('weighs 2 to 9 from the right, then 2 again; a remainder of 0 or 1 gives 0, any other r gives 11 − r', () => {
    expect(accessKeyCheckDigit(zeros(43))).toBe('0'); // sum 0, remainder 0
    expect(accessKeyCheckDigit(zeros(42) + '6')).toBe('0'); // 6 × 2 = 12, remainder 1
    expect(accessKeyCheckDigit(zeros(42) + '5')).toBe('1'); // 10, remainder 10
    expect(accessKeyCheckDigit(zeros(42) + '1')).toBe('9'); // 2
    expect(accessKeyCheckDigit(zeros(35) + '1' + zeros(7))).toBe('2'); // 8th from the right: weight 9
    expect(accessKeyCheckDigit(zeros(34) + '1' + zeros(8))).toBe('9'); // 9th: weight 2 again
  });

  it('counts a letter of an alphanumeric CNPJ as its ASCII code minus 48', () => {
    // 'A' (65 − 48 = 17) in position 18, 26th from the right: weight 3, 51, remainder 7, digit 4
    expect(accessKeyCheckDigit(withAt(zeros(43), 17, 'A'))).toBe('4');
    // CNPJ 12.ABC.345/01DE-35, worked out apart from this module
    expect(accessKeyCheckDigit('35260712ABC34501DE3555001000000123158213467')).toBe('4');
  });

  it('refuses what is not the first 43 characters of a key', () => {
    expect(() => accessKeyCheckDigit(zeros(42))).toThrow(RangeError);
    expect(() => accessKeyCheckDigit(zeros(44))).toThrow(RangeError);
    expect(() => accessKeyCheckDigit(withAt(zeros(43), 17, 'a'))).toThrow(RangeError);
    expect(() => accessKeyCheckDigit(withAt(zeros(43), 30, 'A'))).toThrow(RangeError); // nNF has no letters
  });
});

describe('CNPJ and CPF check digits', () => {
  it("gives Receita Federal's alphanumeric example 12.ABC.345/01DE its digits, 35", () => {
    expect(cnpjCheckDigits('12ABC34501DE')).toBe('35');
    expect(isValidCnpj('12ABC34501DE35')).toBe(true);
  });

  it('gives a numeric CNPJ the digits it always had: 11.222.333/0001-81', () => {
    expect(cnpjCheckDigits('112223330001')).toBe('81');
    expect(isValidCnpj('11.222.333/0001-81'.replace(/\D/g, ''))).toBe(true);
  });

  it('validates a CPF: 529.982.247-25', () => {
    expect(isValidCpf('529.982.247-25'.replace(/\D/g, ''))).toBe(true);
  });

  it('catches a changed check digit, and a changed character of the body', () => {
    for (const [valid, check] of [
      ['12ABC34501DE35', isValidCnpj],
      ['11222333000181', isValidCnpj],
      ['52998224725', isValidCpf],
    ] as const) {
      for (let at = valid.length - 2; at < valid.length; at++)
        for (const digit of '0123456789')
          if (digit !== valid[at])
            expect({ at, digit, valid: check(withAt(valid, at, digit)) }).toEqual({
              at,
              digit,
              valid: false,
            });
    }
    expect(isValidCnpj('12ABC34501DF35')).toBe(false); // E → F: the digits would be 16
    expect(isValidCnpj('11222333000281')).toBe(false); // branch 0002: 62
    expect(isValidCpf('52998224735')).toBe(false);
  });

  it('refuses lower case, punctuation, other lengths and one repeated digit', () => {
    expect(isValidCnpj('12abc34501de35')).toBe(false);
    expect(isValidCnpj('11.222.333/0001-81')).toBe(false);
    expect(isValidCnpj('1122233300018')).toBe(false);
    expect(isValidCnpj('12ABC34501DE3A')).toBe(false); // the check digits are digits
    expect(isValidCnpj('00000000000000')).toBe(false); // passes modulo 11
    expect(isValidCpf('11111111111')).toBe(false); // likewise
    expect(isValidCpf('5299822472')).toBe(false);
    expect(() => cnpjCheckDigits('12abc34501de')).toThrow(RangeError);
    expect(() => cnpjCheckDigits('12ABC34501D')).toThrow(RangeError);
  });
});

describe('composing and parsing an access key', () => {
  it('lays out the parts as the MOC does and parses them back', () => {
    const key = composeAccessKey(PARTS);
    expect(key).toBe(
      '35' + '2607' + '11222333000181' + '55' + '001' + '000000123' + '1' + '58213467' + key[43],
    );
    expect(key[43]).toBe(accessKeyCheckDigit(key.slice(0, 43)));
    expect(parseAccessKey(key)).toEqual({ ...PARTS, cDV: key[43] });
    expect(composeAccessKey(parseAccessKey(key))).toBe(key);
  });

  it('round-trips an alphanumeric CNPJ, a CPF (padded to 14) and the bounds of every number', () => {
    const alphanumeric = composeAccessKey({ ...PARTS, cnpjCpf: '12ABC34501DE35' });
    expect(alphanumeric).toBe('35260712ABC34501DE35550010000001231582134674');
    expect(parseAccessKey(alphanumeric).cnpjCpf).toBe('12ABC34501DE35');
    const cpf = composeAccessKey({ ...PARTS, cnpjCpf: '52998224725', mod: '65' });
    expect(cpf.slice(6, 20)).toBe('00052998224725');
    expect(parseAccessKey(cpf)).toMatchObject({ cnpjCpf: '00052998224725', mod: '65' });
    for (const change of [
      { year: 0, month: 1, serie: 0, nNF: 1 },
      { year: 99, month: 12, serie: 999, nNF: 999_999_999 },
      ...TP_EMIS.map((tpEmis) => ({ tpEmis })),
      ...Object.values(UF_CODES).map((cUF) => ({ cUF })),
    ]) {
      const parts = { ...PARTS, ...change };
      const key = composeAccessKey(parts);
      expect(key).toHaveLength(44);
      expect(parseAccessKey(key)).toEqual({ ...parts, cDV: key[43] });
    }
  });

  it('refuses parts that make no key, every bad part located', () => {
    const error = thrown(() =>
      composeAccessKey({
        cUF: '00',
        year: 2026,
        month: 13,
        cnpjCpf: '11.222.333/0001-81',
        mod: '57' as '55',
        serie: 1000,
        nNF: 0,
        tpEmis: 8,
        cNF: '1234567',
        cDV: '10',
      }),
    );
    expect(error.code).toBe('nfe.key-invalid');
    expect(error.status).toBe(400);
    expect(error.details.map((d) => d.path)).toEqual([
      '/cUF',
      '/year',
      '/month',
      '/cnpjCpf',
      '/mod',
      '/serie',
      '/nNF',
      '/tpEmis',
      '/cNF',
      '/cDV',
    ]);
    expect(error.message).toContain('(and 9 more)');
  });

  it('refuses a given cDV that is not the computed one', () => {
    const right = composeAccessKey(PARTS)[43]!;
    const wrong = right === '0' ? '1' : '0';
    const error = thrown(() => composeAccessKey({ ...PARTS, cDV: wrong }));
    expect(error.code).toBe('nfe.key-check-digit');
    expect(error.message).toContain(`is ${wrong}, but its first 43 characters give ${right}`);
    expect(composeAccessKey({ ...PARTS, cDV: right })).toBe(composeAccessKey(PARTS));
  });

  it('names the part of a malformed key that is wrong, with its positions', () => {
    const key = composeAccessKey(PARTS);
    const cases: Array<[string, string, RegExp]> = [
      [key.slice(0, 43), '', /44 characters, this is 43/],
      [withAt(key, 0, '00'), '/cUF', /cUF \(positions 1-2\) is 00/],
      [withAt(key, 4, '13'), '/month', /month 13 is not 01 to 12/],
      [withAt(key, 6, '11a'), '/cnpjCpf', /cnpjCpf \(positions 7-20\)/],
      [withAt(key, 18, 'AB'), '/cnpjCpf', /then 2 digits/],
      [withAt(key, 20, '57'), '/mod', /mod \(positions 21-22\) is 57/],
      [withAt(key, 25, '000000000'), '/nNF', /nNF \(positions 26-34\) is 000000000/],
      [withAt(key, 30, 'A'), '/nNF', /digits only/],
      [withAt(key, 34, '8'), '/tpEmis', /tpEmis \(position 35\) is 8/],
      [withAt(key, 35, ' '), '/cNF', /cNF \(positions 36-43\)/],
    ];
    for (const [bad, path, message] of cases) {
      const error = thrown(() => parseAccessKey(bad));
      expect({ bad, code: error.code, paths: error.details.map((d) => d.path) }).toEqual({
        bad,
        code: 'nfe.key-invalid',
        paths: [path],
      });
      expect(error.message).toMatch(message);
    }
  });

  it('catches a changed check digit, naming the right one, and a changed digit of the body', () => {
    const key = composeAccessKey(PARTS);
    for (const digit of '0123456789') {
      if (digit === key[43]) continue;
      const error = thrown(() => parseAccessKey(withAt(key, 43, digit)));
      expect(error.code).toBe('nfe.key-check-digit');
      expect(error.details).toEqual([{ path: '/cDV', message: error.message }]);
      expect(error.message).toContain(
        `(cDV, position 44) is ${digit}, but its first 43 characters give ${key[43]}`,
      );
    }
    // nNF 123 → 124: the first 43 characters now give 1 (worked out apart from this module)
    const alphanumeric = composeAccessKey({ ...PARTS, cnpjCpf: '12ABC34501DE35' });
    expect(thrown(() => parseAccessKey(withAt(alphanumeric, 33, '4'))).message).toContain(
      'is 4, but its first 43 characters give 1',
    );
  });

  it('still reads the parts of a key whose check digit is wrong, when asked to', () => {
    const key = composeAccessKey(PARTS);
    const damaged = withAt(key, 43, key[43] === '0' ? '1' : '0');
    expect(parseAccessKey(damaged, { verifyCheckDigit: false })).toEqual({ ...PARTS, cDV: damaged[43] });
    expect(() => parseAccessKey(withAt(damaged, 0, '00'), { verifyCheckDigit: false })).toThrow(/IBGE code/);
  });
});

describe('the random code cNF', () => {
  /** Rule B03-10's sequences, as the MOC lists them. */
  const REFUSED = [
    '00000000',
    '11111111',
    '22222222',
    '33333333',
    '44444444',
    '55555555',
    '66666666',
    '77777777',
    '88888888',
    '99999999',
    '12345678',
    '23456789',
    '34567890',
    '45678901',
    '56789012',
    '67890123',
    '78901234',
    '89012345',
    '90123456',
    '01234567',
  ];
  /** A source that gives exactly these codes, in order (each mid-way in its 1e-8 slot, safe from rounding). */
  const giving = (...codes: number[]) => {
    let next = 0;
    const source = () => (codes[next++]! + 0.5) / 100_000_000;
    return Object.assign(source, { draws: () => next });
  };

  it('refuses the sequences of rule B03-10 and the number of the document itself', () => {
    for (const cNF of REFUSED) expect({ cNF, ok: isAcceptableCNF(cNF, 1) }).toEqual({ cNF, ok: false });
    expect(isAcceptableCNF('31447746', 31447746)).toBe(false); // rejection 897's example
    expect(isAcceptableCNF('00000030', 30)).toBe(false);
    expect(isAcceptableCNF('00000030', 31)).toBe(true);
    expect(isAcceptableCNF('87654321', 1)).toBe(true); // descending runs are not in the rule
    expect(isAcceptableCNF('1234567', 1)).toBe(false);
    expect(isAcceptableCNF('1234567a', 1)).toBe(false);
  });

  it('draws again until the code is acceptable, deterministic with an injected source', () => {
    const source = giving(12345678, 30, 0, 58213467);
    expect(newCNF(30, source)).toBe('58213467');
    expect(source.draws()).toBe(4);
    expect(newCNF(30, giving(4711))).toBe('00004711');
    expect(newCNF(30, giving(99_999_999 - 1))).toBe('99999998');
  });

  it('gives 8 digits from the cryptographic source by default, never a refused one', () => {
    const codes = Array.from({ length: 500 }, () => newCNF(165439));
    for (const cNF of codes)
      expect({ cNF, ok: /^[0-9]{8}$/.test(cNF) && isAcceptableCNF(cNF, 165439) }).toEqual({ cNF, ok: true });
    expect(new Set(codes).size).toBeGreaterThan(490);
  });

  it('refuses a number out of range, a source out of [0, 1), and a source that only gives refused codes', () => {
    expect(() => newCNF(0)).toThrow(RangeError);
    expect(() => newCNF(1_000_000_000)).toThrow(RangeError);
    expect(() => newCNF(1.5)).toThrow(RangeError);
    expect(() => newCNF(1, () => 1)).toThrow(RangeError);
    expect(() => newCNF(1, () => Number.NaN)).toThrow(RangeError);
    expect(() => newCNF(1, () => 0)).toThrow(/64 codes in a row/);
  });
});

/** The NF-e code lists: data files in shared/rules/code-lists/br, read by the project's loader. */
const BR_LISTS = CODE_LIST_IDS.filter((id) => id.startsWith('br/'));
type BrListId = (typeof BR_LISTS)[number];
const brList = (id: BrListId): CodeList => codeList(id);

describe('the NF-e code lists', () => {
  it('are one JSON file each in code-lists/br', () => {
    const folder = join(__dirname, '..', 'shared', 'rules', 'code-lists', 'br');
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .map((f) => `br/${f.slice(0, -'.json'.length)}`);
    expect(files.sort()).toEqual([...BR_LISTS].sort());
  });

  it.each([...BR_LISTS])('%s loads with its name, version, source and codes', (id) => {
    const list = brList(id);
    expect(list.id).toBe(id);
    expect(list.name).not.toBe('');
    expect(list.version).toMatch(/^NF-e 4\.00, MOC 7\.0/);
    expect(list.source.url).toMatch(/^https:\/\/www\.nfe\.fazenda\.gov\.br\//);
    expect(list.codes.length).toBeGreaterThan(1);
    expect([...list.codes]).toEqual([...list.codes].sort()); // as the tables list them, ascending
    expect(brList(id)).toBe(list); // read once
    expect(JSON.parse(readFileSync(codeListFile(id), 'utf8')).codes).toEqual(list.codes);
  });

  it('agree with the key module: the states of UF_CODES, the forms of issue of TP_EMIS', () => {
    expect([...brList('br/c-uf').codes].sort()).toEqual(Object.values(UF_CODES).sort());
    for (const [uf, code] of Object.entries(UF_CODES)) expect(ufOfCode(code)).toBe(uf);
    expect(ufOfCode('00')).toBeUndefined();
    expect(brList('br/tp-emis').codes).toEqual(TP_EMIS.map(String));
  });

  it("hold the payment codes of NT 2023.004, and not 14 (Duplicata Mercantil), which NT 2020.006's table dropped", () => {
    const tPag = brList('br/t-pag');
    for (const code of ['17', '20', '21', '22', '90', '99']) expect(tPag.has(code)).toBe(true);
    expect(tPag.has('14')).toBe(false);
  });
});

/** An element's child with this local name, in any namespace. */
const child = (el: XmlTreeElement | undefined, name: string) =>
  el?.children.find((c) => c.localName === name);
const textOf = (el: XmlTreeElement | undefined, name: string) => child(el, name)?.textContent.trim();

describeWithCorpus(
  'NF-e code lists and the official schemas',
  ['nfe-sped/schemes/PL_009_V4/leiauteNFe_v4.00.xsd'],
  (corpus) => {
    const schemas = join(corpus, 'nfe-sped', 'schemes', 'PL_009_V4');
    const leiaute = parseXmlTree(readFileSync(join(schemas, 'leiauteNFe_v4.00.xsd'), 'utf8'));
    const tipos = parseXmlTree(readFileSync(join(schemas, 'tiposBasico_v4.00.xsd'), 'utf8'));

    const declarations = (root: XmlTreeElement, kind: string, name: string) =>
      elementsNamed(root, kind).filter((el) => el.getAttribute('name') === name);
    const enumerations = (el: XmlTreeElement) =>
      elementsNamed(el, 'enumeration').map((e) => e.getAttribute('value') ?? '');
    const within = (el: XmlTreeElement, names: string[]) => {
      for (let up = el.parentNode; up; up = up.parentNode)
        if (names.includes(up.getAttribute('name') ?? '')) return true;
      return false;
    };
    /** The values an element of this name may take, over all its declarations: its own simple type or a named one. */
    const valuesOf = (name: string, inside?: string[]) => {
      const values = new Set<string>();
      for (const el of declarations(leiaute, 'element', name)) {
        if (inside && !within(el, inside)) continue;
        const type = el.getAttribute('type');
        const simple = type
          ? [...declarations(leiaute, 'simpleType', type), ...declarations(tipos, 'simpleType', type)]
          : [el];
        for (const s of simple) for (const value of enumerations(s)) values.add(value);
      }
      return [...values].sort();
    };
    const codes = (id: BrListId) => [...brList(id).codes].sort();

    it('every enumerated list is the schema enumeration of its field', () => {
      expect(codes('br/c-uf')).toEqual(
        declarations(tipos, 'simpleType', 'TCodUfIBGE').flatMap(enumerations).sort(),
      );
      for (const [id, field] of [
        ['br/mod-frete', 'modFrete'],
        ['br/fin-nfe', 'finNFe'],
        ['br/tp-emis', 'tpEmis'],
        ['br/id-dest', 'idDest'],
        ['br/ind-ie-dest', 'indIEDest'],
        ['br/ind-final', 'indFinal'],
        ['br/ind-pres', 'indPres'],
        ['br/csosn', 'CSOSN'],
      ] as const)
        expect({ id, codes: codes(id) }).toEqual({ id, codes: valuesOf(field) });
      expect(codes('br/cst-icms')).toEqual(valuesOf('CST', ['ICMS']));
      expect(codes('br/cst-pis-cofins')).toEqual(valuesOf('CST', ['PIS']));
      expect(codes('br/cst-pis-cofins')).toEqual(valuesOf('CST', ['COFINS']));
      expect(codes('br/cst-ipi')).toEqual(valuesOf('CST', ['TIpi']));
      // every CST the schema declares is one of those four taxes'
      expect(
        declarations(leiaute, 'element', 'CST').every((el) => within(el, ['ICMS', 'PIS', 'COFINS', 'TIpi'])),
      ).toBe(true);
    });

    it('tPag, which the schema only constrains to a pattern, matches it; the states are those of TUfEmi', () => {
      const [tPag] = declarations(leiaute, 'element', 'tPag');
      const pattern = elementsNamed(tPag!, 'pattern')[0]?.getAttribute('value');
      expect(pattern).toBe('[0-9]{2}');
      for (const code of brList('br/t-pag').codes) expect(code).toMatch(new RegExp(`^${pattern}$`));
      expect(Object.keys(UF_CODES).sort()).toEqual(
        declarations(tipos, 'simpleType', 'TUfEmi').flatMap(enumerations).sort(),
      );
    });
  },
);

/**
 * The keys of the nfe-sped fixtures whose check digit is wrong, with the digit their first 43 characters give
 * (worked out apart from this module when the fixtures were surveyed). The samples were edited by hand (a
 * CNPJ, a model or a number changed) without a new key being computed.
 */
const WRONG_CHECK_DIGITS: Readonly<Record<string, string>> = {
  '43211105730928000145650010000002401717268120': '9',
  '35220605730928000145550010000048661583302923': '1',
  '35240305730928000145650010000001421071400478': '6',
  '29181033657677000156650010001654399001654399': '8',
  '32191107670813000825550010059062251133037938': '3',
  '35150300822602000124650010009923461099234656': '9',
};

/** Where a fixture's key says one thing and its own ide or emit another (the same hand edits). */
const KNOWN_DISAGREEMENTS = [
  'exemplo_xml_envia_lote_modelo_55.xml: cnpjCpf key 05730928000145, document 42530613000180',
  'exemplo_xml_envia_lote_modelo_55.xml: mod key 65, document 55',
  'exemplo_xml_envia_lote_modelo_55.xml: cDV key 0, document 9',
  'exemplo_xml_envia_lote_modelo_65.xml: cnpjCpf key 05730928000145, document 42530613000180',
  'exemplo_xml_envia_lote_modelo_65.xml: cDV key 0, document 9',
  'nfce.xml: tpEmis key 1, document 7',
  'nfe_4.0.xml: cnpjCpf key 07670813000825, document 07670813000823',
  'req_envialote.xml: cDV key 7, document 6',
];

interface KeyFound {
  file: string;
  /** `infNFe/@Id`, or the name of the element that holds the key. */
  where: string;
  key: string;
  infNFe?: XmlTreeElement;
}

describeWithCorpus('NF-e access keys of the nfe-sped fixtures', ['nfe-sped/tests/fixtures/xml'], (corpus) => {
  const folder = join(corpus, 'nfe-sped', 'tests', 'fixtures', 'xml');
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  const texts = new Map(files.map((file) => [file, readFileSync(join(folder, file), 'utf8')]));
  const roots = new Map<string, XmlTreeElement>();
  const unreadable: string[] = [];
  for (const [file, text] of texts) {
    try {
      roots.set(file, parseXmlTree(text));
    } catch {
      unreadable.push(file);
    }
  }
  const found: KeyFound[] = [...roots].flatMap(([file, root]) => [
    ...elementsNamed(root, 'infNFe').flatMap((infNFe) => {
      const id = /^NFe(.*)$/.exec(infNFe.getAttribute('Id') ?? '');
      return id ? [{ file, where: 'infNFe/@Id', key: id[1]!, infNFe }] : [];
    }),
    ...['chNFe', 'chNFeRef', 'refNFe'].flatMap((name) =>
      elementsNamed(root, name).map((el) => ({ file, where: name, key: el.textContent.trim() })),
    ),
  ]);
  const documents = found.filter((k) => k.infNFe !== undefined);

  it('finds every key the fixtures carry, in documents, protocols, events and queries', () => {
    // the text's own count: nothing is missed by reading the trees (an unreadable file would be)
    const inText = [...texts.values()].reduce(
      (n, text) => n + (text.match(/<infNFe\b[^>]*\bId="NFe|<(chNFe|chNFeRef|refNFe)>/g)?.length ?? 0),
      0,
    );
    expect(unreadable.filter((file) => /chNFe|Id="NFe/.test(texts.get(file)!))).toEqual([]);
    expect(found.length).toBe(inText);
    expect(documents.length).toBeGreaterThanOrEqual(10);
    expect(found.filter((k) => k.where === 'chNFe').length).toBeGreaterThanOrEqual(20);
  });

  it('parses every key whose check digit is right, and flags the others with the digit it should be', () => {
    const flagged: Record<string, string> = {};
    const refused: string[] = [];
    for (const { file, where, key } of found) {
      try {
        expect(parseAccessKey(key).cDV).toBe(key[43]);
      } catch (error) {
        const digit =
          isEInvoiceError(error) && error.code === 'nfe.key-check-digit'
            ? / is (\d), but its first 43 characters give (\d)$/.exec(error.message)
            : null;
        if (digit && digit[1] === key[43]) flagged[key] = digit[2]!;
        else refused.push(`${file} ${where} ${key}: ${String(error)}`);
      }
    }
    expect(refused).toEqual([]);
    expect(flagged).toEqual(WRONG_CHECK_DIGITS);
  });

  it("reads in each document's key the parts its ide and emit carry, but for the fixtures' hand edits", () => {
    const disagreements: string[] = [];
    for (const { file, key, infNFe } of documents) {
      const parts = parseAccessKey(key, { verifyCheckDigit: false });
      const ide = child(infNFe, 'ide');
      const emit = child(infNFe, 'emit');
      const issued = textOf(ide, 'dhEmi') ?? textOf(ide, 'dEmi'); // 4.00 and 3.10, 2.00
      const issuer = textOf(emit, 'CNPJ') ?? textOf(emit, 'CPF');
      const number = (name: string) =>
        textOf(ide, name) === undefined ? undefined : Number(textOf(ide, name));
      const document: Partial<Record<keyof AccessKeyParts, string | number | undefined>> = {
        cUF: textOf(ide, 'cUF'),
        year: issued === undefined ? undefined : Number(issued.slice(2, 4)),
        month: issued === undefined ? undefined : Number(issued.slice(5, 7)),
        cnpjCpf: issuer?.padStart(14, '0'),
        mod: textOf(ide, 'mod'),
        serie: number('serie'),
        nNF: number('nNF'),
        tpEmis: number('tpEmis'),
        cNF: textOf(ide, 'cNF'),
        cDV: textOf(ide, 'cDV'),
      };
      expect({ file, fields: Object.values(document).filter((v) => v !== undefined).length }).toEqual({
        file,
        fields: 10,
      });
      for (const [name, value] of Object.entries(document))
        if (value !== undefined && parts[name as keyof AccessKeyParts] !== value)
          disagreements.push(
            `${file}: ${name} key ${String(parts[name as keyof AccessKeyParts])}, document ${String(value)}`,
          );
    }
    expect(disagreements.sort()).toEqual([...KNOWN_DISAGREEMENTS].sort());
  });

  it("names in cUF the state of the issuer's address, and a protocol's chNFe is its document's key", () => {
    for (const { file, infNFe } of documents) {
      const uf = textOf(child(child(infNFe, 'emit'), 'enderEmit'), 'UF');
      expect({ file, uf: ufOfCode(textOf(child(infNFe, 'ide'), 'cUF') ?? '') }).toEqual({ file, uf });
    }
    const protocols = [...roots].flatMap(([file, root]) =>
      elementsNamed(root, 'protNFe').map((protNFe) => ({
        file,
        root,
        chNFe: textOf(child(protNFe, 'infProt'), 'chNFe'),
      })),
    );
    const ofDocuments = protocols.filter((p) => elementsNamed(p.root, 'infNFe').length === 1);
    expect(ofDocuments.length).toBeGreaterThanOrEqual(2);
    for (const { file, root, chNFe } of ofDocuments)
      expect({ file, chNFe }).toEqual({
        file,
        chNFe: elementsNamed(root, 'infNFe')[0]!.getAttribute('Id')!.slice(3),
      });
  });

  it("refuses a CT-e's key as no NF-e's, by its model, though its check digit is right", () => {
    const ctes = [...roots].flatMap(([file, root]) =>
      elementsNamed(root, 'infCte').map((infCte) => ({
        file,
        infCte,
        key: infCte.getAttribute('Id')!.replace(/^CTe/, ''),
      })),
    );
    expect(ctes.length).toBeGreaterThan(0);
    for (const { key, infCte } of ctes) {
      expect(key.slice(20, 22)).toBe(textOf(child(infCte, 'ide'), 'mod'));
      expect(accessKeyCheckDigit(key.slice(0, 43))).toBe(key[43]);
      const error = thrown(() => parseAccessKey(key));
      expect({ code: error.code, paths: error.details.map((d) => d.path) }).toEqual({
        code: 'nfe.key-invalid',
        paths: ['/mod'],
      });
    }
  });
});
