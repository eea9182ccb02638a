import { invalidInput } from '../errors';
import { ajv, toProblems } from '../validation/schema';

/**
 * The company's own party data: the buyer of the vendor invoices it receives. The transfer model has no
 * buyer fields (only `company_id`), so a transfer document made a canonical invoice takes its buyer from
 * here.
 */
export interface CompanyParty {
  /** BT-44 Buyer name. */
  name?: string;
  /** BT-48 Buyer VAT identifier. */
  vatId?: string;
  /** BG-8 Buyer postal address; `country` is an ISO 3166-1 alpha-2 code. */
  address?: { street?: string; city?: string; postalCode?: string; country?: string };
}

/**
 * A company's edoc invoice cockpit setup (per tenant and company, in the tenant configuration): what makes
 * setup-dependent fields mandatory and how documents are posted in Business Central.
 */
export interface CompanySetup {
  /** Only documents whose `company_id` is this one are imported. */
  companyId: string;
  /** BC's "Ext. Doc. No. Mandatory" (Purchases & Payables Setup): `external_number` is required. */
  extDocNoMandatory?: boolean;
  /** "Posting date" on the cockpit setup: which field gives the posting date (and is then required). */
  postingDateSource?: 'posting_date' | 'performance_date';
  /** "Documenttype cost acc.": invoices without order reference become a purchase invoice or journal lines. */
  costDocumentType?: 'purchase_invoice' | 'posting_journal';
  /** "Dimension 1 code" … "Dimension 8 code"; index 0 = Dimension 1 (cost_center), 1 = Dimension 2 (cost_object). */
  dimensionCodes?: Array<string | null>;
  /** "Overwrite description with posting text": `posting_text` becomes the line's Description. */
  overwriteDescriptionWithPostingText?: boolean;
  /** "Treat commercial invoice as cost invoice": invoices with order reference are posted as cost invoices. */
  treatCommercialInvoiceAsCostInvoice?: boolean;
  /** "Distribute charge (item) manually": off, charges are assigned by `item_charge_distribution_type`. */
  distributeItemChargeManually?: boolean;
  /** Fields BC marks mandatory are required (the dimension values of the configured dimensions). */
  enforceBcMandatoryFields?: boolean;
  /** The company's id in BC's API (`companies({id})`, a GUID); default `companyId`. */
  bcCompanyId?: string;
  /** Vendor numbers in BC by the vendor's VAT id or identifier, for documents converted from UBL/CII. */
  vendorNumbers?: Record<string, string>;
  /** The company's name, VAT id and address: the buyer when a transfer document becomes a canonical invoice. */
  company?: CompanyParty;
}

export const COMPANY_SETUP_SCHEMA = {
  type: 'object',
  required: ['companyId'],
  additionalProperties: false,
  properties: {
    companyId: { type: 'string', minLength: 1 },
    bcCompanyId: { type: 'string', pattern: '^[^()/]+$' },
    extDocNoMandatory: { type: 'boolean' },
    postingDateSource: { enum: ['posting_date', 'performance_date'] },
    costDocumentType: { enum: ['purchase_invoice', 'posting_journal'] },
    dimensionCodes: { type: 'array', maxItems: 8, items: { type: ['string', 'null'] } },
    overwriteDescriptionWithPostingText: { type: 'boolean' },
    treatCommercialInvoiceAsCostInvoice: { type: 'boolean' },
    distributeItemChargeManually: { type: 'boolean' },
    enforceBcMandatoryFields: { type: 'boolean' },
    vendorNumbers: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    company: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        vatId: { type: 'string', minLength: 1 },
        address: {
          type: 'object',
          additionalProperties: false,
          properties: {
            street: { type: 'string' },
            city: { type: 'string' },
            postalCode: { type: 'string' },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
          },
        },
      },
    },
  },
} as const;

/** Checks a setup; problems carry their JSON path. */
export function parseCompanySetup(value: unknown, source = 'setup'): CompanySetup {
  const validate = ajv().compile<CompanySetup>(COMPANY_SETUP_SCHEMA);
  if (!validate(value))
    throw invalidInput(
      'edoc.invalid-setup',
      `${source} is not a valid company setup`,
      toProblems(validate.errors),
    );
  return value;
}

/** Defaults of the cockpit: posting date from `posting_date`, cost invoices as purchase invoices. */
export function withDefaults(
  setup: CompanySetup,
): Required<Omit<CompanySetup, 'vendorNumbers' | 'company'>> &
  Pick<CompanySetup, 'vendorNumbers' | 'company'> {
  return {
    bcCompanyId: setup.companyId,
    extDocNoMandatory: false,
    postingDateSource: 'posting_date',
    costDocumentType: 'purchase_invoice',
    dimensionCodes: [],
    overwriteDescriptionWithPostingText: false,
    treatCommercialInvoiceAsCostInvoice: false,
    distributeItemChargeManually: false,
    enforceBcMandatoryFields: false,
    ...setup,
  };
}
