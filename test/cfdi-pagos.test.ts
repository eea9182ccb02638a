import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  impuestosP,
  pagosFigures,
  pagosTotales,
  type CanonicalPaymentDocument,
  type PagosTax,
} from '../shared/formats/cfdi-pagos';
import { checkPaymentSchema } from '../shared/model/validate-payment';
import { packageRoot } from '../shared/util/package-root';
import { elementsNamed, parseXmlTree, type XmlTreeElement } from '../shared/xml/xml-tree';
import { describeWithCorpus } from './support/corpus';

const sample = (): CanonicalPaymentDocument =>
  (
    JSON.parse(readFileSync(join(packageRoot(), 'samples', 'mx', 'pago.json'), 'utf8')) as {
      document: CanonicalPaymentDocument;
    }
  ).document;

const problemsOf = (change: (d: CanonicalPaymentDocument) => void) => {
  const document = sample();
  change(document);
  try {
    pagosFigures(document);
  } catch (error) {
    return (error as { code: string; details: Array<{ path: string }> }).details.map((d) => d.path);
  }
  throw new Error('no problem found');
};

describe('Pagos 2.0 figures of a canonical payment document', () => {
  it('the sample passes the payment schema; an invoice does not', () => {
    expect(checkPaymentSchema(sample())).toEqual([]);
    const invoice = JSON.parse(readFileSync(join(packageRoot(), 'samples', 'mx', 'ingreso.json'), 'utf8'))
      .document as unknown;
    expect(checkPaymentSchema(invoice).map((p) => p.path)).toEqual(
      expect.arrayContaining(['/payments', '/lines']),
    );
  });

  it('balances, the taxes of the share paid, each payment in its currency, Totales', () => {
    const { pagos, totales } = pagosFigures(sample());
    const [first, second] = pagos[0]!.doctos;
    expect(first).toMatchObject({ impSaldoAnt: '12000.00', impPagado: '12000.00', impSaldoInsoluto: '0.00' });
    expect(second).toMatchObject({
      impSaldoAnt: '10000.00',
      impPagado: '3000.00',
      impSaldoInsoluto: '7000.00',
    });
    // 12000 / 1.16 at six decimals, and its 16 %
    expect(first!.trasladosDR).toEqual([
      {
        impuesto: '002',
        tipoFactor: 'Tasa',
        tasaOCuota: '0.160000',
        base: '10344.827586',
        importe: '1655.172414',
      },
    ]);
    expect(pagos[0]!.trasladosP).toEqual([
      {
        impuesto: '002',
        tipoFactor: 'Tasa',
        tasaOCuota: '0.160000',
        base: '12931.034483',
        importe: '2068.965518',
      },
    ]);
    expect(totales).toEqual({
      montoTotalPagos: '15000.00',
      totalTrasladosBaseIVA16: '12931.03',
      totalTrasladosImpuestoIVA16: '2068.97',
    });
  });

  it('withholdings reduce what was paid: the base is paid ÷ (1 + charged − withheld)', () => {
    const document = sample();
    const doc = document.payments[0]!.documents[0]!;
    doc.previousBalance = doc.paid = '953.33';
    doc.taxes = [
      { tax: 'VAT', rate: '16' },
      { tax: 'ISR', rate: '10', withheld: true },
      { tax: 'VAT', rate: '10.666667', withheld: true },
    ];
    document.payments[0]!.documents = [doc];
    document.payments[0]!.amount = '953.33';
    const { pagos, totales } = pagosFigures(document);
    // 953.33 / (1 + 0.16 − 0.10 − 0.10666667) = 999.9965...: the invoice was 1000 + IVA − withholdings
    expect(pagos[0]!.doctos[0]!.retencionesDR.map((t) => [t.impuesto, t.base, t.importe])).toEqual([
      ['001', '999.996507', '99.999651'],
      ['002', '999.996507', '106.666297'],
    ]);
    expect(pagos[0]!.retencionesP).toEqual([
      { impuesto: '001', tipoFactor: 'Tasa', importe: '99.999651' },
      { impuesto: '002', tipoFactor: 'Tasa', importe: '106.666297' },
    ]);
    expect(totales).toMatchObject({ totalRetencionesISR: '100.00', totalRetencionesIVA: '106.67' });
  });

  it('a document in another currency: paid ÷ EquivalenciaDR in the payment, × TipoCambioP in Totales', () => {
    const document = sample();
    const payment = document.payments[0]!;
    payment.currency = 'USD';
    payment.exchangeRate = '17.3608';
    payment.amount = '40.00';
    payment.documents = [
      {
        id: '17F4B4FC-89E1-5770-B8BB-00958F217486',
        currency: 'MXN',
        exchangeRate: '17.36075',
        installment: 3,
        previousBalance: '2817',
        paid: '694.43',
        taxes: [{ tax: 'VAT', rate: '16', base: '598.645974', amount: '95.783356' }],
      },
    ];
    const { pagos, totales } = pagosFigures(document);
    // as in the corpus's receipt 001 of the same payment
    expect(pagos[0]!.trasladosP[0]).toMatchObject({ base: '34.482725', importe: '5.517236' });
    expect(pagos[0]!.tipoCambioP).toBe('17.3608');
    expect(totales.montoTotalPagos).toBe('694.43');
  });

  it('refuses, located, what SAT refuses', () => {
    expect(
      problemsOf((d) => {
        d.payments[0]!.documents[1]!.paid = '10000.01';
        d.payments[0]!.amount = '22000.01';
      }),
    ).toEqual(['/payments/0/documents/1/paid']);
    expect(problemsOf((d) => (d.payments[0]!.documents[1]!.currency = 'USD'))).toEqual([
      '/payments/0/documents/1/exchangeRate',
    ]);
    expect(problemsOf((d) => (d.payments[0]!.amount = '14999.99'))).toEqual(['/payments/0/amount']);
    expect(
      problemsOf((d) => {
        d.payments[0]!.documents[0]!.taxes = [
          { tax: 'VAT', rate: '16', base: '10344.83' },
          { tax: 'ISR', rate: '10', withheld: true },
        ];
      }),
    ).toEqual(['/payments/0/documents/0/taxes']);
    expect(problemsOf((d) => (d.payments[0]!.exchangeRate = '17'))).toEqual(['/payments/0/exchangeRate']);
  });
});

/** The DR-level data of a receipt, as SAT's figures of ImpuestosP and Totales start from it. */
function readPagos(root: XmlTreeElement) {
  const taxes = (scope: XmlTreeElement, name: string, suffix: string): PagosTax[] =>
    elementsNamed(scope, name).map((el) => ({
      impuesto: el.getAttribute(`Impuesto${suffix}`) as PagosTax['impuesto'],
      tipoFactor: (el.getAttribute(`TipoFactor${suffix}`) ?? 'Tasa') as PagosTax['tipoFactor'],
      ...(el.getAttribute(`TasaOCuota${suffix}`)
        ? { tasaOCuota: el.getAttribute(`TasaOCuota${suffix}`)! }
        : {}),
      ...(el.getAttribute(`Base${suffix}`) ? { base: el.getAttribute(`Base${suffix}`)! } : {}),
      ...(el.getAttribute(`Importe${suffix}`) ? { importe: el.getAttribute(`Importe${suffix}`)! } : {}),
    }));
  return elementsNamed(root, 'Pago').map((pago) => ({
    tipoCambioP: pago.getAttribute('TipoCambioP') ?? '1',
    monto: pago.getAttribute('Monto')!,
    doctos: elementsNamed(pago, 'DoctoRelacionado').map((docto) => ({
      equivalenciaDR: docto.getAttribute('EquivalenciaDR') ?? '1',
      trasladosDR: taxes(docto, 'TrasladoDR', 'DR'),
      retencionesDR: taxes(docto, 'RetencionDR', 'DR'),
    })),
    trasladosP: taxes(pago, 'TrasladoP', 'P'),
    retencionesP: taxes(pago, 'RetencionP', 'P'),
  }));
}

/** Equal as numbers (a receipt may write 12131.6600 or 0 where the computation writes 12131.660000, 0.00). */
const numeric = (record: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === undefined ? v : Number(v).toFixed(6)]));

describeWithCorpus('Pagos 2.0 figures against stamped receipts', ['cfdi-cfdiutils'], (corpus) => {
  const assets = join(corpus, 'cfdi-cfdiutils', 'tests', 'assets');
  const receipts = [
    ...readdirSync(join(assets, 'pagos20-calculator')).map((f) => join(assets, 'pagos20-calculator', f)),
    join(assets, 'created-cfdi40-pago20-valid.xml'),
  ];

  it('has the receipts', () => expect(receipts.length).toBeGreaterThanOrEqual(9));

  it.each(receipts.map((file) => [file.slice(assets.length + 1), file]))(
    '%s: ImpuestosP and Totales recomputed from its documents equal what it carries',
    (_name, file) => {
      const root = parseXmlTree(readFileSync(file, 'utf8'));
      const pagos = readPagos(root);
      for (const pago of pagos) {
        const computed = impuestosP(pago.doctos);
        const key = (t: PagosTax) => `${t.impuesto}|${t.tipoFactor}|${t.tasaOCuota ?? ''}`;
        const sorted = (list: PagosTax[]) =>
          [...list]
            .sort((a, b) => key(a).localeCompare(key(b)))
            .map((t) => ({ key: key(t), ...numeric({ base: t.base, importe: t.importe }) }));
        expect(sorted(computed.trasladosP)).toEqual(sorted(pago.trasladosP));
        expect(sorted(computed.retencionesP)).toEqual(sorted(pago.retencionesP));
      }
      const carried = elementsNamed(root, 'Totales')[0]!;
      const expected = Object.fromEntries(
        [...carried.attributeNames()].map((name) => [
          name[0]!.toLowerCase() + name.slice(1),
          carried.getAttribute(name)!,
        ]),
      );
      expect(numeric({ ...pagosTotales(pagos) })).toEqual(numeric(expected));
    },
  );
});
