// Quantities and prices may have more places than the money arithmetic keeps: rounded, not refused.
import { decimalOf as dec } from '../model/exact-decimal';
import { div, format, mul, round } from '../util/decimal';
import { DIMENSION_FIELDS, ECM_FIELD, INVOICE_TYPES } from './fields';
import { withDefaults, type CompanySetup } from './setup';
import {
  categoryOf,
  given,
  isOrderLine,
  normalizeTransfer,
  type Category,
  type TransferDocument,
} from './validate';

type Value = string | number | boolean;
type Row = Record<string, unknown>;

/** One Business Central record, as it would be inserted: table number and name, fields by caption. */
export interface BcRecord {
  table: number;
  tableName: string;
  fields: Record<string, Value>;
  /** The ECM id of the document every record belongs to. */
  ecmId: string;
  /** Order lines: how BC finds the receipt line to invoice (no field of table 39 holds these). */
  match?: { orderNumber: string; orderPosition: string; deliveryNote: string };
  /** Dimension set entries and charge assignments: the line they belong to. */
  appliesTo?: { table: number; lineNo: number };
}

/** A request for BC's standard API v2.0 (`companies({id})/…`), with what it cannot carry. */
export interface BcApiRequest {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
}

export interface BcDocument {
  category: Category;
  documentType: 'Invoice' | 'Credit Memo';
  /** In insertion order: headers before lines, lines before charge assignments and dimension set entries. */
  records: BcRecord[];
  api: {
    requests: BcApiRequest[];
    /** Fields of the records the standard API has no property for (a custom API page carries them). */
    notCovered: Array<{ table: number; field: string }>;
  };
  /** What could not be mapped automatically, for the clerk. */
  notes: string[];
}

const TABLE = {
  81: 'Gen. Journal Line',
  38: 'Purchase Header',
  39: 'Purchase Line',
  480: 'Dimension Set Entry',
  5805: 'Item Charge Assignment (Purch)',
} as const;

/** A scalar as text; anything else (absent, an object) as the empty text. */
const str = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
const text = (value: unknown): string | undefined => (given(value) ? str(value) : undefined);

/** Sets the fields whose value is given; leaves the others out (BC keeps its defaults). */
function fields(entries: Array<[string, unknown]>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, value] of entries) {
    if (given(value)) out[name] = value as Value;
  }
  return out;
}

function record(table: keyof typeof TABLE, ecmId: string, values: Record<string, Value>): BcRecord {
  return { table, tableName: TABLE[table], fields: values, ecmId };
}

/** A decimal with the given sign, as a number with the document's precision. */
const signed = (value: unknown, negative: boolean): number | undefined =>
  typeof value === 'number' ? (negative ? -value : value) : undefined;

/**
 * A validated transfer document as Business Central records, per its category and the company's setup:
 * - without order reference, "Documenttype cost acc." Posting Journal: table 81 lines (the vendor's line
 *   with the gross amount, one line per position with its gross amount and account or fixed asset, FA
 *   posting type), signed as BC posts a purchase invoice (vendor credited; the reverse for a credit memo);
 * - without order reference, Purchase invoice: table 38 and 39 (G/L account, fixed asset, resource or charge
 *   (item) lines with quantity, direct unit cost and line amount);
 * - with order reference: table 38 and 39, order lines carrying how they match a receipt line (order
 *   number, order position, delivery note), extra lines of a mixed invoice by account, fixed asset,
 *   resource or charge (item); charges assigned to the order lines by `item_charge_distribution_type`
 *   unless the setup distributes them manually (table 5805);
 * - dimension set entries (table 480) for the configured dimension codes; the header's business posting
 *   groups fill empty line groups; the posting text becomes the description when the setup says so;
 *   document type from `invoice_type_id`; the ECM id on every record;
 * - a number in a text field whose type the source does not fix as its decimal text (`normalizeTransfer`).
 */
export function toBusinessCentral(source: TransferDocument, setup: CompanySetup): BcDocument {
  const document = normalizeTransfer(source);
  const s = withDefaults(setup);
  const header = document.header;
  const category = categoryOf(header, setup);
  const documentType = INVOICE_TYPES[Number(header.invoice_type_id)] ?? 'Invoice';
  const credit = documentType === 'Credit Memo';
  const ecmId = str(header.ecm_id);
  const postingDate =
    s.postingDateSource === 'performance_date' ? header.performance_date : header.posting_date;
  const overwrite = s.overwriteDescriptionWithPostingText && !s.treatCommercialInvoiceAsCostInvoice;
  const description = (p: Row) => (overwrite ? p.posting_text : p.item_description);
  const groups = (p: Row): Array<[string, unknown]> => [
    ['Gen. Bus. Posting Group', text(p.gen_bus_posting_group) ?? text(header.gen_bus_posting_group)],
    ['Gen. Prod. Posting Group', p.gen_prod_posting_group],
    ['VAT Bus. Posting Group', text(p.vat_bus_posting_group) ?? text(header.vat_bus_posting_group)],
    ['VAT Prod. Posting Group', p.vat_prod_posting_group],
  ];
  const records: BcRecord[] = [];
  const dimensions: BcRecord[] = [];
  const assignments: BcRecord[] = [];
  const notes: string[] = [];
  const dimensionsOf = (p: Row, table: 81 | 39, lineNo: number) =>
    DIMENSION_FIELDS.forEach((name, i) => {
      const code = s.dimensionCodes[i];
      if (!code || !given(p[name])) return;
      dimensions.push({
        ...record(480, ecmId, { 'Dimension Code': code, 'Dimension Value Code': str(p[name]) }),
        appliesTo: { table, lineNo },
      });
    });

  if (category === 'journal') {
    const common: Array<[string, unknown]> = [
      ['Document Type', documentType],
      ['Posting Date', postingDate],
      ['Document Date', header.invoice_date],
      ['External Document No.', header.external_number],
      ['Currency Code', header.currency],
      [ECM_FIELD, ecmId],
    ];
    records.push(
      record(
        81,
        ecmId,
        fields([
          ['Line No.', 10000],
          ['Account Type', 'Vendor'],
          ['Account No.', header.vendor_id],
          ['Amount', signed(header.gross, !credit)],
          ['Description', header.vendor_name],
          ...common,
        ]),
      ),
    );
    document.positions.forEach((p, i) => {
      const lineNo = 10000 * (i + 2);
      const asset = given(p.fixed_assetid);
      records.push(
        record(
          81,
          ecmId,
          fields([
            ['Line No.', lineNo],
            ['Account Type', asset ? 'Fixed Asset' : 'G/L Account'],
            ['Account No.', asset ? p.fixed_assetid : p.account],
            ['Amount', signed(p.gross_amount, credit)],
            ['Description', description(p)],
            ['FA Posting Type', asset ? p.gen_jnl_line_fa_posting_type : undefined],
            ...groups(p),
            ...common,
          ]),
        ),
      );
      dimensionsOf(p, 81, lineNo);
    });
  } else {
    records.push(
      record(
        38,
        ecmId,
        fields([
          ['Document Type', documentType],
          ['Buy-from Vendor No.', header.vendor_id],
          ['Posting Date', postingDate],
          ['Document Date', header.invoice_date],
          [credit ? 'Vendor Cr. Memo No.' : 'Vendor Invoice No.', header.external_number],
          ['Currency Code', header.currency],
          [ECM_FIELD, ecmId],
        ]),
      ),
    );
    const orderLines: Array<{ row: Row; lineNo: number }> = [];
    const charges: Array<{ row: Row; lineNo: number }> = [];
    document.positions.forEach((p, i) => {
      const lineNo = 10000 * (i + 1);
      const orderLine = category === 'order' && isOrderLine(p);
      const [type, no] = orderLine
        ? ['Item', undefined]
        : given(p.fixed_assetid)
          ? ['Fixed Asset', p.fixed_assetid]
          : given(p.resource)
            ? ['Resource', p.resource]
            : given(p.charge_item)
              ? ['Charge (Item)', p.charge_item]
              : ['G/L Account', p.account];
      if (!orderLine && !given(no))
        notes.push(`Position ${i}: no account, fixed asset, resource or charge (item) to post to`);
      const line: BcRecord = record(
        39,
        ecmId,
        fields([
          ['Document Type', documentType],
          ['Line No.', lineNo],
          ['Type', type],
          ['No.', no],
          ['Quantity', p.quantity],
          ['Direct Unit Cost', p.unit_price],
          ['Line Amount', p.net_amount],
          ['Description', description(p)],
          ...(orderLine ? [] : groups(p)),
          [ECM_FIELD, ecmId],
        ]),
      );
      if (orderLine) {
        line.match = {
          orderNumber: str(p.order_number),
          orderPosition: str(p.order_position),
          deliveryNote: str(p.delivery_note),
        };
        orderLines.push({ row: p, lineNo });
      }
      if (type === 'Charge (Item)') charges.push({ row: p, lineNo });
      records.push(line);
      dimensionsOf(p, 39, lineNo);
    });
    for (const charge of charges) {
      if (s.distributeItemChargeManually) {
        notes.push(
          `Charge (item) ${str(charge.row.charge_item)} on line ${charge.lineNo}: to be assigned manually (setup)`,
        );
        continue;
      }
      const how = str(charge.row.item_charge_distribution_type).toLowerCase();
      if (orderLines.length === 0 || !['equally', 'by amount'].includes(how)) {
        notes.push(
          `Charge (item) ${str(charge.row.charge_item)} on line ${charge.lineNo}: ` +
            (orderLines.length === 0
              ? 'no order lines to assign it to'
              : `distribution "${str(charge.row.item_charge_distribution_type)}" needs BC (only Equally and By Amount are computed here)`),
        );
        continue;
      }
      assignments.push(
        ...assignCharge(charge, orderLines, how as 'equally' | 'by amount', documentType, ecmId),
      );
    }
  }
  const all = [...records, ...assignments, ...dimensions];
  return {
    category,
    documentType,
    records: all,
    api: apiRequests(all, category, documentType, s.bcCompanyId),
    notes,
  };
}

/** Splits a charge's quantity and amount over the order lines (equally, or by their line amounts). */
function assignCharge(
  charge: { row: Row; lineNo: number },
  orderLines: Array<{ row: Row; lineNo: number }>,
  how: 'equally' | 'by amount',
  documentType: string,
  ecmId: string,
): BcRecord[] {
  const quantity = dec(typeof charge.row.quantity === 'number' ? charge.row.quantity : 1);
  const amount = dec(typeof charge.row.net_amount === 'number' ? charge.row.net_amount : 0);
  const weights = orderLines.map((l) =>
    how === 'equally' ? dec(1) : dec(typeof l.row.net_amount === 'number' ? l.row.net_amount : 0),
  );
  const total = weights.reduce((a, b) => a + b, 0n);
  let restQty = quantity;
  let restAmount = amount;
  return orderLines.map((line, i) => {
    const last = i === orderLines.length - 1;
    // Shares rounded to 5 decimals (quantity) and 2 (amount); the last line takes the rest.
    const portion = (value: bigint, places: number) => round(div(mul(value, weights[i]!), total), places);
    const qty = last || total === 0n ? restQty : portion(quantity, 5);
    const share = last || total === 0n ? restAmount : portion(amount, 2);
    restQty -= qty;
    restAmount -= share;
    return {
      ...record(5805, ecmId, {
        'Document Type': documentType,
        'Document Line No.': charge.lineNo,
        'Line No.': 10000 * (i + 1),
        'Item Charge No.': str(charge.row.charge_item),
        'Applies-to Doc. Type': 'Receipt',
        'Applies-to Doc. No.': str(line.row.delivery_note),
        'Applies-to Doc. Line No.': str(line.row.order_position),
        'Qty. to Assign': Number(format(qty, 5)),
        'Amount to Assign': Number(format(share, 2)),
      }),
      appliesTo: { table: 39, lineNo: charge.lineNo },
    };
  });
}

const JOURNAL_API: Record<string, string> = {
  'Account Type': 'accountType',
  'Account No.': 'accountNumber',
  'Posting Date': 'postingDate',
  'External Document No.': 'externalDocumentNumber',
  Amount: 'amount',
  Description: 'description',
};
const HEADER_API: Record<string, string> = {
  'Buy-from Vendor No.': 'vendorNumber',
  'Posting Date': 'postingDate',
  'Vendor Invoice No.': 'vendorInvoiceNumber',
  'Currency Code': 'currencyCode',
};
const LINE_API: Record<string, string> = {
  Type: 'lineType',
  'No.': 'lineObjectNumber',
  Quantity: 'quantity',
  'Direct Unit Cost': 'unitCost',
  Description: 'description',
};
const LINE_TYPES: Record<string, string> = {
  'G/L Account': 'Account',
  Item: 'Item',
  Resource: 'Resource',
  'Fixed Asset': 'Fixed Asset',
  'Charge (Item)': 'Charge',
};
/** Fields the mapping sets that are the document's own, not data (the API numbers lines itself). */
const IMPLIED = new Set(['Document Type', 'Line No.']);

/**
 * The records as BC API v2.0 requests: a purchase invoice (or credit memo) with its lines and their
 * dimension set lines in one deep insert, or journal lines for a general journal (`{journalId}` is the
 * tenant's journal batch). Every field the standard API has no property for is listed in `notCovered`.
 */
function apiRequests(
  records: BcRecord[],
  category: Category,
  documentType: string,
  companyId: string,
): BcDocument['api'] {
  const notCovered: Array<{ table: number; field: string }> = [];
  const uncovered = (table: number, field: string) => {
    if (!IMPLIED.has(field) && !notCovered.some((n) => n.table === table && n.field === field))
      notCovered.push({ table, field });
  };
  const map = (r: BcRecord, names: Record<string, string>, extra: Record<string, string> = {}) => {
    const body: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(r.fields)) {
      const property = extra[field] ?? names[field];
      if (property) body[property] = field === 'Type' ? LINE_TYPES[String(value)] : value;
      else uncovered(r.table, field);
    }
    return body;
  };
  const dims = (table: number, lineNo: number) =>
    records
      .filter((r) => r.table === 480 && r.appliesTo?.table === table && r.appliesTo.lineNo === lineNo)
      .map((r) => ({ code: r.fields['Dimension Code'], valueCode: r.fields['Dimension Value Code'] }));
  const company = `companies(${companyId})`;
  for (const r of records.filter((x) => x.table === 5805))
    for (const f of Object.keys(r.fields)) uncovered(5805, f);
  for (const r of records.filter((x) => x.match)) {
    void r;
    for (const f of ['order number', 'order position', 'delivery note (receipt matching)']) uncovered(39, f);
  }
  if (category === 'journal') {
    const requests = records
      .filter((r) => r.table === 81)
      .map((r) => ({
        method: 'POST' as const,
        path: `${company}/journals({journalId})/journalLines`,
        body: {
          ...map(r, JOURNAL_API, { 'Document Date': 'documentDate' }),
          dimensionSetLines: dims(81, Number(r.fields['Line No.'])),
        },
      }));
    return { requests, notCovered };
  }
  const credit = documentType === 'Credit Memo';
  const header = records.find((r) => r.table === 38)!;
  const lines = records.filter((r) => r.table === 39);
  const body = {
    ...map(header, HEADER_API, { 'Document Date': credit ? 'creditMemoDate' : 'invoiceDate' }),
    [credit ? 'purchaseCreditMemoLines' : 'purchaseInvoiceLines']: lines.map((line) => ({
      sequence: line.fields['Line No.'],
      ...map(line, LINE_API),
      dimensionSetLines: dims(39, Number(line.fields['Line No.'])),
    })),
  };
  return {
    requests: [
      { method: 'POST', path: `${company}/${credit ? 'purchaseCreditMemos' : 'purchaseInvoices'}`, body },
    ],
    notCovered,
  };
}
