import type { CompanySetup } from '../../shared/edoc/setup';
import type { TransferDocument } from '../../shared/edoc/validate';

export const EVENT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const ECM = 'ECM-2026-000017';

type Row = Record<string, unknown>;

/** A transfer document for company CRONUS: an invoice without order reference, one G/L position. */
export function transfer(header: Row = {}, positions: Row[] = [{}], status: Row = {}): TransferDocument {
  return {
    status: { event_id: EVENT, ecm_id: ECM, event_name: 'invoice.transfer', ...status },
    header: {
      event_id: EVENT,
      ecm_id: ECM,
      company_id: 'CRONUS',
      vendor_id: 'V10000',
      vendor_name: 'Fabrikam GmbH',
      invoice_type_id: 1,
      workflow_type: 'Invoice without order reference',
      external_number: 'R-2026-17',
      invoice_date: '2026-11-02',
      posting_date: '2026-11-05',
      performance_date: '2026-10-31',
      currency: 'EUR',
      net_total: 100,
      vat_total: 19,
      gross: 119,
      ...header,
    },
    positions: positions.map((p, i) => ({
      id: `P${i + 1}`,
      event_id: EVENT,
      ecm_id: ECM,
      row_index: i + 1,
      account: '6100',
      net_amount: 100,
      vat_percent: 19,
      vat_amount: 19,
      gross_amount: 119,
      quantity: 1,
      unit_price: 100,
      item_description: 'Paper A4',
      posting_text: 'Office supplies 11/2026',
      ...p,
    })),
  };
}

/** An order line: no account, matched to a receipt by order number, position and delivery note. */
export function orderLine(position: string, net: number, extra: Row = {}): Row {
  return {
    account: undefined,
    order_number: 'PO-1001',
    order_position: position,
    delivery_note: 'RCPT-7001',
    net_amount: net,
    quantity: 2,
    unit_price: net / 2,
    gross_amount: undefined,
    ...extra,
  };
}

export const SETUP: CompanySetup = { companyId: 'CRONUS' };
