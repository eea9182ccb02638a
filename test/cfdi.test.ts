import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
} from '../shared/adapters/folder-certificate-store';
import { codeList, type CodeListId } from '../shared/rules/code-lists/code-lists';
import { sealCfdi, verifyCfdiSeal } from '../shared/signing/cfdi-seal';
import { satCertificateInfo, type SatCsd } from '../shared/signing/sat-csd';
import { cfdiOfSample, mxSamples } from './support/cfdi-samples';
import { describeWithCorpus } from './support/corpus';
import { tempDir } from './support/temp';
import { validateXsd } from './support/xsd';

const samples = mxSamples;

function cfdiOf(name: string, change?: (document: Record<string, any>) => void): string {
  return cfdiOfSample(name, mexicoNow(), change);
}

/** Now in Mexico City, as a CFDI's Fecha (a test CSD is valid from the moment it is made). */
function mexicoNow(): string {
  return new Date(Date.now() + 60_000 - 6 * 3_600_000).toISOString().slice(0, 19);
}

async function testCsd(): Promise<SatCsd> {
  const dir = tempDir();
  await ensureSelfSignedCertificate(dir, 'csd', 'EKU9003173C9 test CSD', 730, {
    rfc: 'EKU9003173C9',
    noCertificado: '30001000000500000009',
  });
  const credential = await new FolderCertificateStore(dir).get('csd');
  return { ...credential, ...satCertificateInfo(credential.certificates[0]!) };
}

describe('CFDI 4.0 from the canonical invoice', () => {
  it("computes SAT's figures per concept: discounts, IVA, withholdings, totals", () => {
    const ingreso = cfdiOf('ingreso.json');
    expect(ingreso).toContain('SubTotal="4174.16" Descuento="956.04" Moneda="MXN" Total="3733.02"');
    expect(ingreso).toContain(
      '<cfdi:Traslado Base="2868.12" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="458.90"/>',
    );
    const retenciones = cfdiOf('retenciones.json');
    expect(retenciones).toContain(
      '<cfdi:Impuestos TotalImpuestosRetenidos="2066.67" TotalImpuestosTrasladados="1600.00">',
    );
    expect(retenciones).toContain('<cfdi:Retencion Impuesto="001" Importe="1000.00"/>');
    const egreso = cfdiOf('egreso.json');
    expect(egreso).toContain('TipoDeComprobante="E"');
    expect(egreso).toMatch(
      /<cfdi:CfdiRelacionados TipoRelacion="01">\s*<cfdi:CfdiRelacionado UUID="6F35D3B5-/,
    );
  });

  it('rounds each concept, as SAT adds them up (not per rate, as EN 16931 does)', () => {
    // three concepts of 0.03 at 16 %: 0.0048 each rounds to 0.00; EN 16931 would give 0.01 on 0.09
    const xml = cfdiOf('ingreso.json', (d) => {
      d.lines = [1, 2, 3].map((i) => ({
        id: String(i),
        quantity: '1',
        unitCode: 'H87',
        price: { net: '0.03' },
        vat: { category: 'S', rate: '16' },
        item: { name: `Tornillo ${i}` },
      }));
    });
    expect(xml).toContain('TotalImpuestosTrasladados="0.00"');
  });

  it('refuses what a CFDI cannot carry, located', () => {
    expect(() =>
      cfdiOf('ingreso.json', (d) => {
        d.allowances = [{ amount: '10.00', reason: 'Rappel', vatCategory: 'S', vatRate: '16' }];
      }),
    ).toThrow(expect.objectContaining({ code: 'transform.inconsistent' }));
  });

  it('seals it so that the seal verifies, and any change breaks it', async () => {
    const csd = await testCsd();
    const sealed = sealCfdi(cfdiOf('ingreso.json'), csd);
    expect(verifyCfdiSeal(sealed)).toMatchObject({ valid: true, noCertificado: '30001000000500000009' });
    expect(verifyCfdiSeal(sealed.replace('Total="3733.02"', 'Total="3733.03"')).valid).toBe(false);
  });

  it("the catalogue codes it writes are in SAT's catalogues, as data", () => {
    const attribute = (xml: string, name: string) =>
      [...xml.matchAll(new RegExp(` ${name}="([^"]+)"`, 'g'))].map((m) => m[1]!);
    for (const name of samples) {
      const xml = cfdiOf(name);
      for (const [attr, list] of [
        ['FormaPago', 'mx/forma-pago'],
        ['FormaDePagoP', 'mx/forma-pago'],
        ['ObjetoImpDR', 'mx/objeto-imp'],
        ['MetodoPago', 'mx/metodo-pago'],
        ['UsoCFDI', 'mx/uso-cfdi'],
        ['RegimenFiscal', 'mx/regimen-fiscal'],
        ['RegimenFiscalReceptor', 'mx/regimen-fiscal'],
        ['Exportacion', 'mx/exportacion'],
        ['ObjetoImp', 'mx/objeto-imp'],
      ] as const)
        for (const code of attribute(xml, attr))
          expect([name, attr, codeList(list as CodeListId).has(code)]).toEqual([name, attr, true]);
    }
  });
});

/**
 * SAT's schema from the corpus. Its catalogue schema (catCFDI.xsd, over 4 MiB) is not in the corpus: the test
 * writes one in its place whose types are the catalogues this service keeps as data (the codes it writes are
 * checked), and any text for the very large ones (c_ClaveProdServ, c_ClaveUnidad, c_CodigoPostal, c_Pais,
 * c_Moneda): the structure and every other type are SAT's own.
 */
describeWithCorpus('CFDI 4.0 and the official schema', ['sat-cfdi-xsd'], (corpus) => {
  it('every sample, sealed, is valid against cfdv40.xsd (and Pagos20.xsd for a payment receipt)', async () => {
    const root = join(corpus, 'sat-cfdi-xsd', 'resources', 'www.sat.gob.mx', 'sitio_internet', 'cfd');
    const dir = tempDir();
    symlinkSync(join(root, '4'), join(dir, '4'), 'dir');
    symlinkSync(join(root, 'tipoDatos'), join(dir, 'tipoDatos'), 'dir');
    symlinkSync(join(root, 'Pagos'), join(dir, 'Pagos'), 'dir');
    mkdirSync(join(dir, 'catalogos'));
    symlinkSync(join(root, 'catalogos', 'Pagos'), join(dir, 'catalogos', 'Pagos'), 'dir');
    // the complement is a strict wildcard of cfdv40.xsd: one schema that knows both
    writeFileSync(
      join(dir, 'cfdi.xsd'),
      `<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://www.sat.gob.mx/cfd/4" schemaLocation="4/cfdv40.xsd"/><xs:import namespace="http://www.sat.gob.mx/Pagos20" schemaLocation="Pagos/Pagos20.xsd"/></xs:schema>`,
    );
    const listed: Record<string, string> = {
      c_FormaPago: 'mx/forma-pago',
      c_MetodoPago: 'mx/metodo-pago',
      c_UsoCFDI: 'mx/uso-cfdi',
      c_RegimenFiscal: 'mx/regimen-fiscal',
      c_Exportacion: 'mx/exportacion',
      c_ObjetoImp: 'mx/objeto-imp',
      c_TipoRelacion: 'mx/tipo-relacion',
    };
    const fixed: Record<string, string[]> = {
      c_Impuesto: ['001', '002', '003'],
      c_TipoFactor: ['Tasa', 'Cuota', 'Exento'],
      c_TipoDeComprobante: ['I', 'E', 'T', 'N', 'P'],
      c_Periodicidad: ['01', '02', '03', '04', '05'],
      c_Meses: Array.from({ length: 18 }, (_, i) => String(i + 1).padStart(2, '0')),
    };
    const types = ['c_ClaveProdServ', 'c_ClaveUnidad', 'c_CodigoPostal', 'c_Pais', 'c_Moneda']
      .map((t) => `<xs:simpleType name="${t}"><xs:restriction base="xs:string"/></xs:simpleType>`)
      .concat(
        Object.entries({
          ...fixed,
          ...Object.fromEntries(
            Object.entries(listed).map(([t, id]) => [t, codeList(id as CodeListId).codes]),
          ),
        }).map(
          ([t, codes]) =>
            `<xs:simpleType name="${t}"><xs:restriction base="xs:string">${(codes as readonly string[]).map((c) => `<xs:enumeration value="${c}"/>`).join('')}</xs:restriction></xs:simpleType>`,
        ),
      );
    writeFileSync(
      join(dir, 'catalogos', 'catCFDI.xsd'),
      `<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.sat.gob.mx/sitio_internet/cfd/catalogos" elementFormDefault="qualified">${types.join('')}</xs:schema>`,
    );
    const csd = await testCsd();
    const documents = Object.fromEntries(samples.map((name) => [`${name}.xml`, sealCfdi(cfdiOf(name), csd)]));
    expect(Object.values(documents).some((xml) => xml.includes('<pago20:Pagos'))).toBe(true);
    const results = await validateXsd(join(dir, 'cfdi.xsd'), documents);
    expect(results.map((r) => [r.file, r.errors])).toEqual(samples.map((name) => [`${name}.xml`, []]));
  });
});
