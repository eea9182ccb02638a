import { decimalText } from '../util/decimal';
import {
  DIMENSION_FIELDS,
  ENTITY_NAMES,
  FIELDS,
  INVOICE_TYPES,
  takesNumberAsText,
  WORKFLOW_TYPES,
  type EdocEntity,
  type EdocField,
} from './fields';
import { withDefaults, type CompanySetup } from './setup';

type Row = Record<string, unknown>;

/** An edoc transfer document: one status, one header, its positions, linked by `event_id` and `ecm_id`. */
export interface TransferDocument {
  status: Row;
  header: Row;
  positions: Row[];
}

/** One finding of "load and check". */
export interface EdocProblem {
  code: string;
  entity: EdocEntity | 'document';
  field?: string;
  /** Index of the position (0-based, as in `path`). */
  row?: number;
  /** The setup setting (or the document field) that made the field mandatory. */
  setting?: string;
  path: string;
  message: string;
}

export interface EdocValidation {
  valid: boolean;
  errorCount: number;
  /** The document is not imported at all (another company's). */
  imported: boolean;
  problems: EdocProblem[];
}

/** How an invoice is posted: journal lines, purchase invoice (cost invoice), or against its order. */
export type Category = 'journal' | 'purchase' | 'order';

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** The category the setup gives a document: with order reference (unless treated as cost invoice), else per "Documenttype cost acc.". */
export function categoryOf(header: Row, setup: CompanySetup): Category {
  const s = withDefaults(setup);
  if (header.workflow_type === 'Invoice with order reference' && !s.treatCommercialInvoiceAsCostInvoice)
    return 'order';
  return s.costDocumentType === 'posting_journal' ? 'journal' : 'purchase';
}

/** A position of an invoice with order reference that is an order line (not an extra line of a mixed invoice). */
export function isOrderLine(position: Row): boolean {
  return !['account', 'fixed_assetid', 'resource', 'charge_item'].some((f) => given(position[f]));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The valid field name closest to `name`. */
export function closestField(entity: EdocEntity, name: string): string {
  let best = FIELDS[entity][0]!.name;
  let bestDistance = Infinity;
  for (const field of FIELDS[entity]) {
    const d = distance(name.toLowerCase(), field.name);
    if (d < bestDistance) [best, bestDistance] = [field.name, d];
  }
  return best;
}

const LOOSE_TEXT: Record<EdocEntity, ReadonlySet<string>> = {
  status: new Set(FIELDS.status.filter(takesNumberAsText).map((field) => field.name)),
  header: new Set(FIELDS.header.filter(takesNumberAsText).map((field) => field.name)),
  positions: new Set(FIELDS.positions.filter(takesNumberAsText).map((field) => field.name)),
};

function normalizeRow(entity: EdocEntity, row: unknown): unknown {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return row;
  const out: Row = {};
  for (const [name, value] of Object.entries(row as Row))
    out[name] =
      typeof value === 'number' && Number.isFinite(value) && LOOSE_TEXT[entity].has(name)
        ? decimalText(value)
        : value;
  return out;
}

/**
 * The document with a JSON number in a text field whose type the source does not fix (a position's `id`,
 * `vendor_id`, `account`, …) as its decimal text (1 → "1", 1.5 → "1.5"); everything else as it is. Loading,
 * mapping and converting all see the document this way. A value that is no transfer document comes back
 * unchanged.
 */
export function normalizeTransfer<T>(document: T): T {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  const doc = document as Record<string, unknown>;
  return {
    ...doc,
    ...('status' in doc ? { status: normalizeRow('status', doc.status) } : {}),
    ...('header' in doc ? { header: normalizeRow('header', doc.header) } : {}),
    ...(Array.isArray(doc.positions)
      ? { positions: doc.positions.map((p: unknown) => normalizeRow('positions', p)) }
      : {}),
  } as T;
}

function typeProblem(field: EdocField, value: unknown): string | undefined {
  switch (field.type) {
    case 'guid':
      return typeof value === 'string' ? undefined : 'text';
    case 'text':
      return typeof value === 'string' ? undefined : takesNumberAsText(field) ? 'text or a number' : 'text';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'a whole number';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'a date (YYYY-MM-DD)';
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value) ? undefined : 'a date and time (ISO 8601)';
  }
}

/**
 * "Load and check": every problem of a transfer document under a company's setup, each with its code,
 * entity, field, row and the setting that made the field mandatory:
 * - `edoc.unknown-field` (with the closest valid name), `edoc.type` (a text field whose type the source does
 *   not fix also takes a number: the document is checked as `normalizeTransfer` gives it);
 * - `edoc.mandatory` for the "Yes" fields; `edoc.setup-mandatory` for setup-dependent fields the setup
 *   requires; `edoc.process-mandatory` for `order_number`, `order_position`, `delivery_note` of lines with
 *   order reference;
 * - `edoc.guid` (event_id), `edoc.invoice-type` (1 or 2), `edoc.workflow-type`, `edoc.link` (status, header
 *   and positions share `event_id` and `ecm_id`), `edoc.company` (another company's document: not imported).
 */
export function validateTransfer(document: unknown, setup: CompanySetup): EdocValidation {
  const problems: EdocProblem[] = [];
  const add = (p: EdocProblem) => problems.push(p);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    add({
      code: 'edoc.structure',
      entity: 'document',
      path: '',
      message: 'A transfer document is an object { status, header, positions }',
    });
    return finish(problems, true);
  }
  const doc = normalizeTransfer(document as Record<string, unknown>);
  for (const key of Object.keys(doc)) {
    if (!['status', 'header', 'positions'].includes(key))
      add({
        code: 'edoc.structure',
        entity: 'document',
        field: key,
        path: `/${key}`,
        message: `Unknown part "${key}": a transfer document has status, header and positions`,
      });
  }
  const part = (key: 'status' | 'header'): Row => {
    const value = doc[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Row;
    add({
      code: 'edoc.structure',
      entity: key,
      path: `/${key}`,
      message: `The ${ENTITY_NAMES[key]} entity is missing (an object)`,
    });
    return {};
  };
  const status = part('status');
  const header = part('header');
  let positions: Row[] = [];
  if (Array.isArray(doc.positions)) positions = doc.positions as Row[];
  else
    add({
      code: 'edoc.structure',
      entity: 'positions',
      path: '/positions',
      message: `The ${ENTITY_NAMES.positions} entity is missing (a list)`,
    });

  const s = withDefaults(setup);
  const category = categoryOf(header, setup);

  const checkRow = (entity: EdocEntity, row: Row, base: string, index?: number) => {
    const at = (field: string) => `${base}/${field}`;
    const where = index === undefined ? ENTITY_NAMES[entity] : `${ENTITY_NAMES[entity]} row ${index}`;
    const known = new Map(FIELDS[entity].map((field) => [field.name, field]));
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      add({
        code: 'edoc.structure',
        entity,
        ...(index !== undefined ? { row: index } : {}),
        path: base,
        message: `${where} is not an object`,
      });
      return;
    }
    for (const [name, value] of Object.entries(row)) {
      const field = known.get(name);
      if (!field) {
        add({
          code: 'edoc.unknown-field',
          entity,
          field: name,
          ...(index !== undefined ? { row: index } : {}),
          path: at(name),
          message: `Unknown field "${name}" in ${where}; did you mean "${closestField(entity, name)}"?`,
        });
        continue;
      }
      if (value === null || value === undefined) continue;
      const expected = typeProblem(field, value);
      if (expected)
        add({
          code: 'edoc.type',
          entity,
          field: name,
          ...(index !== undefined ? { row: index } : {}),
          path: at(name),
          message: `${name} in ${where} must be ${expected}, got ${JSON.stringify(value)}`,
        });
    }
    const require = (name: string, code: string, setting?: string, why?: string) => {
      if (given(row[name])) return;
      add({
        code,
        entity,
        field: name,
        ...(index !== undefined ? { row: index } : {}),
        ...(setting ? { setting } : {}),
        path: at(name),
        message: `${name} is missing in ${where}${why ? ` (${why})` : ''}`,
      });
    };
    for (const field of FIELDS[entity]) if (field.mandatory === 'yes') require(field.name, 'edoc.mandatory');
    if (entity === 'header') {
      if (s.extDocNoMandatory)
        require('external_number', 'edoc.setup-mandatory', 'extDocNoMandatory', 'Ext. Doc. No. Mandatory is on');
      if (s.postingDateSource === 'performance_date')
        require('performance_date', 'edoc.setup-mandatory', 'postingDateSource', 'the posting date comes from the performance date');
      else
        require('posting_date', 'edoc.setup-mandatory', 'postingDateSource', 'the posting date comes from posting_date');
      if (category === 'journal')
        require('gross', 'edoc.setup-mandatory', 'costDocumentType', 'Documenttype cost acc. is Posting Journal');
    }
    if (entity === 'positions') {
      if (category === 'order' || category === 'purchase') {
        const [setting, why] =
          category === 'order'
            ? ['workflow_type', 'an invoice with order reference']
            : ['costDocumentType', 'Documenttype cost acc. is Purchase invoice'];
        for (const name of ['net_amount', 'quantity', 'unit_price'])
          require(name, 'edoc.setup-mandatory', setting, why);
      } else
        require('gross_amount', 'edoc.setup-mandatory', 'costDocumentType', 'Documenttype cost acc. is Posting Journal');
      if (s.overwriteDescriptionWithPostingText && !s.treatCommercialInvoiceAsCostInvoice)
        require('posting_text', 'edoc.setup-mandatory', 'overwriteDescriptionWithPostingText', 'the posting text overwrites the description');
      if (s.enforceBcMandatoryFields)
        DIMENSION_FIELDS.forEach((name, i) => {
          const code = s.dimensionCodes[i];
          if (code)
            require(name, 'edoc.setup-mandatory', `dimensionCodes[${i}]`, `Dimension ${i + 1} code is ${code}`);
        });
      if (category === 'order' && isOrderLine(row))
        for (const name of ['order_number', 'order_position', 'delivery_note'])
          require(name, 'edoc.process-mandatory', 'workflow_type', 'a line with order reference');
    }
    if (given(row.event_id) && typeof row.event_id === 'string' && !GUID.test(row.event_id))
      add({
        code: 'edoc.guid',
        entity,
        field: 'event_id',
        ...(index !== undefined ? { row: index } : {}),
        path: at('event_id'),
        message: `event_id in ${where} must be a GUID, got "${row.event_id}"`,
      });
  };

  checkRow('status', status, '/status');
  checkRow('header', header, '/header');
  positions.forEach((row, i) => checkRow('positions', row, `/positions/${i}`, i));

  if (
    given(header.invoice_type_id) &&
    !(Number(header.invoice_type_id) in INVOICE_TYPES && Number.isInteger(header.invoice_type_id))
  )
    add({
      code: 'edoc.invoice-type',
      entity: 'header',
      field: 'invoice_type_id',
      path: '/header/invoice_type_id',
      message: `invoice_type_id must be 1 (invoice) or 2 (credit memo), got ${JSON.stringify(header.invoice_type_id)}`,
    });
  if (given(header.workflow_type) && !(WORKFLOW_TYPES as readonly unknown[]).includes(header.workflow_type))
    add({
      code: 'edoc.workflow-type',
      entity: 'header',
      field: 'workflow_type',
      path: '/header/workflow_type',
      message: `workflow_type must be "${WORKFLOW_TYPES[0]}" or "${WORKFLOW_TYPES[1]}", got ${JSON.stringify(header.workflow_type)}`,
    });
  for (const key of ['event_id', 'ecm_id'] as const) {
    const expected = header[key];
    if (!given(expected)) continue;
    const others: Array<[EdocEntity, Row, string, number?]> = [
      ['status', status, '/status'],
      ...positions.map((p, i) => ['positions', p, `/positions/${i}`, i] as [EdocEntity, Row, string, number]),
    ];
    for (const [entity, row, base, index] of others) {
      if (given(row?.[key]) && row[key] !== expected)
        add({
          code: 'edoc.link',
          entity,
          field: key,
          ...(index !== undefined ? { row: index } : {}),
          path: `${base}/${key}`,
          message: `${key} ${JSON.stringify(row[key])} does not match the header's ${JSON.stringify(expected)}`,
        });
    }
  }
  let imported = true;
  if (given(header.company_id) && header.company_id !== setup.companyId) {
    imported = false;
    add({
      code: 'edoc.company',
      entity: 'header',
      field: 'company_id',
      setting: 'companyId',
      path: '/header/company_id',
      message: `company_id ${JSON.stringify(header.company_id)} is not this company's (${setup.companyId}): the document is not imported`,
    });
  }
  return finish(problems, imported);
}

function finish(problems: EdocProblem[], imported: boolean): EdocValidation {
  return { valid: problems.length === 0, errorCount: problems.length, imported, problems };
}
