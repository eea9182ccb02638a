import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { validateInvoice } from '../shared/model/validate-invoice';
import { en16931Core } from '../shared/rules/en16931/core';
import { runRules } from '../shared/rules/engine';
import type { HeldInvoice } from '../shared/rules/rule';
import { packageRoot } from '../shared/util/package-root';

/** EN 16931's presence and non-arithmetic consistency rules (BR-02 … BR-65, BR-CO-*) on canonical fragments. */

/** The findings of one rule on a partial invoice, as `path` (and the severity when it is a warning). */
function findings(rule: string, invoice: HeldInvoice): string[] {
  return runRules([en16931Core], { invoice })
    .filter((p) => p.code === rule)
    .map((p) => `${p.path ?? ''}${p.severity === 'warning' ? ' (warning)' : ''}`);
}

/** [rule, a fragment that breaks it, where it is reported, a fragment that keeps it]. */
type Case = [rule: string, broken: HeldInvoice, at: string[], kept: HeldInvoice];

const line = { id: '1', quantity: '2', unitCode: 'C62', price: { net: '10' }, vat: { category: 'S' } };

const documentCases: Case[] = [
  ['BR-02', { id: ' ' }, ['/id'], { id: 'INV-1' }],
  ['BR-03', {}, ['/issueDate'], { issueDate: '2026-01-31' }],
  ['BR-04', {}, ['/typeCode'], { typeCode: '380' }],
  ['BR-05', {}, ['/currency'], { currency: 'EUR' }],
  ['BR-16', { lines: [] }, ['/lines'], { lines: [{}] }],
  [
    'BR-CO-03',
    { taxPointDate: '2026-01-31', vatPointDateCode: '3' },
    ['/vatPointDateCode'],
    { vatPointDateCode: '3' },
  ],
  [
    'BR-29',
    { invoicingPeriod: { start: '2026-02-01', end: '2026-01-31' } },
    ['/invoicingPeriod/end'],
    { invoicingPeriod: { start: '2026-01-31', end: '2026-01-31' } },
  ],
  ['BR-CO-19', { invoicingPeriod: {} }, ['/invoicingPeriod'], { invoicingPeriod: { end: '2026-01-31' } }],
  [
    'BR-55',
    { precedingInvoices: [{ issueDate: '2025-12-01' }] },
    ['/precedingInvoices/0/id'],
    { precedingInvoices: [{ id: 'INV-0' }] },
  ],
  [
    'BR-52',
    { attachments: [{ description: 'Timesheet' }] },
    ['/attachments/0/id'],
    { attachments: [{ id: 'TS-1' }] },
  ],
  [
    'BR-57',
    { delivery: { address: { city: 'Oslo' } } },
    ['/delivery/address/country'],
    { delivery: { date: '2026-01-31' } },
  ],
];

const partyCases: Case[] = [
  ['BR-06', { seller: {} }, ['/seller/name'], { seller: { name: 'Seller AS' } }],
  ['BR-07', { buyer: { name: '' } }, ['/buyer/name'], { buyer: { name: 'Buyer AB' } }],
  // a missing group is reported where the group would be
  ['BR-07', {}, ['/buyer'], { buyer: { name: 'Buyer AB' } }],
  [
    'BR-08',
    { seller: { name: 'Seller AS' } },
    ['/seller/address'],
    { seller: { address: { country: 'NO' } } },
  ],
  ['BR-09', { seller: { address: { city: 'Oslo' } } }, ['/seller/address/country'], { seller: {} }],
  ['BR-10', { buyer: { name: 'Buyer AB' } }, ['/buyer/address'], { buyer: { address: { country: 'SE' } } }],
  ['BR-10', {}, ['/buyer'], { buyer: { address: { country: 'SE' } } }],
  [
    'BR-11',
    { buyer: { address: { country: ' ' } } },
    ['/buyer/address/country'],
    { buyer: { address: { country: 'SE' } } },
  ],
  [
    'BR-62',
    { seller: { endpoint: { id: '7300010000001' } } },
    ['/seller/endpoint/scheme'],
    { seller: { endpoint: { id: '7300010000001', scheme: '0088' } } },
  ],
  [
    'BR-63',
    { buyer: { endpoint: { id: 'a@b.se' } } },
    ['/buyer/endpoint/scheme'],
    { buyer: { endpoint: { id: 'a@b.se', scheme: 'EM' } } },
  ],
  [
    'BR-CO-26',
    // a SEPA creditor identifier does not identify the seller
    { seller: { name: 'Seller AS', identifiers: [{ id: 'NO12ZZZ123', scheme: 'SEPA' }] } },
    ['/seller'],
    { seller: { legalRegistration: { id: '987654321' } } },
  ],
  [
    'BR-CO-26',
    { seller: {} },
    ['/seller'],
    { seller: { identifiers: [{ id: '7300010000001', scheme: '0088' }] } },
  ],
  [
    'BR-CO-09',
    {
      seller: { vatId: 'XX123' },
      buyer: { vatId: 'se556677889901' },
      taxRepresentative: { vatId: 'DE123456789' },
    },
    ['/seller/vatId', '/buyer/vatId'],
    { seller: { vatId: 'EL123456789' }, buyer: { vatId: 'XI123456789' } },
  ],
  ['BR-17', { payee: { identifier: { id: 'P1' } } }, ['/payee/name'], { payee: { name: 'Factoring AB' } }],
  [
    'BR-17',
    {
      seller: { tradingName: 'Seller', identifiers: [{ id: 'S1' }] },
      payee: { name: 'Payee', identifier: { id: 'S1' } },
    },
    ['/payee'],
    {
      seller: { tradingName: 'Seller', identifiers: [{ id: 'S1' }] },
      payee: { name: 'Payee', identifier: { id: 'P1' } },
    },
  ],
  [
    'BR-18',
    { taxRepresentative: { vatId: 'DE123456789' } },
    ['/taxRepresentative/name'],
    { taxRepresentative: { name: 'Rep GmbH' } },
  ],
  [
    'BR-19',
    { taxRepresentative: { name: 'Rep GmbH' } },
    ['/taxRepresentative/address'],
    { taxRepresentative: { address: { country: 'DE' } } },
  ],
  [
    'BR-20',
    { taxRepresentative: { address: { city: 'Berlin' } } },
    ['/taxRepresentative/address/country'],
    { taxRepresentative: { address: { country: 'DE' } } },
  ],
  [
    'BR-56',
    { taxRepresentative: { name: 'Rep GmbH' } },
    ['/taxRepresentative/vatId'],
    { taxRepresentative: { vatId: 'DE123456789' } },
  ],
];

const lineCases: Case[] = [
  ['BR-21', { lines: [line, { ...line, id: '' }] }, ['/lines/1/id'], { lines: [line] }],
  ['BR-22', { lines: [{ id: '1' }] }, ['/lines/0/quantity'], { lines: [line] }],
  ['BR-23', { lines: [{ quantity: '1' }] }, ['/lines/0/unitCode'], { lines: [line] }],
  [
    'BR-25',
    { lines: [{ item: { description: 'x' } }] },
    ['/lines/0/item/name'],
    { lines: [{ item: { name: 'Paper' } }] },
  ],
  ['BR-24', { lines: [line] }, ['/lines/0/netAmount'], { lines: [{ ...line, netAmount: '20' }] }],
  // a gross price alone: the net price is missing all the same
  ['BR-26', { lines: [{ price: { gross: '12' } }] }, ['/lines/0/price/net'], { lines: [line] }],
  ['BR-CO-04', { lines: [{ vat: { rate: '25' } }] }, ['/lines/0/vat/category'], { lines: [line] }],
  ['BR-CO-04', { lines: [{ id: '1' }] }, ['/lines/0/vat'], { lines: [line] }],
  [
    'BR-30',
    { lines: [{ period: { start: '2026-01-31', end: '2026-01-01' } }] },
    ['/lines/0/period/end'],
    // a text that is no date is not compared
    { lines: [{ period: { start: '2026-01-31', end: '31.01.2026' } }] },
  ],
  [
    'BR-CO-20',
    { lines: [{ period: {} }] },
    ['/lines/0/period'],
    { lines: [{ period: { start: '2026-01-01' } }] },
  ],
  [
    'BR-42',
    { lines: [{ allowances: [{ amount: '1' }] }] },
    ['/lines/0/allowances/0/reason'],
    { lines: [{ allowances: [{ reasonCode: '95' }] }] },
  ],
  [
    'BR-CO-23',
    { lines: [{ allowances: [{ amount: '1' }] }] },
    ['/lines/0/allowances/0/reason'],
    { lines: [{ allowances: [{ reason: 'Discount' }] }] },
  ],
  [
    'BR-44',
    { lines: [{ charges: [{ amount: '1' }] }] },
    ['/lines/0/charges/0/reason'],
    { lines: [{ charges: [{ reasonCode: 'FC' }] }] },
  ],
  [
    'BR-CO-24',
    { lines: [{ charges: [{ amount: '1' }] }] },
    ['/lines/0/charges/0/reason'],
    { lines: [{ charges: [{ reason: 'Freight' }] }] },
  ],
  [
    'BR-54',
    { lines: [{ item: { attributes: [{ name: 'Colour' }, { value: 'Red' }] } }] },
    ['/lines/0/item/attributes/0/value', '/lines/0/item/attributes/1/name'],
    { lines: [{ item: { attributes: [{ name: 'Colour', value: 'Red' }] } }] },
  ],
  [
    'BR-64',
    { lines: [{ item: { standardId: { id: '7300010000001' } } }] },
    ['/lines/0/item/standardId/scheme'],
    { lines: [{ item: { standardId: { id: '7300010000001', scheme: '0160' } } }] },
  ],
  [
    'BR-65',
    { lines: [{ item: { classifications: [{ id: '12345' }] } }] },
    ['/lines/0/item/classifications/0/scheme'],
    { lines: [{ item: { classifications: [{ id: '12345', scheme: 'STI' }] } }] },
  ],
];

const settlementCases: Case[] = [
  [
    'BR-32',
    { allowances: [{ amount: '5', reason: 'Discount' }] },
    ['/allowances/0/vatCategory'],
    { allowances: [{ vatCategory: 'S' }] },
  ],
  [
    'BR-33',
    { allowances: [{ amount: '5' }] },
    ['/allowances/0/reason'],
    { allowances: [{ reasonCode: '95' }] },
  ],
  [
    'BR-CO-21',
    { allowances: [{ amount: '5' }] },
    ['/allowances/0/reason'],
    { allowances: [{ reason: 'Discount' }] },
  ],
  ['BR-37', { charges: [{ amount: '5' }] }, ['/charges/0/vatCategory'], { charges: [{ vatCategory: 'S' }] }],
  ['BR-38', { charges: [{ amount: '5' }] }, ['/charges/0/reason'], { charges: [{ reasonCode: 'FC' }] }],
  ['BR-CO-22', { charges: [{ amount: '5' }] }, ['/charges/0/reason'], { charges: [{ reason: 'Freight' }] }],
  [
    'BR-47',
    { vatBreakdown: [{ rate: '25' }] },
    ['/vatBreakdown/0/category'],
    { vatBreakdown: [{ category: 'S' }] },
  ],
  [
    'BR-48',
    { vatBreakdown: [{ category: 'S' }] },
    ['/vatBreakdown/0/rate'],
    { vatBreakdown: [{ category: 'O' }] },
  ],
  [
    'BR-49',
    { payment: { creditTransfers: [{ accountId: 'NO9386011117947' }] } },
    ['/payment/meansCode'],
    { payment: { remittanceInformation: 'Ref 1' } },
  ],
  [
    'BR-50',
    { payment: { meansCode: '58', creditTransfers: [{ accountName: 'Seller AS' }] } },
    ['/payment/creditTransfers/0/accountId'],
    // the artefact checks the account of a credit transfer (30, 58) only
    { payment: { meansCode: '31', creditTransfers: [{ accountName: 'Seller AS' }] } },
  ],
  [
    'BR-61',
    { payment: { meansCode: ' 30 ' } },
    ['/payment/creditTransfers/0/accountId'],
    { payment: { meansCode: '58', creditTransfers: [{ accountId: 'NO9386011117947' }] } },
  ],
  [
    'BR-51',
    { payment: { meansCode: '48', card: { primaryAccountNumber: '1234567890123456' } } },
    ['/payment/card/primaryAccountNumber (warning)'],
    { payment: { meansCode: '48', card: { primaryAccountNumber: '123456' } } },
  ],
];

describe.each([
  ['document', documentCases],
  ['parties', partyCases],
  ['lines', lineCases],
  ['allowances, charges, VAT breakdown and payment', settlementCases],
])('EN 16931 core rules: %s', (_family, cases) => {
  it.each(cases)('%s reports where it is broken', (rule, broken, at) => {
    expect(findings(rule, broken)).toEqual(at);
  });
  it.each(cases)('%s reports nothing where it holds', (rule, _broken, _at, kept) => {
    expect(findings(rule, kept)).toEqual([]);
  });
});

describe('the module', () => {
  it('declares each rule once, with an official id, terms and a message of its own', () => {
    const ids = en16931Core.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of en16931Core.rules) {
      expect(rule.id).toMatch(/^BR-(\d{2}|CO-\d{2})$/);
      expect(rule.terms.length).toBeGreaterThan(0);
      expect(rule.terms.every((t) => /^B[TG]-\d+(-\d)?$/.test(t))).toBe(true);
      expect(rule.message).not.toMatch(/^\[BR-/);
    }
    expect(en16931Core.rules.filter((r) => r.severity === 'warning').map((r) => r.id)).toEqual(['BR-51']);
  });

  it('leaves BR-01, the totals, the amounts, the prices and the code lists to other modules', () => {
    const ids = new Set(en16931Core.rules.map((r) => r.id));
    for (const other of [
      'BR-27',
      'BR-28',
      'BR-53',
      'BR-01',
      'BR-12',
      'BR-15',
      'BR-31',
      'BR-36',
      'BR-41',
      'BR-43',
      'BR-45',
      'BR-46',
      'BR-CO-10',
      'BR-CO-17',
    ])
      expect(ids.has(other)).toBe(false);
  });

  it('judges canonical JSON in fill mode as completed: figures left to the service are no breach', () => {
    const invoice = sampleInvoice(3); // no line net amounts, no VAT breakdown, no totals
    const ids = new Set(en16931Core.rules.map((r) => r.id));
    expect(validateInvoice(invoice, 'fill').problems.filter((p) => ids.has(p.code ?? ''))).toEqual([]);
    const checked = validateInvoice(sampleInvoice(3), 'check').problems.map((p) => `${p.code} ${p.path}`);
    expect(checked).toEqual(expect.arrayContaining(['BR-24 /lines/0/netAmount', 'BR-CO-18 /vatBreakdown']));
  });

  it('finds nothing in a complete invoice', () => {
    const { invoice } = validateInvoice(sampleInvoice(20), 'fill');
    expect(runRules([en16931Core], { invoice: invoice! })).toEqual([]);
  });

  it('finds nothing in the shipped samples', () => {
    const dir = join(packageRoot(), 'samples');
    const samples = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(samples.length).toBeGreaterThan(0);
    for (const name of samples) {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      const document = (parsed as { document?: HeldInvoice }).document ?? (parsed as HeldInvoice);
      const { invoice } = validateInvoice(document, 'fill');
      expect([name, runRules([en16931Core], { invoice: invoice ?? document })]).toEqual([name, []]);
    }
  });
});
