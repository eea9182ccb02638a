import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import forge from 'node-forge';
import { FolderCertificateStore } from '../shared/adapters/folder-certificate-store';
import { sealCfdiAction } from '../shared/actions/seal-cfdi';
import type { ActionContext } from '../shared/engine/action';
import { cadenaOriginal, cadenaTimbre, supportedComplements } from '../shared/signing/cfdi-cadena';
import { sealCfdi, setRootAttributes, verifyCfdiSeal, verifyTimbre } from '../shared/signing/cfdi-seal';
import {
  checkCsd,
  loadSatCsd,
  noCertificadoOf,
  readSatCsd,
  satCertificateInfo,
  type SatCsd,
} from '../shared/signing/sat-csd';
import { parseXmlTree } from '../shared/xml/xml-tree';
import { describeWithCorpus } from './support/corpus';
import { errorOf } from './support/expectations';
import { tempDir } from './support/temp';

const OPENSSL = '/usr/bin/openssl';

/** The instant of a CFDI's local `Fecha`, read as Mexico City time (UTC-6). */
function fechaOf(xml: string): Date {
  const fecha = parseXmlTree(xml).getAttribute('Fecha')!;
  return new Date(`${fecha}-06:00`);
}

/** Whether openssl verifies `signature` over `data` with the public key of `certificateDer`. */
function opensslVerifies(
  dir: string,
  name: string,
  certificateDer: Buffer,
  data: Buffer,
  signature: Buffer,
): string {
  const cer = join(dir, `${name}.cer`);
  const pub = join(dir, `${name}.pub.pem`);
  const sig = join(dir, `${name}.sig`);
  const text = join(dir, `${name}.txt`);
  writeFileSync(cer, certificateDer);
  writeFileSync(sig, signature);
  writeFileSync(text, data);
  writeFileSync(pub, execFileSync(OPENSSL, ['x509', '-inform', 'DER', '-in', cer, '-pubkey', '-noout']));
  try {
    return execFileSync(OPENSSL, ['dgst', '-sha256', '-verify', pub, '-signature', sig, text], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  } catch (error) {
    return (error as { stdout: Buffer }).stdout.toString().trim() || 'failed';
  }
}

// ---------------------------------------------------------------------------------------------------------
// SAT-like certificates made here, for what the corpus lacks (an e.firma, a CSD of a known password)

interface MadeCertificate {
  cer: Buffer;
  key: Buffer;
  password: string;
}

function makeSatCertificate(options: {
  rfc: string;
  serial: string;
  branch?: string;
  usage: Record<string, boolean>;
  notBefore?: Date;
  notAfter?: Date;
}): MadeCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = Buffer.from(options.serial, 'latin1').toString('hex');
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: 'EMPRESA DE PRUEBA SA DE CV' },
    { type: '2.5.4.41', value: 'EMPRESA DE PRUEBA SA DE CV' },
    { name: 'organizationName', value: 'EMPRESA DE PRUEBA SA DE CV' },
    // x500UniqueIdentifier, a PrintableString (forge's default) as SAT writes it
    { type: '2.5.4.45', value: `${options.rfc} / VADA800927DJ3` },
  ];
  if (options.branch) subject.push({ name: 'organizationalUnitName', value: options.branch });
  cert.setSubject(subject);
  cert.setIssuer([{ name: 'commonName', value: 'AC DE PRUEBAS' }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', ...options.usage },
  ]);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const password = 'clave de prueba';
  return {
    cer: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'),
    key: privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: password }),
    password,
  };
}

const CSD_USAGE = { digitalSignature: true, nonRepudiation: true };
const FIEL_USAGE = {
  digitalSignature: true,
  nonRepudiation: true,
  dataEncipherment: true,
  keyAgreement: true,
};

// ---------------------------------------------------------------------------------------------------------
// Documents whose expected cadenas are the output of SAT's published stylesheets (cadenaoriginal_4_0.xslt,
// cadenaoriginal_3_3.xslt with their included complement stylesheets) run by an XSLT processor: every
// table row and the order rules (stylesheet order, not document order), empty optional attributes,
// normalize-space, repeated and nested elements, and the text of a TimbreFiscalDigital that is not empty.

const COMPLEMENTS_40 = `
    <implocal:ImpuestosLocales version="1.0" TotaldeTraslados="1" TotaldeRetenciones="2">
      <implocal:TrasladosLocales ImpLocTrasladado="T1" TasadeTraslado="1" Importe="1"/>
      <implocal:RetencionesLocales ImpLocRetenido="R1" TasadeRetencion="2" Importe="2"/>
      <implocal:RetencionesLocales Importe="3" ImpLocRetenido="R2" TasadeRetencion="3"/>
    </implocal:ImpuestosLocales>
    <tfd:TimbreFiscalDigital Version="1.1" UUID="X">
    </tfd:TimbreFiscalDigital>
    <leyendasFisc:LeyendasFiscales version="1.0"><leyendasFisc:Leyenda textoLeyenda="t1" norma="n"/><leyendasFisc:Leyenda disposicionFiscal="d" textoLeyenda="t2"/></leyendasFisc:LeyendasFiscales>
    <divisas:Divisas tipoOperacion="venta" version="1.0"/>
    <donat:Donatarias leyenda="L" version="1.1" noAutorizacion="N" fechaAutorizacion="2020-01-01"/>
    <ine:INE TipoProceso="Ordinario" Version="1.1" TipoComite="Ejecutivo Nacional"><ine:Entidad ClaveEntidad="AGU"><ine:Contabilidad IdContabilidad="1"/><ine:Contabilidad IdContabilidad="2"/></ine:Entidad><ine:Entidad Ambito="Local" ClaveEntidad="BCN"/></ine:INE>`;

const BODY = `
  <cfdi:Impuestos TotalImpuestosTrasladados="1" TotalImpuestosRetenidos="2">
    <cfdi:Traslados><cfdi:Traslado Base="10" Impuesto="002" TipoFactor="Exento"/></cfdi:Traslados>
    <cfdi:Retenciones><cfdi:Retencion Importe="2" Impuesto="001"/><cfdi:Retencion Importe="3" Impuesto="002"/></cfdi:Retenciones>
  </cfdi:Impuestos>
  <cfdi:Conceptos>
    <cfdi:Concepto ObjetoImp="02" ClaveProdServ="01010101" Cantidad="1" ClaveUnidad="H87" Descripcion="  A   b  " ValorUnitario="10" Importe="10" Descuento="">
      <cfdi:Parte ClaveProdServ="P1" Cantidad="1" Descripcion="parte"><cfdi:InformacionAduanera NumeroPedimento="IA-P1"/></cfdi:Parte>
      <cfdi:ComplementoConcepto/>
      <cfdi:CuentaPredial Numero="CP1"/>
      <cfdi:CuentaPredial Numero="CP2"/>
      <cfdi:InformacionAduanera NumeroPedimento="IA1"/>
      <cfdi:ACuentaTerceros RfcACuentaTerceros="R" NombreACuentaTerceros="N" RegimenFiscalACuentaTerceros="601" DomicilioFiscalACuentaTerceros="01000"/>
      <cfdi:InformacionAduanera NumeroPedimento="IA2"/>
      <cfdi:Impuestos>
        <cfdi:Retenciones><cfdi:Retencion Base="1" Impuesto="001" TipoFactor="Tasa" TasaOCuota="0.1" Importe="0.1"/></cfdi:Retenciones>
        <cfdi:Traslados><cfdi:Traslado Base="1" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.16" Importe="0.16"/><cfdi:Traslado Base="2" Impuesto="003" TipoFactor="Exento"/></cfdi:Traslados>
      </cfdi:Impuestos>
      <cfdi:Parte ClaveProdServ="P2" Cantidad="2" Descripcion="parte2" Unidad="u" ValorUnitario="1" Importe="2"/>
    </cfdi:Concepto>
    <cfdi:Concepto ObjetoImp="01" ClaveProdServ="2" Cantidad="1" ClaveUnidad="H87" Descripcion="B" ValorUnitario="0" Importe="0"/>
  </cfdi:Conceptos>
  <cfdi:Receptor UsoCFDI="G03" RegimenFiscalReceptor="616" DomicilioFiscalReceptor="01000" Nombre="R" Rfc="XEXX010101000" NumRegIdTrib="123" ResidenciaFiscal="USA"/>
  <cfdi:Emisor FacAtrAdquirente="0123456789" RegimenFiscal="601" Nombre="E" Rfc="AAA010101AAA"/>
  <cfdi:CfdiRelacionados TipoRelacion="04"><cfdi:CfdiRelacionado UUID="U1"/><cfdi:CfdiRelacionado UUID="U2"/></cfdi:CfdiRelacionados>
  <cfdi:CfdiRelacionados TipoRelacion="07"><cfdi:CfdiRelacionado UUID="U3"/></cfdi:CfdiRelacionados>`;

const NAMESPACES =
  'xmlns:implocal="http://www.sat.gob.mx/implocal" xmlns:leyendasFisc="http://www.sat.gob.mx/leyendasFiscales" ' +
  'xmlns:divisas="http://www.sat.gob.mx/divisas" xmlns:donat="http://www.sat.gob.mx/donat" ' +
  'xmlns:ine="http://www.sat.gob.mx/ine" xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital"';

const SYNTHETIC_40 = `<?xml version="1.0" encoding="UTF-8"?>
<!-- synthetic -->
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" ${NAMESPACES} xmlns:pago20="http://www.sat.gob.mx/Pagos20"
  Total="10" Version="4.0" Serie="" Folio="  F&#9;1  &#10; x " Fecha="2024-01-01T00:00:00" NoCertificado="123" SubTotal="10" Moneda="MXN" TipoDeComprobante="I" Exportacion="01" LugarExpedicion="01000" Confirmacion="ABCDE">
  <cfdi:Complemento>${COMPLEMENTS_40}
    <pago20:Pagos Version="2.0">
      <pago20:Pago Monto="5" FechaPago="2024-01-01T00:00:00" FormaDePagoP="03" MonedaP="MXN" SelloPago="S" CadPago="C">
        <pago20:ImpuestosP>
          <pago20:TrasladosP><pago20:TrasladoP ImporteP="1" BaseP="5" ImpuestoP="002" TipoFactorP="Tasa" TasaOCuotaP="0.16"/></pago20:TrasladosP>
          <pago20:RetencionesP><pago20:RetencionP ImporteP="2" ImpuestoP="001"/></pago20:RetencionesP>
        </pago20:ImpuestosP>
        <pago20:DoctoRelacionado IdDocumento="D" MonedaDR="MXN" NumParcialidad="1" ImpSaldoAnt="5" ImpPagado="5" ImpSaldoInsoluto="0" ObjetoImpDR="02" Folio="f">
          <pago20:ImpuestosDR>
            <pago20:TrasladosDR><pago20:TrasladoDR BaseDR="5" ImpuestoDR="002" TipoFactorDR="Exento"/></pago20:TrasladosDR>
            <pago20:RetencionesDR><pago20:RetencionDR BaseDR="5" ImpuestoDR="001" TipoFactorDR="Tasa" TasaOCuotaDR="0.1" ImporteDR="0.5"/></pago20:RetencionesDR>
          </pago20:ImpuestosDR>
        </pago20:DoctoRelacionado>
      </pago20:Pago>
      <pago20:Totales MontoTotalPagos="5" TotalRetencionesISR="0.5"/>
    </pago20:Pagos>
  </cfdi:Complemento>${BODY}
  <cfdi:InformacionGlobal Año="2024" Meses="01" Periodicidad="01"/>
  <cfdi:Addenda><x:Foo xmlns:x="urn:x" a="b">text</x:Foo></cfdi:Addenda>
</cfdi:Comprobante>
`;

const EXPECTED_40 =
  '||4.0||F 1 x|2024-01-01T00:00:00|123|10|MXN|10|I|01|01000|ABCDE|01|01|2024|04|U1|U2|07|U3|AAA010101AAA|E|601|' +
  '0123456789|XEXX010101000|R|01000|USA|123|616|G03|01010101|1|H87|A b|10|10||02|1|002|Tasa|0.16|0.16|2|003|' +
  'Exento|1|001|Tasa|0.1|0.1|R|N|601|01000|IA1|IA2|CP1|CP2|P1|1|parte|IA-P1|P2|2|u|parte2|1|2|2|1|H87|B|0|0|01|' +
  '001|2|002|3|2|10|002|Exento|1|1.0|2|1|R1|2|2|R2|3|3|T1|1|1\n    |1.0|n|t1|d|t2|1.0|venta|1.1|N|2020-01-01|L|' +
  '1.1|Ordinario|Ejecutivo Nacional|AGU|1|2|BCN|Local|2.0|0.5|5|2024-01-01T00:00:00|03|MXN|5|C|S|D|f|MXN|1|5|5|0|' +
  '02|5|001|Tasa|0.1|0.5|5|002|Exento|001|2|5|002|Tasa|0.16|1||';

const SYNTHETIC_33 = `<?xml version="1.0" encoding="UTF-8"?>
<!-- synthetic -->
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/3" ${NAMESPACES} xmlns:pago10="http://www.sat.gob.mx/Pagos"
  Total="10" Version="3.3" Serie="" Folio="  F&#9;1  &#10; x " Fecha="2024-01-01T00:00:00" NoCertificado="123" SubTotal="10" Moneda="MXN" TipoDeComprobante="I" LugarExpedicion="01000" Confirmacion="ABCDE">
  <cfdi:Complemento>${COMPLEMENTS_40}
    <pago10:Pagos Version="1.0">
      <pago10:Pago Monto="5" FechaPago="2024-01-01T00:00:00" FormaDePagoP="03" MonedaP="MXN" SelloPago="S" CadPago="C">
        <pago10:Impuestos TotalImpuestosTrasladados="1">
          <pago10:Traslados><pago10:Traslado Importe="0.80" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000"/></pago10:Traslados>
          <pago10:Retenciones><pago10:Retencion Importe="0.50" Impuesto="001"/></pago10:Retenciones>
        </pago10:Impuestos>
        <pago10:DoctoRelacionado IdDocumento="D" MonedaDR="MXN" NumParcialidad="1" ImpSaldoAnt="5" ImpPagado="5" ImpSaldoInsoluto="0" MetodoDePagoDR="PPD" TipoCambioDR="1" Folio="f"/>
      </pago10:Pago>
    </pago10:Pagos>
  </cfdi:Complemento>${BODY}
  <cfdi:Addenda><x:Foo xmlns:x="urn:x" a="b">text</x:Foo></cfdi:Addenda>
</cfdi:Comprobante>
`;

const EXPECTED_33 =
  '||3.3||F 1 x|2024-01-01T00:00:00|123|10|MXN|10|I|01000|ABCDE|04|U1|U2|07|U3|AAA010101AAA|E|601|XEXX010101000|R|' +
  'USA|123|G03|01010101|1|H87|A b|10|10||1|002|Tasa|0.16|0.16|2|003|Exento|1|001|Tasa|0.1|0.1|IA1|IA2|CP1|CP2|P1|1|' +
  'parte|IA-P1|P2|2|u|parte2|1|2|2|1|H87|B|0|0|001|2|002|3|2|002|Exento|||1|1.0|2|1|R1|2|2|R2|3|3|T1|1|1\n    |' +
  '1.0|n|t1|d|t2|1.0|venta|1.1|N|2020-01-01|L|1.1|Ordinario|Ejecutivo Nacional|AGU|1|2|BCN|Local|1.0|' +
  '2024-01-01T00:00:00|03|MXN|5|C|S|D|f|MXN|1|PPD|1|5|5|0|1|001|0.50|002|Tasa|0.160000|0.80||';

const TIMBRE = `<?xml version="1.0" encoding="UTF-8"?>
<tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" SelloSAT="zzz" NoCertificadoSAT="00001000000708361114" SelloCFD=" abc
 def " Leyenda="Una  leyenda" RfcProvCertif="TBN040609RKA" FechaTimbrado="2025-01-24T10:10:42" UUID="C2832671-DA6D-11EF-A83D-00155D012007" Version="1.1"/>`;

/** Now as a CFDI `Fecha`: Mexico City's local time (UTC-6), to the second. */
const NOW_FECHA = new Date(Date.now() - 6 * 3_600_000).toISOString().slice(0, 19);

/** A small CFDI 4.0 to seal, of the Emisor `rfc`, laid out by hand (attributes on several lines). */
function unsealed40(rfc: string, fecha = NOW_FECHA): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante
    xmlns:cfdi="http://www.sat.gob.mx/cfd/4"
    Version='4.0' Fecha="${fecha}" SubTotal="100.00" Moneda="MXN" Total="116.00"
    TipoDeComprobante="I" Exportacion="01" LugarExpedicion="01000"   >
  <cfdi:Emisor Rfc="${rfc}" Nombre="EMPRESA DE PRUEBA" RegimenFiscal="601"/>
  <cfdi:Receptor Rfc="XAXX010101000" Nombre="PÚBLICO EN GENERAL" DomicilioFiscalReceptor="01000" RegimenFiscalReceptor="616" UsoCFDI="S01"/>
  <cfdi:Conceptos>
    <cfdi:Concepto ClaveProdServ="01010101" Cantidad="1" ClaveUnidad="H87" Descripcion="Café &amp; té" ValorUnitario="100.00" Importe="100.00" ObjetoImp="02">
      <cfdi:Impuestos><cfdi:Traslados><cfdi:Traslado Base="100.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="16.00"/></cfdi:Traslados></cfdi:Impuestos>
    </cfdi:Concepto>
  </cfdi:Conceptos>
  <cfdi:Impuestos TotalImpuestosTrasladados="16.00"><cfdi:Traslados><cfdi:Traslado Base="100.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="16.00"/></cfdi:Traslados></cfdi:Impuestos>
</cfdi:Comprobante>
`;
}

describe('CFDI cadena original (SAT stylesheet rules)', () => {
  it('writes a 4.0 Comprobante in the order of cadenaoriginal_4_0.xslt, complements included', () => {
    expect(cadenaOriginal(SYNTHETIC_40)).toBe(EXPECTED_40);
  });

  it('writes a 3.3 Comprobante by cadenaoriginal_3_3.xslt (Pagos 1.0, no Exportacion, no ACuentaTerceros)', () => {
    expect(cadenaOriginal(SYNTHETIC_33)).toBe(EXPECTED_33);
  });

  it('writes the cadena of a TimbreFiscalDigital 1.1, with its optional Leyenda', () => {
    expect(cadenaTimbre(TIMBRE)).toBe(
      '||1.1|C2832671-DA6D-11EF-A83D-00155D012007|2025-01-24T10:10:42|TBN040609RKA|Una leyenda|abc def|00001000000708361114||',
    );
    const withoutLeyenda = TIMBRE.replace(' Leyenda="Una  leyenda"', '');
    expect(cadenaTimbre(withoutLeyenda)).toBe(
      '||1.1|C2832671-DA6D-11EF-A83D-00155D012007|2025-01-24T10:10:42|TBN040609RKA|abc def|00001000000708361114||',
    );
  });

  it('writes a required attribute that is absent as an empty field, and leaves an absent optional one out', () => {
    const expected = '||4.0|2024-05-01T10:00:00||100.00|MXN|116.00|I|01|01000|AAA010101AAA|';
    const cadena = cadenaOriginal(unsealed40('AAA010101AAA', '2024-05-01T10:00:00'));
    expect(cadena.slice(0, expected.length)).toBe(expected);
  });

  it('refuses a complement it does not support, naming it, instead of leaving it out', () => {
    const nomina = SYNTHETIC_40.replace(
      '<cfdi:Complemento>',
      '<cfdi:Complemento><nomina12:Nomina xmlns:nomina12="http://www.sat.gob.mx/nomina12" Version="1.2"/>',
    );
    const error = errorOf(() => cadenaOriginal(nomina));
    expect(error.code).toBe('cfdi.unsupported-complement');
    expect(error.message).toContain('nomina12:Nomina');
    // Pagos 2.0 is not among the 3.3 stylesheet's complements, nor Pagos 1.0 among 4.0's
    const pagos20In33 = SYNTHETIC_33.replace(
      '<cfdi:Complemento>',
      '<cfdi:Complemento><pago20:Pagos xmlns:pago20="http://www.sat.gob.mx/Pagos20" Version="2.0"/>',
    );
    expect(errorOf(() => cadenaOriginal(pagos20In33)).code).toBe('cfdi.unsupported-complement');
    // in a ComplementoConcepto too
    const iedu = SYNTHETIC_40.replace(
      '<cfdi:ComplementoConcepto/>',
      '<cfdi:ComplementoConcepto><iedu:instEducativas xmlns:iedu="http://www.sat.gob.mx/iedu" version="1.0"/></cfdi:ComplementoConcepto>',
    );
    expect(errorOf(() => cadenaOriginal(iedu)).message).toContain('iedu:instEducativas');
    expect(supportedComplements('4.0')).toContain('pago20:Pagos');
    expect(supportedComplements('3.3')).toContain('pago10:Pagos');
  });

  it('refuses other versions and documents that are not a Comprobante', () => {
    const v32 = SYNTHETIC_33.replace('Version="3.3"', 'Version="3.2"');
    expect(errorOf(() => cadenaOriginal(v32)).code).toBe('cfdi.unsupported-version');
    expect(errorOf(() => cadenaOriginal('<Invoice xmlns="urn:x"/>')).code).toBe('cfdi.not-cfdi');
    expect(errorOf(() => cadenaOriginal('<!DOCTYPE x [<!ENTITY a "b">]><x/>')).code).toBe(
      'xml.dtd-forbidden',
    );
    expect(errorOf(() => cadenaTimbre(unsealed40('AAA010101AAA'))).code).toBe('cfdi.no-timbre');
  });
});

describe('setRootAttributes', () => {
  it('replaces values in place and adds missing attributes after the last one, touching nothing else', () => {
    const xml = unsealed40('AAA010101AAA');
    const out = setRootAttributes(xml, [
      ['Version', '4.0'],
      ['NoCertificado', '30001000000500003416'],
      ['Sello', 'a"b'],
    ]);
    expect(out).toBe(
      xml.replace(
        'LugarExpedicion="01000"   >',
        'LugarExpedicion="01000" NoCertificado="30001000000500003416" Sello="a&quot;b"   >',
      ),
    );
    expect(parseXmlTree(out).getAttribute('Sello')).toBe('a"b');
    const replaced = setRootAttributes(out, [['NoCertificado', '1']]);
    expect(replaced).toBe(out.replace('NoCertificado="30001000000500003416"', 'NoCertificado="1"'));
  });
});

describe('SAT CSD and sealing, with certificates made for the test', () => {
  const rfc = 'EPR010101AB1';
  let csdFiles: MadeCertificate;
  let csd: SatCsd;

  beforeAll(() => {
    csdFiles = makeSatCertificate({
      rfc,
      serial: '30001000000500009999',
      branch: 'Matriz',
      usage: CSD_USAGE,
    });
    csd = loadSatCsd(csdFiles.cer, csdFiles.key, csdFiles.password);
  });

  it('reads the certificate number, RFC, branch and kind', () => {
    expect(csd.noCertificado).toBe('30001000000500009999');
    expect(csd.rfc).toBe(rfc);
    expect(csd.branchName).toBe('Matriz');
    expect(csd.isFiel).toBe(false);
    expect(csd.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(csd.certificates[0]!.raw.equals(csdFiles.cer)).toBe(true);
    expect(csd.certificateBase64).toBe(csdFiles.cer.toString('base64'));
  });

  it('seals a CFDI 4.0 written by hand, changing only the root start tag, and the seal verifies', () => {
    const xml = unsealed40(rfc);
    const sealed = sealCfdi(xml, csd);
    const tagEnd = (text: string) => text.indexOf('>', text.indexOf('<cfdi:Comprobante'));
    expect(sealed.slice(tagEnd(sealed))).toBe(xml.slice(tagEnd(xml)));
    expect(sealed.slice(0, xml.indexOf('LugarExpedicion'))).toBe(
      xml.slice(0, xml.indexOf('LugarExpedicion')),
    );
    const result = verifyCfdiSeal(sealed);
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.noCertificado).toBe('30001000000500009999');
    expect(result.rfc).toBe(rfc);
    expect(result.cadena).toContain('|30001000000500009999|');
    expect(result.cadena).toContain('|Café & té|');
    // sealing again gives the same document (PKCS#1 v1.5 signatures are deterministic)
    expect(sealCfdi(sealed, csd)).toBe(sealed);
  });

  it('tells an e.firma from a CSD and refuses to seal with it', () => {
    const fiel = makeSatCertificate({ rfc, serial: '00001000000500001111', usage: FIEL_USAGE });
    const credential = loadSatCsd(fiel.cer, fiel.key, fiel.password);
    expect(credential.isFiel).toBe(true);
    expect(errorOf(() => checkCsd(credential)).code).toBe('csd.not-csd');
    expect(errorOf(() => sealCfdi(unsealed40(rfc), credential)).code).toBe('csd.not-csd');
    // either mark is enough: no branch, or a key usage beyond signing
    const noBranch = makeSatCertificate({ rfc, serial: '00001000000500001112', usage: CSD_USAGE });
    expect(satCertificateInfo(noBranch.cer).isFiel).toBe(true);
    const encipher = makeSatCertificate({
      rfc,
      serial: '00001000000500001113',
      branch: 'X',
      usage: FIEL_USAGE,
    });
    expect(satCertificateInfo(encipher.cer).isFiel).toBe(true);
  });

  it('refuses a wrong password, a key of another certificate, another RFC and an expired certificate', () => {
    expect(errorOf(() => loadSatCsd(csdFiles.cer, csdFiles.key, 'otra')).code).toBe('csd.wrong-password');
    const other = makeSatCertificate({
      rfc,
      serial: '30001000000500008888',
      branch: 'Matriz',
      usage: CSD_USAGE,
    });
    expect(errorOf(() => loadSatCsd(csdFiles.cer, other.key, other.password)).code).toBe('csd.key-mismatch');
    expect(errorOf(() => checkCsd(csd, { rfc: 'AAA010101AAA' })).code).toBe('csd.rfc-mismatch');
    expect(errorOf(() => sealCfdi(unsealed40('AAA010101AAA'), csd)).code).toBe('csd.rfc-mismatch');
    expect(errorOf(() => checkCsd(csd, { at: new Date(Date.now() + 400 * 86_400_000) })).code).toBe(
      'csd.expired',
    );
    expect(errorOf(() => checkCsd(csd, { at: new Date(Date.now() - 2 * 86_400_000) })).code).toBe(
      'csd.expired',
    );
    expect(() => checkCsd(csd, { rfc: rfc.toLowerCase() })).not.toThrow();
  });

  it('detects a changed document, another certificate and a wrong NoCertificado', () => {
    const sealed = sealCfdi(unsealed40(rfc), csd);
    const changed = verifyCfdiSeal(sealed.replace('Total="116.00"', 'Total="117.00"'));
    expect(changed.valid).toBe(false);
    expect(changed.problems.map((p) => p.code)).toEqual(['cfdi.seal-invalid']);
    const other = makeSatCertificate({
      rfc,
      serial: '30001000000500007777',
      branch: 'Matriz',
      usage: CSD_USAGE,
    });
    const swapped = setRootAttributes(sealed, [['Certificado', other.cer.toString('base64')]]);
    expect(verifyCfdiSeal(swapped).problems.map((p) => p.code)).toEqual([
      'cfdi.seal-invalid',
      'cfdi.no-certificado-mismatch',
    ]);
    const renumbered = setRootAttributes(sealed, [['NoCertificado', '30001000000500007777']]);
    expect(verifyCfdiSeal(renumbered).problems.map((p) => p.code)).toEqual([
      'cfdi.seal-invalid',
      'cfdi.no-certificado-mismatch',
    ]);
    const unsealed = verifyCfdiSeal(unsealed40(rfc));
    expect(unsealed.problems.map((p) => p.code)).toEqual(['cfdi.no-certificate', 'cfdi.no-seal']);
  });
});

describeWithCorpus(
  'CFDI seals of the CfdiUtils corpus',
  ['cfdi-cfdiutils/tests/assets/certs/README.md'],
  (corpus) => {
    const assets = join(corpus, 'cfdi-cfdiutils', 'tests', 'assets');
    const certs = join(assets, 'certs');
    const read = (name: string) => readFileSync(join(assets, name), 'utf8');
    const allXml = (dir: string): string[] =>
      readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) return allXml(path);
        return entry.endsWith('.xml') ? [relative(assets, path)] : [];
      });
    const cfdi40 = allXml(assets).filter((name) => {
      const root = parseXmlTree(read(name));
      return root.localName === 'Comprobante' && root.getAttribute('Version') === '4.0';
    });
    const sealed40 = cfdi40.filter((name) => {
      const root = parseXmlTree(read(name));
      return root.hasAttribute('Sello') && root.hasAttribute('Certificado');
    });
    // the password of the test CSD, as certs/README.md gives it
    const password = /password\s+([^\s)]+)/.exec(readFileSync(join(certs, 'README.md'), 'utf8'))?.[1] ?? '';
    let csd: SatCsd;
    let dir: string;

    beforeAll(async () => {
      dir = tempDir('cfdi-seal-');
      csd = await readSatCsd(join(certs, 'EKU9003173C9.cer'), join(certs, 'EKU9003173C9.key'), password);
    });

    it('computes the cadena of cfdi33-real.xml byte for byte as cfdi33-real-cadenaorigen.txt', () => {
      const expected = readFileSync(join(assets, 'cfdi33-real-cadenaorigen.txt'));
      expect(Buffer.from(cadenaOriginal(read('cfdi33-real.xml')), 'utf8').equals(expected)).toBe(true);
    });

    it('computes the cadena of every *-cadenaorigen.txt with its XML', () => {
      const files = readdirSync(assets).filter((name) => name.endsWith('-cadenaorigen.txt'));
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const file of files) {
        const xml = read(file.replace(/-cadenaorigen\.txt$/, '.xml'));
        const expected = readFileSync(join(assets, file), 'utf8');
        const cadena = cadenaOriginal(xml);
        if (file === 'cfdi33-valid-cadenaorigen.txt') {
          // The corpus re-sealed cfdi33-valid.xml with CSD 30001000000400002434 (its comment says so) and left
          // this file as it was: it differs in the NoCertificado field alone, and the document's Sello verifies
          // over the cadena with the new number (below).
          const noCertificado = parseXmlTree(xml).getAttribute('NoCertificado')!;
          expect(expected).toContain('|30001000000500003416|');
          expect(cadena).toBe(expected.replace('|30001000000500003416|', `|${noCertificado}|`));
          expect(verifyCfdiSeal(xml).valid).toBe(true);
        } else {
          expect({ file, cadena }).toEqual({ file, cadena: expected });
        }
      }
    });

    it('verifies the Sello of every sealed CFDI 4.0 asset with its embedded certificate', () => {
      expect(sealed40.length).toBeGreaterThanOrEqual(4);
      for (const name of sealed40) {
        const result = verifyCfdiSeal(read(name));
        expect({ name, valid: result.valid, problems: result.problems }).toEqual({
          name,
          valid: true,
          problems: [],
        });
        expect(result.cadena.startsWith('||4.0|')).toBe(true);
      }
      // the unsealed ones (the Pagos 2.0 calculator's inputs) have a cadena too, and no seal
      const unsealed = cfdi40.filter((name) => !sealed40.includes(name));
      expect(unsealed.length).toBeGreaterThan(0);
      for (const name of unsealed) {
        expect(cadenaOriginal(read(name)).startsWith('||4.0|')).toBe(true);
        expect(verifyCfdiSeal(read(name)).valid).toBe(false);
      }
    });

    it('loads the test CSD: its number, RFC, branch and validity', () => {
      expect(password).not.toBe('');
      expect(csd.noCertificado).toBe('30001000000500003416');
      expect(csd.rfc).toBe('EKU9003173C9');
      expect(csd.branchName).toBe('Sucursal 1');
      expect(csd.isFiel).toBe(false);
      expect(csd.validFrom.toISOString()).toBe('2023-05-18T11:43:51.000Z');
      expect(csd.validTo.toISOString()).toBe('2027-05-18T11:43:51.000Z');
      expect(csd.name).toBe('EKU9003173C9');
      // the unencrypted PEM key of the same CSD loads too
      const pem = loadSatCsd(
        readFileSync(join(certs, 'EKU9003173C9.cer')),
        readFileSync(join(certs, 'EKU9003173C9.key.pem')),
        '',
      );
      expect(pem.noCertificado).toBe('30001000000500003416');
    });

    it('reproduces the Sello of cfdi40-valid.xml and created-with-discounts-40.xml byte for byte', () => {
      for (const name of [
        'cfdi40-valid.xml',
        'created-with-discounts-40.xml',
        'created-cfdi40-pago20-valid.xml',
      ]) {
        const xml = read(name);
        const resealed = sealCfdi(xml, csd, { at: fechaOf(xml) });
        expect(parseXmlTree(resealed).getAttribute('Sello')).toBe(parseXmlTree(xml).getAttribute('Sello'));
        expect(resealed).toBe(xml);
      }
    });

    it('seals with the CSD kept as PKCS#12, as Key Vault holds certificates: the same Sello byte for byte', async () => {
      // Key Vault keeps a certificate with its key as PKCS#12 (imported from the .cer and .key, docs/countries/
      // mexico.md); the key folder reads a .p12 the same way (fromPkcs12)
      const folder = tempDir('csd-p12-');
      writeFileSync(join(folder, 'key.pem'), csd.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(join(folder, 'cert.pem'), csd.certificates[0]!.toString());
      execFileSync('openssl', [
        'pkcs12',
        '-export',
        '-inkey',
        join(folder, 'key.pem'),
        '-in',
        join(folder, 'cert.pem'),
        '-out',
        join(folder, 'kv-csd.p12'),
        '-passout',
        'pass:secreto',
      ]);
      const store = new FolderCertificateStore(folder, () => 'secreto');
      const xml = read('cfdi40-valid.xml');
      const written: Record<string, string> = {};
      const result = await sealCfdiAction(store).run({
        params: { certificate: 'kv-csd', input: 'cfdi.xml' },
        readArtifact: () => Promise.resolve(Buffer.from(xml)),
        writeArtifact: (name: string, content: string | Buffer) => {
          written[name] = content.toString();
          return Promise.resolve();
        },
      } as unknown as ActionContext);
      expect(result).toMatchObject({
        outcome: 'accepted',
        variables: { noCertificado: '30001000000500003416' },
      });
      expect(written['sealed.xml']).toBe(xml);
    });

    it('seals an unsealed Pagos 2.0 document of the corpus, and the seal verifies', () => {
      const xml = read('pagos20-calculator/001.xml');
      const sealed = sealCfdi(xml, csd, { at: fechaOf(xml) });
      expect(verifyCfdiSeal(sealed).valid).toBe(true);
      const withoutNumber = xml.replace(' NoCertificado="30001000000500003416"', '');
      const sealedAgain = sealCfdi(withoutNumber, csd, { at: fechaOf(xml) });
      expect(verifyCfdiSeal(sealedAgain).valid).toBe(true);
      expect(parseXmlTree(sealedAgain).getAttribute('Sello')).toBe(
        parseXmlTree(sealed).getAttribute('Sello'),
      );
    });

    it('detects altered documents: cfdi33-valid.xml (its timbre) and changed copies of sealed assets', () => {
      // The corpus says of cfdi33-valid.xml that it was re-sealed with a valid Sello and that the SelloCFD of
      // its TimbreFiscalDigital is not valid: its Comprobante seal verifies, its timbre does not.
      const valid33 = read('cfdi33-valid.xml');
      expect(verifyCfdiSeal(valid33).valid).toBe(true);
      const timbre = verifyTimbre(valid33, undefined, { certificatesDir: certs });
      expect(timbre.valid).toBe(false);
      expect(timbre.problems.map((p) => p.code)).toEqual(['tfd.seal-invalid', 'tfd.sello-cfd-mismatch']);
      for (const name of ['cfdi33-real.xml', ...sealed40]) {
        const xml = read(name);
        const total = parseXmlTree(xml).getAttribute('Total')!;
        const altered = xml.replace(`Total="${total}"`, `Total="${total}1"`);
        expect({ name, codes: verifyCfdiSeal(altered).problems.map((p) => p.code) }).toEqual({
          name,
          codes: ['cfdi.seal-invalid'],
        });
        // CfdiUtils' own check: the certificate in place of the seal
        const root = parseXmlTree(xml);
        const swapped = setRootAttributes(xml, [['Sello', root.getAttribute('Certificado')!]]);
        expect(verifyCfdiSeal(swapped).valid).toBe(false);
        // an Addenda is outside the cadena: adding one leaves the seal valid
        const withAddenda = xml.replace(
          /<\/cfdi:Comprobante>\s*$/,
          '<cfdi:Addenda><x:y xmlns:x="urn:x">1</x:y></cfdi:Addenda></cfdi:Comprobante>\n',
        );
        expect(verifyCfdiSeal(withAddenda).valid).toBe(true);
      }
    });

    it('verifies SelloSAT of the stamped documents whose SAT certificate the corpus has', () => {
      const stamped = ['cfdi33-real.xml', 'cfdi33-valid.xml', ...sealed40].filter((name) =>
        read(name).includes('TimbreFiscalDigital'),
      );
      const results = Object.fromEntries(
        stamped.map((name) => {
          const result = verifyTimbre(read(name), undefined, { certificatesDir: certs });
          return [name, { valid: result.valid, codes: result.problems.map((p) => p.code) }];
        }),
      );
      expect(results).toEqual({
        // 00001000000708361114.cer and 30001000000500003456.cer are in certs/
        'cfdi40-real.xml': { valid: true, codes: [] },
        'cfdi40-valid.xml': { valid: true, codes: [] },
        // SAT certificate 00001000000406258094 is not in the corpus
        'cfdi33-real.xml': { valid: false, codes: ['tfd.no-sat-certificate'] },
        'cfdi33-valid.xml': { valid: false, codes: ['tfd.seal-invalid', 'tfd.sello-cfd-mismatch'] },
      });
      // the certificate given directly, as PEM
      const der = readFileSync(join(certs, '00001000000708361114.cer'));
      const pem = new X509Certificate(der).toString();
      const given = verifyTimbre(read('cfdi40-real.xml'), pem);
      expect(given.valid).toBe(true);
      expect(given.uuid).toBe('C2832671-DA6D-11EF-A83D-00155D012007');
      expect(given.cadena).toBe(cadenaTimbre(read('cfdi40-real.xml')));
      // another SAT certificate than NoCertificadoSAT names
      const wrong = verifyTimbre(
        read('cfdi40-real.xml'),
        readFileSync(join(certs, '30001000000500003456.cer')),
      );
      expect(wrong.problems.map((p) => p.code)).toEqual(['tfd.no-certificado-mismatch', 'tfd.seal-invalid']);
    });

    it('verifies the seals with openssl, independently of this code', () => {
      const cases: Array<{ name: string; xml: string }> = sealed40.map((name) => ({ name, xml: read(name) }));
      cases.push({ name: 'cfdi33-real.xml', xml: read('cfdi33-real.xml') });
      const xml = read('pagos20-calculator/001.xml');
      cases.push({ name: 'sealed-001.xml', xml: sealCfdi(xml, csd, { at: fechaOf(xml) }) });
      for (const [i, { name, xml: document }] of cases.entries()) {
        const root = parseXmlTree(document);
        const certificate = Buffer.from(root.getAttribute('Certificado')!, 'base64');
        const signature = Buffer.from(root.getAttribute('Sello')!, 'base64');
        const cadena = Buffer.from(cadenaOriginal(document), 'utf8');
        expect({ name, openssl: opensslVerifies(dir, `c${i}`, certificate, cadena, signature) }).toEqual({
          name,
          openssl: 'Verified OK',
        });
        const changed = Buffer.concat([cadena.subarray(0, cadena.length - 2), Buffer.from('x||')]);
        expect(opensslVerifies(dir, `x${i}`, certificate, changed, signature)).not.toBe('Verified OK');
      }
      // the corpus' own public key file of the test CSD verifies our seal of a document
      const sealed = sealCfdi(xml, csd, { at: fechaOf(xml) });
      writeFileSync(join(dir, 'sealed.txt'), cadenaOriginal(sealed));
      writeFileSync(
        join(dir, 'sealed.sig'),
        Buffer.from(parseXmlTree(sealed).getAttribute('Sello')!, 'base64'),
      );
      const out = execFileSync(OPENSSL, [
        'dgst',
        '-sha256',
        '-verify',
        join(certs, 'EKU9003173C9.cer.pem'),
        '-signature',
        join(dir, 'sealed.sig'),
        join(dir, 'sealed.txt'),
      ]).toString();
      expect(out.trim()).toBe('Verified OK');
    });

    it('decodes NoCertificado from the serial number of every corpus certificate', () => {
      // serial 3330303031303030303030353030303033343136: the ASCII digits 30001000000500003416
      expect(noCertificadoOf(readFileSync(join(certs, 'EKU9003173C9.cer')))).toBe('30001000000500003416');
      const cers = readdirSync(certs).filter(
        (name) => /^\d{20}\.cer$/.test(name) || name === 'CSD09_AAA010101AAA.cer',
      );
      expect(cers.length).toBeGreaterThanOrEqual(6);
      for (const name of cers) {
        const bytes = readFileSync(join(certs, name));
        const info = satCertificateInfo(bytes);
        const serialHex = new X509Certificate(bytes).serialNumber;
        expect(info.noCertificado).toBe(Buffer.from(serialHex, 'hex').toString('latin1'));
        if (/^\d{20}\.cer$/.test(name)) expect(info.noCertificado).toBe(name.slice(0, 20));
        // every certificate in the corpus is a CSD: it has no e.firma (see the made e.firma above)
        expect({ name, isFiel: info.isFiel }).toEqual({ name, isFiel: false });
      }
      expect(satCertificateInfo(readFileSync(join(certs, 'CSD09_AAA010101AAA.cer'))).rfc).toBe(
        'AAA010101AAA',
      );
      // a PEM certificate reads the same way
      expect(satCertificateInfo(readFileSync(join(certs, '00001000000301246267.cer'))).rfc).toBe(
        'SOMG790807J57',
      );
    });

    it('refuses the test CSD with a wrong password, another RFC, out of its validity, or with another key', () => {
      const cer = readFileSync(join(certs, 'EKU9003173C9.cer'));
      const key = readFileSync(join(certs, 'EKU9003173C9.key'));
      expect(errorOf(() => loadSatCsd(cer, key, 'not-the-password')).code).toBe('csd.wrong-password');
      expect(errorOf(() => loadSatCsd(cer, key, '')).code).toBe('csd.wrong-password');
      expect(
        errorOf(() => loadSatCsd(readFileSync(join(certs, 'CSD09_AAA010101AAA.cer')), key, password)).code,
      ).toBe('csd.key-mismatch');
      expect(errorOf(() => checkCsd(csd, { rfc: 'ISD950921HE5', at: csd.validFrom })).code).toBe(
        'csd.rfc-mismatch',
      );
      expect(errorOf(() => checkCsd(csd, { at: new Date('2027-05-19T00:00:00Z') })).code).toBe('csd.expired');
      expect(errorOf(() => checkCsd(csd, { at: new Date('2023-05-18T11:00:00Z') })).code).toBe('csd.expired');
      expect(() =>
        checkCsd(csd, { rfc: 'EKU9003173C9', at: new Date('2025-01-01T00:00:00Z') }),
      ).not.toThrow();
      // sealing another issuer's CFDI (cfdi40-real.xml is ISD950921HE5's)
      const real = read('cfdi40-real.xml');
      expect(errorOf(() => sealCfdi(real, csd, { at: fechaOf(real) })).code).toBe('csd.rfc-mismatch');
      // an expired CSD of the corpus cannot seal today
      const expiredCer = readFileSync(join(certs, '00001000000301246267.cer'));
      expect(errorOf(() => checkCsd(satCertificateInfo(expiredCer))).code).toBe('csd.expired');
    });
  },
);
