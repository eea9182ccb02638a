import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCanonical } from '../shared/cli/documents';
import { FormatRegistry } from '../shared/formats/format';
import { shippedFormats } from '../shared/formats/mapping';
import { isoCountries } from '../shared/model/codes';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import {
  CODE_LIST_IDS,
  codeList,
  codeListFile,
  isCodeOf,
  isCodeOfAnyCase,
  normalizeSpace,
  type CodeListId,
} from '../shared/rules/code-lists/code-lists';
import { runRules } from '../shared/rules/engine';
import {
  en16931CiiCodeLists,
  en16931CodeLists,
  en16931UblCodeLists,
} from '../shared/rules/en16931/code-lists';
import { peppolCiiCodeLists, peppolCodeLists, peppolUblCodeLists } from '../shared/rules/peppol/code-lists';
import type { HeldInvoice, RuleModule } from '../shared/rules/rule';

/** The code lists as data, and the code-list rules of EN 16931 (BR-CL-*) and PEPPOL (CL001 … CL008). */

const EN16931 = [en16931CodeLists, en16931UblCodeLists, en16931CiiCodeLists];
const PEPPOL = [peppolCodeLists, peppolUblCodeLists, peppolCiiCodeLists];

const formats = new FormatRegistry();
for (const format of shippedFormats()) if (format.read) formats.register(format);

/** `code path` (canonical rules) or `code @line` (syntax rules) of what the modules report. */
function findings(modules: readonly RuleModule[], invoice: HeldInvoice, xml?: string): string[] {
  const read = xml === undefined ? undefined : toCanonical(xml, undefined, formats);
  const held = (read?.invoice as HeldInvoice | undefined) ?? invoice;
  return runRules(modules, { invoice: held, source: read?.source }).map((p) =>
    p.path !== undefined ? `${p.code} ${p.path}` : `${p.code} @${p.location?.line}`,
  );
}

describe('code lists as data', () => {
  const folder = join(__dirname, '..', 'shared', 'rules', 'code-lists');

  it('are one JSON file each, every file a list the loader knows', () => {
    const files = ['en16931', 'peppol', 'it', 'mx', 'br'].flatMap((sub) =>
      readdirSync(join(folder, sub))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${sub}/${f.slice(0, -'.json'.length)}`),
    );
    expect(files.sort()).toEqual([...CODE_LIST_IDS].sort());
  });

  it.each([...CODE_LIST_IDS])('%s has its name, version, source and codes', (id) => {
    const list = codeList(id);
    expect(list.id).toBe(id);
    expect(list.name).not.toBe('');
    const release = {
      peppol: /PEPPOL BIS Billing 3\.0\.19/,
      en16931: /1\.3\.16/,
      it: /^FatturaPA 1\.2\.3 /,
      mx: /^Anexo 20, CFDI 4\.0 /,
      br: /^NF-e 4\.00, MOC 7\.0/,
    };
    expect(list.version).toMatch(release[id.split('/')[0] as keyof typeof release]);
    // the official artefacts' repositories; FatturaPA's lists from the specifications' own site
    expect(list.source.url).toMatch(
      id.startsWith('it/')
        ? /^https:\/\/www\.fatturapa\.gov\.it\//
        : id.startsWith('mx/')
          ? /^https:\/\/www\.sat\.gob\.mx\//
          : id.startsWith('br/')
            ? /^https:\/\/www\.nfe\.fazenda\.gov\.br\//
            : /^https:\/\/github\.com\//,
    );
    expect(list.codes.length).toBeGreaterThan(0);
    expect(codeList(id)).toBe(list); // read once
    expect(JSON.parse(readFileSync(codeListFile(id), 'utf8')).codes).toEqual(list.codes);
  });

  it('compares codes as the artefacts do: white space normalised, one token, case as written', () => {
    const currency = codeList('en16931/iso-4217');
    expect(normalizeSpace('\n EUR \t')).toBe('EUR');
    expect(normalizeSpace(' a  b ')).toBe('a b');
    expect(isCodeOf(currency, ' EUR\n')).toBe(true);
    expect(isCodeOf(currency, 'eur')).toBe(false);
    expect(isCodeOf(currency, 'EUR USD')).toBe(false);
    expect(isCodeOf(currency, '')).toBe(false);
    const vatex = codeList('en16931/vatex');
    expect(isCodeOfAnyCase(vatex, 'vatex-eu-132-1a')).toBe(true);
    expect(isCodeOf(vatex, 'vatex-eu-132-1a')).toBe(false);
  });

  it('hold the lists of the releases: EN 16931 1.3.16, PEPPOL 3.0.19', () => {
    const has = (id: CodeListId, code: string) => codeList(id).has(code);
    expect(has('en16931/iso-3166-1', '1A')).toBe(true);
    expect(has('en16931/iso-4217', 'BGN')).toBe(false); // withdrawn when Bulgaria took the euro
    expect(has('peppol/iso-4217', 'BGN')).toBe(true);
    expect(has('en16931/eas', '0244')).toBe(true);
    expect(has('peppol/eas', '0244')).toBe(false);
    expect(has('en16931/untdid-1001-invoice', '381')).toBe(false);
    expect(has('en16931/untdid-1001-credit-note', '381')).toBe(true);
    expect(codeList('en16931/unece-rec-20-21').codes).toHaveLength(2162);
    expect(codeList('en16931/iso-6523-icd').codes).toHaveLength(243);
  });

  it('give the countries of the model', () => {
    expect(isoCountries().has('DE')).toBe(true);
    expect(isoCountries().has('1A')).toBe(true);
    expect(isoCountries().has('XX')).toBe(false);
  });
});

describe("the canonical schema's enums and the code lists", () => {
  const schema = JSON.parse(
    readFileSync(join(__dirname, '..', 'shared', 'model', 'schemas', 'invoice.schema.json'), 'utf8'),
  ) as {
    $defs: Record<string, { enum?: string[] }>;
    properties: Record<
      string,
      {
        enum?: string[];
        items?: { properties: Record<string, { properties: Record<string, { enum?: string[] }> }> };
      }
    >;
  };
  const enums: Array<[string, string[], CodeListId]> = [
    ['country', schema.$defs.country!.enum!, 'en16931/iso-3166-1'],
    ['currency', schema.$defs.currency!.enum!, 'en16931/iso-4217'],
    ['vatCategory', schema.$defs.vatCategory!.enum!, 'en16931/untdid-5305'],
    ['typeCode', schema.properties.typeCode!.enum!, 'en16931/untdid-1001'],
    ['vatPointDateCode', schema.properties.vatPointDateCode!.enum!, 'en16931/untdid-2005'],
    [
      'mimeCode',
      schema.properties.attachments!.items!.properties.content!.properties.mimeCode!.enum!,
      'en16931/mime',
    ],
  ];
  /**
   * Currencies the schema still takes that ISO 4217 as of EN 16931 1.3.16 no longer lists (BR-CL-04 reports
   * them). When the schema drops them, this list goes; a currency added to either side fails the test.
   */
  const withdrawnCurrencies = ['ANG', 'BGN', 'CUC', 'HRK', 'SLL', 'STN', 'ZWL'];

  it.each(enums)('%s: the same codes as the code list', (name, values, id) => {
    const codes = codeList(id).codes;
    const extra = name === 'currency' ? withdrawnCurrencies : [];
    expect(values.filter((v) => !codes.includes(v)).sort()).toEqual(extra);
    expect(codes.filter((c) => !values.includes(c))).toEqual([]);
  });
});

describe('EN 16931 code lists on the canonical invoice (BR-CL-*)', () => {
  const en = (invoice: HeldInvoice) => findings([en16931CodeLists], invoice);

  // each: the rule, a document with a code of the list, the same with one that is not, where it is reported
  const cases: Array<[string, HeldInvoice, HeldInvoice, string]> = [
    ['BR-CL-01', { typeCode: '380' }, { typeCode: '999' }, '/typeCode'],
    ['BR-CL-04', { currency: 'EUR' }, { currency: 'AAA' }, '/currency'],
    [
      'BR-CL-05',
      { vatAccountingCurrency: 'SEK' },
      { vatAccountingCurrency: 'GGG' },
      '/vatAccountingCurrency',
    ],
    ['BR-CL-06', { vatPointDateCode: '35' }, { vatPointDateCode: '5' }, '/vatPointDateCode'],
    [
      'BR-CL-07',
      { invoicedObject: { id: '1', scheme: 'ABF' } },
      { invoicedObject: { id: '1', scheme: 'XXA' } },
      '/invoicedObject/scheme',
    ],
    [
      'BR-CL-08',
      { notes: [{ text: 'a', subjectCode: 'AAI' }] },
      { notes: [{ text: 'a', subjectCode: 'ZZZZ' }] },
      '/notes/0/subjectCode',
    ],
    [
      'BR-CL-10',
      { buyer: { identifier: { id: '1', scheme: '0088' } } },
      { buyer: { identifier: { id: '1', scheme: 'SEPA' } } },
      '/buyer/identifier/scheme',
    ],
    [
      'BR-CL-11',
      { seller: { legalRegistration: { id: '1', scheme: '0002' } } },
      { seller: { legalRegistration: { id: '1', scheme: '9901' } } },
      '/seller/legalRegistration/scheme',
    ],
    [
      'BR-CL-13',
      { lines: [{ item: { classifications: [{ id: '1', scheme: 'STI' }] } }] },
      { lines: [{ item: { classifications: [{ id: '1', scheme: 'XXX' }] } }] },
      '/lines/0/item/classifications/0/scheme',
    ],
    [
      'BR-CL-14',
      { delivery: { address: { country: 'NO' } } },
      { delivery: { address: { country: 'XY' } } },
      '/delivery/address/country',
    ],
    [
      'BR-CL-15',
      { lines: [{ item: { originCountry: 'DE' } }] },
      { lines: [{ item: { originCountry: 'HC' } }] },
      '/lines/0/item/originCountry',
    ],
    ['BR-CL-16', { payment: { meansCode: '58' } }, { payment: { meansCode: '71' } }, '/payment/meansCode'],
    [
      'BR-CL-17',
      { vatBreakdown: [{ category: 'L' }] },
      { vatBreakdown: [{ category: 'Y' }] },
      '/vatBreakdown/0/category',
    ],
    [
      'BR-CL-18',
      { lines: [{ vat: { category: 'AE' } }] },
      { lines: [{ vat: { category: 'AA' } }] },
      '/lines/0/vat/category',
    ],
    [
      'BR-CL-19',
      { allowances: [{ reasonCode: '95' }] },
      { allowances: [{ reasonCode: '143' }] },
      '/allowances/0/reasonCode',
    ],
    [
      'BR-CL-20',
      { lines: [{ charges: [{ reasonCode: 'AAA' }] }] },
      { lines: [{ charges: [{ reasonCode: 'XBB' }] }] },
      '/lines/0/charges/0/reasonCode',
    ],
    [
      'BR-CL-21',
      { lines: [{ item: { standardId: { id: '1', scheme: '0160' } } }] },
      { lines: [{ item: { standardId: { id: '1', scheme: '0283' } } }] },
      '/lines/0/item/standardId/scheme',
    ],
    [
      'BR-CL-22',
      { vatBreakdown: [{ exemptionReasonCode: 'vatex-eu-ic' }] },
      { vatBreakdown: [{ exemptionReasonCode: 'VATEX-EU-XX' }] },
      '/vatBreakdown/0/exemptionReasonCode',
    ],
    [
      'BR-CL-23',
      { lines: [{ price: { baseQuantityUnit: 'KGM' } }] },
      { lines: [{ price: { baseQuantityUnit: 'MO' } }] },
      '/lines/0/price/baseQuantityUnit',
    ],
    [
      'BR-CL-24',
      { attachments: [{ content: { mimeCode: 'text/csv' } }] },
      { attachments: [{ content: { mimeCode: 'TEXT/CSV' } }] },
      '/attachments/0/content/mimeCode',
    ],
    [
      'BR-CL-25',
      { seller: { endpoint: { id: 'a@b', scheme: 'EM' } } },
      { seller: { endpoint: { id: '1', scheme: '9901' } } },
      '/seller/endpoint/scheme',
    ],
    [
      'BR-CL-26',
      { delivery: { locationId: { id: '1', scheme: '0088' } } },
      { delivery: { locationId: { id: '1', scheme: 'GLN' } } },
      '/delivery/locationId/scheme',
    ],
  ];

  it.each(cases)(
    '%s: a code of its list passes, another is reported where it is',
    (rule, good, bad, path) => {
      expect(en(good)).toEqual([]);
      expect(en(bad)).toEqual([`${rule} ${path}`]);
    },
  );

  it('takes SEPA as the scheme of the seller’s and the payee’s identifiers only (BR-CL-10)', () => {
    const sepa = { id: 'DE98ZZZ09999999999', scheme: 'SEPA' };
    expect(en({ seller: { identifiers: [sepa] }, payee: { identifier: sepa } })).toEqual([]);
    expect(en({ buyer: { identifier: sepa } })).toEqual(['BR-CL-10 /buyer/identifier/scheme']);
  });

  it('names the code in its message, and replaces the schema’s enum finding at the same place', () => {
    const result = validateInvoice({ typeCode: '999', currency: 'AAA' }, 'check');
    const byPath = (path: string) => result.problems.filter((p) => p.path === path);
    expect(byPath('/typeCode').map((p) => p.code)).toEqual(['BR-CL-01']);
    expect(byPath('/currency').map((p) => p.code)).toEqual(['BR-CL-04']);
    expect(byPath('/currency')[0]!.message).toBe(
      'The invoice currency code (BT-5) must be an ISO 4217 alphabetic code. ' +
        '"AAA" is not a code of ISO 4217 currency codes, alphabetic (178 codes).',
    );
    // a short list is named code by code
    expect(
      validateInvoice({ vatPointDateCode: '5' }, 'check').problems.find((p) => p.code === 'BR-CL-06')!
        .message,
    ).toContain('"5" is not one of "3", "35", "432".');
    expect(byPath('/currency')[0]!.terms).toEqual(['BT-5']);
  });

  it('reports nothing on a complete invoice of the lists', () => {
    expect(en(sampleInvoice(5) as HeldInvoice)).toEqual([]);
  });
});

const UBL_NS =
  'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" ' +
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" ' +
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';
const ublInvoice = (body: string) => `<Invoice ${UBL_NS}>\n${body}\n</Invoice>`;
const ublCreditNote = (body: string) =>
  `<CreditNote ${UBL_NS.replace('Invoice-2', 'CreditNote-2')}>\n${body}\n</CreditNote>`;
const CII_NS =
  'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" ' +
  'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"';
const ciiInvoice = (body: string) =>
  `<rsm:CrossIndustryInvoice ${CII_NS}>\n${body}\n</rsm:CrossIndustryInvoice>`;

describe('EN 16931 code lists in the XML, where the canonical invoice holds no code', () => {
  const xml = (text: string) => findings(EN16931, {}, text);

  it('judges the currency of every amount, which has no business term (BR-CL-03)', () => {
    const amounts = (currency: string) =>
      ublInvoice(
        `<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n` +
          `<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="${currency}">1</cbc:PayableAmount></cac:LegalMonetaryTotal>`,
      );
    expect(xml(amounts('EUR'))).toEqual([]);
    expect(xml(amounts('EUX')).filter((f) => f.startsWith('BR-CL-03'))).toEqual(['BR-CL-03 @3']);
  });

  it('judges a scheme on an element without text, which the reader leaves out', () => {
    const endpoint = (text: string) =>
      ublInvoice(
        `<cac:AccountingSupplierParty><cac:Party>\n<cbc:EndpointID schemeID="9901">${text}</cbc:EndpointID>\n</cac:Party></cac:AccountingSupplierParty>`,
      );
    expect(xml(endpoint(''))).toEqual(['BR-CL-25 @3']);
    // read with its text, it is the canonical rule's finding, and only that one's
    expect(xml(endpoint('12345'))).toEqual(['BR-CL-25 /seller/endpoint/scheme']);
  });

  it('judges codes at places that are no business term', () => {
    const document = ublInvoice(
      `<cac:TaxRepresentativeParty><cac:PartyIdentification>\n<cbc:ID schemeID="9901">X</cbc:ID>\n</cac:PartyIdentification></cac:TaxRepresentativeParty>`,
    );
    expect(xml(document)).toEqual(['BR-CL-10 @3']);
    const lineOfTheWrongKind = ublCreditNote(
      `<cac:InvoiceLine><cac:Item><cac:ClassifiedTaxCategory>\n<cbc:ID>AA</cbc:ID>\n</cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>`,
    );
    expect(xml(lineOfTheWrongKind)).toEqual(['BR-CL-18 @3']);
  });

  it('takes the type codes of the document’s kind in UBL (BR-CL-01)', () => {
    expect(xml(ublInvoice('<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>'))).toEqual([]);
    expect(xml(ublInvoice('<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>'))).toEqual(['BR-CL-01 @2']);
    expect(xml(ublCreditNote('<cbc:CreditNoteTypeCode>380</cbc:CreditNoteTypeCode>'))).toEqual([
      'BR-CL-01 @2',
    ]);
    expect(xml(ublInvoice('<cbc:InvoiceTypeCode>999</cbc:InvoiceTypeCode>'))).toEqual(['BR-CL-01 /typeCode']);
  });

  it('judges CII: the tax total’s currency (BR-CL-03), an address without text (BR-CL-25)', () => {
    const document = ciiInvoice(
      `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>\n` +
        `<ram:SpecifiedTradeSettlementHeaderMonetarySummation>\n<ram:TaxTotalAmount currencyID="EUX">1</ram:TaxTotalAmount>\n` +
        `</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>\n` +
        `<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:URIUniversalCommunication>\n<ram:URIID schemeID="XX"/>\n` +
        `</ram:URIUniversalCommunication></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>`,
    );
    expect(xml(document).filter((f) => f.includes('@'))).toEqual(['BR-CL-03 @4', 'BR-CL-25 @7']);
  });

  it('reports nothing on a complete invoice of the lists, in either syntax', () => {
    for (const id of ['peppol-bis3-ubl', 'en16931-cii']) {
      const text = shippedFormats()
        .find((f) => f.id === id)!
        .render(validateInvoice(sampleInvoice(5)).invoice!);
      expect(findings([...EN16931, ...PEPPOL], {}, text)).toEqual([]);
    }
  });
});

describe('PEPPOL code lists (PEPPOL-EN16931-CL001 … CL008)', () => {
  const peppol = (invoice: HeldInvoice) => findings([peppolCodeLists], invoice);

  const cases: Array<[string, HeldInvoice, HeldInvoice, string]> = [
    [
      'PEPPOL-EN16931-CL001',
      { attachments: [{ content: { mimeCode: 'image/png' } }] },
      { attachments: [{ content: { mimeCode: 'image/tiff' } }] },
      '/attachments/0/content/mimeCode',
    ],
    [
      'PEPPOL-EN16931-CL002',
      { allowances: [{ reasonCode: '60' }] },
      { allowances: [{ reasonCode: '61' }] },
      '/allowances/0/reasonCode',
    ],
    [
      'PEPPOL-EN16931-CL003',
      { charges: [{ reasonCode: 'HAA' }] },
      { charges: [{ reasonCode: 'AAB' }] },
      '/charges/0/reasonCode',
    ],
    ['PEPPOL-EN16931-CL006', { vatPointDateCode: '3' }, { vatPointDateCode: 'ZZZ' }, '/vatPointDateCode'],
    // 0244 is an EAS code EN 16931 takes and PEPPOL does not
    [
      'PEPPOL-EN16931-CL008',
      { buyer: { endpoint: { id: '1', scheme: '0208' } } },
      { buyer: { endpoint: { id: '1', scheme: '0244' } } },
      '/buyer/endpoint/scheme',
    ],
  ];

  it.each(cases)(
    '%s: a code of its list passes, another is reported where it is',
    (rule, good, bad, path) => {
      expect(peppol(good)).toEqual([]);
      expect(peppol(bad)).toEqual([`${rule} ${path}`]);
    },
  );

  it('judges in UBL: amounts’ currencies (CL007), schemes without text (CL008)', () => {
    const xml = (text: string) => findings(PEPPOL, {}, text);
    expect(
      xml(ublInvoice(`<cac:TaxTotal>\n<cbc:TaxAmount currencyID="EUS">1</cbc:TaxAmount>\n</cac:TaxTotal>`)),
    ).toEqual(['PEPPOL-EN16931-CL007 @3']);
    expect(
      xml(
        ublInvoice(
          `<cac:AccountingCustomerParty><cac:Party>\n<cbc:EndpointID schemeID="9958"/>\n</cac:Party></cac:AccountingCustomerParty>`,
        ),
      ),
    ).toEqual(['PEPPOL-EN16931-CL008 @3']);
  });

  it('judges in CII an electronic address without a scheme (CL008), as PEPPOL’s CII rule does', () => {
    const document = ciiInvoice(
      `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement><ram:BuyerTradeParty><ram:URIUniversalCommunication>\n` +
        `<ram:URIID>buyer@example.com</ram:URIID>\n</ram:URIUniversalCommunication></ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>`,
    );
    expect(findings(PEPPOL, {}, document)).toEqual(['PEPPOL-EN16931-CL008 @3']);
  });
});

describe('the code-list modules', () => {
  it('give each rule an official id, its terms and a message, once per module', () => {
    for (const module of [...EN16931, ...PEPPOL]) {
      const ids = module.rules.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const rule of module.rules) {
        expect(rule.id).toMatch(/^(BR-CL-\d\d|PEPPOL-EN16931-CL00\d)$/);
        expect(rule.terms.length).toBeGreaterThan(0);
        expect(rule.message).toMatch(/\.$/);
      }
    }
  });
});
