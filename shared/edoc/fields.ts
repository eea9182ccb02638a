/**
 * The edoc transfer data model (edoc invoice → edoc D365 BC invoice cockpit): the three entities "Edoc Inv.
 * Cp. Transfer Status", "… Transfer Header" and "… Transfer Pos.", every field under its exact name, with
 * its type, whether it is mandatory ("Yes", setup-dependent, process-dependent or "No"), and where it goes
 * in Business Central per invoice category. This table is the single source: the JSON Schemas, the rules,
 * the mapping into BC and the docs' mapping table are derived from it.
 */
export type EdocEntity = 'status' | 'header' | 'positions';

export const ENTITY_NAMES: Record<EdocEntity, string> = {
  status: 'Edoc Inv. Cp. Transfer Status',
  header: 'Edoc Inv. Cp. Transfer Header',
  positions: 'Edoc Inv. Cp. Transfer Pos.',
};

export type FieldType = 'guid' | 'text' | 'integer' | 'decimal' | 'date' | 'datetime' | 'boolean';

/** The source's "Mandatory field" column: Yes, No, Setup-dependent, Process-dependent. */
export type Mandatory = 'yes' | 'no' | 'setup' | 'process';

/**
 * The BC field a value goes to, per invoice category: without order reference into table 81 "Gen. Journal
 * Line" (`journal`) or table 38/39 "Purchase Header"/"Purchase Line" (`purchase`), with order reference
 * into 38/39 (`order`). Absent: "Without effect." A `*` marks a field used only on the extra lines of a
 * mixed invoice (lines without order reference on an invoice with order reference).
 */
export interface BcTarget {
  journal?: string;
  purchase?: string;
  order?: string;
}

export interface EdocField {
  name: string;
  /** The "Dynamics 365 BC field" column (usually the same name). */
  bcName: string;
  /**
   * The JSON type the field takes. The source has no type column: it fixes the type of a few fields
   * (`typeFixed`); for the others the type is this model's reading of the field's description.
   */
  type: FieldType;
  /**
   * The source fixes the type: `event_id` (GUID format), `invoice_type_id` (1 or 2), `workflow_type` (one of
   * two texts) and the `map_field_*` fields, whose names say their data type (dec, text, date). A text
   * field whose type the source does not fix also takes a JSON number, as its decimal text.
   */
  typeFixed?: boolean;
  mandatory: Mandatory;
  bc?: BcTarget;
}

/** The BC field (on 38, 39 and 81) that carries the document's id in the ECM archive. */
export const ECM_FIELD = 'Edoc Invoice Cockpit ECM ID';

/** The same BC field in every category. */
const everywhere = (field: string): BcTarget => ({ journal: field, purchase: field, order: field });

function f(
  name: string,
  type: FieldType,
  mandatory: Mandatory = 'no',
  bc?: BcTarget,
  bcName: string = name,
): EdocField {
  return { name, bcName, type, mandatory, ...(bc ? { bc } : {}) };
}

/** A field whose type the source fixes. */
const fixed = (field: EdocField): EdocField => ({ ...field, typeFixed: true });

/**
 * `map_field_dec..map_field_dec5` style ranges of the source's fields "for your own purposes", whose names
 * fix their data type: the first name has no number, the others 2..n.
 */
function numbered(prefix: string, type: FieldType, last: number): EdocField[] {
  return Array.from({ length: last }, (_, i) => fixed(f(i === 0 ? prefix : `${prefix}${i + 1}`, type)));
}

/** `net_amount_1..net_amount_4` */
function indexed(prefix: string, type: FieldType, last: number): EdocField[] {
  return Array.from({ length: last }, (_, i) => f(`${prefix}_${i + 1}`, type));
}

export const STATUS_FIELDS: readonly EdocField[] = [
  fixed(f('event_id', 'guid', 'yes')),
  f('event_name', 'text'),
  f('ecm_id', 'text'),
  f('created_at', 'datetime'),
  f('transferred_at', 'datetime'),
  f('schema_version', 'text'),
  f('edoc_document_id', 'text'),
];

export const HEADER_FIELDS: readonly EdocField[] = [
  fixed(f('event_id', 'guid', 'yes')),
  f('ecm_id', 'text', 'yes', everywhere(ECM_FIELD)),
  f('company_id', 'text', 'yes'),
  f('finance_id', 'text'),
  f('barcode', 'text'),
  f('vendor_id', 'text', 'yes', {
    journal: 'Account No.',
    purchase: 'Buy-from Vendor No.',
    order: 'Buy-from Vendor No.',
  }),
  f('vendor_name', 'text'),
  f('vendor_vat_id', 'text'),
  f('vendor_tax_id', 'text'),
  f('vendor_address_street', 'text'),
  f('vendor_address_city', 'text'),
  f('vendor_address_zip', 'text'),
  f('vendor_address_country', 'text'),
  f('vendor_bank_iban', 'text'),
  f('vendor_bank_bic', 'text'),
  f('vendor_bank_account', 'text'),
  f('vendor_bank_code', 'text'),
  f('vendor_bank_name', 'text'),
  fixed(f('invoice_type_id', 'integer', 'yes', everywhere('Document Type'))),
  f('invoice_type_text', 'text'),
  f('confidential', 'boolean'),
  fixed(f('workflow_type', 'text', 'yes')),
  f('order_numbers', 'text'),
  f('delivery_notes', 'text'),
  // The source gives the journal's field only; on purchase documents BC's "Ext. Doc. No. Mandatory"
  // governs the vendor's document number (Vendor Invoice No. / Vendor Cr. Memo No.).
  f('external_number', 'text', 'setup', {
    journal: 'External Document No.',
    purchase: 'Vendor Invoice No.',
    order: 'Vendor Invoice No.',
  }),
  f('internal_number', 'text'),
  // The source leaves its BC columns empty; it is the document date.
  f('invoice_date', 'date', 'yes', everywhere('Document Date')),
  f('valuta_date', 'date'),
  f('performance_date', 'date', 'setup', everywhere('Posting Date')),
  f('posting_date', 'date', 'setup', everywhere('Posting Date')),
  f('currency', 'text', 'no', everywhere('Currency Code')),
  f('exchange_rate', 'decimal'),
  f('net_amount_1', 'decimal'),
  f('vat_amount_1', 'decimal'),
  f('vat_percent_1', 'decimal'),
  ...indexed('net_amount', 'decimal', 4).slice(1),
  ...indexed('vat_amount', 'decimal', 4).slice(1),
  ...indexed('vat_percent', 'decimal', 4).slice(1),
  f('net_total', 'decimal'),
  f('vat_total', 'decimal'),
  f('gross', 'decimal', 'setup', { journal: 'Amount' }),
  f('payment_terms_id', 'text'),
  f('payment_terms_text', 'text'),
  f('payment_discount_days', 'integer'),
  f('payment_discount_month', 'integer'),
  f('payment_discount_percent', 'decimal'),
  f('payment_net_days', 'integer'),
  f('payment_net_month', 'integer'),
  f('payment_due_date', 'date'),
  f('payment_discount_date', 'date'),
  f('payment_discount_amount', 'decimal'),
  f('payment_discount_use', 'boolean'),
  f('payment_net_date', 'date'),
  f('gen_bus_posting_group', 'text'),
  f('vat_bus_posting_group', 'text'),
  ...numbered('map_field_dec', 'decimal', 5),
  ...numbered('map_field_text', 'text', 5),
  ...numbered('map_field_date', 'date', 3),
  f('posted_date', 'date'),
  f('posted_clerk', 'text'),
  f('posted_group', 'text'),
];

const MIXED = (field: string) => `${field} *`;

export const POSITION_FIELDS: readonly EdocField[] = [
  f('id', 'text', 'yes'),
  fixed(f('event_id', 'guid', 'yes')),
  f('ecm_id', 'text', 'yes', everywhere(ECM_FIELD)),
  f('row_index', 'integer'),
  f('account', 'text', 'no', { journal: 'Account No.', purchase: 'No.', order: MIXED('No.') }),
  f('cost_center', 'text', 'setup', everywhere('Dimension 1')),
  f('cost_object', 'text', 'setup', everywhere('Dimension 2')),
  ...[3, 4, 5, 6, 7, 8].map((n) => f(`dim_${n}_value_code`, 'text', 'setup', everywhere(`Dimension ${n}`))),
  f('posting_key', 'text'),
  f('net_amount', 'decimal', 'setup', { purchase: 'Line Amount', order: 'Line Amount' }, 'AmountNet'),
  f('vat_amount', 'decimal'),
  f('vat_percent', 'decimal'),
  f('vat_code', 'text'),
  f('gross_amount', 'decimal', 'setup', { journal: 'Amount' }),
  f('order_number', 'text', 'process'),
  f('order_position', 'text', 'process'),
  f('delivery_note', 'text', 'process'),
  f('quantity', 'decimal', 'setup', { purchase: 'Quantity', order: 'Quantity' }),
  f('unit_price', 'decimal', 'setup', { purchase: 'Direct Unit Cost', order: 'Direct Unit Cost' }),
  f('price_units', 'decimal'),
  f('item_number', 'text'),
  f('item_description', 'text'),
  f('posting_text', 'text', 'setup', everywhere('Description'), 'PostingText'),
  f(
    'fixed_assetid',
    'text',
    'no',
    { journal: 'Account No.', purchase: 'No.', order: MIXED('No.') },
    'FixedAssetId',
  ),
  f('resource', 'text', 'no', { purchase: 'No.', order: MIXED('No.') }),
  f('charge_item', 'text', 'no', { purchase: 'No.', order: MIXED('No.') }),
  f('item_charge_distribution_type', 'text', 'no', { order: 'Item Charge Assignment (Purch)' }),
  f('gen_jnl_line_fa_posting_type', 'text', 'no', { journal: 'FA Posting Type' }),
  f('gen_bus_posting_group', 'text', 'no', {
    journal: 'Gen. Bus. Posting Group',
    purchase: 'Gen. Bus. Posting Group',
    order: MIXED('Gen. Bus. Posting Group'),
  }),
  f('gen_prod_posting_group', 'text', 'no', {
    journal: 'Gen. Prod. Posting Group',
    purchase: 'Gen. Prod. Posting Group',
    order: MIXED('Gen. Prod. Posting Group'),
  }),
  f('vat_bus_posting_group', 'text', 'no', {
    journal: 'VAT Bus. Posting Group',
    purchase: 'VAT Bus. Posting Group',
    order: MIXED('VAT Bus. Posting Group'),
  }),
  f('vat_prod_posting_group', 'text', 'no', {
    journal: 'VAT Prod. Posting Group',
    purchase: 'VAT Prod. Posting Group',
    order: MIXED('VAT Prod. Posting Group'),
  }),
  ...numbered('map_field_dec', 'decimal', 5),
  ...numbered('map_field_text', 'text', 5),
];

export const FIELDS: Record<EdocEntity, readonly EdocField[]> = {
  status: STATUS_FIELDS,
  header: HEADER_FIELDS,
  positions: POSITION_FIELDS,
};

export const WORKFLOW_TYPES = ['Invoice without order reference', 'Invoice with order reference'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** invoice_type_id: 1 invoice, 2 credit memo. */
export const INVOICE_TYPES: Record<number, 'Invoice' | 'Credit Memo'> = { 1: 'Invoice', 2: 'Credit Memo' };

/** Dimension value fields of a position, index 0 = Dimension 1. */
export const DIMENSION_FIELDS = [
  'cost_center',
  'cost_object',
  'dim_3_value_code',
  'dim_4_value_code',
  'dim_5_value_code',
  'dim_6_value_code',
  'dim_7_value_code',
  'dim_8_value_code',
] as const;

/** A text field whose type the source does not fix: a JSON number is taken as its decimal text. */
export const takesNumberAsText = (field: EdocField): boolean => field.type === 'text' && !field.typeFixed;

const JSON_TYPES: Record<FieldType, object> = {
  guid: { type: 'string' },
  text: { type: 'string' },
  integer: { type: 'integer' },
  decimal: { type: 'number' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  boolean: { type: 'boolean' },
};

/**
 * The JSON Schema of one entity: every field under its exact name and JSON type (a text field whose type
 * the source does not fix also as a number), nothing else. Null stands for "not given". Mandatory fields
 * are not `required` here: which are depends on the setup, and the rules report them with the setting that
 * made them mandatory.
 */
export function entitySchema(entity: EdocEntity): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: ENTITY_NAMES[entity],
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      FIELDS[entity].map((field) => [
        field.name,
        {
          anyOf: [
            JSON_TYPES[field.type],
            ...(takesNumberAsText(field) ? [{ type: 'number' }] : []),
            { type: 'null' },
          ],
          description: `${field.bcName}; mandatory: ${field.mandatory}`,
        },
      ]),
    ),
  };
}

const MANDATORY_TEXT: Record<Mandatory, string> = {
  yes: 'Yes',
  no: 'No',
  setup: 'Setup-dependent',
  process: 'Process-dependent',
};

/**
 * The field mapping as implemented, one Markdown table per entity (docs/edoc.md is checked against it);
 * "(fixed)" after a type the source fixes.
 */
export function fieldTablesMarkdown(): string {
  const cell = (value: string | undefined) => value ?? '—';
  return (['status', 'header', 'positions'] as const)
    .map((entity) => {
      const rows = FIELDS[entity].map(
        (field) =>
          `| \`${field.name}\` | ${field.bcName} | ${field.type}${field.typeFixed ? ' (fixed)' : ''} | ${MANDATORY_TEXT[field.mandatory]} | ${cell(field.bc?.journal)} | ${cell(field.bc?.purchase)} | ${cell(field.bc?.order)} |`,
      );
      return [
        `### ${ENTITY_NAMES[entity]}`,
        '',
        '| field | BC field | type | mandatory | table 81 (journal) | table 38/39 (purchase invoice) | table 38/39 (with order reference) |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}
