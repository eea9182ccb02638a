import { createHash } from 'node:crypto';
import { calculate, CATEGORY_RULES } from '../model/calculation';
import { isoCountries } from '../model/codes';
import type { CanonicalInvoice, VatCategoryCode } from '../model/invoice';
import { CREDIT_NOTE_TYPES } from '../model/type-codes';
import { decimalOf as dec } from '../model/exact-decimal';
import { format, percent } from '../util/decimal';
import { WORKFLOW_TYPES } from './fields';
import type { CompanySetup } from './setup';
import { normalizeTransfer, type TransferDocument } from './validate';

type Row = Record<string, unknown>;

const num = (value: string | number | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function extensionsFrom(
  row: Row,
  inModel: Set<string>,
): Record<string, string | number | boolean> | undefined {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(row))
    if (!inModel.has(key) && scalar(value)) out[`edoc.${key}`] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

const str = (v: unknown): string | undefined => (scalar(v) && v !== '' ? String(v) : undefined);
const numberOf = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Drops what is not given, so that a transfer row carries only values. */
function compact(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

/** A GUID derived from the document (same document, same event id: a repeated transfer is recognisable). */
function eventIdFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Extensions `edocderived.<field>`: the transfer field was absent and the conversion to the canonical model
 * derived its term from other fields (the value says from which); converting back leaves it out again.
 */
const DERIVED = 'edocderived.';

/**
 * The invoice with the figures a client may leave to the service (line net amounts, totals, VAT breakdown)
 * computed when it lacks line net amounts or the total, as the `validate` step in `fill` mode does; sent
 * figures are kept. An invoice the calculation cannot read is converted as it is: the transfer check then
 * reports what is missing.
 */
function completed(invoice: CanonicalInvoice): CanonicalInvoice {
  const missing =
    invoice.lines.some((line) => line.netAmount === undefined) || invoice.totals?.taxInclusive === undefined;
  if (!missing) return invoice;
  try {
    return calculate(invoice, 'fill').invoice;
  } catch {
    return invoice;
  }
}

/**
 * A canonical invoice (an inbound UBL, CII or XRechnung vendor invoice) as an edoc transfer document, for a
 * company: vendor from the seller (its BC vendor number looked up in the setup's `vendorNumbers` by VAT id
 * or identifier, else the VAT id itself), document type from the type code, the VAT breakdown in
 * `net_amount_1..4`, one position per line (figures the invoice leaves to the calculation computed first).
 * `ecmId` is the document's id in the archive (the service's document id). The invoice's `extensions`
 * (from an earlier transfer) come back as `map_field_*`.
 *
 * The workflow: the source makes `order_number`, `order_position` and `delivery_note` mandatory for invoice
 * lines with order reference, which BC matches to posted receipt lines. An invoice is one "with order
 * reference" when it names the order (BT-13) and its lines the order lines they invoice (BT-132 Referenced
 * purchase order line reference → `order_position`); a line without BT-132 but with the buyer's
 * accounting reference (BT-133 → `account`) is an extra line of a mixed invoice. An order reference alone
 * (no line references one) does not let BC match a receipt line: the invoice is one "without order
 * reference" (a cost invoice) that keeps the order number in `order_numbers`. `delivery_note` (the posted
 * purchase receipt) is the receiving advice (BT-15), else the despatch advice (BT-16).
 */
export function transferFromInvoice(
  source: CanonicalInvoice,
  setup: CompanySetup,
  ecmId: string,
): TransferDocument {
  const invoice = completed(source);
  const seller = invoice.seller;
  const kept = invoice.extensions ?? {};
  const eventId =
    str(kept['edoc.event_id']) ??
    eventIdFor(`${setup.companyId}/${seller.vatId ?? seller.name}/${invoice.id}/${invoice.issueDate}`);
  ecmId = str(kept['edoc.ecm_id']) ?? ecmId;
  const keys = [seller.vatId, seller.taxRegistrationId, ...(seller.identifiers ?? []).map((i) => i.id)];
  const vendorId =
    keys.map((k) => (k ? setup.vendorNumbers?.[k] : undefined)).find(Boolean) ??
    seller.vatId ??
    seller.identifiers?.[0]?.id;
  const withOrder =
    invoice.orderReference !== undefined &&
    invoice.lines.some((line) => line.orderLineReference !== undefined);
  const receipt = invoice.receivingAdviceReference ?? invoice.despatchAdviceReference;
  const credit = CREDIT_NOTE_TYPES.has(invoice.typeCode);
  const account = invoice.payment?.creditTransfers?.[0];
  const header: Row = {
    event_id: eventId,
    ecm_id: ecmId,
    company_id: setup.companyId,
    vendor_id: vendorId,
    vendor_name: seller.name,
    vendor_vat_id: seller.vatId,
    vendor_tax_id: seller.taxRegistrationId,
    vendor_address_street: seller.address.street,
    vendor_address_city: seller.address.city,
    vendor_address_zip: seller.address.postalCode,
    vendor_address_country: seller.address.country,
    vendor_bank_iban: account?.accountId,
    vendor_bank_bic: account?.serviceProviderId,
    vendor_bank_name: account?.accountName,
    invoice_type_id: credit ? 2 : 1,
    workflow_type: withOrder ? WORKFLOW_TYPES[1] : WORKFLOW_TYPES[0],
    order_numbers: invoice.orderReference,
    delivery_notes: invoice.despatchAdviceReference,
    external_number: invoice.id,
    invoice_date: invoice.issueDate,
    performance_date: invoice.delivery?.date ?? invoice.invoicingPeriod?.end,
    posting_date: invoice.issueDate,
    currency: invoice.currency,
    net_total: num(invoice.totals?.taxExclusive),
    vat_total: num(invoice.totals?.vat),
    gross: num(invoice.totals?.taxInclusive),
    payment_terms_text: invoice.paymentTerms,
    payment_due_date: invoice.dueDate,
    ...extensionsOf(invoice.extensions),
  };
  (invoice.vatBreakdown ?? []).slice(0, 4).forEach((b, i) => {
    header[`net_amount_${i + 1}`] = num(b.taxableAmount);
    header[`vat_amount_${i + 1}`] = num(b.taxAmount);
    header[`vat_percent_${i + 1}`] = num(b.rate ?? 0);
  });
  const positions = invoice.lines.map((line, i) => {
    const net = line.netAmount === undefined ? undefined : dec(line.netAmount);
    const rate = line.vat.rate === undefined ? 0n : dec(line.vat.rate);
    const vat = net === undefined ? undefined : percent(net, rate);
    const base = line.price.baseQuantity === undefined ? undefined : Number(line.price.baseQuantity);
    return compact({
      id: `${ecmId}-${i + 1}`,
      event_id: eventId,
      ecm_id: ecmId,
      row_index: i + 1,
      account: line.accountingReference,
      net_amount: net === undefined ? undefined : Number(format(net, 2)),
      vat_amount: vat === undefined ? undefined : Number(format(vat, 2)),
      vat_percent: num(line.vat.rate ?? 0),
      vat_code: line.vat.category,
      gross_amount: net === undefined || vat === undefined ? undefined : Number(format(net + vat, 2)),
      order_number: withOrder ? invoice.orderReference : undefined,
      order_position: withOrder ? line.orderLineReference : undefined,
      delivery_note: withOrder ? receipt : undefined,
      quantity: num(line.quantity),
      unit_price: base && base !== 1 ? Number(line.price.net) / base : num(line.price.net),
      price_units: base,
      item_number: line.item.sellerId,
      item_description: line.item.name,
      ...extensionsOf(line.extensions),
    });
  });
  for (const key of Object.keys(kept)) if (key.startsWith(DERIVED)) delete header[key.slice(DERIVED.length)];
  const status: Row = { event_id: eventId, ecm_id: ecmId, event_name: 'invoice.received' };
  for (const [key, value] of Object.entries(kept))
    if (key.startsWith('edocstatus.')) status[key.slice('edocstatus.'.length)] = value;
  return { status: compact(status), header: compact(header), positions };
}

/**
 * Transfer fields the canonical model keeps as extensions (`edoc.map_field_dec2`, `edoc.vendor_id`, …): they
 * come back as they were, over what the conversion derives.
 */
function extensionsOf(extensions: Record<string, string | number | boolean> | undefined): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(extensions ?? {}))
    if (key.startsWith('edoc.')) out[key.slice('edoc.'.length)] = value;
  return out;
}

/** Header fields the canonical model holds in its own terms (the others travel as extensions). */
const HEADER_IN_MODEL = new Set([
  'vendor_name',
  'vendor_vat_id',
  'vendor_tax_id',
  'vendor_address_street',
  'vendor_address_city',
  'vendor_address_zip',
  'vendor_address_country',
  'vendor_bank_iban',
  'vendor_bank_bic',
  'vendor_bank_name',
  'order_numbers',
  'delivery_notes',
  'external_number',
  'invoice_date',
  'performance_date',
  'currency',
  'net_total',
  'vat_total',
  'gross',
  'payment_terms_text',
  'payment_due_date',
  'net_amount_1',
  'vat_amount_1',
  'vat_percent_1',
  'net_amount_2',
  'vat_amount_2',
  'vat_percent_2',
  'net_amount_3',
  'vat_amount_3',
  'vat_percent_3',
  'net_amount_4',
  'vat_amount_4',
  'vat_percent_4',
]);
const POSITION_IN_MODEL = new Set([
  'account',
  'net_amount',
  'vat_percent',
  'vat_code',
  'quantity',
  'unit_price',
  'price_units',
  'item_number',
  'item_description',
  'order_position',
]);
/** A `vat_code` that is no VAT category (a BC code) is kept as an extension. */
const POSITION_IN_MODEL_BUT_VAT_CODE = new Set([...POSITION_IN_MODEL].filter((f) => f !== 'vat_code'));

const CATEGORIES = new Set(Object.keys(CATEGORY_RULES));

/** A transfer `vat_code` that is a VAT category code (UNCL5305 as EN 16931 uses it); BC's own codes are not. */
const categoryOf = (code: unknown): VatCategoryCode | undefined =>
  typeof code === 'string' && CATEGORIES.has(code) ? (code as VatCategoryCode) : undefined;

/** VAT id prefixes that are not the country's ISO code. */
const VAT_PREFIX_COUNTRY: Record<string, string> = { EL: 'GR', XI: 'GB' };

/** The country of a VAT identifier: its two-letter prefix (EL is Greece, XI Northern Ireland). */
function countryOfVatId(vatId: string | undefined): string | undefined {
  const prefix = /^([A-Z]{2})/.exec(vatId?.replace(/\s/g, '').toUpperCase() ?? '')?.[1];
  if (!prefix) return undefined;
  const country = VAT_PREFIX_COUNTRY[prefix] ?? prefix;
  return isoCountries().has(country) ? country : undefined;
}

/** VAT categories of a supply taxed in the seller's country: standard rated, zero rated, exempt. */
const DOMESTIC = new Set<string>(['S', 'Z', 'E']);

/** A transfer document as a canonical invoice, with what the conversion had to assume. */
export interface TransferAsInvoice {
  invoice: CanonicalInvoice;
  /** Terms the transfer document does not carry that were derived (or could not be), in sentences. */
  notes: string[];
}

/**
 * A transfer document in the canonical model: the vendor as seller, the company as buyer, dates, amounts,
 * the VAT breakdown from `net_amount_1..4`, one line per position. Every transfer field the model has no
 * term for is kept as an extension (`edoc.<field>`), so that converting back gives the same transfer
 * document (numbers in text fields as their text, see `normalizeTransfer`).
 *
 * What EN 16931 requires and the transfer model does not carry:
 * - the seller's country (BT-40): `vendor_address_country`, else the prefix of `vendor_vat_id` (the
 *   extension `edocderived.vendor_address_country` records that, so that converting back leaves the field
 *   out again);
 * - the buyer (BG-7): the transfer model names the company only (`company_id`). The setup's `company` gives
 *   its name, VAT id and address. Without it the buyer's name is the company id, and its country (BT-55)
 *   the seller's when the vendor charged VAT of its own country (categories S, Z, E only, at least one S):
 *   a business buyer abroad would have been invoiced without it (reverse charge, intra-community supply,
 *   export). The extension `edocderived.buyer_country` records the assumption. Otherwise the buyer's country
 *   stays empty and the invoice does not validate: the notes say what to give.
 */
export function canonicalFromTransfer(source: TransferDocument, setup?: CompanySetup): TransferAsInvoice {
  const document = normalizeTransfer(source);
  const notes: string[] = [];
  const derived: Record<string, string> = {};
  const h = document.header;
  const credit = Number(h.invoice_type_id) === 2;
  const lineCategory = (p: Record<string, unknown>): VatCategoryCode =>
    categoryOf(p.vat_code) ?? ((numberOf(p.vat_percent) ?? 0) > 0 ? 'S' : 'Z');
  const breakdown = [1, 2, 3, 4]
    .filter((i) => numberOf(h[`net_amount_${i}`]) !== undefined)
    .map((i) => {
      const rate = numberOf(h[`vat_percent_${i}`]) ?? 0;
      const code = document.positions.find(
        (p) => numberOf(p.vat_percent) === rate && categoryOf(p.vat_code),
      )?.vat_code;
      return {
        category: categoryOf(code) ?? (rate > 0 ? 'S' : 'Z'),
        rate,
        taxableAmount: numberOf(h[`net_amount_${i}`])!,
        taxAmount: numberOf(h[`vat_amount_${i}`]) ?? 0,
      };
    });

  const vatId = str(h.vendor_vat_id);
  let sellerCountry = str(h.vendor_address_country);
  if (!sellerCountry) {
    sellerCountry = countryOfVatId(vatId);
    if (sellerCountry) {
      derived.vendor_address_country = 'vendor_vat_id';
      notes.push(`seller country ${sellerCountry} taken from vendor_vat_id ${vatId}`);
    } else
      notes.push(
        'seller country (BT-40) unknown: the document has neither vendor_address_country nor a vendor_vat_id with a country prefix',
      );
  }

  const company = setup?.company;
  const companyId = str(h.company_id) ?? '';
  let buyerCountry = company?.address?.country;
  if (!buyerCountry) {
    const categories = new Set([
      ...breakdown.map((b) => b.category),
      ...document.positions.map(lineCategory),
    ]);
    const domestic =
      sellerCountry !== undefined &&
      categories.has('S') &&
      [...categories].every((category) => DOMESTIC.has(category));
    if (domestic) {
      buyerCountry = sellerCountry;
      derived.buyer_country = 'vendor country, domestic VAT';
      notes.push(
        `buyer country ${sellerCountry} assumed: the vendor charged VAT of its own country; the setup's company.address.country gives it`,
      );
    } else
      notes.push(
        `buyer country (BT-55) unknown: the transfer model names the company only (company_id ${JSON.stringify(companyId)}); give the setup's company.address.country`,
      );
  }

  // BT-106, which the transfer model does not carry: the sum of the positions' net amounts.
  const nets = document.positions.map((p) => numberOf(p.net_amount));
  const lineExtension = nets.every((n) => n !== undefined)
    ? Number(
        format(
          nets.reduce((sum, n) => sum + dec(n), 0n),
          2,
        ),
      )
    : undefined;

  const iban = str(h.vendor_bank_iban);
  const invoice = {
    id: str(h.external_number) ?? str(h.ecm_id) ?? '',
    issueDate: str(h.invoice_date) ?? '',
    typeCode: credit ? '381' : '380',
    currency: str(h.currency),
    dueDate: str(h.payment_due_date),
    orderReference: str(h.order_numbers),
    despatchAdviceReference: str(h.delivery_notes),
    paymentTerms: str(h.payment_terms_text),
    seller: {
      name: str(h.vendor_name) ?? str(h.vendor_id) ?? '',
      vatId,
      taxRegistrationId: str(h.vendor_tax_id),
      address: {
        street: str(h.vendor_address_street),
        city: str(h.vendor_address_city),
        postalCode: str(h.vendor_address_zip),
        country: sellerCountry,
      },
    },
    buyer: {
      name: company?.name ?? companyId,
      vatId: company?.vatId,
      address: { ...company?.address, country: buyerCountry },
    },
    delivery: str(h.performance_date) ? { date: str(h.performance_date) } : undefined,
    payment: iban
      ? {
          meansCode: '58',
          creditTransfers: [
            {
              accountId: iban,
              serviceProviderId: str(h.vendor_bank_bic),
              accountName: str(h.vendor_bank_name),
            },
          ],
        }
      : undefined,
    totals: {
      lineExtension,
      taxExclusive: numberOf(h.net_total),
      vat: numberOf(h.vat_total),
      taxInclusive: numberOf(h.gross),
      payable: numberOf(h.gross),
    },
    vatBreakdown: breakdown.length > 0 ? breakdown : undefined,
    extensions: {
      ...extensionsFrom(h, HEADER_IN_MODEL),
      ...Object.fromEntries(
        Object.entries(document.status)
          .filter(([, v]) => scalar(v))
          .map(([k, v]) => [`edocstatus.${k}`, v]),
      ),
      ...Object.fromEntries(Object.entries(derived).map(([k, v]) => [`${DERIVED}${k}`, v])),
    },
    lines: document.positions.map((p, i) => {
      const rate = numberOf(p.vat_percent);
      const inModel = categoryOf(p.vat_code) ? POSITION_IN_MODEL : POSITION_IN_MODEL_BUT_VAT_CODE;
      return {
        id: String(i + 1),
        quantity: numberOf(p.quantity) ?? 1,
        unitCode: 'C62',
        netAmount: numberOf(p.net_amount),
        orderLineReference: str(p.order_position),
        accountingReference: str(p.account),
        // BT-146 is the price of BT-149 units; unit_price is the price of one.
        price: {
          net: (numberOf(p.unit_price) ?? numberOf(p.net_amount) ?? 0) * (numberOf(p.price_units) ?? 1),
          baseQuantity: numberOf(p.price_units),
        },
        vat: { category: lineCategory(p), rate },
        item: {
          name: str(p.item_description) ?? str(p.posting_text) ?? str(p.item_number) ?? '',
          sellerId: str(p.item_number),
        },
        extensions: extensionsFrom(p, inModel),
      };
    }),
  };
  // drops what is undefined
  return { invoice: JSON.parse(JSON.stringify(invoice)) as CanonicalInvoice, notes };
}

/** `canonicalFromTransfer` without its notes. */
export function invoiceFromTransfer(document: TransferDocument, setup?: CompanySetup): CanonicalInvoice {
  return canonicalFromTransfer(document, setup).invoice;
}
