import { runRules } from '../shared/rules/engine';
import { peppolGreece } from '../shared/rules/peppol/national-gr';
import { peppolItaly } from '../shared/rules/peppol/national-it';
import { peppolNetherlands } from '../shared/rules/peppol/national-nl';
import { peppolNorway } from '../shared/rules/peppol/national-no';
import { peppolSweden } from '../shared/rules/peppol/national-se';
import {
  validGreekTin,
  validNorwegianOrganisationNumber,
  validSwedishOrganisationNumber,
} from '../shared/rules/peppol/national/check-digits';
import { customerCountry, supplierCountry } from '../shared/rules/peppol/national/countries';
import { isNonNegativeInteger, isNumber } from '../shared/rules/peppol/national/xpath';
import type { HeldInvoice, InvoiceRuleModule } from '../shared/rules/rule';
import { parseXmlTree } from '../shared/xml/xml-tree';

/**
 * PEPPOL BIS 3's national rules of Greece, Italy, the Netherlands, Norway and Sweden on partial documents:
 * each family with a fragment that breaks it and one that keeps it, and each module applying only by its
 * country condition. The official rule unit tests judge them broadly (`rules-agreement.test.ts`).
 */

const NATIONAL = [peppolGreece, peppolItaly, peppolNetherlands, peppolNorway, peppolSweden];

/** `rule path` of each finding of the module whose rule ids start with `prefix`. */
const found = (module: InvoiceRuleModule, invoice: HeldInvoice, prefix: string) =>
  runRules([module], { invoice })
    .filter((p) => p.code!.startsWith(prefix))
    .map((p) => `${p.code} ${p.path}`);

describe('the national modules', () => {
  it('are PEPPOL modules with a condition, rules of their country only, each with its terms', () => {
    for (const module of NATIONAL) {
      expect(module.set).toBe('peppol');
      expect(module.appliesTo).toBeDefined();
      const country = module.id.slice(-2).toUpperCase();
      expect(module.id).toBe(`peppol-${country.toLowerCase()}`);
      expect(module.rules.every((r) => r.id.startsWith(`${country}-`) && r.terms.length > 0)).toBe(true);
      expect(new Set(module.rules.map((r) => r.id)).size).toBe(module.rules.length);
    }
  });

  it('report nothing on an empty document: no seller country, no national rules', () => {
    expect(runRules(NATIONAL, { invoice: {} })).toEqual([]);
  });
});

describe("PEPPOL's seller and buyer countries", () => {
  it('seller: the VAT identifier’s prefix, else the tax representative’s, else the postal country', () => {
    expect(supplierCountry({ seller: { vatId: 'el123', address: { country: 'DE' } } })).toBe('EL');
    expect(
      supplierCountry({ seller: { address: { country: 'DE' } }, taxRepresentative: { vatId: 'NO1' } }),
    ).toBe('NO');
    expect(supplierCountry({ seller: { address: { country: ' se ' } } })).toBe('SE');
    expect(supplierCountry({})).toBe('XX');
  });

  it('seller, on a CII document: a tax registration of scheme VAT only, as PEPPOL’s CII artefact reads it', () => {
    const cii = (party: string) =>
      parseXmlTree(
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" ' +
          'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">' +
          `<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>${party}` +
          '</ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>',
      );
    const seller = (scheme: string, country: string) =>
      `<ram:SellerTradeParty><ram:PostalTradeAddress><ram:CountryID>${country}</ram:CountryID></ram:PostalTradeAddress>` +
      `<ram:SpecifiedTaxRegistration><ram:ID schemeID="${scheme}">it12345678901</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>`;
    const invoice = { seller: { vatId: 'IT12345678901', address: { country: 'NO' } } };
    expect(supplierCountry(invoice, { syntax: 'cii', document: cii(seller('VA', 'NO')) })).toBe('NO');
    expect(supplierCountry(invoice, { syntax: 'cii', document: cii(seller('VAT', 'NO')) })).toBe('IT');
    expect(supplierCountry(invoice, { syntax: 'ubl' })).toBe('IT');
    expect(supplierCountry(invoice, { syntax: 'cii', document: cii('') })).toBe('XX');
    expect(peppolItaly.appliesTo!(invoice, { syntax: 'cii', document: cii(seller('VA', 'NO')) })).toBe(false);
    expect(peppolNorway.appliesTo!(invoice, { syntax: 'cii', document: cii(seller('VA', 'NO')) })).toBe(true);
  });

  it('buyer: the VAT identifier’s prefix, else the postal country', () => {
    expect(customerCountry({ buyer: { vatId: 'GR1', address: { country: 'IT' } } })).toBe('GR');
    expect(customerCountry({ buyer: { address: { country: 'IT' } } })).toBe('IT');
  });
});

describe('check digits and XPath numbers', () => {
  it('Greek TIN: eight weighted digits, the ninth their sum mod 11 mod 10', () => {
    expect(validGreekTin('061828591')).toBe(true);
    expect(validGreekTin('094014201')).toBe(true);
    expect(validGreekTin('061828592')).toBe(false);
    expect(validGreekTin('06182859')).toBe(false);
    expect(validGreekTin('06182859A')).toBe(false);
  });

  it('Norwegian organisation number: modulus 11, not all zero', () => {
    expect(validNorwegianOrganisationNumber('991825827')).toBe(true);
    expect(validNorwegianOrganisationNumber('991825828')).toBe(false);
    expect(validNorwegianOrganisationNumber('000000000')).toBe(false);
  });

  it('Swedish organisation number: Luhn over the first nine digits', () => {
    expect(validSwedishOrganisationNumber('2021005489')).toBe(true);
    expect(validSwedishOrganisationNumber('5560360793')).toBe(true);
    expect(validSwedishOrganisationNumber('2021005480')).toBe(false);
    expect(validSwedishOrganisationNumber('202100548')).toBe(false);
    expect(validSwedishOrganisationNumber('SE20210054')).toBe(false);
  });

  it('numbers as XPath’s number() reads them, integers as xs:integer', () => {
    expect(['12', ' -1.5 ', '1e3', 'INF', '.5'].every(isNumber)).toBe(true);
    expect(['', '12a', 'NaN', '1 2', undefined].some(isNumber)).toBe(false);
    expect(['0', '+7', '-0', ' 12 '].every(isNonNegativeInteger)).toBe(true);
    expect(['-1', '1.5', 'x', undefined].some(isNonNegativeInteger)).toBe(false);
  });
});

describe('Greece (GR-R-*, GR-S-*)', () => {
  const greek: HeldInvoice = {
    id: '061828591|01/10/2010|0|1.1|0|1',
    issueDate: '2010-10-01',
    seller: {
      vatId: 'EL061828591',
      tradingName: 'Seller',
      address: { country: 'GR' },
      endpoint: { scheme: '9933', id: '061828591' },
    },
    buyer: {
      vatId: 'EL094014201',
      tradingName: 'Buyer',
      address: { country: 'GR' },
      endpoint: { scheme: '9933', id: '094014201' },
    },
    attachments: [
      { id: '1123', description: '##M.AR.K##' },
      { id: 'url', description: '##INVOICE|URL##', externalUri: 'https://example.com/invoice' },
    ],
  };

  it('a complete Greek invoice keeps every rule', () => {
    expect(found(peppolGreece, greek, 'GR-')).toEqual([]);
  });

  it('the invoice number: six segments, the TIN, the issue date, a serial, a document type, two more', () => {
    expect(found(peppolGreece, { ...greek, id: '06182859' }, 'GR-R-001')).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => `GR-R-001-${n} /id`),
    );
    expect(found(peppolGreece, { ...greek, id: '094014201|01/10/2010|0|1.1|0|1' }, 'GR-R-001')).toEqual([
      'GR-R-001-2 /id',
    ]);
    expect(found(peppolGreece, { ...greek, issueDate: '2010-10-02' }, 'GR-R-001')).toEqual([
      'GR-R-001-3 /id',
    ]);
    expect(found(peppolGreece, { ...greek, id: '061828591|01/10/2010|-1|3.3|0|' }, 'GR-R-001')).toEqual([
      'GR-R-001-4 /id',
      'GR-R-001-5 /id',
      'GR-R-001-7 /id',
    ]);
  });

  it('the TIN of the tax representative serves when the seller has no VAT identifier', () => {
    const represented = {
      ...greek,
      seller: { ...greek.seller, vatId: undefined },
      taxRepresentative: { vatId: 'EL061828591' },
    };
    expect(found(peppolGreece, represented, 'GR-R-001')).toEqual([]);
    expect(found(peppolGreece, represented, 'GR-S-011')).toEqual(['GR-S-011 /seller/vatId']);
  });

  it('names, VAT identifiers and electronic addresses of seller and buyer', () => {
    const broken: HeldInvoice = {
      ...greek,
      seller: {
        vatId: 'EL061828592',
        address: { country: 'GR' },
        endpoint: { scheme: '0088', id: '061828591' },
      },
      buyer: { vatId: 'EL123', address: { country: 'GR' }, endpoint: { scheme: '9933', id: '123123123' } },
    };
    expect(found(peppolGreece, broken, 'GR-').filter((f) => !f.startsWith('GR-R-001'))).toEqual([
      'GR-R-002 /seller/tradingName',
      'GR-S-011 /seller/vatId',
      'GR-R-003 /seller/vatId',
      'GR-R-005 /buyer/tradingName',
      'GR-R-009 /seller/endpoint',
      'GR-R-006 /buyer/vatId',
      'GR-R-010 /buyer/endpoint',
    ]);
  });

  it('a buyer outside Greece is not asked for a Greek VAT identifier or address', () => {
    const foreign = {
      ...greek,
      buyer: { tradingName: 'B', address: { country: 'SE' }, endpoint: { scheme: '0007', id: '5560360793' } },
    };
    expect(found(peppolGreece, foreign, 'GR-')).toEqual([]);
  });

  it('the MARK number and the invoice URL as supporting documents', () => {
    expect(found(peppolGreece, { ...greek, attachments: [] }, 'GR-')).toEqual([
      'GR-R-004-1 /attachments',
      'GR-S-008-1 /attachments',
    ]);
    const twice = [
      { id: '0042', description: '##M.AR.K##' },
      { id: 'a', description: '##INVOICE|URL##' },
      { id: 'b', description: '##INVOICE|URL##', externalUri: 'https://example.com' },
    ];
    expect(found(peppolGreece, { ...greek, attachments: twice }, 'GR-')).toEqual([
      'GR-S-008-1 /attachments',
      'GR-R-008-2 /attachments',
      'GR-R-004-2 /attachments/0/id',
      'GR-R-008-3 /attachments/1/externalUri',
    ]);
  });

  it('applies to a Greek seller only', () => {
    const swedish = {
      ...greek,
      seller: { ...greek.seller, vatId: 'SE556036079301', address: { country: 'SE' } },
    };
    expect(peppolGreece.appliesTo!(swedish, {})).toBe(false);
    expect(runRules([peppolGreece], { invoice: swedish })).toEqual([]);
  });
});

describe('Italy (IT-R-*)', () => {
  const italian: HeldInvoice = {
    seller: {
      vatId: 'IT12345678901',
      taxRegistrationId: 'RSSMRA80A01H501U',
      address: { street: 'Via Roma 1', city: 'Roma', postalCode: '00100', country: 'IT' },
    },
  };

  it('the tax registration identifier: 11 to 16 capitals and digits', () => {
    expect(found(peppolItaly, italian, 'IT-')).toEqual([]);
    const other = { seller: { ...italian.seller, taxRegistrationId: 'OtherLegalInfo' } };
    expect(found(peppolItaly, other, 'IT-')).toEqual(['IT-R-001 /seller/taxRegistrationId']);
  });

  it('the street, city and post code of the seller', () => {
    expect(
      found(peppolItaly, { seller: { vatId: 'IT12345678901', address: { country: 'IT' } } }, 'IT-'),
    ).toEqual([
      'IT-R-002 /seller/address/street',
      'IT-R-003 /seller/address/city',
      'IT-R-004 /seller/address/postalCode',
    ]);
  });

  it('applies by the VAT identifier before the postal address', () => {
    expect(peppolItaly.appliesTo!({ seller: { vatId: 'DE123', address: { country: 'IT' } } }, {})).toBe(
      false,
    );
    expect(peppolItaly.appliesTo!({ seller: { address: { country: 'IT' } } }, {})).toBe(true);
  });
});

describe('the Netherlands (NL-R-*)', () => {
  const address = { street: 'Straat 1', city: 'Utrecht', postalCode: '3511 AA', country: 'NL' };
  const dutch: HeldInvoice = {
    typeCode: '380',
    orderReference: 'PO-1',
    seller: { address, legalRegistration: { id: '12345678', scheme: '0106' } },
    buyer: { address, legalRegistration: { id: '00000001234567890000', scheme: '0190' } },
    taxRepresentative: { address },
    payment: { meansCode: '30' },
    totals: { payable: '121.00' },
    lines: [{ orderLineReference: '1' }],
  };

  it('a complete Dutch invoice keeps every rule', () => {
    expect(found(peppolNetherlands, dutch, 'NL-')).toEqual([]);
  });

  it('a credit note refers to the invoice it corrects', () => {
    expect(found(peppolNetherlands, { ...dutch, typeCode: '381' }, 'NL-R-001')).toEqual([
      'NL-R-001 /precedingInvoices',
    ]);
    const referring = { ...dutch, typeCode: '381', precedingInvoices: [{ id: 'INV-1' }] };
    expect(found(peppolNetherlands, referring, 'NL-R-001')).toEqual([]);
  });

  it('addresses and legal registrations of seller, Dutch buyer and Dutch tax representative', () => {
    const partial = { country: 'NL', city: 'Utrecht' };
    const broken: HeldInvoice = {
      ...dutch,
      seller: { address: partial, legalRegistration: { id: '12345678', scheme: '0088' } },
      buyer: { address: partial, legalRegistration: { id: '1', scheme: '0191' } },
      taxRepresentative: { address: partial },
    };
    expect(found(peppolNetherlands, broken, 'NL-')).toEqual([
      'NL-R-002 /seller/address',
      'NL-R-003 /seller/legalRegistration',
      'NL-R-004 /buyer/address',
      'NL-R-005 /buyer/legalRegistration',
      'NL-R-006 /taxRepresentative/address',
    ]);
    const abroad = { country: 'BE' };
    expect(
      found(
        peppolNetherlands,
        {
          ...broken,
          seller: dutch.seller,
          buyer: { address: abroad, legalRegistration: { id: '1' } },
          taxRepresentative: { address: abroad },
        },
        'NL-',
      ),
    ).toEqual([]);
  });

  it('payment means when the buyer is to pay, and a Dutch buyer’s among 30, 48, 49, 57, 58, 59', () => {
    const { payment: _, ...unpaid } = dutch;
    expect(found(peppolNetherlands, unpaid, 'NL-R-007')).toEqual(['NL-R-007 /payment']);
    expect(found(peppolNetherlands, { ...unpaid, totals: { payable: '0.00' } }, 'NL-R-007')).toEqual([]);
    expect(
      found(peppolNetherlands, { ...unpaid, typeCode: '381', totals: { payable: '10' } }, 'NL-R-007'),
    ).toEqual([]);
    expect(found(peppolNetherlands, { ...dutch, payment: { meansCode: '31' } }, 'NL-R-008')).toEqual([
      'NL-R-008 /payment/meansCode',
    ]);
  });

  it('order line references need the purchase order reference', () => {
    const { orderReference: _, ...withoutOrder } = dutch;
    expect(found(peppolNetherlands, withoutOrder, 'NL-R-009')).toEqual([
      'NL-R-009 /lines/0/orderLineReference',
    ]);
  });

  it('applies when the seller’s postal address is in the Netherlands, whatever its VAT identifier', () => {
    expect(
      peppolNetherlands.appliesTo!({ seller: { vatId: 'BE0123', address: { country: 'nl' } } }, {}),
    ).toBe(true);
    expect(
      peppolNetherlands.appliesTo!({ seller: { vatId: 'NL0123', address: { country: 'BE' } } }, {}),
    ).toBe(false);
  });
});

describe('Norway (NO-R-*)', () => {
  it('the VAT identifier: NO, a valid organisation number and MVA', () => {
    const ok = { seller: { vatId: 'NO991825827MVA', taxRegistrationId: 'Foretaksregisteret' } };
    expect(found(peppolNorway, ok, 'NO-')).toEqual([]);
    expect(found(peppolNorway, { seller: { ...ok.seller, vatId: 'NO991 825 827MVA' } }, 'NO-')).toEqual([
      'NO-R-001 /seller/vatId',
    ]);
    expect(found(peppolNorway, { seller: { ...ok.seller, vatId: 'NO991825828MVA' } }, 'NO-')).toEqual([
      'NO-R-001 /seller/vatId',
    ]);
  });

  it('Foretaksregisteret as the tax registration, a warning', () => {
    const findings = runRules([peppolNorway], { invoice: { seller: { address: { country: 'NO' } } } });
    expect(findings.map((p) => [p.code, p.path, p.severity])).toEqual([
      ['NO-R-002', '/seller/taxRegistrationId', 'warning'],
    ]);
  });

  it('applies by the tax representative’s VAT identifier when the seller has none', () => {
    expect(peppolNorway.appliesTo!({ taxRepresentative: { vatId: 'NO991825827MVA' } }, {})).toBe(true);
    expect(peppolNorway.appliesTo!({ seller: { vatId: 'DK123', address: { country: 'NO' } } }, {})).toBe(
      false,
    );
  });
});

describe('Sweden (SE-R-*)', () => {
  const swedish: HeldInvoice = {
    seller: {
      vatId: 'SE556036079301',
      taxRegistrationId: 'Godkänd för F-skatt',
      legalRegistration: { id: '5560360793', scheme: '0007' },
      address: { country: 'SE' },
    },
    buyer: { address: { country: 'SE' } },
    vatBreakdown: [
      { category: 'S', rate: '25.00' },
      { category: 'Z', rate: '0' },
    ],
    lines: [{ vat: { category: 'S', rate: '12' } }],
    payment: {
      meansCode: '30',
      creditTransfers: [
        { accountId: '1234567', serviceProviderId: 'SE:BANKGIRO' },
        { accountId: '123456', serviceProviderId: 'SE:PLUSGIRO' },
      ],
    },
  };

  it('a complete Swedish invoice keeps every rule', () => {
    expect(found(peppolSweden, swedish, 'SE-')).toEqual([]);
  });

  it('the VAT identifier, the organisation number and F tax', () => {
    const broken = {
      ...swedish,
      seller: {
        ...swedish.seller,
        vatId: 'SE5560360793XY',
        taxRegistrationId: 'F-skatt',
        legalRegistration: { id: 'SE55603607' },
      },
    };
    expect(found(peppolSweden, broken, 'SE-')).toEqual([
      'SE-R-002 /seller/vatId',
      'SE-R-003 /seller/legalRegistration/id',
      'SE-R-013 /seller/legalRegistration/id',
      'SE-R-005 /seller/taxRegistrationId',
    ]);
    const long = {
      ...swedish,
      seller: { ...swedish.seller, vatId: 'SE55603607930199', legalRegistration: { id: '5560360790' } },
    };
    expect(found(peppolSweden, long, 'SE-')).toEqual([
      'SE-R-001 /seller/vatId',
      'SE-R-013 /seller/legalRegistration/id',
    ]);
  });

  it('standard rates of 25, 12 or 6 % when the VAT identifier is Swedish', () => {
    const rates = { ...swedish, lines: [{ vat: { category: 'S', rate: '20' } }] };
    expect(found(peppolSweden, rates, 'SE-R-006')).toEqual(['SE-R-006 /lines/0/vat/rate']);
    const foreignVat = { ...rates, seller: { ...swedish.seller, vatId: 'NO991825827MVA' } };
    expect(found(peppolSweden, foreignVat, 'SE-R-006')).toEqual([]);
  });

  it('Bankgiro and Plusgiro accounts, as warnings', () => {
    const giro = {
      ...swedish,
      payment: {
        meansCode: '30',
        creditTransfers: [
          { accountId: 'BG1234567', serviceProviderId: 'SE:BANKGIRO' },
          { accountId: '123456789', serviceProviderId: 'SE:PLUSGIRO' },
        ],
      },
    };
    const findings = runRules([peppolSweden], { invoice: giro });
    expect(findings.map((p) => `${p.code} ${p.path} ${p.severity}`)).toEqual([
      'SE-R-010 /payment/creditTransfers/1/accountId warning',
      'SE-R-008 /payment/creditTransfers/0/accountId warning',
      'SE-R-009 /payment/creditTransfers/0/accountId warning',
    ]);
  });

  it('payment means 50 or 56, and 31 between Swedish parties, as warnings', () => {
    expect(found(peppolSweden, { ...swedish, payment: { meansCode: '56' } }, 'SE-R-01')).toEqual([
      'SE-R-011 /payment/meansCode',
    ]);
    expect(found(peppolSweden, { ...swedish, payment: { meansCode: '31' } }, 'SE-R-01')).toEqual([
      'SE-R-012 /payment/meansCode',
    ]);
    const abroad = { ...swedish, buyer: { address: { country: 'NO' } }, payment: { meansCode: '31' } };
    expect(found(peppolSweden, abroad, 'SE-R-01')).toEqual([]);
  });

  it('applies when the seller’s postal address is in Sweden', () => {
    expect(
      peppolSweden.appliesTo!({ seller: { vatId: 'SE556036079301', address: { country: 'NO' } } }, {}),
    ).toBe(false);
  });
});
