/* Generated from shared/model/schemas/invoice.schema.json by `npm run generate`: do not edit. */

/**
 * ISO 8601 calendar date, YYYY-MM-DD.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "date".
 */
export type IsoDate = string;
/**
 * ISO 4217 currency code (the codes of BR-CL-04 and a few more).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "currency".
 */
export type CurrencyCode =
  | 'AED'
  | 'AFN'
  | 'ALL'
  | 'AMD'
  | 'ANG'
  | 'AOA'
  | 'ARS'
  | 'AUD'
  | 'AWG'
  | 'AZN'
  | 'BAM'
  | 'BBD'
  | 'BDT'
  | 'BGN'
  | 'BHD'
  | 'BIF'
  | 'BMD'
  | 'BND'
  | 'BOB'
  | 'BOV'
  | 'BRL'
  | 'BSD'
  | 'BTN'
  | 'BWP'
  | 'BYN'
  | 'BZD'
  | 'CAD'
  | 'CDF'
  | 'CHE'
  | 'CHF'
  | 'CHW'
  | 'CLF'
  | 'CLP'
  | 'CNH'
  | 'CNY'
  | 'COP'
  | 'COU'
  | 'CRC'
  | 'CUC'
  | 'CUP'
  | 'CVE'
  | 'CZK'
  | 'DJF'
  | 'DKK'
  | 'DOP'
  | 'DZD'
  | 'EGP'
  | 'ERN'
  | 'ETB'
  | 'EUR'
  | 'FJD'
  | 'FKP'
  | 'GBP'
  | 'GEL'
  | 'GHS'
  | 'GIP'
  | 'GMD'
  | 'GNF'
  | 'GTQ'
  | 'GYD'
  | 'HKD'
  | 'HNL'
  | 'HRK'
  | 'HTG'
  | 'HUF'
  | 'IDR'
  | 'ILS'
  | 'INR'
  | 'IQD'
  | 'IRR'
  | 'ISK'
  | 'JMD'
  | 'JOD'
  | 'JPY'
  | 'KES'
  | 'KGS'
  | 'KHR'
  | 'KMF'
  | 'KPW'
  | 'KRW'
  | 'KWD'
  | 'KYD'
  | 'KZT'
  | 'LAK'
  | 'LBP'
  | 'LKR'
  | 'LRD'
  | 'LSL'
  | 'LYD'
  | 'MAD'
  | 'MDL'
  | 'MGA'
  | 'MKD'
  | 'MMK'
  | 'MNT'
  | 'MOP'
  | 'MRU'
  | 'MUR'
  | 'MVR'
  | 'MWK'
  | 'MXN'
  | 'MXV'
  | 'MYR'
  | 'MZN'
  | 'NAD'
  | 'NGN'
  | 'NIO'
  | 'NOK'
  | 'NPR'
  | 'NZD'
  | 'OMR'
  | 'PAB'
  | 'PEN'
  | 'PGK'
  | 'PHP'
  | 'PKR'
  | 'PLN'
  | 'PYG'
  | 'QAR'
  | 'RON'
  | 'RSD'
  | 'RUB'
  | 'RWF'
  | 'SAR'
  | 'SBD'
  | 'SCR'
  | 'SDG'
  | 'SEK'
  | 'SGD'
  | 'SHP'
  | 'SLE'
  | 'SLL'
  | 'SOS'
  | 'SRD'
  | 'SSP'
  | 'STD'
  | 'STN'
  | 'SVC'
  | 'SYP'
  | 'SZL'
  | 'THB'
  | 'TJS'
  | 'TMT'
  | 'TND'
  | 'TOP'
  | 'TRY'
  | 'TTD'
  | 'TWD'
  | 'TZS'
  | 'UAH'
  | 'UGX'
  | 'USD'
  | 'USN'
  | 'UYI'
  | 'UYU'
  | 'UYW'
  | 'UZS'
  | 'VED'
  | 'VES'
  | 'VND'
  | 'VUV'
  | 'WST'
  | 'XAF'
  | 'XAG'
  | 'XAU'
  | 'XBA'
  | 'XBB'
  | 'XBC'
  | 'XBD'
  | 'XCD'
  | 'XCG'
  | 'XDR'
  | 'XOF'
  | 'XPD'
  | 'XPF'
  | 'XPT'
  | 'XSU'
  | 'XTS'
  | 'XUA'
  | 'XXX'
  | 'YER'
  | 'ZAR'
  | 'ZMW'
  | 'ZWG'
  | 'ZWL';
/**
 * ISO 3166-1 alpha-2 country code (with 1A Kosovo and XI Northern Ireland).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "country".
 */
export type CountryCode =
  | 'AD'
  | 'AE'
  | 'AF'
  | 'AG'
  | 'AI'
  | 'AL'
  | 'AM'
  | 'AO'
  | 'AQ'
  | 'AR'
  | 'AS'
  | 'AT'
  | 'AU'
  | 'AW'
  | 'AX'
  | 'AZ'
  | 'BA'
  | 'BB'
  | 'BD'
  | 'BE'
  | 'BF'
  | 'BG'
  | 'BH'
  | 'BI'
  | 'BJ'
  | 'BL'
  | 'BM'
  | 'BN'
  | 'BO'
  | 'BQ'
  | 'BR'
  | 'BS'
  | 'BT'
  | 'BV'
  | 'BW'
  | 'BY'
  | 'BZ'
  | 'CA'
  | 'CC'
  | 'CD'
  | 'CF'
  | 'CG'
  | 'CH'
  | 'CI'
  | 'CK'
  | 'CL'
  | 'CM'
  | 'CN'
  | 'CO'
  | 'CR'
  | 'CU'
  | 'CV'
  | 'CW'
  | 'CX'
  | 'CY'
  | 'CZ'
  | 'DE'
  | 'DJ'
  | 'DK'
  | 'DM'
  | 'DO'
  | 'DZ'
  | 'EC'
  | 'EE'
  | 'EG'
  | 'EH'
  | 'ER'
  | 'ES'
  | 'ET'
  | 'FI'
  | 'FJ'
  | 'FK'
  | 'FM'
  | 'FO'
  | 'FR'
  | 'GA'
  | 'GB'
  | 'GD'
  | 'GE'
  | 'GF'
  | 'GG'
  | 'GH'
  | 'GI'
  | 'GL'
  | 'GM'
  | 'GN'
  | 'GP'
  | 'GQ'
  | 'GR'
  | 'GS'
  | 'GT'
  | 'GU'
  | 'GW'
  | 'GY'
  | 'HK'
  | 'HM'
  | 'HN'
  | 'HR'
  | 'HT'
  | 'HU'
  | 'ID'
  | 'IE'
  | 'IL'
  | 'IM'
  | 'IN'
  | 'IO'
  | 'IQ'
  | 'IR'
  | 'IS'
  | 'IT'
  | 'JE'
  | 'JM'
  | 'JO'
  | 'JP'
  | 'KE'
  | 'KG'
  | 'KH'
  | 'KI'
  | 'KM'
  | 'KN'
  | 'KP'
  | 'KR'
  | 'KW'
  | 'KY'
  | 'KZ'
  | 'LA'
  | 'LB'
  | 'LC'
  | 'LI'
  | 'LK'
  | 'LR'
  | 'LS'
  | 'LT'
  | 'LU'
  | 'LV'
  | 'LY'
  | 'MA'
  | 'MC'
  | 'MD'
  | 'ME'
  | 'MF'
  | 'MG'
  | 'MH'
  | 'MK'
  | 'ML'
  | 'MM'
  | 'MN'
  | 'MO'
  | 'MP'
  | 'MQ'
  | 'MR'
  | 'MS'
  | 'MT'
  | 'MU'
  | 'MV'
  | 'MW'
  | 'MX'
  | 'MY'
  | 'MZ'
  | 'NA'
  | 'NC'
  | 'NE'
  | 'NF'
  | 'NG'
  | 'NI'
  | 'NL'
  | 'NO'
  | 'NP'
  | 'NR'
  | 'NU'
  | 'NZ'
  | 'OM'
  | 'PA'
  | 'PE'
  | 'PF'
  | 'PG'
  | 'PH'
  | 'PK'
  | 'PL'
  | 'PM'
  | 'PN'
  | 'PR'
  | 'PS'
  | 'PT'
  | 'PW'
  | 'PY'
  | 'QA'
  | 'RE'
  | 'RO'
  | 'RS'
  | 'RU'
  | 'RW'
  | 'SA'
  | 'SB'
  | 'SC'
  | 'SD'
  | 'SE'
  | 'SG'
  | 'SH'
  | 'SI'
  | 'SJ'
  | 'SK'
  | 'SL'
  | 'SM'
  | 'SN'
  | 'SO'
  | 'SR'
  | 'SS'
  | 'ST'
  | 'SV'
  | 'SX'
  | 'SY'
  | 'SZ'
  | 'TC'
  | 'TD'
  | 'TF'
  | 'TG'
  | 'TH'
  | 'TJ'
  | 'TK'
  | 'TL'
  | 'TM'
  | 'TN'
  | 'TO'
  | 'TR'
  | 'TT'
  | 'TV'
  | 'TW'
  | 'TZ'
  | 'UA'
  | 'UG'
  | 'UM'
  | 'US'
  | 'UY'
  | 'UZ'
  | 'VA'
  | 'VC'
  | 'VE'
  | 'VG'
  | 'VI'
  | 'VN'
  | 'VU'
  | 'WF'
  | 'WS'
  | 'YE'
  | 'YT'
  | 'ZA'
  | 'ZM'
  | 'ZW'
  | '1A'
  | 'XI';
/**
 * A decimal number, as a JSON number or a string (exact, with any number of decimals): 12.5 or "12.50". Amounts have at most two decimals by the rules BR-DEC-*, not by this type.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "decimal".
 */
export type Decimal = number | string;
/**
 * VAT category code (UNTDID 5305 subset): S standard, Z zero, E exempt, AE reverse charge, K intra-community supply, G export, O not subject to VAT, L Canary Islands IGIC, M Ceuta/Melilla IPSI, B transferred (Italy).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "vatCategory".
 */
export type VatCategoryCode = 'S' | 'Z' | 'E' | 'AE' | 'K' | 'G' | 'O' | 'L' | 'M' | 'B';

/**
 * The canonical business document (EN 16931 semantic model, invoices and credit notes). Each property names its business term (BT) or group (BG).
 */
export interface CanonicalInvoice {
  $schema?: string;
  /**
   * BT-1 Invoice number
   */
  id: string;
  /**
   * BT-2 Invoice issue date
   */
  issueDate: IsoDate;
  /**
   * BT-3 Invoice type code (UNTDID 1001): 380 commercial invoice, 381 credit note, 384 corrected invoice, 389 self-billed invoice, 386 prepayment invoice, 751 invoice information for accounting purposes, ...
   */
  typeCode:
    | '71'
    | '80'
    | '81'
    | '82'
    | '83'
    | '84'
    | '102'
    | '130'
    | '202'
    | '203'
    | '204'
    | '211'
    | '218'
    | '219'
    | '261'
    | '262'
    | '295'
    | '296'
    | '308'
    | '325'
    | '326'
    | '331'
    | '380'
    | '381'
    | '382'
    | '383'
    | '384'
    | '385'
    | '386'
    | '387'
    | '388'
    | '389'
    | '390'
    | '393'
    | '394'
    | '395'
    | '396'
    | '420'
    | '456'
    | '457'
    | '458'
    | '471'
    | '472'
    | '473'
    | '500'
    | '501'
    | '502'
    | '503'
    | '527'
    | '532'
    | '553'
    | '575'
    | '623'
    | '633'
    | '751'
    | '780'
    | '817'
    | '870'
    | '875'
    | '876'
    | '877'
    | '935';
  /**
   * BT-5 Invoice currency code
   */
  currency: CurrencyCode;
  /**
   * BT-6 VAT accounting currency code
   */
  vatAccountingCurrency?: CurrencyCode;
  /**
   * BT-7 Value added tax point date
   */
  taxPointDate?: IsoDate;
  /**
   * BT-8 Value added tax point date code (UNTDID 2005 subset): 3 invoice document issue date, 35 delivery date, 432 paid to date
   */
  vatPointDateCode?: '3' | '35' | '432';
  /**
   * BT-9 Payment due date
   */
  dueDate?: IsoDate;
  /**
   * BT-10 Buyer reference
   */
  buyerReference?: string;
  /**
   * BT-11 Project reference
   */
  projectReference?: string;
  /**
   * BT-12 Contract reference
   */
  contractReference?: string;
  /**
   * BT-13 Purchase order reference
   */
  orderReference?: string;
  /**
   * BT-14 Sales order reference
   */
  salesOrderReference?: string;
  /**
   * BT-15 Receiving advice reference
   */
  receivingAdviceReference?: string;
  /**
   * BT-16 Despatch advice reference
   */
  despatchAdviceReference?: string;
  /**
   * BT-17 Tender or lot reference
   */
  tenderReference?: string;
  /**
   * BT-18 Invoiced object identifier (with BT-18-1 scheme)
   */
  invoicedObject?: Identifier;
  /**
   * BT-19 Buyer accounting reference
   */
  buyerAccountingReference?: string;
  /**
   * BT-20 Payment terms
   */
  paymentTerms?: string;
  /**
   * BG-1 Invoice notes
   */
  notes?: Note[];
  process?: ProcessControl;
  /**
   * BG-3 Preceding invoice references
   */
  precedingInvoices?: PrecedingInvoice[];
  /**
   * BG-4 Seller
   */
  seller: Seller;
  /**
   * BG-7 Buyer
   */
  buyer: Buyer;
  payee?: Payee;
  taxRepresentative?: TaxRepresentative;
  delivery?: Delivery;
  /**
   * BG-14 Invoicing period (BT-73 start, BT-74 end)
   */
  invoicingPeriod?: Period;
  payment?: PaymentInstructions;
  /**
   * BG-20 Document level allowances
   */
  allowances?: AllowanceCharge[];
  /**
   * BG-21 Document level charges
   */
  charges?: AllowanceCharge[];
  totals?: DocumentTotals;
  /**
   * BG-23 VAT breakdown (computed when omitted; entries may carry only category, rate and exemption reason)
   */
  vatBreakdown?: VatBreakdown[];
  /**
   * BG-24 Additional supporting documents
   */
  attachments?: SupportingDocument[];
  /**
   * Values of another model kept as they are, by qualified name (an edoc transfer's map_field_* as edoc.map_field_dec2); no output format writes them
   */
  extensions?: {
    [k: string]: string | number | boolean;
  };
  /**
   * BG-25 Invoice lines
   *
   * @minItems 1
   */
  lines: InvoiceLine[];
}
/**
 * An identifier with an optional identification scheme (ISO 6523 ICD, or the scheme the term names).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "identifier".
 */
export interface Identifier {
  /**
   * The identifier.
   */
  id: string;
  /**
   * Identification scheme identifier.
   */
  scheme?: string;
}
/**
 * BG-1 Invoice note.
 */
export interface Note {
  /**
   * BT-21 Invoice note subject code (UNTDID 4451)
   */
  subjectCode?: string;
  /**
   * BT-22 Invoice note
   */
  text: string;
}
/**
 * BG-2 Process control.
 */
export interface ProcessControl {
  /**
   * BT-23 Business process type
   */
  businessProcess?: string;
  /**
   * BT-24 Specification identifier (set by the output format when omitted)
   */
  specification?: string;
}
/**
 * BG-3 Preceding invoice reference.
 */
export interface PrecedingInvoice {
  /**
   * BT-25 Preceding invoice reference
   */
  id: string;
  /**
   * BT-26 Preceding invoice issue date
   */
  issueDate?: IsoDate;
}
/**
 * BG-4 Seller.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "seller".
 */
export interface Seller {
  /**
   * BT-27 Seller name
   */
  name: string;
  /**
   * BT-28 Seller trading name
   */
  tradingName?: string;
  /**
   * BT-29 Seller identifier (with BT-29-1 scheme)
   */
  identifiers?: Identifier[];
  /**
   * BT-30 Seller legal registration identifier (with BT-30-1 scheme)
   */
  legalRegistration?: Identifier;
  /**
   * BT-31 Seller VAT identifier (with country prefix)
   */
  vatId?: string;
  /**
   * BT-32 Seller tax registration identifier
   */
  taxRegistrationId?: string;
  /**
   * BT-33 Seller additional legal information
   */
  additionalLegalInfo?: string;
  /**
   * BT-34 Seller electronic address (with BT-34-1 scheme)
   */
  endpoint?: ElectronicAddress;
  /**
   * BG-5 Seller postal address
   */
  address: Address;
  /**
   * BG-6 Seller contact
   */
  contact?: Contact;
}
/**
 * An electronic address with its scheme (EAS code list).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "electronicAddress".
 */
export interface ElectronicAddress {
  /**
   * The address.
   */
  id: string;
  /**
   * Electronic address scheme (EAS), e.g. 0088 GLN, 9930 DE VAT.
   */
  scheme: string;
}
/**
 * A postal address.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "address".
 */
export interface Address {
  /**
   * Address line 1 (BT-35 / BT-50 / BT-64 / BT-75)
   */
  street?: string;
  /**
   * Address line 2 (BT-36 / BT-51 / BT-65 / BT-76)
   */
  additionalStreet?: string;
  /**
   * Address line 3 (BT-162 / BT-163 / BT-164 / BT-165)
   */
  addressLine3?: string;
  /**
   * City (BT-37 / BT-52 / BT-66 / BT-77)
   */
  city?: string;
  /**
   * Post code (BT-38 / BT-53 / BT-67 / BT-78)
   */
  postalCode?: string;
  /**
   * Country subdivision (BT-39 / BT-54 / BT-68 / BT-79)
   */
  subdivision?: string;
  /**
   * Country code (BT-40 / BT-55 / BT-69 / BT-80)
   */
  country: CountryCode;
}
/**
 * A contact.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "contact".
 */
export interface Contact {
  /**
   * Contact point (BT-41 / BT-56)
   */
  name?: string;
  /**
   * Telephone number (BT-42 / BT-57)
   */
  phone?: string;
  /**
   * Email address (BT-43 / BT-58)
   */
  email?: string;
}
/**
 * BG-7 Buyer.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "buyer".
 */
export interface Buyer {
  /**
   * BT-44 Buyer name
   */
  name: string;
  /**
   * BT-45 Buyer trading name
   */
  tradingName?: string;
  /**
   * BT-46 Buyer identifier (with BT-46-1 scheme)
   */
  identifier?: Identifier;
  /**
   * BT-47 Buyer legal registration identifier (with BT-47-1 scheme)
   */
  legalRegistration?: Identifier;
  /**
   * BT-48 Buyer VAT identifier
   */
  vatId?: string;
  /**
   * BT-49 Buyer electronic address (with BT-49-1 scheme)
   */
  endpoint?: ElectronicAddress;
  /**
   * BG-8 Buyer postal address
   */
  address: Address;
  /**
   * BG-9 Buyer contact
   */
  contact?: Contact;
}
/**
 * BG-10 Payee.
 */
export interface Payee {
  /**
   * BT-59 Payee name
   */
  name: string;
  /**
   * BT-60 Payee identifier (with BT-60-1 scheme)
   */
  identifier?: Identifier;
  /**
   * BT-61 Payee legal registration identifier (with BT-61-1 scheme)
   */
  legalRegistration?: Identifier;
}
/**
 * BG-11 Seller tax representative party.
 */
export interface TaxRepresentative {
  /**
   * BT-62 Seller tax representative name
   */
  name: string;
  /**
   * BT-63 Seller tax representative VAT identifier
   */
  vatId: string;
  /**
   * BG-12 Seller tax representative postal address
   */
  address: Address;
}
/**
 * BG-13 Delivery information.
 */
export interface Delivery {
  /**
   * BT-70 Deliver to party name
   */
  partyName?: string;
  /**
   * BT-71 Deliver to location identifier (with BT-71-1 scheme)
   */
  locationId?: Identifier;
  /**
   * BT-72 Actual delivery date
   */
  date?: IsoDate;
  /**
   * BG-15 Deliver to address
   */
  address?: Address;
}
/**
 * A period of dates.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "period".
 */
export interface Period {
  /**
   * Start date
   */
  start?: IsoDate;
  /**
   * End date
   */
  end?: IsoDate;
}
/**
 * BG-16 Payment instructions.
 */
export interface PaymentInstructions {
  /**
   * BT-81 Payment means type code (UNTDID 4461): 30 credit transfer, 58 SEPA credit transfer, 59 SEPA direct debit, 48 bank card, 49 direct debit, ... (BR-CL-16 names a code outside the list)
   */
  meansCode: string;
  /**
   * BT-82 Payment means text
   */
  meansText?: string;
  /**
   * BT-83 Remittance information
   */
  remittanceInformation?: string;
  /**
   * BG-17 Credit transfers
   */
  creditTransfers?: CreditTransfer[];
  card?: PaymentCard;
  directDebit?: DirectDebit;
}
/**
 * BG-17 Credit transfer.
 */
export interface CreditTransfer {
  /**
   * BT-84 Payment account identifier (IBAN for SEPA)
   */
  accountId: string;
  /**
   * BT-85 Payment account name
   */
  accountName?: string;
  /**
   * BT-86 Payment service provider identifier (BIC)
   */
  serviceProviderId?: string;
}
/**
 * BG-18 Payment card information.
 */
export interface PaymentCard {
  /**
   * BT-87 Payment card primary account number (its last digits only: BR-51 warns from 11 characters)
   */
  primaryAccountNumber: string;
  /**
   * BT-88 Payment card holder name
   */
  holderName?: string;
}
/**
 * BG-19 Direct debit.
 */
export interface DirectDebit {
  /**
   * BT-89 Mandate reference identifier
   */
  mandateReference?: string;
  /**
   * BT-90 Bank assigned creditor identifier
   */
  creditorId?: string;
  /**
   * BT-91 Debited account identifier
   */
  debitedAccountId?: string;
}
/**
 * A document level allowance (BG-20: BT-92..BT-98) or charge (BG-21: BT-99..BT-105).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "allowanceCharge".
 */
export interface AllowanceCharge {
  /**
   * BT-92 / BT-99 Amount, without VAT (computed from base and percentage when omitted)
   */
  amount?: Decimal;
  /**
   * BT-93 / BT-100 Base amount
   */
  baseAmount?: Decimal;
  /**
   * BT-94 / BT-101 Percentage
   */
  percentage?: Decimal;
  /**
   * BT-95 / BT-102 VAT category code
   */
  vatCategory: VatCategoryCode;
  /**
   * BT-96 / BT-103 VAT rate
   */
  vatRate?: Decimal;
  /**
   * BT-97 / BT-104 Reason
   */
  reason?: string;
  /**
   * BT-98 / BT-105 Reason code (UNTDID 5189 for allowances, 7161 for charges)
   */
  reasonCode?: string;
}
/**
 * BG-22 Document totals (computed when omitted; checked when sent).
 */
export interface DocumentTotals {
  /**
   * BT-106 Sum of Invoice line net amount
   */
  lineExtension?: Decimal;
  /**
   * BT-107 Sum of allowances on document level
   */
  allowances?: Decimal;
  /**
   * BT-108 Sum of charges on document level
   */
  charges?: Decimal;
  /**
   * BT-109 Invoice total amount without VAT
   */
  taxExclusive?: Decimal;
  /**
   * BT-110 Invoice total VAT amount
   */
  vat?: Decimal;
  /**
   * BT-111 Invoice total VAT amount in accounting currency
   */
  vatInAccountingCurrency?: Decimal;
  /**
   * BT-112 Invoice total amount with VAT
   */
  taxInclusive?: Decimal;
  /**
   * BT-113 Paid amount
   */
  prepaid?: Decimal;
  /**
   * BT-114 Rounding amount
   */
  rounding?: Decimal;
  /**
   * BT-115 Amount due for payment
   */
  payable?: Decimal;
}
/**
 * BG-23 VAT breakdown, one per VAT category and rate.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "vatBreakdown".
 */
export interface VatBreakdown {
  /**
   * BT-116 VAT category taxable amount
   */
  taxableAmount?: Decimal;
  /**
   * BT-117 VAT category tax amount
   */
  taxAmount?: Decimal;
  /**
   * BT-118 VAT category code
   */
  category: VatCategoryCode;
  /**
   * BT-119 VAT category rate
   */
  rate?: Decimal;
  /**
   * BT-120 VAT exemption reason text
   */
  exemptionReason?: string;
  /**
   * BT-121 VAT exemption reason code (VATEX; BR-CL-22 names one that is not)
   */
  exemptionReasonCode?: string;
  /**
   * Values of another model kept as they are, by qualified name (it.natura: FatturaPA's Natura sub-code)
   */
  extensions?: {
    [k: string]: string | number | boolean;
  };
}
/**
 * BG-24 Additional supporting document.
 */
export interface SupportingDocument {
  /**
   * BT-122 Supporting document reference
   */
  id: string;
  /**
   * BT-123 Supporting document description
   */
  description?: string;
  /**
   * BT-124 External document location
   */
  externalUri?: string;
  content?: AttachedDocument;
}
/**
 * BT-125 Attached document, embedded.
 */
export interface AttachedDocument {
  /**
   * The document, base64-encoded
   */
  base64: string;
  /**
   * BT-125-1 Attached document MIME code
   */
  mimeCode:
    | 'application/pdf'
    | 'image/png'
    | 'image/jpeg'
    | 'text/csv'
    | 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    | 'application/vnd.oasis.opendocument.spreadsheet';
  /**
   * BT-125-2 Attached document filename
   */
  filename: string;
}
/**
 * BG-25 Invoice line.
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "line".
 */
export interface InvoiceLine {
  /**
   * BT-126 Invoice line identifier
   */
  id: string;
  /**
   * BT-127 Invoice line note
   */
  note?: string;
  /**
   * BT-128 Invoice line object identifier (with BT-128-1 scheme)
   */
  object?: Identifier;
  /**
   * BT-129 Invoiced quantity
   */
  quantity: Decimal;
  /**
   * BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20 / 21)
   */
  unitCode: string;
  /**
   * BT-131 Invoice line net amount (computed when omitted)
   */
  netAmount?: Decimal;
  /**
   * BT-132 Referenced purchase order line reference
   */
  orderLineReference?: string;
  /**
   * BT-133 Invoice line Buyer accounting reference
   */
  accountingReference?: string;
  /**
   * Values of another model kept as they are, by qualified name (edoc.map_field_text2)
   */
  extensions?: {
    [k: string]: string | number | boolean;
  };
  /**
   * BG-26 Invoice line period (BT-134 start, BT-135 end)
   */
  period?: Period;
  /**
   * BG-27 Invoice line allowances
   */
  allowances?: LineAllowanceCharge[];
  /**
   * BG-28 Invoice line charges
   */
  charges?: LineAllowanceCharge[];
  price: Price;
  vat: LineVat;
  item: Item;
}
/**
 * An invoice line allowance (BG-27: BT-136..BT-140) or charge (BG-28: BT-141..BT-145).
 *
 * This interface was referenced by `CanonicalInvoice`'s JSON-Schema
 * via the `definition` "lineAllowanceCharge".
 */
export interface LineAllowanceCharge {
  /**
   * BT-136 / BT-141 Amount, without VAT (computed from base and percentage when omitted)
   */
  amount?: Decimal;
  /**
   * BT-137 / BT-142 Base amount
   */
  baseAmount?: Decimal;
  /**
   * BT-138 / BT-143 Percentage
   */
  percentage?: Decimal;
  /**
   * BT-139 / BT-144 Reason
   */
  reason?: string;
  /**
   * BT-140 / BT-145 Reason code
   */
  reasonCode?: string;
}
/**
 * BG-29 Price details.
 */
export interface Price {
  /**
   * BT-146 Item net price (computed from gross price and discount when omitted)
   */
  net?: Decimal;
  /**
   * BT-147 Item price discount
   */
  discount?: Decimal;
  /**
   * BT-148 Item gross price
   */
  gross?: Decimal;
  /**
   * BT-149 Item price base quantity
   */
  baseQuantity?: Decimal;
  /**
   * BT-150 Item price base quantity unit of measure code
   */
  baseQuantityUnit?: string;
}
/**
 * BG-30 Line VAT information.
 */
export interface LineVat {
  /**
   * BT-151 Invoiced item VAT category code
   */
  category: VatCategoryCode;
  /**
   * BT-152 Invoiced item VAT rate
   */
  rate?: Decimal;
}
/**
 * BG-31 Item information.
 */
export interface Item {
  /**
   * BT-153 Item name
   */
  name: string;
  /**
   * BT-154 Item description
   */
  description?: string;
  /**
   * BT-155 Item Seller's identifier
   */
  sellerId?: string;
  /**
   * BT-156 Item Buyer's identifier
   */
  buyerId?: string;
  /**
   * BT-157 Item standard identifier (with BT-157-1 scheme)
   */
  standardId?: Identifier;
  /**
   * BT-158 Item classification identifier (with BT-158-1 scheme, BT-158-2 version)
   */
  classifications?: Classification[];
  /**
   * BT-159 Item country of origin
   */
  originCountry?: CountryCode;
  /**
   * BG-32 Item attributes
   */
  attributes?: ItemAttribute[];
}
/**
 * An item classification.
 */
export interface Classification {
  /**
   * Classification identifier
   */
  id: string;
  /**
   * BT-158-1 Scheme identifier (UNTDID 7143)
   */
  scheme: string;
  /**
   * BT-158-2 Scheme version
   */
  version?: string;
}
/**
 * BG-32 Item attribute.
 */
export interface ItemAttribute {
  /**
   * BT-160 Item attribute name
   */
  name: string;
  /**
   * BT-161 Item attribute value
   */
  value: string;
}
