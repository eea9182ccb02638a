import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBusinessCentral } from '../shared/edoc/bc';
import { canonicalFromTransfer, invoiceFromTransfer, transferFromInvoice } from '../shared/edoc/convert';
import { entitySchema } from '../shared/edoc/fields';
import { decimalText } from '../shared/util/decimal';
import { parseCompanySetup } from '../shared/edoc/setup';
import { normalizeTransfer, validateTransfer, type TransferDocument } from '../shared/edoc/validate';
import { shippedFormats } from '../shared/formats/mapping';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { packageRoot } from '../shared/util/package-root';
import { ajv } from '../shared/validation/schema';
import { orderLine, SETUP, transfer } from './support/edoc';

const ROOT = packageRoot();
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const SAMPLE_SETUP = parseCompanySetup(JSON.parse(read('samples/edoc/bc-setup.json')));
const SAMPLE_TRANSFER = JSON.parse(read('samples/edoc/transfer.json')) as TransferDocument;

/** A shipped canonical sample: the document of its envelope. */
function sample(file: string): CanonicalInvoice {
  const parsed = JSON.parse(read(join('samples', file))) as { document?: CanonicalInvoice };
  return (parsed.document ?? parsed) as CanonicalInvoice;
}

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'einvoice.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('every shipped canonical sample becomes a transfer document the sample company imports', () => {
  const files = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.json'));

  it('finds the samples', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s', (file) => {
    const invoice = sample(file);
    const document = transferFromInvoice(invoice, SAMPLE_SETUP, file.replace(/\.json$/, ''));
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
    // Each names its order (BT-13) but no order line (BT-132): a cost invoice that keeps the order number.
    expect(invoice.orderReference).toBeDefined();
    expect(document.header).toMatchObject({
      workflow_type: 'Invoice without order reference',
      order_numbers: invoice.orderReference,
    });
    // Net amounts the sample leaves to the calculation are computed.
    expect(document.positions.every((p) => typeof p.net_amount === 'number')).toBe(true);
    const bc = toBusinessCentral(document, SAMPLE_SETUP);
    expect(bc.api.requests[0]!.path).toMatch(
      /^companies\(8f2d6a3e-4b1c-4e7a-9c5d-1a2b3c4d5e6f\)\/purchase(Invoices|CreditMemos)$/,
    );
    // The command line does the same.
    const run = cli([
      'convert',
      join('samples', file),
      '--to',
      'edoc',
      '--setup',
      'samples/edoc/bc-setup.json',
    ]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '0 errors\n' });
  });
});

describe('quantities with more places than money has (EN 16931 sets no maximum)', () => {
  it('are rounded in the BC mapping, not refused (an item charge split over the order lines)', () => {
    const document = JSON.parse(
      readFileSync(join(ROOT, 'samples', 'edoc', 'transfer.json'), 'utf8'),
    ) as TransferDocument;
    const charge = document.positions.find((p) => p.charge_item === 'FREIGHT')!;
    charge.quantity = 1.123456789;
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
    const bc = toBusinessCentral(document, SAMPLE_SETUP);
    const assignments = bc.records.filter((r) => r.table === 5805);
    expect(assignments.length).toBeGreaterThan(0);
    const assigned = assignments.reduce((sum, r) => sum + Number(r.fields['Qty. to Assign']), 0);
    expect(assigned).toBeCloseTo(1.12346, 5); // BC keeps 5 places of a quantity
  });
});

describe('from a canonical invoice: the workflow follows what the source requires of lines with order reference', () => {
  const base = () => sample('invoice.json');
  const lines = (invoice: CanonicalInvoice, refs: Array<string | undefined>) =>
    invoice.lines.map((line, i) => ({ ...line, ...(refs[i] ? { orderLineReference: refs[i] } : {}) }));

  it('order (BT-13) and order lines (BT-132): with order reference, the receipt from the receiving advice (BT-15)', () => {
    const invoice = { ...base(), receivingAdviceReference: 'RCPT-7001', despatchAdviceReference: 'DN-55' };
    invoice.lines = lines(invoice, ['10', '20', '30']);
    const document = transferFromInvoice(invoice, SAMPLE_SETUP, 'doc');
    expect(document.header).toMatchObject({
      workflow_type: 'Invoice with order reference',
      order_numbers: 'PO-4711',
      delivery_notes: 'DN-55',
    });
    expect(document.positions.map((p) => [p.order_number, p.order_position, p.delivery_note])).toEqual([
      ['PO-4711', '10', 'RCPT-7001'],
      ['PO-4711', '20', 'RCPT-7001'],
      ['PO-4711', '30', 'RCPT-7001'],
    ]);
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
    const bc = toBusinessCentral(document, SAMPLE_SETUP);
    expect(bc.records.filter((r) => r.table === 39).map((r) => r.match)).toEqual([
      { orderNumber: 'PO-4711', orderPosition: '10', deliveryNote: 'RCPT-7001' },
      { orderNumber: 'PO-4711', orderPosition: '20', deliveryNote: 'RCPT-7001' },
      { orderNumber: 'PO-4711', orderPosition: '30', deliveryNote: 'RCPT-7001' },
    ]);
  });

  it('without a receiving advice the despatch advice (BT-16) names the receipt; a line with an account is a mixed line', () => {
    const invoice = { ...base(), despatchAdviceReference: 'DN-55' };
    invoice.lines = lines(invoice, ['10', '20']);
    invoice.lines[2] = { ...invoice.lines[2]!, accountingReference: '6100' };
    const document = transferFromInvoice(invoice, SAMPLE_SETUP, 'doc');
    expect(document.positions.map((p) => [p.order_position, p.delivery_note, p.account])).toEqual([
      ['10', 'DN-55', undefined],
      ['20', 'DN-55', undefined],
      [undefined, 'DN-55', '6100'],
    ]);
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
  });

  it('order lines without any receipt are refused: BC could not match them', () => {
    const invoice = base();
    invoice.lines = lines(invoice, ['10', '20', '30']);
    const problems = validateTransfer(
      transferFromInvoice(invoice, SAMPLE_SETUP, 'doc'),
      SAMPLE_SETUP,
    ).problems;
    expect(problems.map((p) => [p.code, p.field, p.row])).toEqual([
      ['edoc.process-mandatory', 'delivery_note', 0],
      ['edoc.process-mandatory', 'delivery_note', 1],
      ['edoc.process-mandatory', 'delivery_note', 2],
    ]);
  });

  it('an order line reference without an order (no BT-13): a cost invoice', () => {
    const invoice = { ...base(), orderReference: undefined };
    invoice.lines = lines(invoice, ['10']);
    const document = transferFromInvoice(invoice, SAMPLE_SETUP, 'doc');
    expect(document.header.workflow_type).toBe('Invoice without order reference');
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
  });
});

describe('the shipped UBL vendor invoice (samples/edoc/vendor-invoice.xml)', () => {
  it('is a valid PEPPOL BIS 3 invoice to the sample company, and a transfer document it imports with its order lines matched', () => {
    const xml = read('samples/edoc/vendor-invoice.xml');
    const invoice = shippedFormats().find((f) => f.id === 'peppol-bis3-ubl')!.parse!(xml);
    const validation = validateInvoice(invoice, 'check', { ruleSets: ['peppol-de'] });
    expect(validation.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    expect(invoice.buyer).toMatchObject({
      name: SAMPLE_SETUP.company!.name,
      vatId: SAMPLE_SETUP.company!.vatId,
    });
    const document = transferFromInvoice(invoice, SAMPLE_SETUP, 'vendor-invoice');
    expect(document.header).toMatchObject({
      vendor_id: 'V10000',
      company_id: 'CRONUS',
      workflow_type: 'Invoice with order reference',
      external_number: 'R-2026-18',
    });
    expect(validateTransfer(document, SAMPLE_SETUP).problems).toEqual([]);
    const bc = toBusinessCentral(document, SAMPLE_SETUP);
    expect(bc.records.filter((r) => r.table === 39).map((r) => r.match?.orderPosition)).toEqual(['10', '20']);
  });
});

describe('from a transfer document to the canonical model', () => {
  it('the shipped sample gives a valid EN 16931 invoice (figures checked as stated), without a setup', () => {
    const { invoice, notes } = canonicalFromTransfer(SAMPLE_TRANSFER);
    expect(validateInvoice(invoice, 'check').problems).toEqual([]);
    expect(invoice.seller.address.country).toBe('DE');
    // The transfer model names the company only: its country is the vendor's, who charged German VAT.
    expect(invoice.buyer).toEqual({ name: 'CRONUS', address: { country: 'DE' } });
    expect(invoice.extensions).toMatchObject({ 'edocderived.buyer_country': 'vendor country, domestic VAT' });
    expect(notes).toEqual([expect.stringContaining('buyer country DE assumed')]);
    expect(invoice.totals).toMatchObject({ lineExtension: 440, taxExclusive: 440, taxInclusive: 523.6 });
  });

  it("with the setup the buyer is the company's party data", () => {
    const { invoice, notes } = canonicalFromTransfer(SAMPLE_TRANSFER, SAMPLE_SETUP);
    expect(invoice.buyer).toEqual(SAMPLE_SETUP.company);
    expect(invoice.extensions?.['edocderived.buyer_country']).toBeUndefined();
    expect(notes).toEqual([]);
    expect(validateInvoice(invoice, 'check').problems).toEqual([]);
  });

  it("the seller's country from the VAT id prefix (EL is Greece), recorded so that converting back leaves it out", () => {
    const original = transfer({ vendor_vat_id: 'EL094259216' }, [{ vat_code: 'S' }]);
    const { invoice, notes } = canonicalFromTransfer(original);
    expect(invoice.seller.address.country).toBe('GR');
    expect(invoice.extensions).toMatchObject({ 'edocderived.vendor_address_country': 'vendor_vat_id' });
    expect(notes[0]).toBe('seller country GR taken from vendor_vat_id EL094259216');
    expect(transferFromInvoice(invoice, SETUP, 'unused')).toEqual(normalizeTransfer(original));
  });

  it('no country is made up: reverse charge without the setup says what is missing', () => {
    const document = transfer({ vendor_vat_id: 'DE123456789', vat_total: 0, gross: 100 }, [
      { vat_percent: 0, vat_amount: 0, gross_amount: 100, vat_code: 'AE' },
    ]);
    const { invoice, notes } = canonicalFromTransfer(document);
    expect(invoice.buyer.address.country).toBeUndefined();
    expect(notes).toContain(
      'buyer country (BT-55) unknown: the transfer model names the company only (company_id "CRONUS"); give the setup\'s company.address.country',
    );
    const path = (setup?: typeof SAMPLE_SETUP) =>
      validateInvoice(invoiceFromTransfer(document, setup), 'check').problems.map((p) => p.path);
    expect(path()).toContain('/buyer/address/country');
    expect(path(SAMPLE_SETUP)).not.toContain('/buyer/address/country');
  });

  it("a BC VAT code that is no VAT category stays the transfer's, the category comes from the rate", () => {
    const original = transfer({}, [{ vat_code: 'VAT19' }]);
    const invoice = invoiceFromTransfer(original);
    expect(invoice.lines[0]).toMatchObject({
      vat: { category: 'S', rate: 19 },
      extensions: expect.objectContaining({ 'edoc.vat_code': 'VAT19' }),
    });
    expect(transferFromInvoice(invoice, SETUP, 'unused').positions).toEqual(original.positions);
  });

  it('einvoice convert --to canonical exits 0 for the shipped sample', () => {
    const run = cli(['convert', 'samples/edoc/transfer.json', '--to', 'canonical']);
    expect(run.status).toBe(0);
    // Without a setup the buyer's country is an assumption, and the command says so.
    expect(run.stderr).toBe(
      "note: buyer country DE assumed: the vendor charged VAT of its own country; the setup's company.address.country gives it\n",
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ seller: { address: { country: 'DE' } } });
  });

  it('einvoice convert --to canonical --setup: the setup company is the buyer, nothing assumed', () => {
    const run = cli([
      'convert',
      'samples/edoc/transfer.json',
      '--to',
      'canonical',
      '--setup',
      'samples/edoc/bc-setup.json',
    ]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      buyer: { name: 'CRONUS AG', vatId: 'DE811234567', address: { country: 'DE' } },
    });
  });
});

describe('a number in a text field whose type the source does not fix', () => {
  it('is written as its decimal text, never in exponent notation', () => {
    expect([1, 1.5, 0, -2.25, 123456789012, 1e21, -2.5e22, 1.5e-7, 1e-7].map(decimalText)).toEqual([
      '1',
      '1.5',
      '0',
      '-2.25',
      '123456789012',
      '1000000000000000000000',
      '-25000000000000000000000',
      '0.00000015',
      '0.0000001',
    ]);
  });

  it("is accepted in a position's id and the other loose text fields, and kept as text", () => {
    const document = transfer({ vendor_id: 10000, company_id: 'CRONUS', external_number: 2026.5 }, [
      { id: 1, account: 6100, cost_center: 1000 },
      orderLine('20', 100, { id: 2 }),
    ]);
    expect(validateTransfer(document, { companyId: 'CRONUS', dimensionCodes: ['COSTCENTER'] })).toEqual({
      valid: true,
      errorCount: 0,
      imported: true,
      problems: [],
    });
    const normalized = normalizeTransfer(document);
    expect(normalized.header).toMatchObject({ vendor_id: '10000', external_number: '2026.5' });
    expect(normalized.positions[0]).toMatchObject({ id: '1', account: '6100', cost_center: '1000' });
    expect(normalized.positions[0]!.quantity).toBe(1); // a decimal field stays a number
    const bc = toBusinessCentral(document, { companyId: 'CRONUS', dimensionCodes: ['COSTCENTER'] });
    expect(bc.records[0]!.fields).toMatchObject({
      'Buy-from Vendor No.': '10000',
      'Vendor Invoice No.': '2026.5',
    });
    expect(bc.records[1]!.fields).toMatchObject({ 'No.': '6100' });
    expect(bc.records.find((r) => r.table === 480)!.fields['Dimension Value Code']).toBe('1000');
    expect(bc.api.requests[0]!.body).toMatchObject({ vendorNumber: '10000' });
    const invoice = invoiceFromTransfer(document);
    expect(invoice.lines[0]!.extensions).toMatchObject({ 'edoc.id': '1' });
    expect(invoice.lines[0]!.accountingReference).toBe('6100');
  });

  it('links and the company compare as text: ecm_id 17 is "17", company_id 1000 is the setup\'s "1000"', () => {
    const document = transfer({ ecm_id: 17, company_id: 1000 }, [{ ecm_id: '17' }], { ecm_id: 17 });
    expect(validateTransfer(document, { companyId: '1000' }).problems).toEqual([]);
  });

  it('fields whose type the source fixes stay strict', () => {
    const document = transfer(
      { workflow_type: 1, invoice_type_id: '1', map_field_text: 5, map_field_dec: '1.5' },
      [{ map_field_text2: 7 }],
      { event_id: 42 },
    );
    const problems = validateTransfer(document, SETUP).problems.filter((p) => p.code === 'edoc.type');
    expect(problems.map((p) => [p.entity, p.field, p.message])).toEqual([
      ['status', 'event_id', 'event_id in Edoc Inv. Cp. Transfer Status must be text, got 42'],
      [
        'header',
        'invoice_type_id',
        'invoice_type_id in Edoc Inv. Cp. Transfer Header must be a whole number, got "1"',
      ],
      ['header', 'workflow_type', 'workflow_type in Edoc Inv. Cp. Transfer Header must be text, got 1'],
      ['header', 'map_field_text', 'map_field_text in Edoc Inv. Cp. Transfer Header must be text, got 5'],
      [
        'header',
        'map_field_dec',
        'map_field_dec in Edoc Inv. Cp. Transfer Header must be a number, got "1.5"',
      ],
      [
        'positions',
        'map_field_text2',
        'map_field_text2 in Edoc Inv. Cp. Transfer Pos. row 0 must be text, got 7',
      ],
    ]);
  });

  it('a loose text field still refuses what is neither text nor a number', () => {
    const problems = validateTransfer(transfer({}, [{ id: true }]), SETUP).problems;
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'edoc.type',
        message: 'id in Edoc Inv. Cp. Transfer Pos. row 0 must be text or a number, got true',
      }),
    ]);
  });

  it('the JSON Schemas say the same', () => {
    const positions = ajv().compile(entitySchema('positions'));
    expect(positions({ id: 1, account: 6100 })).toBe(true);
    expect(positions({ map_field_text: 1 })).toBe(false);
    const header = ajv().compile(entitySchema('header'));
    expect(header({ vendor_id: 10000 })).toBe(true);
    expect(header({ workflow_type: 1 })).toBe(false);
  });
});
