import { runRules } from '../shared/rules/engine';
import { en16931Vat } from '../shared/rules/en16931/vat';
import { VAT_CATEGORY_RULES } from '../shared/rules/en16931/vat/categories';
import type { HeldInvoice } from '../shared/rules/rule';

/**
 * The EN 16931 rules per VAT category on partial documents: each family with a fragment that breaks it and
 * one that keeps it. The official rule unit tests judge them broadly (`rules-agreement.test.ts`).
 */

const findings = (invoice: HeldInvoice) => runRules([en16931Vat], { invoice });
/** `rule path` of each finding of the rules asked for. */
const found = (invoice: HeldInvoice, ...rules: string[]) =>
  findings(invoice)
    .filter((p) => rules.includes(p.code!))
    .map((p) => `${p.code} ${p.path}`);

const line = (category: string, rate?: string, netAmount?: string) => ({
  ...(netAmount === undefined ? {} : { netAmount }),
  vat: { category, ...(rate === undefined ? {} : { rate }) },
});

describe('the table of VAT categories', () => {
  it('has each category once, each with its own rule family, all ten rules of it in the module', () => {
    const codes = VAT_CATEGORY_RULES.map((c) => c.code);
    expect(codes).toEqual(['S', 'Z', 'E', 'AE', 'K', 'G', 'O', 'L', 'M']);
    const ids = new Set(en16931Vat.rules.map((r) => r.id));
    expect(ids.size).toBe(en16931Vat.rules.length);
    for (const { prefix } of VAT_CATEGORY_RULES)
      for (let n = 1; n <= 10; n++) expect(ids).toContain(`${prefix}-${String(n).padStart(2, '0')}`);
    for (const id of ['BR-IC-11', 'BR-IC-12', 'BR-O-11', 'BR-O-14', 'BR-B-01', 'BR-B-02'])
      expect(ids).toContain(id);
    expect(en16931Vat.rules.every((r) => r.severity === undefined && r.terms.length > 0)).toBe(true);
  });

  it('reports nothing on an empty document', () => {
    expect(findings({})).toEqual([]);
  });
});

describe('BR-x-01: the VAT breakdown of a category in use', () => {
  it('standard rate: an entry when lines use it, and none without such a use', () => {
    expect(found({ lines: [line('S', '25')] }, 'BR-S-01')).toEqual(['BR-S-01 /vatBreakdown']);
    expect(found({ vatBreakdown: [{ category: 'S', rate: '25' }] }, 'BR-S-01')).toEqual([
      'BR-S-01 /vatBreakdown/0/category',
    ]);
    expect(
      found({ lines: [line('S', '25')], vatBreakdown: [{ category: 'S', rate: '25' }] }, 'BR-S-01'),
    ).toEqual([]);
  });

  it('exempt: exactly one entry, wherever the category appears', () => {
    expect(found({ charges: [{ vatCategory: 'E' }] }, 'BR-E-01')).toEqual(['BR-E-01 /vatBreakdown']);
    expect(
      found({ vatBreakdown: [{ category: 'E' }, { category: 'S' }, { category: 'E' }] }, 'BR-E-01'),
    ).toEqual(['BR-E-01 /vatBreakdown/2/category']);
    expect(found({ vatBreakdown: [{ category: 'E' }] }, 'BR-E-01')).toEqual([]);
    expect(found({ lines: [line(' E ')], vatBreakdown: [{ category: 'E' }] }, 'BR-E-01')).toEqual([]);
  });
});

describe('BR-x-02 … 04: the identifiers of the parties', () => {
  it("a standard rated line needs the seller's VAT or tax registration id, or the representative's", () => {
    expect(found({ lines: [line('S', '25')] }, 'BR-S-02')).toEqual(['BR-S-02 /seller/vatId']);
    expect(found({ lines: [line('S', '25')], seller: { taxRegistrationId: '123' } }, 'BR-S-02')).toEqual([]);
    expect(found({ lines: [line('S', '25')], taxRepresentative: { vatId: 'DE1' } }, 'BR-S-02')).toEqual([]);
  });

  it("an intra-community allowance needs the seller's VAT id (a tax registration is not one) and the buyer's", () => {
    const allowance = { allowances: [{ vatCategory: 'K', vatRate: '0' }] };
    expect(found({ ...allowance, seller: { taxRegistrationId: '123' } }, 'BR-IC-03')).toEqual([
      'BR-IC-03 /seller/vatId',
      'BR-IC-03 /buyer/vatId',
    ]);
    expect(found({ ...allowance, seller: { vatId: 'SE1' }, buyer: { vatId: 'DK2' } }, 'BR-IC-03')).toEqual(
      [],
    );
  });

  it("a reverse charge takes the buyer's legal registration instead of its VAT id", () => {
    const charge = { charges: [{ vatCategory: 'AE', vatRate: '0' }], seller: { vatId: 'SE1' } };
    expect(found(charge, 'BR-AE-04')).toEqual(['BR-AE-04 /buyer/vatId']);
    expect(found({ ...charge, buyer: { legalRegistration: { id: '556' } } }, 'BR-AE-04')).toEqual([]);
  });

  it('not subject to VAT excludes the VAT ids of seller, tax representative and buyer', () => {
    const lines = [line('O')];
    expect(found({ lines, seller: { vatId: 'SE1' }, buyer: { vatId: 'DK2' } }, 'BR-O-02')).toEqual([
      'BR-O-02 /seller/vatId',
      'BR-O-02 /buyer/vatId',
    ]);
    expect(found({ lines, seller: { taxRegistrationId: '123' } }, 'BR-O-02')).toEqual([]);
  });
});

describe('BR-x-05 … 07: the rate of a line, allowance or charge', () => {
  it('standard rated: above zero', () => {
    expect(found({ lines: [line('S', '0'), line('S'), line('S', '7.5')] }, 'BR-S-05')).toEqual([
      'BR-S-05 /lines/0/vat/rate',
      'BR-S-05 /lines/1/vat/rate',
    ]);
  });

  it('zero rated, exempt, reverse charge, intra-community, export: zero, written as any zero', () => {
    expect(found({ allowances: [{ vatCategory: 'Z', vatRate: '0.00' }] }, 'BR-Z-06')).toEqual([]);
    expect(found({ allowances: [{ vatCategory: 'G', vatRate: '5' }] }, 'BR-G-06')).toEqual([
      'BR-G-06 /allowances/0/vatRate',
    ]);
  });

  it('IGIC and IPSI: zero or above; not subject to VAT: no rate at all', () => {
    expect(found({ charges: [{ vatCategory: 'L', vatRate: '0' }] }, 'BR-AF-07')).toEqual([]);
    expect(found({ charges: [{ vatCategory: 'M', vatRate: '-1' }] }, 'BR-AG-07')).toEqual([
      'BR-AG-07 /charges/0/vatRate',
    ]);
    expect(found({ charges: [{ vatCategory: 'O', vatRate: '0' }] }, 'BR-O-07')).toEqual([
      'BR-O-07 /charges/0/vatRate',
    ]);
    expect(found({ charges: [{ vatCategory: 'O' }] }, 'BR-O-07')).toEqual([]);
  });
});

describe('BR-x-08: the taxable amount of a category', () => {
  it('standard rated: per rate, within less than 1, of lines plus charges less allowances at that rate', () => {
    const invoice = (taxableAmount: string) => ({
      lines: [line('S', '25', '100'), line('S', '25.0', '50.40'), line('S', '12', '999')],
      charges: [{ vatCategory: 'S', vatRate: '25', amount: '10' }],
      allowances: [{ vatCategory: 'S', vatRate: '25', amount: '20' }],
      vatBreakdown: [{ category: 'S', rate: '25', taxableAmount }],
    });
    expect(found(invoice('140.40'), 'BR-S-08')).toEqual([]);
    expect(found(invoice('141.39'), 'BR-S-08')).toEqual([]);
    expect(found(invoice('141.40'), 'BR-S-08')).toEqual(['BR-S-08 /vatBreakdown/0/taxableAmount']);
    expect(found(invoice('139.40'), 'BR-S-08')).toEqual(['BR-S-08 /vatBreakdown/0/taxableAmount']);
  });

  it('standard rated: a rate no line, allowance or charge has is an error; an entry without a rate is not checked', () => {
    const lines = [line('S', '25', '100')];
    expect(
      found({ lines, vatBreakdown: [{ category: 'S', rate: '10', taxableAmount: '0' }] }, 'BR-S-08'),
    ).toEqual(['BR-S-08 /vatBreakdown/0/taxableAmount']);
    expect(found({ lines, vatBreakdown: [{ category: 'S', taxableAmount: '0' }] }, 'BR-S-08')).toEqual([]);
  });

  it('IGIC: per rate, and the invoice has lines', () => {
    const vatBreakdown = [{ category: 'L', rate: '7', taxableAmount: '0' }];
    expect(found({ vatBreakdown }, 'BR-AF-08')).toEqual(['BR-AF-08 /vatBreakdown/0/taxableAmount']);
    expect(found({ vatBreakdown, lines: [line('S', '25', '100')] }, 'BR-AF-08')).toEqual([]);
  });

  it('the other categories: all of the category whatever the rate, exactly', () => {
    const invoice = (taxableAmount: string) => ({
      lines: [line('E', '0', '100'), line('E', undefined, '50'), line('S', '25', '70')],
      allowances: [{ vatCategory: 'E', amount: '30' }],
      vatBreakdown: [{ category: 'E', taxableAmount }],
    });
    expect(found(invoice('120'), 'BR-E-08')).toEqual([]);
    expect(found(invoice('120.00'), 'BR-E-08')).toEqual([]);
    expect(found(invoice('120.01'), 'BR-E-08')).toEqual(['BR-E-08 /vatBreakdown/0/taxableAmount']);
  });
});

describe('BR-x-09: the tax amount of a category', () => {
  it('standard rated: |taxable| × rate rounded to cents, within less than 1', () => {
    const entry = (taxAmount: string) => ({
      vatBreakdown: [{ category: 'S', rate: '25', taxableAmount: '-10.02', taxAmount }],
    });
    // |−10.02| × 25 % = 2.505, rounded 2.51; the sign of the tax amount is not looked at
    expect(found(entry('-2.51'), 'BR-S-09')).toEqual([]);
    expect(found(entry('3.50'), 'BR-S-09')).toEqual([]);
    expect(found(entry('3.51'), 'BR-S-09')).toEqual(['BR-S-09 /vatBreakdown/0/taxAmount']);
    expect(found({ vatBreakdown: [{ category: 'M', rate: '4', taxableAmount: '10' }] }, 'BR-AG-09')).toEqual([
      'BR-AG-09 /vatBreakdown/0/taxAmount',
    ]);
  });

  it('the zero categories: 0', () => {
    expect(found({ vatBreakdown: [{ category: 'K', taxAmount: '0.00' }] }, 'BR-IC-09')).toEqual([]);
    expect(found({ vatBreakdown: [{ category: 'K', taxAmount: '0.01' }] }, 'BR-IC-09')).toEqual([
      'BR-IC-09 /vatBreakdown/0/taxAmount',
    ]);
  });
});

describe('BR-x-10: the exemption reason', () => {
  it('standard rated and zero rated have none', () => {
    expect(
      found({ vatBreakdown: [{ category: 'Z', exemptionReasonCode: 'VATEX-EU-G' }] }, 'BR-Z-10'),
    ).toEqual(['BR-Z-10 /vatBreakdown/0/exemptionReasonCode']);
    expect(found({ vatBreakdown: [{ category: 'S' }] }, 'BR-S-10')).toEqual([]);
  });

  it('exempt, reverse charge, export, not subject have a reason or a code', () => {
    expect(found({ vatBreakdown: [{ category: 'AE' }] }, 'BR-AE-10')).toEqual([
      'BR-AE-10 /vatBreakdown/0/exemptionReason',
    ]);
    expect(
      found({ vatBreakdown: [{ category: 'AE', exemptionReason: 'Reverse charge' }] }, 'BR-AE-10'),
    ).toEqual([]);
  });
});

describe('the rules of one category', () => {
  it('intra-community supply: a delivery date or invoicing period, and a deliver-to country', () => {
    const vatBreakdown = [{ category: 'K' }];
    expect(found({ vatBreakdown }, 'BR-IC-11', 'BR-IC-12')).toEqual([
      'BR-IC-11 /delivery/date',
      'BR-IC-12 /delivery/address/country',
    ]);
    expect(
      found(
        { vatBreakdown, invoicingPeriod: { end: '2026-11-30' }, delivery: { address: { country: 'DE' } } },
        'BR-IC-11',
        'BR-IC-12',
      ),
    ).toEqual([]);
  });

  it('not subject to VAT: no other category in the breakdown, on lines, allowances or charges', () => {
    const invoice = {
      vatBreakdown: [{ category: 'O' }, { category: 'S' }],
      lines: [line('O'), line('S', '25')],
      allowances: [{ vatCategory: 'O' }],
      charges: [{ vatCategory: 'E' }],
    };
    expect(found(invoice, 'BR-O-11', 'BR-O-12', 'BR-O-13', 'BR-O-14')).toEqual([
      'BR-O-11 /vatBreakdown/1/category',
      'BR-O-12 /lines/1/vat/category',
      'BR-O-14 /charges/0/vatCategory',
    ]);
    expect(found({ ...invoice, vatBreakdown: [{ category: 'S' }] }, 'BR-O-11', 'BR-O-12', 'BR-O-14')).toEqual(
      [],
    );
  });

  it('split payment: Italian only, and not with the standard rate', () => {
    const invoice = {
      lines: [line('B', '22'), line('S', '22')],
      seller: { address: { country: 'IT' } },
      buyer: { address: { country: 'FR' } },
    };
    expect(found(invoice, 'BR-B-01', 'BR-B-02')).toEqual([
      'BR-B-01 /buyer/address/country',
      'BR-B-02 /lines/1/vat/category',
    ]);
    expect(
      found(
        { ...invoice, lines: [line('B', '22')], buyer: { address: { country: 'IT' } } },
        'BR-B-01',
        'BR-B-02',
      ),
    ).toEqual([]);
  });
});
