import { EInvoiceError } from '../errors';
import { calculate, type ComputedTotals } from '../model/calculation';
import type {
  Address,
  AllowanceCharge,
  CanonicalInvoice,
  Identifier,
  InvoiceLine,
  LineAllowanceCharge,
} from '../model/invoice';
import { CREDIT_NOTE_TYPES } from '../model/rules';
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

type Amountish = string | number | bigint;

/**
 * PEPPOL BIS Billing 3.0 (UBL 2.1 Invoice and CreditNote), written directly as text in schema order.
 * The figures come from `calculate` (fill mode): a document whose figures are inconsistent is refused
 * rather than rendered.
 */
export function renderPeppolUbl(source: CanonicalInvoice): string {
  const { invoice, totals, problems } = calculate(source, 'fill');
  if (problems.length > 0) {
    throw new EInvoiceError(
      'transform.inconsistent',
      `The invoice's figures are inconsistent (${problems.length} problems)`,
      {
        details: problems,
      },
    );
  }
  return new UblWriter(invoice, totals).render();
}

class UblWriter {
  private readonly w = new XmlWriter();
  private readonly creditNote: boolean;
  private readonly currency: { currencyID: string };

  constructor(
    private readonly invoice: CanonicalInvoice,
    private readonly totals: ComputedTotals,
  ) {
    this.creditNote = CREDIT_NOTE_TYPES.has(invoice.typeCode);
    this.currency = { currencyID: invoice.currency };
  }

  private amount(name: string, value: Amountish | undefined): void {
    if (value === undefined) return;
    this.w.leaf(name, format(typeof value === 'bigint' ? value : dec(value), 2), this.currency);
  }

  private id(name: string, identifier: Identifier | undefined, schemeAttribute = 'schemeID'): void {
    if (identifier) this.w.leaf(name, identifier.id, { [schemeAttribute]: identifier.scheme });
  }

  render(): string {
    const { w, invoice: inv, creditNote } = this;
    const root = creditNote ? 'CreditNote' : 'Invoice';
    w.open(root, {
      xmlns: creditNote ? NS.creditNote : NS.invoice,
      'xmlns:cac': NS.cac,
      'xmlns:cbc': NS.cbc,
    });
    w.leaf('cbc:CustomizationID', PEPPOL_CUSTOMIZATION);
    w.leaf('cbc:ProfileID', inv.process?.businessProcess ?? PEPPOL_PROFILE);
    w.leaf('cbc:ID', inv.id);
    w.leaf('cbc:IssueDate', inv.issueDate);
    if (creditNote) {
      w.leaf('cbc:TaxPointDate', inv.taxPointDate);
      w.leaf('cbc:CreditNoteTypeCode', inv.typeCode);
    } else {
      w.leaf('cbc:DueDate', inv.dueDate);
      w.leaf('cbc:InvoiceTypeCode', inv.typeCode);
    }
    for (const note of inv.notes ?? [])
      w.leaf('cbc:Note', note.subjectCode ? `#${note.subjectCode}#${note.text}` : note.text);
    if (!creditNote) w.leaf('cbc:TaxPointDate', inv.taxPointDate);
    w.leaf('cbc:DocumentCurrencyCode', inv.currency);
    w.leaf('cbc:TaxCurrencyCode', inv.vatAccountingCurrency);
    w.leaf('cbc:AccountingCost', inv.buyerAccountingReference);
    w.leaf('cbc:BuyerReference', inv.buyerReference);
    w.group('cac:InvoicePeriod', inv.invoicingPeriod || inv.vatPointDateCode, () => {
      w.leaf('cbc:StartDate', inv.invoicingPeriod?.start);
      w.leaf('cbc:EndDate', inv.invoicingPeriod?.end);
      w.leaf('cbc:DescriptionCode', inv.vatPointDateCode);
    });
    w.group('cac:OrderReference', inv.orderReference || inv.salesOrderReference, () => {
      w.leaf('cbc:ID', inv.orderReference ?? 'NA');
      w.leaf('cbc:SalesOrderID', inv.salesOrderReference);
    });
    for (const preceding of inv.precedingInvoices ?? []) {
      w.open('cac:BillingReference').open('cac:InvoiceDocumentReference');
      w.leaf('cbc:ID', preceding.id);
      w.leaf('cbc:IssueDate', preceding.issueDate);
      w.close('cac:InvoiceDocumentReference').close('cac:BillingReference');
    }
    w.group('cac:DespatchDocumentReference', inv.despatchAdviceReference, () =>
      w.leaf('cbc:ID', inv.despatchAdviceReference),
    );
    w.group('cac:ReceiptDocumentReference', inv.receivingAdviceReference, () =>
      w.leaf('cbc:ID', inv.receivingAdviceReference),
    );
    if (!creditNote) this.originatorAndContract();
    if (creditNote) this.contractThenDocuments();
    else this.additionalDocuments();
    if (!creditNote)
      w.group('cac:ProjectReference', inv.projectReference, () => w.leaf('cbc:ID', inv.projectReference));
    if (creditNote)
      w.group('cac:OriginatorDocumentReference', inv.tenderReference, () =>
        w.leaf('cbc:ID', inv.tenderReference),
      );
    this.supplier();
    this.customer();
    this.payee();
    this.taxRepresentative();
    this.delivery();
    this.paymentMeans();
    w.group('cac:PaymentTerms', inv.paymentTerms, () => w.leaf('cbc:Note', inv.paymentTerms));
    (inv.allowances ?? []).forEach((a, i) => this.allowanceCharge(a, false, this.totals.allowances[i]));
    (inv.charges ?? []).forEach((c, i) => this.allowanceCharge(c, true, this.totals.charges[i]));
    this.taxTotals();
    this.monetaryTotal();
    inv.lines.forEach((line, i) => this.line(line, i));
    w.close(root);
    return w.toString();
  }

  private originatorAndContract(): void {
    const { w, invoice: inv } = this;
    w.group('cac:OriginatorDocumentReference', inv.tenderReference, () =>
      w.leaf('cbc:ID', inv.tenderReference),
    );
    w.group('cac:ContractDocumentReference', inv.contractReference, () =>
      w.leaf('cbc:ID', inv.contractReference),
    );
  }

  private contractThenDocuments(): void {
    const { w, invoice: inv } = this;
    w.group('cac:ContractDocumentReference', inv.contractReference, () =>
      w.leaf('cbc:ID', inv.contractReference),
    );
    this.additionalDocuments();
    // UBL 2.1 CreditNote has no ProjectReference: PEPPOL carries BT-11 as a document reference of type 50.
    w.group('cac:AdditionalDocumentReference', inv.projectReference, () => {
      w.leaf('cbc:ID', inv.projectReference);
      w.leaf('cbc:DocumentTypeCode', '50');
    });
  }

  private additionalDocuments(): void {
    const { w, invoice: inv } = this;
    w.group('cac:AdditionalDocumentReference', inv.invoicedObject, () => {
      this.id('cbc:ID', inv.invoicedObject);
      w.leaf('cbc:DocumentTypeCode', '130');
    });
    for (const doc of inv.attachments ?? []) {
      w.open('cac:AdditionalDocumentReference');
      w.leaf('cbc:ID', doc.id);
      w.leaf('cbc:DocumentDescription', doc.description);
      w.group('cac:Attachment', doc.content || doc.externalUri, () => {
        if (doc.content) {
          w.leaf('cbc:EmbeddedDocumentBinaryObject', doc.content.base64, {
            mimeCode: doc.content.mimeCode,
            filename: doc.content.filename,
          });
        }
        w.group('cac:ExternalReference', doc.externalUri, () => w.leaf('cbc:URI', doc.externalUri));
      });
      w.close('cac:AdditionalDocumentReference');
    }
  }

  private address(name: string, address: Address | undefined): void {
    const { w } = this;
    w.group(name, address, () => {
      w.leaf('cbc:StreetName', address!.street);
      w.leaf('cbc:AdditionalStreetName', address!.additionalStreet);
      w.leaf('cbc:CityName', address!.city);
      w.leaf('cbc:PostalZone', address!.postalCode);
      w.leaf('cbc:CountrySubentity', address!.subdivision);
      w.group('cac:AddressLine', address!.addressLine3, () => w.leaf('cbc:Line', address!.addressLine3));
      w.open('cac:Country').leaf('cbc:IdentificationCode', address!.country).close('cac:Country');
    });
  }

  private vatScheme(companyId: string | undefined, scheme = 'VAT'): void {
    const { w } = this;
    w.group('cac:PartyTaxScheme', companyId, () => {
      w.leaf('cbc:CompanyID', companyId);
      w.open('cac:TaxScheme').leaf('cbc:ID', scheme).close('cac:TaxScheme');
    });
  }

  private supplier(): void {
    const { w, invoice: inv } = this;
    const seller = inv.seller;
    w.open('cac:AccountingSupplierParty').open('cac:Party');
    w.leaf('cbc:EndpointID', seller.endpoint?.id, { schemeID: seller.endpoint?.scheme });
    for (const identifier of seller.identifiers ?? []) {
      w.open('cac:PartyIdentification');
      this.id('cbc:ID', identifier);
      w.close('cac:PartyIdentification');
    }
    w.group('cac:PartyIdentification', inv.payment?.directDebit?.creditorId, () =>
      w.leaf('cbc:ID', inv.payment?.directDebit?.creditorId, { schemeID: 'SEPA' }),
    );
    w.group('cac:PartyName', seller.tradingName, () => w.leaf('cbc:Name', seller.tradingName));
    this.address('cac:PostalAddress', seller.address);
    this.vatScheme(seller.vatId);
    this.vatScheme(seller.taxRegistrationId, 'FC');
    w.open('cac:PartyLegalEntity');
    w.leaf('cbc:RegistrationName', seller.name);
    this.id('cbc:CompanyID', seller.legalRegistration);
    w.leaf('cbc:CompanyLegalForm', seller.additionalLegalInfo);
    w.close('cac:PartyLegalEntity');
    this.contact(seller.contact);
    w.close('cac:Party').close('cac:AccountingSupplierParty');
  }

  private customer(): void {
    const { w, invoice: inv } = this;
    const buyer = inv.buyer;
    w.open('cac:AccountingCustomerParty').open('cac:Party');
    w.leaf('cbc:EndpointID', buyer.endpoint?.id, { schemeID: buyer.endpoint?.scheme });
    w.group('cac:PartyIdentification', buyer.identifier, () => this.id('cbc:ID', buyer.identifier));
    w.group('cac:PartyName', buyer.tradingName, () => w.leaf('cbc:Name', buyer.tradingName));
    this.address('cac:PostalAddress', buyer.address);
    this.vatScheme(buyer.vatId);
    w.open('cac:PartyLegalEntity');
    w.leaf('cbc:RegistrationName', buyer.name);
    this.id('cbc:CompanyID', buyer.legalRegistration);
    w.close('cac:PartyLegalEntity');
    this.contact(buyer.contact);
    w.close('cac:Party').close('cac:AccountingCustomerParty');
  }

  private contact(contact: { name?: string; phone?: string; email?: string } | undefined): void {
    const { w } = this;
    w.group('cac:Contact', contact && (contact.name || contact.phone || contact.email), () => {
      w.leaf('cbc:Name', contact!.name);
      w.leaf('cbc:Telephone', contact!.phone);
      w.leaf('cbc:ElectronicMail', contact!.email);
    });
  }

  private payee(): void {
    const { w, invoice: inv } = this;
    const payee = inv.payee;
    w.group('cac:PayeeParty', payee, () => {
      w.group('cac:PartyIdentification', payee!.identifier, () => this.id('cbc:ID', payee!.identifier));
      w.open('cac:PartyName').leaf('cbc:Name', payee!.name).close('cac:PartyName');
      w.group('cac:PartyLegalEntity', payee!.legalRegistration, () =>
        this.id('cbc:CompanyID', payee!.legalRegistration),
      );
    });
  }

  private taxRepresentative(): void {
    const { w, invoice: inv } = this;
    const rep = inv.taxRepresentative;
    w.group('cac:TaxRepresentativeParty', rep, () => {
      w.open('cac:PartyName').leaf('cbc:Name', rep!.name).close('cac:PartyName');
      this.address('cac:PostalAddress', rep!.address);
      this.vatScheme(rep!.vatId);
    });
  }

  private delivery(): void {
    const { w, invoice: inv } = this;
    const delivery = inv.delivery;
    w.group('cac:Delivery', delivery, () => {
      w.leaf('cbc:ActualDeliveryDate', delivery!.date);
      w.group('cac:DeliveryLocation', delivery!.locationId || delivery!.address, () => {
        this.id('cbc:ID', delivery!.locationId);
        this.address('cac:Address', delivery!.address);
      });
      w.group('cac:DeliveryParty', delivery!.partyName, () =>
        w.open('cac:PartyName').leaf('cbc:Name', delivery!.partyName).close('cac:PartyName'),
      );
    });
  }

  private paymentMeans(): void {
    const { w, invoice: inv } = this;
    const payment = inv.payment;
    if (!payment) return;
    const accounts = payment.creditTransfers?.length ? payment.creditTransfers : [undefined];
    for (const account of accounts) {
      w.open('cac:PaymentMeans');
      w.leaf('cbc:PaymentMeansCode', payment.meansCode, { name: payment.meansText });
      if (this.creditNote) w.leaf('cbc:PaymentDueDate', inv.dueDate);
      w.leaf('cbc:PaymentID', payment.remittanceInformation);
      w.group('cac:CardAccount', payment.card, () => {
        w.leaf('cbc:PrimaryAccountNumberID', payment.card!.primaryAccountNumber);
        w.leaf('cbc:NetworkID', 'NA');
        w.leaf('cbc:HolderName', payment.card!.holderName);
      });
      w.group('cac:PayeeFinancialAccount', account, () => {
        w.leaf('cbc:ID', account!.accountId);
        w.leaf('cbc:Name', account!.accountName);
        w.group('cac:FinancialInstitutionBranch', account!.serviceProviderId, () =>
          w.leaf('cbc:ID', account!.serviceProviderId),
        );
      });
      const debit = payment.directDebit;
      w.group('cac:PaymentMandate', debit && (debit.mandateReference || debit.debitedAccountId), () => {
        w.leaf('cbc:ID', debit!.mandateReference);
        w.group('cac:PayerFinancialAccount', debit!.debitedAccountId, () =>
          w.leaf('cbc:ID', debit!.debitedAccountId),
        );
      });
      w.close('cac:PaymentMeans');
    }
  }

  private taxCategory(
    name: string,
    category: string,
    rate: Amountish | undefined,
    exemption?: { reason?: string; code?: string },
  ): void {
    const { w } = this;
    w.open(name);
    w.leaf('cbc:ID', category);
    w.leaf(
      'cbc:Percent',
      category === 'O' || rate === undefined
        ? undefined
        : format(typeof rate === 'bigint' ? rate : dec(rate)),
    );
    w.leaf('cbc:TaxExemptionReasonCode', exemption?.code);
    w.leaf('cbc:TaxExemptionReason', exemption?.reason);
    w.open('cac:TaxScheme').leaf('cbc:ID', 'VAT').close('cac:TaxScheme');
    w.close(name);
  }

  /** A document level (with its VAT category) or line level allowance or charge. */
  private allowanceCharge(
    entry: AllowanceCharge | LineAllowanceCharge,
    charge: boolean,
    amount: Amountish | undefined,
  ): void {
    const { w } = this;
    w.open('cac:AllowanceCharge');
    w.leaf('cbc:ChargeIndicator', charge ? 'true' : 'false');
    w.leaf('cbc:AllowanceChargeReasonCode', entry.reasonCode);
    w.leaf('cbc:AllowanceChargeReason', entry.reason);
    w.leaf(
      'cbc:MultiplierFactorNumeric',
      entry.percentage === undefined ? undefined : format(dec(entry.percentage)),
    );
    this.amount('cbc:Amount', amount);
    this.amount('cbc:BaseAmount', entry.baseAmount);
    if ('vatCategory' in entry) this.taxCategory('cac:TaxCategory', entry.vatCategory, entry.vatRate);
    w.close('cac:AllowanceCharge');
  }

  private taxTotals(): void {
    const { w, invoice: inv, totals } = this;
    w.open('cac:TaxTotal');
    this.amount('cbc:TaxAmount', totals.vat);
    for (const group of totals.breakdown) {
      w.open('cac:TaxSubtotal');
      this.amount('cbc:TaxableAmount', group.taxable);
      this.amount('cbc:TaxAmount', group.tax);
      this.taxCategory('cac:TaxCategory', group.category, group.rate, {
        reason: group.exemptionReason,
        code: group.exemptionReasonCode,
      });
      w.close('cac:TaxSubtotal');
    }
    w.close('cac:TaxTotal');
    const accounting = inv.totals?.vatInAccountingCurrency;
    if (inv.vatAccountingCurrency && accounting !== undefined) {
      w.open('cac:TaxTotal');
      w.leaf('cbc:TaxAmount', format(dec(accounting), 2), { currencyID: inv.vatAccountingCurrency });
      w.close('cac:TaxTotal');
    }
  }

  private monetaryTotal(): void {
    const { w, invoice: inv, totals } = this;
    w.open('cac:LegalMonetaryTotal');
    this.amount('cbc:LineExtensionAmount', totals.lineExtension);
    this.amount('cbc:TaxExclusiveAmount', totals.taxExclusive);
    this.amount('cbc:TaxInclusiveAmount', totals.taxInclusive);
    if (inv.allowances?.length) this.amount('cbc:AllowanceTotalAmount', totals.allowanceTotal);
    if (inv.charges?.length) this.amount('cbc:ChargeTotalAmount', totals.chargeTotal);
    this.amount('cbc:PrepaidAmount', inv.totals?.prepaid);
    this.amount('cbc:PayableRoundingAmount', inv.totals?.rounding);
    this.amount('cbc:PayableAmount', totals.payable);
    w.close('cac:LegalMonetaryTotal');
  }

  private line(line: InvoiceLine, index: number): void {
    const { w, creditNote } = this;
    const name = creditNote ? 'cac:CreditNoteLine' : 'cac:InvoiceLine';
    w.open(name);
    w.leaf('cbc:ID', line.id);
    w.leaf('cbc:Note', line.note);
    w.leaf(creditNote ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', format(dec(line.quantity)), {
      unitCode: line.unitCode,
    });
    this.amount('cbc:LineExtensionAmount', this.totals.lineNet[index]);
    w.leaf('cbc:AccountingCost', line.accountingReference);
    w.group('cac:InvoicePeriod', line.period, () => {
      w.leaf('cbc:StartDate', line.period!.start);
      w.leaf('cbc:EndDate', line.period!.end);
    });
    w.group('cac:OrderLineReference', line.orderLineReference, () =>
      w.leaf('cbc:LineID', line.orderLineReference),
    );
    w.group('cac:DocumentReference', line.object, () => {
      this.id('cbc:ID', line.object);
      w.leaf('cbc:DocumentTypeCode', '130');
    });
    for (const a of line.allowances ?? []) this.allowanceCharge(a, false, a.amount);
    for (const c of line.charges ?? []) this.allowanceCharge(c, true, c.amount);
    const item = line.item;
    w.open('cac:Item');
    w.leaf('cbc:Description', item.description);
    w.leaf('cbc:Name', item.name);
    w.group('cac:BuyersItemIdentification', item.buyerId, () => w.leaf('cbc:ID', item.buyerId));
    w.group('cac:SellersItemIdentification', item.sellerId, () => w.leaf('cbc:ID', item.sellerId));
    w.group('cac:StandardItemIdentification', item.standardId, () => this.id('cbc:ID', item.standardId));
    w.group('cac:OriginCountry', item.originCountry, () =>
      w.leaf('cbc:IdentificationCode', item.originCountry),
    );
    for (const c of item.classifications ?? []) {
      w.open('cac:CommodityClassification');
      w.leaf('cbc:ItemClassificationCode', c.id, { listID: c.scheme, listVersionID: c.version });
      w.close('cac:CommodityClassification');
    }
    this.taxCategory('cac:ClassifiedTaxCategory', line.vat.category, line.vat.rate);
    for (const attribute of item.attributes ?? []) {
      w.open('cac:AdditionalItemProperty')
        .leaf('cbc:Name', attribute.name)
        .leaf('cbc:Value', attribute.value)
        .close('cac:AdditionalItemProperty');
    }
    w.close('cac:Item');
    const price = line.price;
    w.open('cac:Price');
    w.leaf('cbc:PriceAmount', format(this.totals.lineNetPrice[index]!), this.currency);
    w.leaf(
      'cbc:BaseQuantity',
      price.baseQuantity === undefined ? undefined : format(dec(price.baseQuantity)),
      {
        unitCode: price.baseQuantityUnit,
      },
    );
    w.group('cac:AllowanceCharge', price.gross !== undefined, () => {
      w.leaf('cbc:ChargeIndicator', 'false');
      w.leaf('cbc:Amount', format(price.discount === undefined ? 0n : dec(price.discount)), this.currency);
      w.leaf('cbc:BaseAmount', format(dec(price.gross!)), this.currency);
    });
    w.close('cac:Price');
    w.close(name);
  }
}

export const peppolBis3Ubl: OutputFormat = {
  id: 'peppol-bis3-ubl',
  description: 'PEPPOL BIS Billing 3.0, UBL 2.1 Invoice / CreditNote',
  contentType: 'application/xml',
  extension: 'xml',
  render: renderPeppolUbl,
};
