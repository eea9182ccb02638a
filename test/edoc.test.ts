import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBusinessCentral, type BcRecord } from '../shared/edoc/bc';
import { invoiceFromTransfer, transferFromInvoice } from '../shared/edoc/convert';
import { shippedFormats } from '../shared/formats/mapping';
import { ECM_FIELD, entitySchema, fieldTablesMarkdown, FIELDS, type EdocEntity } from '../shared/edoc/fields';
import type { CompanySetup } from '../shared/edoc/setup';
import { validateTransfer, type TransferDocument } from '../shared/edoc/validate';
import { packageRoot } from '../shared/util/package-root';
import { tempDir } from './support/temp';
import { ajv } from '../shared/validation/schema';
import { corpusDir } from './support/corpus';
import { ECM, orderLine, SETUP, transfer } from './support/edoc';

const tables = (records: BcRecord[]) => records.map((r) => r.table);

describe('edoc transfer model: the fields of the source document', () => {
  const spec = (() => {
    const dir = corpusDir();
    return dir ? readFileSync(join(dir, '..', 'spec', 'edoc-transfer-data-model.txt'), 'utf8') : undefined;
  })();

  /** Rows of the source's three tables: name, BC name, mandatory column; ranges expanded. */
  function specRows(): Record<EdocEntity, Array<{ name: string; bcName: string; mandatory: string }>> {
    const lines = spec!.split('\n').map((l) => l.replace(/\s*\|\s*$/, '').trim());
    const starts = lines
      .map((l, i) => [l, i] as const)
      .filter(([l]) => /^"Edoc Inv\. Cp\. Transfer (status|header|Pos\.)" table/i.test(l))
      .map(([, i]) => i);
    const out = { status: [], header: [], positions: [] } as ReturnType<typeof specRows>;
    (['status', 'header', 'positions'] as const).forEach((entity, t) => {
      const end = starts[t + 1] ?? lines.length;
      for (let i = starts[t]!; i < end - 3; i++) {
        const [name, bcName, mandatory] = [lines[i + 1]!, lines[i + 2]!, lines[i + 3]!];
        if (lines[i] !== '' || !/^[a-z][a-z0-9_]*(\.\.[a-z0-9_]+)?$/.test(name)) continue;
        if (!/^(Yes|No|Setup-dependent|Process-dependent)$/.test(mandatory)) continue;
        for (const [n, b] of expand(name, bcName)) out[entity].push({ name: n, bcName: b, mandatory });
      }
    });
    return out;
  }

  /** `map_field_dec..map_field_dec5`, `net_amount_2..net_amount_4`, `dim_3_value_code..dim_8_value_code`. */
  function expand(name: string, bcName: string): Array<[string, string]> {
    const range = /^(.*?)(\d*)(_value_code)?\.\.(.*?)(\d+)(_value_code)?$/.exec(name);
    if (!range) return [[name, bcName]];
    const [, prefix, from = '', suffix = ''] = range;
    const to = Number(range[5]);
    const first = from === '' ? 1 : Number(from);
    return Array.from({ length: to - first + 1 }, (_, i) => {
      const n = first + i;
      const expanded = `${prefix}${n === 1 && from === '' ? '' : n}${suffix}`;
      return [expanded, expanded];
    });
  }

  const mandatoryOf = {
    Yes: 'yes',
    No: 'no',
    'Setup-dependent': 'setup',
    'Process-dependent': 'process',
  } as const;

  (spec ? it : it.skip)(
    'has every field of the source, in its order, with its BC name and mandatory column',
    () => {
      const rows = specRows();
      for (const entity of ['status', 'header', 'positions'] as const) {
        expect(FIELDS[entity].map((f) => [f.name, f.bcName, f.mandatory])).toEqual(
          rows[entity].map((r) => [r.name, r.bcName, mandatoryOf[r.mandatory as keyof typeof mandatoryOf]]),
        );
      }
      expect(rows.header.map((r) => r.name)).toEqual(
        expect.arrayContaining(['map_field_date3', 'net_amount_4']),
      );
      expect(rows.positions.map((r) => r.name)).toEqual(
        expect.arrayContaining(['dim_8_value_code', 'map_field_text5']),
      );
    },
  );

  it('JSON Schemas accept a transfer document and name an unknown field', () => {
    const document = transfer();
    for (const entity of ['status', 'header'] as const) {
      const validate = ajv().compile(entitySchema(entity));
      expect(validate(document[entity])).toBe(true);
      expect(validate({ ...document[entity], vendor_nmae: 'x' })).toBe(false);
    }
    const positions = ajv().compile(entitySchema('positions'));
    expect(positions(document.positions[0])).toBe(true);
    expect(positions({ ...document.positions[0], quantity: 'two' })).toBe(false);
  });
});

describe('edoc rules: each violated once', () => {
  const check = (document: unknown, setup: CompanySetup = SETUP) => validateTransfer(document, setup);

  it('a valid document passes under the default setup', () => {
    expect(check(transfer())).toEqual({ valid: true, errorCount: 0, imported: true, problems: [] });
  });

  it('an unknown field names the closest valid one', () => {
    const result = check(transfer({ vendor_nmae: 'Fabrikam' }, [{ qantity: 2 }]));
    expect(result.problems).toEqual([
      {
        code: 'edoc.unknown-field',
        entity: 'header',
        field: 'vendor_nmae',
        path: '/header/vendor_nmae',
        message: 'Unknown field "vendor_nmae" in Edoc Inv. Cp. Transfer Header; did you mean "vendor_name"?',
      },
      {
        code: 'edoc.unknown-field',
        entity: 'positions',
        field: 'qantity',
        row: 0,
        path: '/positions/0/qantity',
        message: 'Unknown field "qantity" in Edoc Inv. Cp. Transfer Pos. row 0; did you mean "quantity"?',
      },
    ]);
    expect(result.errorCount).toBe(2);
  });

  it('a value of the wrong type', () => {
    expect(check(transfer({ invoice_date: '02.11.2026' }, [{ quantity: '2' }])).problems).toEqual([
      expect.objectContaining({
        code: 'edoc.type',
        entity: 'header',
        field: 'invoice_date',
        message:
          'invoice_date in Edoc Inv. Cp. Transfer Header must be a date (YYYY-MM-DD), got "02.11.2026"',
      }),
      expect.objectContaining({ code: 'edoc.type', entity: 'positions', field: 'quantity', row: 0 }),
    ]);
  });

  it('"Yes" fields always', () => {
    const document = transfer();
    delete document.header.vendor_id;
    delete document.positions[0]!.id;
    expect(check(document).problems).toEqual([
      {
        code: 'edoc.mandatory',
        entity: 'header',
        field: 'vendor_id',
        path: '/header/vendor_id',
        message: 'vendor_id is missing in Edoc Inv. Cp. Transfer Header',
      },
      {
        code: 'edoc.mandatory',
        entity: 'positions',
        field: 'id',
        row: 0,
        path: '/positions/0/id',
        message: 'id is missing in Edoc Inv. Cp. Transfer Pos. row 0',
      },
    ]);
  });

  it.each([
    [
      'external_number',
      { extDocNoMandatory: true },
      'header',
      'extDocNoMandatory',
      'Ext. Doc. No. Mandatory is on',
    ],
    [
      'performance_date',
      { postingDateSource: 'performance_date' },
      'header',
      'postingDateSource',
      'the posting date comes from the performance date',
    ],
    ['posting_date', {}, 'header', 'postingDateSource', 'the posting date comes from posting_date'],
    [
      'gross',
      { costDocumentType: 'posting_journal' },
      'header',
      'costDocumentType',
      'Documenttype cost acc. is Posting Journal',
    ],
    [
      'gross_amount',
      { costDocumentType: 'posting_journal' },
      'positions',
      'costDocumentType',
      'Documenttype cost acc. is Posting Journal',
    ],
    [
      'net_amount',
      { costDocumentType: 'purchase_invoice' },
      'positions',
      'costDocumentType',
      'Documenttype cost acc. is Purchase invoice',
    ],
    ['quantity', {}, 'positions', 'costDocumentType', 'Documenttype cost acc. is Purchase invoice'],
    ['unit_price', {}, 'positions', 'costDocumentType', 'Documenttype cost acc. is Purchase invoice'],
    [
      'posting_text',
      { overwriteDescriptionWithPostingText: true },
      'positions',
      'overwriteDescriptionWithPostingText',
      'the posting text overwrites the description',
    ],
    [
      'cost_object',
      { enforceBcMandatoryFields: true, dimensionCodes: ['', 'KTR'] },
      'positions',
      'dimensionCodes[1]',
      'Dimension 2 code is KTR',
    ],
  ] as const)('setup-dependent: %s when %j', (field, setting, entity, name, why) => {
    const document = transfer();
    const row = entity === 'header' ? document.header : document.positions[0]!;
    delete row[field];
    const setup = { ...SETUP, ...setting } as CompanySetup;
    expect(check(document, setup).problems).toEqual([
      {
        code: 'edoc.setup-mandatory',
        entity,
        field,
        ...(entity === 'positions' ? { row: 0 } : {}),
        setting: name,
        path: entity === 'header' ? `/header/${field}` : `/positions/0/${field}`,
        message: `${field} is missing in ${entity === 'header' ? 'Edoc Inv. Cp. Transfer Header' : 'Edoc Inv. Cp. Transfer Pos. row 0'} (${why})`,
      },
    ]);
    // Under a setup that does not ask for it, the same document is valid.
    const relaxed: CompanySetup =
      field === 'posting_date'
        ? { ...SETUP, postingDateSource: 'performance_date' }
        : ['net_amount', 'quantity', 'unit_price'].includes(field)
          ? { ...SETUP, costDocumentType: 'posting_journal' }
          : SETUP;
    expect(check(document, relaxed).problems).toEqual([]);
  });

  it('process-dependent: order number, position and delivery note for lines with order reference', () => {
    const document = transfer({ workflow_type: 'Invoice with order reference' }, [
      orderLine('10', 100, { delivery_note: undefined, order_position: undefined }),
      { account: '6300' }, // an extra line of a mixed invoice needs none of them
    ]);
    expect(check(document).problems).toEqual(
      ['order_position', 'delivery_note'].map((field) => ({
        code: 'edoc.process-mandatory',
        entity: 'positions',
        field,
        row: 0,
        setting: 'workflow_type',
        path: `/positions/0/${field}`,
        message: `${field} is missing in Edoc Inv. Cp. Transfer Pos. row 0 (a line with order reference)`,
      })),
    );
  });

  it('event_id in GUID format', () => {
    const document = transfer();
    document.positions[0]!.event_id = 'evt-17';
    document.header.event_id = 'evt-17';
    document.status.event_id = 'evt-17';
    expect(check(document).problems.map((p) => [p.code, p.entity, p.path])).toEqual([
      ['edoc.guid', 'status', '/status/event_id'],
      ['edoc.guid', 'header', '/header/event_id'],
      ['edoc.guid', 'positions', '/positions/0/event_id'],
    ]);
    expect(check(document).problems[0]!.message).toBe(
      'event_id in Edoc Inv. Cp. Transfer Status must be a GUID, got "evt-17"',
    );
  });

  it('invoice_type_id 1 or 2, workflow_type one of two', () => {
    expect(check(transfer({ invoice_type_id: 3, workflow_type: 'Invoice with PO' })).problems).toEqual([
      {
        code: 'edoc.invoice-type',
        entity: 'header',
        field: 'invoice_type_id',
        path: '/header/invoice_type_id',
        message: 'invoice_type_id must be 1 (invoice) or 2 (credit memo), got 3',
      },
      {
        code: 'edoc.workflow-type',
        entity: 'header',
        field: 'workflow_type',
        path: '/header/workflow_type',
        message:
          'workflow_type must be "Invoice without order reference" or "Invoice with order reference", got "Invoice with PO"',
      },
    ]);
  });

  it('status, header and positions share event_id and ecm_id', () => {
    expect(check(transfer({}, [{ ecm_id: 'ECM-OTHER' }])).problems).toEqual([
      {
        code: 'edoc.link',
        entity: 'positions',
        field: 'ecm_id',
        row: 0,
        path: '/positions/0/ecm_id',
        message: `ecm_id "ECM-OTHER" does not match the header's "${ECM}"`,
      },
    ]);
  });

  it("another company's document is not imported", () => {
    const result = check(transfer({ company_id: 'OTHER' }));
    expect(result).toMatchObject({ valid: false, imported: false, errorCount: 1 });
    expect(result.problems).toEqual([
      {
        code: 'edoc.company',
        entity: 'header',
        field: 'company_id',
        setting: 'companyId',
        path: '/header/company_id',
        message: 'company_id "OTHER" is not this company\'s (CRONUS): the document is not imported',
      },
    ]);
  });

  it('counts every problem of an invoice, like "load and check"', () => {
    const document = transfer({ invoice_type_id: 9, vendor_id: null }, [{ qantity: 1 }, { quantity: 'x' }]);
    const result = check(document, { ...SETUP, extDocNoMandatory: true });
    expect(result.errorCount).toBe(result.problems.length);
    expect(result.problems.map((p) => p.code).sort()).toEqual(
      ['edoc.invoice-type', 'edoc.mandatory', 'edoc.type', 'edoc.unknown-field'].sort(),
    );
  });
});

describe('edoc → Business Central, per category and setup', () => {
  it('without order reference, posting journal: the vendor line and G/L lines, signed as BC posts them', () => {
    const bc = toBusinessCentral(transfer(), { ...SETUP, costDocumentType: 'posting_journal' });
    expect(bc).toMatchObject({ category: 'journal', documentType: 'Invoice', notes: [] });
    expect(bc.records).toEqual([
      {
        table: 81,
        tableName: 'Gen. Journal Line',
        ecmId: ECM,
        fields: {
          'Line No.': 10000,
          'Account Type': 'Vendor',
          'Account No.': 'V10000',
          Amount: -119,
          Description: 'Fabrikam GmbH',
          'Document Type': 'Invoice',
          'Posting Date': '2026-11-05',
          'Document Date': '2026-11-02',
          'External Document No.': 'R-2026-17',
          'Currency Code': 'EUR',
          [ECM_FIELD]: ECM,
        },
      },
      {
        table: 81,
        tableName: 'Gen. Journal Line',
        ecmId: ECM,
        fields: {
          'Line No.': 20000,
          'Account Type': 'G/L Account',
          'Account No.': '6100',
          Amount: 119,
          Description: 'Paper A4',
          'Document Type': 'Invoice',
          'Posting Date': '2026-11-05',
          'Document Date': '2026-11-02',
          'External Document No.': 'R-2026-17',
          'Currency Code': 'EUR',
          [ECM_FIELD]: ECM,
        },
      },
    ]);
    expect(bc.api.requests).toEqual([
      expect.objectContaining({
        path: 'companies(CRONUS)/journals({journalId})/journalLines',
        body: expect.objectContaining({ accountType: 'Vendor', accountNumber: 'V10000', amount: -119 }),
      }),
      expect.objectContaining({
        body: expect.objectContaining({ accountType: 'G/L Account', accountNumber: '6100', amount: 119 }),
      }),
    ]);
    expect(bc.api.notCovered).toEqual(expect.arrayContaining([{ table: 81, field: ECM_FIELD }]));
  });

  it('without order reference, purchase invoice: header and lines', () => {
    const bc = toBusinessCentral(transfer(), SETUP);
    expect(bc.category).toBe('purchase');
    expect(bc.records).toEqual([
      {
        table: 38,
        tableName: 'Purchase Header',
        ecmId: ECM,
        fields: {
          'Document Type': 'Invoice',
          'Buy-from Vendor No.': 'V10000',
          'Posting Date': '2026-11-05',
          'Document Date': '2026-11-02',
          'Vendor Invoice No.': 'R-2026-17',
          'Currency Code': 'EUR',
          [ECM_FIELD]: ECM,
        },
      },
      {
        table: 39,
        tableName: 'Purchase Line',
        ecmId: ECM,
        fields: {
          'Document Type': 'Invoice',
          'Line No.': 10000,
          Type: 'G/L Account',
          'No.': '6100',
          Quantity: 1,
          'Direct Unit Cost': 100,
          'Line Amount': 100,
          Description: 'Paper A4',
          [ECM_FIELD]: ECM,
        },
      },
    ]);
    expect(bc.api.requests).toEqual([
      {
        method: 'POST',
        path: 'companies(CRONUS)/purchaseInvoices',
        body: {
          vendorNumber: 'V10000',
          postingDate: '2026-11-05',
          invoiceDate: '2026-11-02',
          vendorInvoiceNumber: 'R-2026-17',
          currencyCode: 'EUR',
          purchaseInvoiceLines: [
            {
              sequence: 10000,
              lineType: 'Account',
              lineObjectNumber: '6100',
              quantity: 1,
              unitCost: 100,
              description: 'Paper A4',
              dimensionSetLines: [],
            },
          ],
        },
      },
    ]);
  });

  it('with order reference: order lines matched by order number, position and delivery note; a mixed line; charges distributed', () => {
    const document = transfer({ workflow_type: 'Invoice with order reference' }, [
      orderLine('10', 300),
      orderLine('20', 100),
      { account: '6300', net_amount: 20, quantity: 1, unit_price: 20, item_description: 'Freight insurance' },
      {
        account: undefined,
        charge_item: 'FREIGHT',
        net_amount: 40,
        quantity: 1,
        unit_price: 40,
        item_charge_distribution_type: 'By Amount',
        item_description: 'Freight',
      },
    ]);
    expect(validateTransfer(document, SETUP).problems).toEqual([]);
    const bc = toBusinessCentral(document, SETUP);
    expect(bc.category).toBe('order');
    expect(tables(bc.records)).toEqual([38, 39, 39, 39, 39, 5805, 5805]);
    const [, first, , mixed, charge, a1, a2] = bc.records;
    expect(first).toMatchObject({
      fields: { Type: 'Item', Quantity: 2, 'Direct Unit Cost': 150, 'Line Amount': 300 },
      match: { orderNumber: 'PO-1001', orderPosition: '10', deliveryNote: 'RCPT-7001' },
    });
    expect(first!.fields['No.']).toBeUndefined();
    expect(mixed).toMatchObject({ fields: { Type: 'G/L Account', 'No.': '6300', 'Line Amount': 20 } });
    expect(charge).toMatchObject({ fields: { Type: 'Charge (Item)', 'No.': 'FREIGHT', 'Line No.': 40000 } });
    // By amount: 300 : 100 → 30.00 and 10.00 of 40.00; quantity 0.75 and 0.25.
    expect([a1, a2].map((a) => a!.fields)).toEqual([
      expect.objectContaining({
        'Document Line No.': 40000,
        'Item Charge No.': 'FREIGHT',
        'Applies-to Doc. Type': 'Receipt',
        'Applies-to Doc. No.': 'RCPT-7001',
        'Applies-to Doc. Line No.': '10',
        'Qty. to Assign': 0.75,
        'Amount to Assign': 30,
      }),
      expect.objectContaining({
        'Applies-to Doc. Line No.': '20',
        'Qty. to Assign': 0.25,
        'Amount to Assign': 10,
      }),
    ]);
    expect(bc.api.notCovered).toEqual(
      expect.arrayContaining([
        { table: 39, field: 'order number' },
        { table: 5805, field: 'Qty. to Assign' },
      ]),
    );
  });

  it('item charges: equally, or left to the clerk when the setup distributes them manually', () => {
    const document = transfer({ workflow_type: 'Invoice with order reference' }, [
      orderLine('10', 300),
      orderLine('20', 100),
      orderLine('30', 100),
      {
        account: undefined,
        charge_item: 'FREIGHT',
        net_amount: 10,
        quantity: 1,
        unit_price: 10,
        item_charge_distribution_type: 'Equally',
      },
    ]);
    const equally = toBusinessCentral(document, SETUP).records.filter((r) => r.table === 5805);
    expect(equally.map((r) => [r.fields['Qty. to Assign'], r.fields['Amount to Assign']])).toEqual([
      [0.33333, 3.33],
      [0.33333, 3.33],
      [0.33334, 3.34],
    ]);
    const manual = toBusinessCentral(document, { ...SETUP, distributeItemChargeManually: true });
    expect(manual.records.filter((r) => r.table === 5805)).toEqual([]);
    expect(manual.notes).toEqual(['Charge (item) FREIGHT on line 40000: to be assigned manually (setup)']);
  });

  it('credit memo: document type from invoice_type_id 2, signs reversed in the journal', () => {
    const document = transfer({ invoice_type_id: 2 });
    const journal = toBusinessCentral(document, { ...SETUP, costDocumentType: 'posting_journal' });
    expect(journal.records.map((r) => [r.fields['Document Type'], r.fields.Amount])).toEqual([
      ['Credit Memo', 119],
      ['Credit Memo', -119],
    ]);
    const purchase = toBusinessCentral(document, SETUP);
    expect(purchase.records[0]!.fields).toMatchObject({
      'Document Type': 'Credit Memo',
      'Vendor Cr. Memo No.': 'R-2026-17',
    });
    expect(purchase.api.requests[0]).toMatchObject({
      path: 'companies(CRONUS)/purchaseCreditMemos',
      body: {
        creditMemoDate: '2026-11-02',
        purchaseCreditMemoLines: [expect.objectContaining({ lineObjectNumber: '6100' })],
      },
    });
    expect(purchase.api.notCovered).toEqual(
      expect.arrayContaining([{ table: 38, field: 'Vendor Cr. Memo No.' }]),
    );
  });

  it('fixed asset: account type and FA posting type in the journal, line type in a purchase invoice', () => {
    const document = transfer({}, [
      { account: undefined, fixed_assetid: 'FA000010', gen_jnl_line_fa_posting_type: 'Acquisition Cost' },
    ]);
    const journal = toBusinessCentral(document, { ...SETUP, costDocumentType: 'posting_journal' });
    expect(journal.records[1]!.fields).toMatchObject({
      'Account Type': 'Fixed Asset',
      'Account No.': 'FA000010',
      'FA Posting Type': 'Acquisition Cost',
    });
    const purchase = toBusinessCentral(document, SETUP);
    expect(purchase.records[1]!.fields).toMatchObject({ Type: 'Fixed Asset', 'No.': 'FA000010' });
    expect(purchase.api.requests[0]!.body.purchaseInvoiceLines).toEqual([
      expect.objectContaining({ lineType: 'Fixed Asset', lineObjectNumber: 'FA000010' }),
    ]);
  });

  it('dimensions 1..8: one dimension set entry per configured code and given value, after the lines', () => {
    const codes = ['KST', 'KTR', 'PROJ', 'REGION', 'AREA', 'SALES', 'CUST', 'BU'];
    const values = {
      cost_center: '1000',
      cost_object: 'K-7',
      dim_3_value_code: 'P-1',
      dim_4_value_code: 'NORTH',
      dim_5_value_code: 'A1',
      dim_6_value_code: 'S9',
      dim_7_value_code: 'C42',
      dim_8_value_code: 'BU2',
    };
    const bc = toBusinessCentral(
      transfer({}, [values, { ...values, cost_center: '2000', dim_8_value_code: undefined }]),
      { ...SETUP, dimensionCodes: codes },
    );
    expect(tables(bc.records)).toEqual([38, 39, 39, ...Array(15).fill(480)]);
    const entries = bc.records.filter((r) => r.table === 480);
    expect(
      entries
        .slice(0, 8)
        .map((r) => [r.fields['Dimension Code'], r.fields['Dimension Value Code'], r.appliesTo]),
    ).toEqual(codes.map((code, i) => [code, Object.values(values)[i], { table: 39, lineNo: 10000 }]));
    expect(entries.slice(8).map((r) => r.fields['Dimension Value Code'])).toEqual([
      '2000',
      'K-7',
      'P-1',
      'NORTH',
      'A1',
      'S9',
      'C42',
    ]);
    expect(bc.api.requests[0]!.body.purchaseInvoiceLines).toEqual([
      expect.objectContaining({
        dimensionSetLines: codes.map((code, i) => ({ code, valueCode: Object.values(values)[i] })),
      }),
      expect.anything(),
    ]);
    // Without configured codes, values make no entries.
    expect(toBusinessCentral(transfer({}, [values]), SETUP).records.filter((r) => r.table === 480)).toEqual(
      [],
    );
  });

  it('posting text overwrites the description only when the setup says so (and commercial invoices are not cost invoices)', () => {
    const description = (setup: CompanySetup) =>
      toBusinessCentral(transfer(), setup).records[1]!.fields.Description;
    expect(description(SETUP)).toBe('Paper A4');
    expect(description({ ...SETUP, overwriteDescriptionWithPostingText: true })).toBe(
      'Office supplies 11/2026',
    );
    expect(
      description({
        ...SETUP,
        overwriteDescriptionWithPostingText: true,
        treatCommercialInvoiceAsCostInvoice: true,
      }),
    ).toBe('Paper A4');
  });

  it('external number: mandatory only with Ext. Doc. No. Mandatory', () => {
    const document = transfer({ external_number: undefined });
    expect(validateTransfer(document, SETUP).valid).toBe(true);
    expect(
      validateTransfer(document, { ...SETUP, extDocNoMandatory: true }).problems.map((p) => p.field),
    ).toEqual(['external_number']);
    expect(toBusinessCentral(document, SETUP).records[0]!.fields['Vendor Invoice No.']).toBeUndefined();
  });

  it('posting date from the performance date', () => {
    const setup: CompanySetup = { ...SETUP, postingDateSource: 'performance_date' };
    const bc = toBusinessCentral(transfer({ posting_date: undefined }), setup);
    expect(bc.records[0]!.fields['Posting Date']).toBe('2026-10-31');
    expect(validateTransfer(transfer({ posting_date: undefined }), setup).valid).toBe(true);
  });

  it("the header's business posting groups fill empty line groups", () => {
    const document = transfer({ gen_bus_posting_group: 'EU', vat_bus_posting_group: 'EU' }, [
      {},
      { gen_bus_posting_group: 'DOMESTIC', gen_prod_posting_group: 'SERVICES' },
    ]);
    const lines = toBusinessCentral(document, SETUP).records.filter((r) => r.table === 39);
    expect(
      lines.map((l) => [
        l.fields['Gen. Bus. Posting Group'],
        l.fields['VAT Bus. Posting Group'],
        l.fields['Gen. Prod. Posting Group'],
      ]),
    ).toEqual([
      ['EU', 'EU', undefined],
      ['DOMESTIC', 'EU', 'SERVICES'],
    ]);
  });

  it('treating commercial invoices as cost invoices posts an invoice with order reference as a cost invoice', () => {
    const document = transfer({ workflow_type: 'Invoice with order reference' }, [{ order_number: 'PO-1' }]);
    const bc = toBusinessCentral(document, {
      ...SETUP,
      treatCommercialInvoiceAsCostInvoice: true,
      costDocumentType: 'posting_journal',
    });
    expect(bc.category).toBe('journal');
  });
});

describe('edoc transfer ↔ canonical model', () => {
  it('a transfer document converts to the canonical model and back unchanged (map_field_* and the rest as extensions)', () => {
    const original = transfer(
      {
        vendor_vat_id: 'DE123456789',
        vendor_address_country: 'DE',
        vendor_bank_iban: 'DE75512108001245126199',
        net_amount_1: 100,
        vat_amount_1: 19,
        vat_percent_1: 19,
        map_field_dec: 1.5,
        map_field_dec5: 2,
        map_field_text3: 'cost unit 7',
        map_field_date2: '2026-12-01',
        confidential: true,
      },
      [
        {
          map_field_text: 'line note',
          map_field_dec2: 42,
          cost_center: '1000',
          vat_code: 'S',
          price_units: 10,
          unit_price: 10,
        },
      ],
      { created_at: '2026-11-02T10:00:00Z', schema_version: '1.4' },
    );
    const invoice = invoiceFromTransfer(original);
    expect(invoice).toMatchObject({
      id: 'R-2026-17',
      issueDate: '2026-11-02',
      typeCode: '380',
      currency: 'EUR',
      seller: { name: 'Fabrikam GmbH', vatId: 'DE123456789' },
      vatBreakdown: [{ category: 'S', rate: 19, taxableAmount: 100, taxAmount: 19 }],
      extensions: expect.objectContaining({
        'edoc.map_field_dec': 1.5,
        'edoc.map_field_text3': 'cost unit 7',
        'edoc.vendor_id': 'V10000',
      }),
    });
    expect(invoice.lines[0]).toMatchObject({
      price: { net: 100, baseQuantity: 10 },
      extensions: expect.objectContaining({ 'edoc.map_field_text': 'line note' }),
    });
    expect(transferFromInvoice(invoice, SETUP, 'unused')).toEqual(original);
  });

  const corpus = corpusDir();
  (corpus ? it : it.skip)(
    'an EN 16931 example becomes a transfer document that passes the rules, and BC records',
    () => {
      const xml = readFileSync(join(corpus!, 'en16931', 'ubl', 'examples', 'ubl-tc434-example1.xml'), 'utf8');
      const invoice = shippedFormats().find((f) => f.id === 'en16931-ubl')!.parse!(xml);
      const setup: CompanySetup = {
        companyId: 'CRONUS',
        vendorNumbers: { [invoice.seller.vatId!]: 'V20000' },
      };
      const document = transferFromInvoice(invoice, setup, 'doc-1');
      expect(document.header).toMatchObject({
        company_id: 'CRONUS',
        vendor_id: 'V20000',
        vendor_vat_id: invoice.seller.vatId,
        external_number: invoice.id,
        invoice_date: invoice.issueDate,
        invoice_type_id: 1,
        currency: invoice.currency,
        gross: Number(invoice.totals!.taxInclusive),
      });
      expect(document.positions).toHaveLength(invoice.lines.length);
      expect(validateTransfer(document, setup).problems).toEqual([]);
      const bc = toBusinessCentral(document, setup);
      const lines = bc.records.filter((r) => r.table === 39);
      expect(lines).toHaveLength(invoice.lines.length);
      expect(bc.records[0]).toMatchObject({
        table: 38,
        fields: { 'Buy-from Vendor No.': 'V20000', 'Vendor Invoice No.': invoice.id },
      });
      // Line amounts add up to the invoice's line total.
      const sum = lines.reduce((total, l) => total + Number(l.fields['Line Amount']), 0);
      expect(sum.toFixed(2)).toBe(Number(invoice.totals!.lineExtension).toFixed(2));
    },
  );
});

describe('einvoice validate and convert with edoc transfer documents', () => {
  const cli = join(packageRoot(), 'bin', 'einvoice.js');
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const sample = join(packageRoot(), 'samples', 'edoc', 'transfer.json');
  const setupFile = join(packageRoot(), 'samples', 'edoc', 'bc-setup.json');

  it('validate --setup checks the shipped sample and reports each problem with its location and setting', () => {
    expect(run(['validate', sample, '--setup', setupFile])).toMatchObject({ status: 0 });
    const bad = join(tempDir(), 'bad.json');
    const document = JSON.parse(readFileSync(sample, 'utf8')) as TransferDocument;
    delete document.header.external_number;
    document.positions[1]!.quantity = 'one';
    writeFileSync(bad, JSON.stringify(document));
    const result = run(['validate', bad, '--setup', setupFile]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'edoc.setup-mandatory /header/external_number (header external_number; setting extDocNoMandatory)',
    );
    expect(result.stdout).toContain('edoc.type /positions/1/quantity (positions quantity row 1)');
    expect(result.stdout).toContain('2 errors');
  });

  it('validate without --setup checks a transfer document under the default setup, saying so', () => {
    const result = run(['validate', sample]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('no --setup: checked under the default setup');
  });

  it('convert --to bc gives the records in insertion order; --to canonical the invoice', () => {
    const result = run(['convert', sample, '--to', 'bc', '--setup', setupFile]);
    expect(result.status).toBe(0);
    const bc = JSON.parse(result.stdout) as { records: BcRecord[] };
    expect(tables(bc.records)).toEqual([38, 39, 39, 39, 5805, 5805, 480, 480]);
    const canonical = run(['convert', sample, '--to', 'canonical']);
    expect(canonical.status).toBe(0);
    expect(JSON.parse(canonical.stdout)).toMatchObject({
      id: 'R-2026-17',
      seller: { name: 'Fabrikam GmbH', address: { country: 'DE' } },
    });
    expect(run(['convert', sample, '--to', 'bc'])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('--setup FILE'),
    });
  });

  const corpus = corpusDir();
  (corpus ? it : it.skip)('convert a PEPPOL UBL invoice --to edoc and --to bc', () => {
    const file = join(corpus!, 'peppol-bis-invoice-3', 'rules', 'examples', 'base-example.xml');
    const setup = join(tempDir(), 'setup.json');
    writeFileSync(setup, JSON.stringify({ companyId: 'CRONUS', vendorNumbers: { GB1232434: 'V30000' } }));
    const edoc = run(['convert', file, '--to', 'edoc', '--setup', setup]);
    expect(edoc.status).toBe(0);
    expect(JSON.parse(edoc.stdout)).toMatchObject({
      header: { vendor_id: 'V30000', company_id: 'CRONUS', external_number: 'Snippet1' },
    });
    const bc = run(['convert', file, '--to', 'bc', '--setup', setup]);
    expect(bc.status).toBe(0);
    expect(JSON.parse(bc.stdout).records[0]).toMatchObject({
      table: 38,
      fields: { 'Buy-from Vendor No.': 'V30000' },
    });
  });
});

describe('docs/edoc.md', () => {
  it('has the field mapping table as implemented', () => {
    const file = join(packageRoot(), 'docs', 'edoc.md');
    const text = readFileSync(file, 'utf8');
    const start = '<!-- fields:start -->\n';
    const end = '<!-- fields:end -->';
    const expected = `${start}${fieldTablesMarkdown()}\n${end}`;
    const current = text.slice(text.indexOf(start), text.indexOf(end) + end.length);
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(file, text.replace(current, expected));
    else expect(current).toBe(expected);
  });
});
