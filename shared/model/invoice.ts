/**
 * The canonical invoice the ERP sends (see shared/model/schemas/invoice.schema.json, the authority).
 * Amounts are decimal strings or numbers; the service computes with exact decimals.
 */
export type Amount = string | number;

export interface Address {
  street?: string;
  additionalStreet?: string;
  city?: string;
  postalCode?: string;
  subdivision?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface Party {
  name: string;
  tradingName?: string;
  vatId?: string;
  legalId?: string;
  /** Electronic address (BT-34 / BT-49): scheme from the EAS code list, e.g. 0088 (GLN), 9930 (DE VAT). */
  endpoint: { scheme: string; id: string };
  address: Address;
  contact?: { name?: string; phone?: string; email?: string };
}

export type VatCategory = 'S' | 'Z' | 'E' | 'AE' | 'K' | 'G' | 'O' | 'L' | 'M';

export interface InvoiceLine {
  id: string;
  quantity: Amount;
  /** UN/ECE Recommendation 20 unit code, e.g. C62 (one), HUR (hour). */
  unitCode: string;
  /** Net price per unit, before VAT. */
  price: Amount;
  name: string;
  description?: string;
  sellerItemId?: string;
  note?: string;
  vat: { category: VatCategory; rate?: Amount; exemptionReason?: string };
}

export interface CanonicalInvoice {
  id: string;
  /** UNTDID 1001: 380 invoice, 381 credit note, 384 corrected, 389 self-billed, 751 … */
  typeCode: string;
  issueDate: string;
  dueDate?: string;
  currency: string;
  buyerReference?: string;
  orderReference?: string;
  note?: string;
  precedingInvoice?: { id: string; issueDate?: string };
  seller: Party;
  buyer: Party;
  payment?: { meansCode: string; iban?: string; bic?: string; accountName?: string; remittance?: string };
  paymentTerms?: string;
  lines: InvoiceLine[];
}
