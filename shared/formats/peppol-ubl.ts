import type { CanonicalInvoice, Party } from '../model/invoice';
import { computeTotals } from '../model/totals';
import { dec, format } from '../util/decimal';
import type { OutputFormat } from './format';
import { XmlWriter } from './xml-writer';

const NS = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

const PEPPOL_CUSTOMIZATION = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
const PEPPOL_PROFILE = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

/** Credit note type codes (UNTDID 1001) rendered as a UBL CreditNote. */
const CREDIT_NOTE_TYPES = new Set(['381', '396', '532']);

function party(w: XmlWriter, p: Party): void {
  w.open('cac:Party');
  w.leaf('cbc:EndpointID', p.endpoint.id, { schemeID: p.endpoint.scheme });
  w.group('cac:PartyName', p.tradingName, () => w.leaf('cbc:Name', p.tradingName));
  w.open('cac:PostalAddress');
  w.leaf('cbc:StreetName', p.address.street);
  w.leaf('cbc:AdditionalStreetName', p.address.additionalStreet);
  w.leaf('cbc:CityName', p.address.city);
  w.leaf('cbc:PostalZone', p.address.postalCode);
  w.leaf('cbc:CountrySubentity', p.address.subdivision);
  w.open('cac:Country').leaf('cbc:IdentificationCode', p.address.country).close('cac:Country');
  w.close('cac:PostalAddress');
  w.group('cac:PartyTaxScheme', p.vatId, () => {
    w.leaf('cbc:CompanyID', p.vatId);
    w.open('cac:TaxScheme').leaf('cbc:ID', 'VAT').close('cac:TaxScheme');
  });
  w.open('cac:PartyLegalEntity');
  w.leaf('cbc:RegistrationName', p.name);
  w.leaf('cbc:CompanyID', p.legalId);
  w.close('cac:PartyLegalEntity');
  w.group('cac:Contact', p.contact, () => {
    w.leaf('cbc:Name', p.contact?.name);
    w.leaf('cbc:Telephone', p.contact?.phone);
    w.leaf('cbc:ElectronicMail', p.contact?.email);
  });
  w.close('cac:Party');
}

/**
 * PEPPOL BIS Billing 3.0 (UBL 2.1 Invoice and CreditNote), written directly as text in schema order.
 * Amounts are computed from the lines with exact decimals (see computeTotals).
 */
export function renderPeppolUbl(invoice: CanonicalInvoice): string {
  const creditNote = CREDIT_NOTE_TYPES.has(invoice.typeCode);
  const root = creditNote ? 'CreditNote' : 'Invoice';
  const lineName = creditNote ? 'cac:CreditNoteLine' : 'cac:InvoiceLine';
  const quantityName = creditNote ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity';
  const totals = computeTotals(invoice);
  const currency = { currencyID: invoice.currency };
  const money = (value: bigint) => format(value, 2);
  const w = new XmlWriter();
  w.open(root, { xmlns: creditNote ? NS.creditNote : NS.invoice, 'xmlns:cac': NS.cac, 'xmlns:cbc': NS.cbc });
  w.leaf('cbc:CustomizationID', PEPPOL_CUSTOMIZATION);
  w.leaf('cbc:ProfileID', PEPPOL_PROFILE);
  w.leaf('cbc:ID', invoice.id);
  w.leaf('cbc:IssueDate', invoice.issueDate);
  if (!creditNote) w.leaf('cbc:DueDate', invoice.dueDate);
  w.leaf(creditNote ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode', invoice.typeCode);
  w.leaf('cbc:Note', invoice.note);
  w.leaf('cbc:DocumentCurrencyCode', invoice.currency);
  w.leaf('cbc:BuyerReference', invoice.buyerReference);
  w.group('cac:OrderReference', invoice.orderReference, () => w.leaf('cbc:ID', invoice.orderReference));
  w.group('cac:BillingReference', invoice.precedingInvoice, () => {
    w.open('cac:InvoiceDocumentReference');
    w.leaf('cbc:ID', invoice.precedingInvoice?.id);
    w.leaf('cbc:IssueDate', invoice.precedingInvoice?.issueDate);
    w.close('cac:InvoiceDocumentReference');
  });
  w.open('cac:AccountingSupplierParty');
  party(w, invoice.seller);
  w.close('cac:AccountingSupplierParty');
  w.open('cac:AccountingCustomerParty');
  party(w, invoice.buyer);
  w.close('cac:AccountingCustomerParty');
  const payment = invoice.payment;
  w.group('cac:PaymentMeans', payment, () => {
    w.leaf('cbc:PaymentMeansCode', payment?.meansCode);
    if (creditNote) w.leaf('cbc:PaymentDueDate', invoice.dueDate);
    w.leaf('cbc:PaymentID', payment?.remittance);
    w.group('cac:PayeeFinancialAccount', payment?.iban, () => {
      w.leaf('cbc:ID', payment?.iban);
      w.leaf('cbc:Name', payment?.accountName);
      w.group('cac:FinancialInstitutionBranch', payment?.bic, () => w.leaf('cbc:ID', payment?.bic));
    });
  });
  w.group('cac:PaymentTerms', invoice.paymentTerms, () => w.leaf('cbc:Note', invoice.paymentTerms));
  w.open('cac:TaxTotal');
  w.leaf('cbc:TaxAmount', money(totals.tax), currency);
  for (const group of totals.breakdown) {
    w.open('cac:TaxSubtotal');
    w.leaf('cbc:TaxableAmount', money(group.taxable), currency);
    w.leaf('cbc:TaxAmount', money(group.tax), currency);
    w.open('cac:TaxCategory');
    w.leaf('cbc:ID', group.category);
    w.leaf('cbc:Percent', group.rate === undefined ? undefined : format(group.rate));
    w.leaf('cbc:TaxExemptionReason', group.exemptionReason);
    w.open('cac:TaxScheme').leaf('cbc:ID', 'VAT').close('cac:TaxScheme');
    w.close('cac:TaxCategory');
    w.close('cac:TaxSubtotal');
  }
  w.close('cac:TaxTotal');
  w.open('cac:LegalMonetaryTotal');
  w.leaf('cbc:LineExtensionAmount', money(totals.lineExtension), currency);
  w.leaf('cbc:TaxExclusiveAmount', money(totals.taxExclusive), currency);
  w.leaf('cbc:TaxInclusiveAmount', money(totals.taxInclusive), currency);
  w.leaf('cbc:PayableAmount', money(totals.payable), currency);
  w.close('cac:LegalMonetaryTotal');
  invoice.lines.forEach((line, index) => {
    w.open(lineName);
    w.leaf('cbc:ID', line.id);
    w.leaf('cbc:Note', line.note);
    w.leaf(quantityName, format(dec(line.quantity)), { unitCode: line.unitCode });
    w.leaf('cbc:LineExtensionAmount', money(totals.lines[index]!.net), currency);
    w.open('cac:Item');
    w.leaf('cbc:Description', line.description);
    w.leaf('cbc:Name', line.name);
    w.group('cac:SellersItemIdentification', line.sellerItemId, () => w.leaf('cbc:ID', line.sellerItemId));
    w.open('cac:ClassifiedTaxCategory');
    w.leaf('cbc:ID', line.vat.category);
    w.leaf('cbc:Percent', line.vat.category === 'O' ? undefined : format(dec(line.vat.rate ?? 0)));
    w.open('cac:TaxScheme').leaf('cbc:ID', 'VAT').close('cac:TaxScheme');
    w.close('cac:ClassifiedTaxCategory');
    w.close('cac:Item');
    w.open('cac:Price')
      .leaf('cbc:PriceAmount', format(dec(line.price)), currency)
      .close('cac:Price');
    w.close(lineName);
  });
  w.close(root);
  return w.toString();
}

export const peppolBis3Ubl: OutputFormat = {
  id: 'peppol-bis3-ubl',
  description: 'PEPPOL BIS Billing 3.0, UBL 2.1 Invoice / CreditNote',
  contentType: 'application/xml',
  extension: 'xml',
  render: renderPeppolUbl,
};
