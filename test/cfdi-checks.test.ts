import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCfdiAction } from '../shared/actions/validate-cfdi';
import type { ActionContext } from '../shared/engine/action';
import { CFDI_CHECKS, checkCfdiAmounts } from '../shared/rules/mx/cfdi-checks';
import { checkCfdiCatalogues, satCatalogues, type SatCatalogues } from '../shared/rules/mx/sat-catalogues';
import { cfdiOfSample, mxSamples } from './support/cfdi-samples';
import { describeWithCorpus } from './support/corpus';
import { tempDir } from './support/temp';

const samples = mxSamples;

const cfdiOf = (name: string): string => cfdiOfSample(name, '2026-11-27T10:00:00');

const C = 'xmlns:cfdi="http://www.sat.gob.mx/cfd/4"';

/** A small CFDI 4.0 (only what the checks read), valid as given; `change` edits its text. */
function cfdi(change: (xml: string) => string = (x) => x): string {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante ${C} Version="4.0" Moneda="MXN" TipoDeComprobante="I" SubTotal="300.00" Descuento="10.00" Total="326.40">
  <cfdi:Conceptos>
    <cfdi:Concepto Cantidad="2" ValorUnitario="100.00" Importe="200.00" Descuento="10.00" ObjetoImp="02">
      <cfdi:Impuestos>
        <cfdi:Traslados>
          <cfdi:Traslado Base="190.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="30.40"/>
        </cfdi:Traslados>
      </cfdi:Impuestos>
    </cfdi:Concepto>
    <cfdi:Concepto Cantidad="1.000000" ValorUnitario="100.000000" Importe="100.000000" ObjetoImp="02">
      <cfdi:Impuestos>
        <cfdi:Traslados>
          <cfdi:Traslado Base="100.000000" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="16.000000"/>
        </cfdi:Traslados>
        <cfdi:Retenciones>
          <cfdi:Retencion Base="100.000000" Impuesto="001" TipoFactor="Tasa" TasaOCuota="0.100000" Importe="10.000000"/>
        </cfdi:Retenciones>
      </cfdi:Impuestos>
    </cfdi:Concepto>
  </cfdi:Conceptos>
  <cfdi:Impuestos TotalImpuestosRetenidos="10.00" TotalImpuestosTrasladados="46.40">
    <cfdi:Retenciones>
      <cfdi:Retencion Impuesto="001" Importe="10.00"/>
    </cfdi:Retenciones>
    <cfdi:Traslados>
      <cfdi:Traslado Base="290.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="46.40"/>
    </cfdi:Traslados>
  </cfdi:Impuestos>
</cfdi:Comprobante>`;
  return change(xml);
}

/** `xml` with the first occurrence of `from` replaced (which must be there). */
function edit(from: string, to: string): (xml: string) => string {
  return (xml) => {
    expect(xml).toContain(from);
    return xml.replace(from, to);
  };
}

const ROOT = '/cfdi:Comprobante';
const CONCEPT1 = `${ROOT}/cfdi:Conceptos/cfdi:Concepto[1]`;
const CONCEPT2 = `${ROOT}/cfdi:Conceptos/cfdi:Concepto[2]`;
const SUMMARY = `${ROOT}/cfdi:Impuestos`;

interface Case {
  code: string;
  /** The edit that makes the check fire, and where. */
  fires: (xml: string) => string;
  at: { xpath: string; line: number };
  /** A neighbouring edit that keeps the document valid. */
  passes: (xml: string) => string;
}

const CASES: Case[] = [
  {
    code: 'CFDI40103',
    fires: edit('TipoDeComprobante="I"', 'TipoDeComprobante="N" FormaPago="99"'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('TipoDeComprobante="I"', 'TipoDeComprobante="I" FormaPago="99"'),
  },
  {
    code: 'CFDI40107',
    fires: (x) => edit('SubTotal="300.00"', 'SubTotal="300.000"')(x),
    at: { xpath: ROOT, line: 2 },
    // the currency's decimals, not the document's: three are fine in Bahraini dinars
    passes: (x) =>
      edit(
        'SubTotal="300.00"',
        'SubTotal="300.000"',
      )(edit('Moneda="MXN"', 'Moneda="BHD" TipoCambio="45.1"')(x)),
  },
  {
    code: 'CFDI40112',
    fires: edit('Descuento="10.00" Total', 'Descuento="10.000" Total'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('Descuento="10.00" Total', 'Descuento="10" Total'),
  },
  {
    code: 'CFDI40125',
    fires: (x) => edit('TipoDeComprobante="I"', 'TipoDeComprobante="T" MetodoPago="PUE"')(x),
    at: { xpath: ROOT, line: 2 },
    passes: edit('TipoDeComprobante="I"', 'TipoDeComprobante="I" MetodoPago="PUE"'),
  },
  {
    code: 'CFDI40151',
    fires: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="MCI7306249Y1" ResidenciaFiscal="USA"/>\n  <cfdi:Conceptos>',
    ),
    at: { xpath: `${ROOT}/cfdi:Receptor`, line: 3 },
    passes: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="XEXX010101000" ResidenciaFiscal="USA"/>\n  <cfdi:Conceptos>',
    ),
  },
  {
    code: 'CFDI40152',
    fires: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="XEXX010101000" ResidenciaFiscal="MEX"/>\n  <cfdi:Conceptos>',
    ),
    at: { xpath: `${ROOT}/cfdi:Receptor`, line: 3 },
    passes: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="XEXX010101000" ResidenciaFiscal="CAN"/>\n  <cfdi:Conceptos>',
    ),
  },
  {
    code: 'CFDI40154',
    fires: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="XAXX010101000" NumRegIdTrib="123456789"/>\n  <cfdi:Conceptos>',
    ),
    at: { xpath: `${ROOT}/cfdi:Receptor`, line: 3 },
    passes: edit(
      '  <cfdi:Conceptos>',
      '  <cfdi:Receptor Rfc="XEXX010101000" ResidenciaFiscal="USA" NumRegIdTrib="123456789"/>\n  <cfdi:Conceptos>',
    ),
  },
  {
    code: 'CFDI40201',
    fires: edit('TipoDeComprobante="I"', 'TipoDeComprobante="P"'),
    at: { xpath: SUMMARY, line: 22 },
    passes: edit('TipoDeComprobante="I"', 'TipoDeComprobante="E"'),
  },
  {
    code: 'CFDI40202',
    fires: (x) => edit('TotalImpuestosRetenidos="10.00"', 'TotalImpuestosRetenidos="10.000"')(x),
    at: { xpath: SUMMARY, line: 22 },
    passes: edit('TotalImpuestosRetenidos="10.00"', 'TotalImpuestosRetenidos="10"'),
  },
  {
    code: 'CFDI40204',
    fires: edit('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.400"'),
    at: { xpath: SUMMARY, line: 22 },
    passes: edit('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.4"'),
  },
  {
    code: 'CFDI40210',
    fires: edit(
      '<cfdi:Retencion Impuesto="001" Importe="10.00"/>',
      '<cfdi:Retencion Impuesto="001" Importe="10.000"/>',
    ),
    at: { xpath: `${SUMMARY}/cfdi:Retenciones/cfdi:Retencion[1]`, line: 24 },
    passes: edit(
      '<cfdi:Retencion Impuesto="001" Importe="10.00"/>',
      '<cfdi:Retencion Impuesto="001" Importe="10"/>',
    ),
  },
  {
    code: 'CFDI40214',
    fires: edit('Base="290.00" Impuesto="002"', 'Base="290.000" Impuesto="002"'),
    at: { xpath: `${SUMMARY}/cfdi:Traslados/cfdi:Traslado[1]`, line: 27 },
    passes: edit('Base="290.00" Impuesto="002"', 'Base="290" Impuesto="002"'),
  },
  {
    code: 'CFDI40220',
    fires: edit('TasaOCuota="0.160000" Importe="46.40"', 'TasaOCuota="0.160000" Importe="46.400"'),
    at: { xpath: `${SUMMARY}/cfdi:Traslados/cfdi:Traslado[1]`, line: 27 },
    passes: edit('TasaOCuota="0.160000" Importe="46.40"', 'TasaOCuota="0.160000" Importe="46.4"'),
  },
  {
    code: 'CFDI40108',
    fires: (x) => edit('SubTotal="300.00"', 'SubTotal="300.01"')(edit('Total="326.40"', 'Total="326.41"')(x)),
    at: { xpath: ROOT, line: 2 },
    // the sum 300.004 rounds to the SubTotal 300.00
    passes: edit('Importe="100.000000" ObjetoImp', 'Importe="100.004000" ObjetoImp'),
  },
  {
    code: 'CFDI40109',
    fires: edit('TipoDeComprobante="I"', 'TipoDeComprobante="T"'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('TipoDeComprobante="I"', 'TipoDeComprobante="E"'),
  },
  {
    code: 'CFDI40110',
    fires: edit('Descuento="10.00" Total', 'Descuento="300.01" Total'),
    at: { xpath: ROOT, line: 2 },
    // Descuento 10.00 ≤ SubTotal 300.00
    passes: (x) => x,
  },
  {
    code: 'CFDI40111',
    fires: (x) => edit('Descuento="10.00" Total="326.40"', 'Descuento="9.00" Total="327.40"')(x),
    at: { xpath: ROOT, line: 2 },
    passes: (x) =>
      edit(
        'Descuento="10.00" Total="326.40"',
        'Descuento="10.01" Total="326.39"',
      )(edit('Importe="100.000000" ObjetoImp', 'Importe="100.000000" Descuento="0.005" ObjetoImp')(x)),
  },
  {
    code: 'CFDI40114',
    fires: edit('Moneda="MXN"', 'Moneda="MXN" TipoCambio="1.5"'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('Moneda="MXN"', 'Moneda="MXN" TipoCambio="1.000000"'),
  },
  {
    code: 'CFDI40115',
    fires: edit('Moneda="MXN"', 'Moneda="USD"'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('Moneda="MXN"', 'Moneda="USD" TipoCambio="18.9008"'),
  },
  {
    code: 'CFDI40116',
    fires: edit('Moneda="MXN"', 'Moneda="XXX" TipoCambio="1"'),
    at: { xpath: ROOT, line: 2 },
    passes: edit('Moneda="MXN"', 'Moneda="XXX"'),
  },
  {
    code: 'CFDI40119',
    fires: edit('Total="326.40"', 'Total="326.41"'),
    at: { xpath: ROOT, line: 2 },
    passes: (x) =>
      edit(
        'Total="326.40"',
        'Total="328.40"',
      )(
        x.replace(
          '</cfdi:Impuestos>\n</cfdi:Comprobante>',
          '</cfdi:Impuestos>\n  <cfdi:Complemento><implocal:ImpuestosLocales xmlns:implocal="http://www.sat.gob.mx/implocal" version="1.0" TotalDeRetenciones="0.00" TotalDeTraslados="2.00"/></cfdi:Complemento>\n</cfdi:Comprobante>',
        ),
      ),
  },
  {
    code: 'CFDI40167',
    // 1.000000 × 100.000000: limits 99.99 … 100.01 (truncated and rounded up to the cent)
    fires: edit('Importe="100.000000" ObjetoImp', 'Importe="100.02" ObjetoImp'),
    at: { xpath: CONCEPT2, line: 11 },
    // 2 (no decimals) × 100.00: limits (1.5 × 99.995 =) 149.99 … 250.01, SAT's tolerance for integer quantities
    passes: (x) =>
      edit(
        'Importe="200.00" Descuento',
        'Importe="150.00" Descuento',
      )(
        x
          .replace('SubTotal="300.00"', 'SubTotal="250.00"')
          .replace('Total="326.40"', 'Total="268.40"')
          .replace('Base="190.00"', 'Base="140.00"')
          .replace('Importe="30.40"', 'Importe="22.40"')
          .replace('Base="290.00"', 'Base="240.00"')
          .replace('Importe="46.40"/>', 'Importe="38.40"/>')
          .replace('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="38.40"'),
      ),
  },
  {
    code: 'CFDI40169',
    fires: (x) =>
      edit(
        'Importe="200.00" Descuento="10.00"',
        'Importe="200.00" Descuento="200.01"',
      )(x.replace('Descuento="10.00" Total="326.40"', 'Descuento="200.01" Total="136.39"')),
    at: { xpath: CONCEPT1, line: 4 },
    passes: (x) =>
      edit(
        'Importe="200.00" Descuento="10.00"',
        'Importe="200.00" Descuento="200.00"',
      )(x.replace('Descuento="10.00" Total="326.40"', 'Descuento="200.00" Total="136.40"')),
  },
  {
    code: 'CFDI40171',
    fires: (x) => x.replace('ObjetoImp="02">', 'ObjetoImp="02"/><!--').replace('</cfdi:Concepto>', '-->'),
    at: { xpath: CONCEPT1, line: 4 },
    passes: (x) => x,
  },
  {
    code: 'CFDI40180',
    // 190.00 × 0.16 = 30.40: limits (189.995 × 0.16 =) 30.39 … (190.005 × 0.16 =) 30.41
    fires: (x) =>
      edit(
        'Importe="30.40"',
        'Importe="30.42"',
      )(x)
        .replace('Importe="46.40"/>', 'Importe="46.42"/>')
        .replace('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.42"')
        .replace('Total="326.40"', 'Total="326.42"'),
    at: { xpath: `${CONCEPT1}/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado[1]`, line: 7 },
    passes: (x) =>
      edit(
        'Importe="30.40"',
        'Importe="30.41"',
      )(x)
        .replace('Importe="46.40"/>', 'Importe="46.41"/>')
        .replace('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.41"')
        .replace('Total="326.40"', 'Total="326.41"'),
  },
  {
    code: 'CFDI40186',
    fires: (x) =>
      edit(
        'TasaOCuota="0.100000" Importe="10.000000"',
        'TasaOCuota="0.100000" Importe="10.02"',
      )(x)
        .replace('Impuesto="001" Importe="10.00"', 'Impuesto="001" Importe="10.02"')
        .replace('TotalImpuestosRetenidos="10.00"', 'TotalImpuestosRetenidos="10.02"')
        .replace('Total="326.40"', 'Total="326.38"'),
    at: { xpath: `${CONCEPT2}/cfdi:Impuestos/cfdi:Retenciones/cfdi:Retencion[1]`, line: 17 },
    passes: (x) =>
      edit('TasaOCuota="0.100000" Importe="10.000000"', 'TasaOCuota="0.100000" Importe="10.0000004"')(x),
  },
  {
    code: 'CFDI40203',
    fires: (x) =>
      edit(
        'TotalImpuestosRetenidos="10.00"',
        'TotalImpuestosRetenidos="11.00"',
      )(x).replace('Total="326.40"', 'Total="325.40"'),
    at: { xpath: SUMMARY, line: 22 },
    passes: edit('TotalImpuestosRetenidos="10.00"', 'TotalImpuestosRetenidos="10.0"'),
  },
  {
    code: 'CFDI40205',
    fires: (x) =>
      edit(
        'TotalImpuestosTrasladados="46.40"',
        'TotalImpuestosTrasladados="46.41"',
      )(x).replace('Total="326.40"', 'Total="326.41"'),
    at: { xpath: SUMMARY, line: 22 },
    passes: edit('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.4"'),
  },
  {
    code: 'CFDI40211',
    fires: (x) =>
      edit(
        'Impuesto="001" Importe="10.00"',
        'Impuesto="001" Importe="10.01"',
      )(x)
        .replace('TotalImpuestosRetenidos="10.00"', 'TotalImpuestosRetenidos="10.01"')
        .replace('Total="326.40"', 'Total="326.39"'),
    at: { xpath: `${SUMMARY}/cfdi:Retenciones/cfdi:Retencion[1]`, line: 24 },
    // 10.004999 rounds to 10.00
    passes: edit('TasaOCuota="0.100000" Importe="10.000000"', 'TasaOCuota="0.100000" Importe="10.004999"'),
  },
  {
    code: 'CFDI40215',
    fires: edit('Base="290.00"', 'Base="290.01"'),
    at: { xpath: `${SUMMARY}/cfdi:Traslados/cfdi:Traslado[1]`, line: 27 },
    passes: edit('Base="100.000000" Impuesto="002"', 'Base="100.004000" Impuesto="002"'),
  },
  {
    code: 'CFDI40221',
    fires: (x) =>
      edit(
        'Importe="46.40"/>',
        'Importe="46.41"/>',
      )(x)
        .replace('TotalImpuestosTrasladados="46.40"', 'TotalImpuestosTrasladados="46.41"')
        .replace('Total="326.40"', 'Total="326.41"'),
    at: { xpath: `${SUMMARY}/cfdi:Traslados/cfdi:Traslado[1]`, line: 27 },
    passes: edit('Importe="16.000000"', 'Importe="16.004000"'),
  },
];

describe('SAT amount checks of a CFDI 4.0', () => {
  it.each(samples)('finds nothing in the CFDI of samples/mx/%s', (name) => {
    expect(checkCfdiAmounts(cfdiOf(name))).toEqual([]);
  });

  it('finds nothing in the base document of the cases', () => {
    expect(checkCfdiAmounts(cfdi())).toEqual([]);
  });

  it('has a case for every check, and every check has its code once', () => {
    expect(CASES.map((c) => c.code).sort()).toEqual(CFDI_CHECKS.map((c) => c.code).sort());
    expect(new Set(CFDI_CHECKS.map((c) => c.code)).size).toBe(CFDI_CHECKS.length);
  });

  describe.each(CASES)('$code', ({ code, fires, at, passes }) => {
    it('fires, with the code and where', () => {
      const findings = checkCfdiAmounts(cfdi(fires)).filter((f) => f.code === code);
      expect(findings.map((f) => f.location)).toEqual([at]);
      expect(findings[0]!.message.length).toBeGreaterThan(20);
    });

    it('does not fire on a neighbouring valid document', () => {
      expect(checkCfdiAmounts(cfdi(passes))).toEqual([]);
    });
  });

  it('names the values in its messages', () => {
    const [finding] = checkCfdiAmounts(cfdi(edit('Total="326.40"', 'Total="326.41"')));
    expect(finding!.message).toBe(
      'Total 326.41 is not SubTotal 300 − Descuento 10 + TotalImpuestosTrasladados 46.4 − TotalImpuestosRetenidos 10 = 326.4',
    );
  });

  it('refuses what is not a CFDI 4.0', () => {
    expect(() => checkCfdiAmounts(cfdi((x) => x.replace('Version="4.0"', 'Version="3.3"')))).toThrow(
      /Not a CFDI 4.0/,
    );
    expect(() => checkCfdiAmounts(`<!DOCTYPE x [<!ENTITY e "e">]><x/>`)).toThrow();
  });
});

const ASSETS = join('cfdi-cfdiutils', 'tests', 'assets');
const CORPUS_FILES = ['cfdi40-valid.xml', 'created-with-discounts-40.xml', 'cfdi40-real.xml'];

describeWithCorpus(
  'SAT amount checks of the reference CFDI 4.0',
  CORPUS_FILES.map((f) => join(ASSETS, f)),
  (corpus) => {
    it.each(CORPUS_FILES)('finds nothing in %s', (file) => {
      expect(checkCfdiAmounts(readFileSync(join(corpus, ASSETS, file), 'utf8'))).toEqual([]);
    });
  },
);

describe("SAT's very large catalogues, from the schema folder", () => {
  /** A schema folder with a catCFDI.xsd in SAT's layout, holding these codes. */
  function schemas(codes: Record<string, string[]>): string {
    const dir = tempDir();
    const folder = join(dir, 'www.sat.gob.mx', 'sitio_internet', 'cfd', 'catalogos');
    mkdirSync(folder, { recursive: true });
    const types = Object.entries(codes).map(
      ([name, values]) =>
        `<xs:simpleType name="${name}">\n<xs:restriction base="xs:string">\n${values.map((v) => `<xs:enumeration value="${v}"/>`).join('\n')}\n</xs:restriction>\n</xs:simpleType>`,
    );
    writeFileSync(
      join(folder, 'catCFDI.xsd'),
      `<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n${types.join('\n')}\n</xs:schema>\n`,
    );
    return dir;
  }
  const xml = cfdiOf('ingreso.json');
  const used = (attribute: string) =>
    [...xml.matchAll(new RegExp(` ${attribute}="([^"]+)"`, 'g'))].map((m) => m[1]!);
  const full = {
    c_ClaveProdServ: [...used('ClaveProdServ'), '01010101'],
    c_ClaveUnidad: [...used('ClaveUnidad'), 'ACT'],
    c_CodigoPostal: [...used('LugarExpedicion'), '00000'],
    c_Pais: ['MEX'],
  };

  it('finds nothing when every code is in them', () => {
    const catalogues = satCatalogues(schemas(full));
    expect('missing' in catalogues).toBe(false);
    expect(checkCfdiCatalogues(xml, catalogues as SatCatalogues)).toEqual([]);
  });

  it('reports a code that is not, with its SAT code and where', () => {
    const [first] = used('ClaveProdServ');
    const catalogues = satCatalogues(
      schemas({ ...full, c_ClaveProdServ: full.c_ClaveProdServ.filter((c) => c !== first) }),
    ) as SatCatalogues;
    const findings = checkCfdiCatalogues(xml, catalogues);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({
      code: 'CFDI40162',
      message: `ClaveProdServ ${first} is not in SAT's c_ClaveProdServ`,
      location: { xpath: '/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[1]' },
    });
    expect(findings.every((f) => f.code === 'CFDI40162')).toBe(true);
    const postal = checkCfdiCatalogues(
      xml,
      satCatalogues(schemas({ ...full, c_CodigoPostal: ['00000'] })) as SatCatalogues,
    );
    expect(postal).toEqual([
      expect.objectContaining({ code: 'CFDI40126', location: { xpath: '/cfdi:Comprobante', line: 2 } }),
    ]);
  });

  it('says where it looked when they are not installed, or the file is not SAT’s', () => {
    expect(satCatalogues(undefined)).toEqual({ missing: expect.stringContaining('EINVOICE_SCHEMAS_DIR') });
    const empty = tempDir();
    expect(satCatalogues(empty)).toEqual({
      missing: expect.stringContaining(`catCFDI.xsd is not in ${empty}`),
    });
    expect(satCatalogues(schemas({ c_Pais: ['MEX'] }))).toEqual({
      missing: expect.stringMatching(/has no c_ClaveProdServ, c_ClaveUnidad, c_CodigoPostal: not SAT's/),
    });
  });

  it('validate-cfdi checks them where installed, and passes with a notice where not', async () => {
    const run = (schemasDir: string | undefined, document: string) =>
      validateCfdiAction(schemasDir).run({
        params: {},
        readArtifact: () => Promise.resolve(Buffer.from(document)),
        writeArtifact: () => Promise.resolve(),
      } as unknown as ActionContext);
    expect(await run(undefined, xml)).toMatchObject({
      outcome: 'accepted',
      code: 'catalogue.not-installed',
      noticeLevel: 'info',
    });
    expect(await run(schemas(full), xml)).toEqual({ outcome: 'accepted' });
    const refused = await run(schemas({ ...full, c_ClaveUnidad: ['ACT'] }), xml);
    expect(refused).toMatchObject({ outcome: 'rejected', code: 'cfdi.amounts' });
    expect(refused.details?.map((d) => d.code)).toContain('CFDI40165');
  });
});
