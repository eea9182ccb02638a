import { runRules } from '../shared/rules/engine';
import { peppolDenmark } from '../shared/rules/peppol/national-dk';
import { peppolDenmarkCii } from '../shared/rules/peppol/national-dk-cii';
import { parseXmlTree } from '../shared/xml/xml-tree';
import type { HeldInvoice } from '../shared/rules/rule';

/**
 * PEPPOL BIS Billing 3's Danish rules on partial documents, as the official unit tests check them: the
 * module applies to a Danish seller; most rules need a Danish buyer as well.
 */

const DK = { address: { country: 'DK' } };
const NO = { address: { country: 'NO' } };

/** A partial document between a Danish seller and buyer, with the seller's CVR number. */
function danish(more: HeldInvoice = {}): HeldInvoice {
  return {
    seller: { ...DK, legalRegistration: { id: 'DK12345678', scheme: '0184' } },
    buyer: DK,
    ...more,
  };
}

const findings = (invoice: HeldInvoice) =>
  runRules([peppolDenmark], { invoice }).map(
    (p) => `${p.severity === 'warning' ? 'warning ' : ''}${p.code} ${p.path}`,
  );

describe('when the Danish rules apply', () => {
  it('to a seller in Denmark, whatever the buyer', () => {
    expect(findings({ seller: DK })).toEqual(['DK-R-002 /seller/legalRegistration/id']);
    expect(findings({ seller: DK, buyer: NO })).toEqual(['DK-R-002 /seller/legalRegistration/id']);
  });

  it('not to a seller elsewhere, nor to a document without a seller country', () => {
    expect(findings({ seller: NO, buyer: DK })).toEqual([]);
    expect(findings({ buyer: DK })).toEqual([]);
  });

  it('the rules between Danish parties not when the buyer is elsewhere', () => {
    const invoice = danish({ buyer: NO, payment: { meansCode: '30' } });
    expect(findings(invoice)).toEqual([]);
  });
});

describe("the seller's CVR number (DK-R-002, DK-R-014)", () => {
  it('is required, with the scheme 0184', () => {
    expect(findings(danish())).toEqual([]);
    expect(findings(danish({ seller: { ...DK, legalRegistration: { id: ' ' } } }))).toEqual([
      'DK-R-002 /seller/legalRegistration/id',
      'DK-R-014 /seller/legalRegistration/scheme',
    ]);
    expect(
      findings(danish({ seller: { ...DK, legalRegistration: { id: 'DK12345678', scheme: '0088' } } })),
    ).toEqual(['DK-R-014 /seller/legalRegistration/scheme']);
  });
});

describe('party identifiers between Danish parties (DK-R-013)', () => {
  it('need a scheme, on every seller identifier and on the buyer identifier', () => {
    const invoice = danish({
      seller: {
        ...DK,
        legalRegistration: { id: 'DK12345678', scheme: '0184' },
        identifiers: [
          { id: 'DK12345678', scheme: '0184' },
          { id: 'DK87654321', scheme: '' },
        ],
      },
      buyer: { ...DK, identifier: { id: '5798001234567' } },
    });
    expect(findings(invoice)).toEqual([
      'DK-R-013 /seller/identifiers/1/scheme',
      'DK-R-013 /buyer/identifier/scheme',
    ]);
    const schemed = danish({ buyer: { ...DK, identifier: { id: '5798001234567', scheme: '0088' } } });
    expect(findings(schemed)).toEqual([]);
  });
});

describe('payment means between Danish parties (DK-R-005 … DK-R-011)', () => {
  it('DK-R-005: only the codes Danish suppliers may use', () => {
    expect(findings(danish({ payment: { meansCode: '97' } }))).toEqual([]);
    expect(findings(danish({ payment: { meansCode: '30' } }))).toEqual(['DK-R-005 /payment/meansCode']);
  });

  it('not on a credit note, as UBL binds them to the invoice', () => {
    expect(findings(danish({ typeCode: '381', payment: { meansCode: '30' } }))).toEqual([]);
  });

  it('DK-R-006: a bank transfer gives the account and the registration number', () => {
    const account = { accountId: '1234567890', serviceProviderId: '1234' };
    expect(findings(danish({ payment: { meansCode: '42', creditTransfers: [account] } }))).toEqual([]);
    expect(
      findings(danish({ payment: { meansCode: '31', creditTransfers: [{ accountId: '1234567890' }] } })),
    ).toEqual(['DK-R-006 /payment/creditTransfers/0/serviceProviderId']);
    expect(findings(danish({ payment: { meansCode: '31' } }))).toEqual(['DK-R-006 /payment/creditTransfers']);
  });

  it('DK-R-007: a direct debit gives the mandate and the debited account', () => {
    const mandate = { mandateReference: 'M-1', debitedAccountId: '1234567890' };
    expect(findings(danish({ payment: { meansCode: '49', directDebit: mandate } }))).toEqual([]);
    expect(
      findings(danish({ payment: { meansCode: '49', directDebit: { mandateReference: 'M-1' } } })),
    ).toEqual(['DK-R-007 /payment/directDebit/debitedAccountId']);
  });

  it('DK-R-007 on a CII document: the mandate and the creditor identifier, judged on the XML', () => {
    const settlement = (
      inside: string,
      creditor = '<ram:CreditorReferenceID>DK-C-1</ram:CreditorReferenceID>',
    ) =>
      '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" ' +
      'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">' +
      '<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>' +
      '<ram:SellerTradeParty><ram:PostalTradeAddress><ram:CountryID>DK</ram:CountryID></ram:PostalTradeAddress></ram:SellerTradeParty>' +
      '<ram:BuyerTradeParty><ram:PostalTradeAddress><ram:CountryID>DK</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>' +
      `</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeSettlement>${creditor}${inside}` +
      '</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>';
    const means = (terms = '') =>
      `<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>49</ram:TypeCode>${terms}</ram:SpecifiedTradeSettlementPaymentMeans>`;
    const terms = (mandate: string) =>
      `<ram:SpecifiedTradePaymentTerms><ram:DirectDebitMandateID>${mandate}</ram:DirectDebitMandateID></ram:SpecifiedTradePaymentTerms>`;
    const cii = (xml: string, invoice: HeldInvoice = danish()) => {
      const source = { root: parseXmlTree(xml), syntax: 'cii' as const };
      return runRules([peppolDenmark, peppolDenmarkCii], { invoice, source })
        .filter((p) => p.code === 'DK-R-007')
        .map((p) => p.location?.xpath);
    };
    const MEANS =
      '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementPaymentMeans';
    // where PEPPOL's CII artefact looks for the mandate, and where EN 16931's CII binding puts BT-89
    expect(cii(settlement(means(terms('M-1'))))).toEqual([]);
    expect(cii(settlement(means() + terms('M-1')))).toEqual([]);
    expect(cii(settlement(means(terms(' '))))).toEqual([MEANS]);
    expect(cii(settlement(means(terms('M-1')), ''))).toEqual([MEANS]);
    // the canonical rule's UBL binding (BT-91) is not asked of a CII document
    const withoutAccount = danish({ payment: { meansCode: '49', directDebit: { mandateReference: 'M-1' } } });
    expect(cii(settlement(means(terms('M-1'))), withoutAccount)).toEqual([]);
    // between a Danish seller and a buyer elsewhere the rule does not apply
    expect(cii(settlement(means()).replace(/(BuyerTradeParty>.*?CountryID>)DK/, '$1NO'))).toEqual([]);
  });

  it('DK-R-008, DK-R-009: a Giro payment has a card type, its instruction id and a 7 or 8 digit account', () => {
    const giro = (reference: string, accountId?: string) =>
      danish({
        payment: {
          meansCode: '50',
          remittanceInformation: reference,
          ...(accountId === undefined ? {} : { creditTransfers: [{ accountId }] }),
        },
      });
    expect(findings(giro('04#1234567890123456', '1234567'))).toEqual([]);
    expect(findings(giro('01#text text', '12345678'))).toEqual([]);
    expect(findings(giro('35#1234567890123456', '1234567'))).toEqual([
      'DK-R-008 /payment/remittanceInformation',
    ]);
    expect(findings(giro('15#1234567890123456', '123456789'))).toEqual([
      'DK-R-008 /payment/creditTransfers/0/accountId',
    ]);
    expect(findings(giro('15#1234567890123456'))).toEqual(['DK-R-008 /payment/creditTransfers/0/accountId']);
    expect(findings(giro('04#123456789012345', '1234567'))).toEqual([
      'DK-R-009 /payment/remittanceInformation',
    ]);
  });

  it('DK-R-010, DK-R-011: a FIK payment has a card type, its instruction id and an 8 character creditor number', () => {
    const fik = (reference: string, accountId: string) =>
      danish({
        payment: { meansCode: '93', remittanceInformation: reference, creditTransfers: [{ accountId }] },
      });
    expect(findings(fik('71#123456789012345', '12345678'))).toEqual([]);
    expect(findings(fik('73#1', '12345678'))).toEqual([]);
    expect(findings(fik('54#1234567890123456', '12345678'))).toEqual([
      'DK-R-010 /payment/remittanceInformation',
    ]);
    expect(findings(fik('73#1234567890123456', '1234567'))).toEqual([
      'DK-R-010 /payment/creditTransfers/0/accountId',
    ]);
    expect(findings(fik('75#12345678901234', '12345678'))).toEqual([
      'DK-R-011 /payment/remittanceInformation',
    ]);
  });
});

describe('lines, allowances and charges between Danish parties', () => {
  const line = (classifications: Array<{ id: string; scheme: string; version?: string }>) => ({
    id: '1',
    item: { name: 'Item', classifications },
  });

  it('DK-R-003: a UNSPSC classification should name version 19.05.01 or 26.08.01 (a warning)', () => {
    expect(
      findings(danish({ lines: [line([{ id: '22334455', scheme: 'TST', version: '26.0801' }])] })),
    ).toEqual([]);
    expect(
      findings(danish({ lines: [line([{ id: '22334455', scheme: 'STI', version: '7.0501' }])] })),
    ).toEqual([]);
    expect(
      findings(danish({ lines: [line([{ id: '22334455', scheme: 'TST', version: '7.0501' }])] })),
    ).toEqual(['warning DK-R-003 /lines/0/item/classifications']);
  });

  it('DK-R-004: a non-VAT tax (reason code ZZZ) names its 4-digit tax category or a text with an inner #', () => {
    const charge = (reason?: string) => ({
      amount: '157.50',
      vatCategory: 'S',
      vatRate: '25',
      reasonCode: 'ZZZ',
      ...(reason === undefined ? {} : { reason }),
    });
    expect(findings(danish({ charges: [charge('3645'), charge('3645#1223')] }))).toEqual([]);
    expect(findings(danish({ charges: [charge('123456test'), charge()] }))).toEqual([
      'DK-R-004 /charges/0/reason',
      'DK-R-004 /charges/1/reason',
    ]);
    expect(
      findings(danish({ lines: [{ id: '1', allowances: [{ reasonCode: 'ZZZ', reason: '#12' }] }] })),
    ).toEqual(['DK-R-004 /lines/0/allowances/0/reason']);
    expect(
      findings(danish({ allowances: [{ reasonCode: '95', reason: 'Discount', vatCategory: 'S' }] })),
    ).toEqual([]);
  });
});

describe('a credit note between Danish parties (DK-R-016)', () => {
  it('has no negative amount due', () => {
    const note = (payable: string, typeCode = '381') => danish({ typeCode, totals: { payable } });
    expect(findings(note('1619.00'))).toEqual([]);
    expect(findings(note('-1619.00', '380'))).toEqual([]);
    expect(findings(note('-1619.00'))).toEqual(['DK-R-016 /totals/payable']);
  });
});
