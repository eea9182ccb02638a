import { createHash } from 'node:crypto';
import type { CanonicalInvoice, VatCategoryCode } from '../model/invoice';
import { CREDIT_NOTE_TYPES } from '../model/rules';
import { dec, format, percent } from '../util/decimal';
import { WORKFLOW_TYPES } from './fields';
import type { CompanySetup } from './setup';
import type { TransferDocument } from './validate';

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
 * A canonical invoice (an inbound UBL, CII or XRechnung vendor invoice) as an edoc transfer document, for a
 * company: vendor from the seller (its BC vendor number looked up in the setup's `vendorNumbers` by VAT id
 * or identifier, else the VAT id itself), document type and workflow from the type code and the order
 * reference, the VAT breakdown in `net_amount_1..4`, one position per line. `ecmId` is the document's id in
 * the archive (the service's document id). The invoice's `extensions` (from an earlier transfer) come back
 * as `map_field_*`.
 */
export function transferFromInvoice(
  invoice: CanonicalInvoice,
  setup: CompanySetup,
  ecmId: string,
): TransferDocument {
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
  const withOrder = invoice.orderReference !== undefined;
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
      delivery_note: withOrder ? invoice.despatchAdviceReference : undefined,
      quantity: num(line.quantity),
      unit_price: base && base !== 1 ? Number(line.price.net) / base : num(line.price.net),
      price_units: base,
      item_number: line.item.sellerId,
      item_description: line.item.name,
      ...extensionsOf(line.extensions),
    });
  });
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

/**
 * A transfer document in the canonical model: the vendor as seller, the company as buyer (its name is the
 * company id: the transfer model has no buyer details), dates, amounts, the VAT breakdown from
 * `net_amount_1..4`, one line per position. Every transfer field the model has no term for is kept as an
 * extension (`edoc.<field>`), so that converting back gives the same transfer document. The result is
 * not checked here: a transfer without currency, say, is no valid EN 16931 invoice.
 */
export function invoiceFromTransfer(document: TransferDocument): CanonicalInvoice {
  const h = document.header;
  const credit = Number(h.invoice_type_id) === 2;
  const breakdown = [1, 2, 3, 4]
    .filter((i) => numberOf(h[`net_amount_${i}`]) !== undefined)
    .map((i) => {
      const rate = numberOf(h[`vat_percent_${i}`]) ?? 0;
      const code = document.positions.find(
        (p) => numberOf(p.vat_percent) === rate && str(p.vat_code),
      )?.vat_code;
      return {
        category: (str(code) ?? (rate > 0 ? 'S' : 'Z')) as VatCategoryCode,
        rate,
        taxableAmount: numberOf(h[`net_amount_${i}`])!,
        taxAmount: numberOf(h[`vat_amount_${i}`]) ?? 0,
      };
    });
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
      vatId: str(h.vendor_vat_id),
      taxRegistrationId: str(h.vendor_tax_id),
      address: {
        street: str(h.vendor_address_street),
        city: str(h.vendor_address_city),
        postalCode: str(h.vendor_address_zip),
        country: str(h.vendor_address_country),
      },
    },
    buyer: { name: str(h.company_id) ?? '', address: {} },
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
    },
    lines: document.positions.map((p, i) => {
      const rate = numberOf(p.vat_percent);
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
        vat: { category: (str(p.vat_code) ?? ((rate ?? 0) > 0 ? 'S' : 'Z')) as VatCategoryCode, rate },
        item: {
          name: str(p.item_description) ?? str(p.posting_text) ?? str(p.item_number) ?? '',
          sellerId: str(p.item_number),
        },
        extensions: extensionsFrom(p, POSITION_IN_MODEL),
      };
    }),
  };
  return JSON.parse(JSON.stringify(invoice)) as CanonicalInvoice; // drops what is undefined
}
