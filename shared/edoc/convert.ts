import { createHash } from 'node:crypto';
import type { CanonicalInvoice } from '../model/invoice';
import { CREDIT_NOTE_TYPES } from '../model/rules';
import { dec, format, percent } from '../util/decimal';
import { WORKFLOW_TYPES } from './fields';
import type { CompanySetup } from './setup';
import type { TransferDocument } from './validate';

type Row = Record<string, unknown>;

const num = (value: string | number | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

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
  const eventId = eventIdFor(
    `${setup.companyId}/${seller.vatId ?? seller.name}/${invoice.id}/${invoice.issueDate}`,
  );
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
    invoice_type_text: credit ? 'Credit memo' : 'Invoice',
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
  return {
    status: compact({ event_id: eventId, ecm_id: ecmId, event_name: 'invoice.received' }),
    header: compact(header),
    positions,
  };
}

/** `map_field_*` values kept in the canonical model as extensions (`edoc.map_field_dec2`, …). */
function extensionsOf(extensions: Record<string, string | number | boolean> | undefined): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(extensions ?? {}))
    if (key.startsWith('edoc.map_field_')) out[key.slice('edoc.'.length)] = value;
  return out;
}
