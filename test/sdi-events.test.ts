import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildNotification, signNotification, type SdiMessage } from '../shared/connectors/sdi/messages';
import { buildRiceviFattureRequest, buildTrasmissioneRequest } from '../shared/connectors/sdi/soap';
import { eventAdapters } from '../shared/features/event-adapters';
import { signCades } from '../shared/signing/cades';
import { signEnveloped } from '../shared/signing/xmldsig';
import { packageRoot } from '../shared/util/package-root';
import { testSigner, type TestSigner } from './support/signer';

/**
 * The feature's adapter of SDI's own messages: notifications to the transmitter become events of the file's
 * IdentificativoSdI; invoices SDI delivers become inbound documents, one per invoice of a lot, unwrapped from
 * their CAdES envelope (DER or base64) with the signature verified.
 */
describe('SDI messages as events and documents', () => {
  const adapter = eventAdapters().sdi!;
  const vendorInvoice = readFileSync(
    join(packageRoot(), 'samples', 'it', 'vendor', 'IT01234567890_00A01.xml'),
    'utf8',
  );
  let sdi: TestSigner;
  let vendor: TestSigner;
  beforeAll(async () => {
    sdi = await testSigner('sdi');
    vendor = await testSigner('vendor', 'Alfa Software');
  });

  const notification = (message: Partial<SdiMessage> & Pick<SdiMessage, 'type'>) =>
    signNotification(
      buildNotification({
        identificativoSdI: '4711',
        nomeFile: 'IT01234567890_00001.xml',
        messageId: '99',
        dataOraRicezione: '2026-11-20T10:00:00.000+01:00',
        ...message,
      }),
      sdi.credential,
    );

  const post = (operation: Parameters<typeof buildTrasmissioneRequest>[0], xml: string) => {
    const message = buildTrasmissioneRequest(operation, {
      identificativoSdI: '4711',
      nomeFile: 'IT01234567890_00001_XX_001.xml',
      file: Buffer.from(xml),
    });
    return adapter.adapt(Buffer.from(message.body), {
      contentType: message.contentType,
      soapAction: message.soapAction!,
    });
  };

  it('turns each notification into the event of the file, typed by what it says', () => {
    const discard = post(
      'NotificaScarto',
      notification({ type: 'NS', errors: [{ code: '00404', description: 'Fattura duplicata' }] }),
    );
    expect(discard.documents).toEqual([]);
    expect(discard.events).toEqual([
      expect.objectContaining({
        id: 'sdi-4711-NS-99',
        key: '4711',
        type: 'rejected',
        codes: ['00404'],
        message: '00404 Fattura duplicata',
      }),
    ]);
    expect((discard.events[0]!.data as { file: string }).file).toContain('NotificaScarto');
    const name = post(
      'NotificaScarto',
      notification({ type: 'NS', errors: [{ code: '00002', description: 'Nome file duplicato' }] }),
    );
    expect(name.events[0]).toMatchObject({ type: 'duplicate-name', codes: ['00002'] });
    const refused = post(
      'NotificaEsito',
      notification({
        type: 'NE',
        esito: 'EC02',
        dataOraRicezione: undefined,
        riferimentoFattura: { numero: '1', anno: '2026' },
      }),
    );
    expect(refused.events[0]).toMatchObject({ type: 'refused', codes: ['EC02'] });
    expect(refused.answer).toMatchObject({ status: 200, body: '' });
  });

  it('refuses a notification not signed by SDI when its certificate is configured', () => {
    const strict = eventAdapters(() => vendor.certificatePem).sdi!;
    const message = buildTrasmissioneRequest('RicevutaConsegna', {
      identificativoSdI: '4711',
      nomeFile: 'IT01234567890_00001_RC_001.xml',
      file: Buffer.from(
        notification({
          type: 'RC',
          dataOraConsegna: '2026-11-20T10:01:00.000+01:00',
          destinatario: { codice: 'M5UXCR1', descrizione: 'Beta' },
        }),
      ),
    });
    expect(() => strict.adapt(Buffer.from(message.body), { contentType: message.contentType })).toThrow(
      expect.objectContaining({ code: 'event.signature-invalid' }),
    );
  });

  const metadata = () =>
    Buffer.from(
      buildNotification({
        type: 'MT',
        identificativoSdI: '5000',
        nomeFile: 'IT01234567890_00A01.xml.p7m',
        messageId: '7',
        codiceDestinatario: 'XXXXXXX',
        formato: 'FPR12',
        tentativiInvio: 1,
      }),
    );

  const deliver = (file: Buffer, nomeFile = 'IT01234567890_00A01.xml.p7m') => {
    const message = buildRiceviFattureRequest({
      identificativoSdI: '5000',
      nomeFile,
      file,
      nomeFileMetadati: 'IT01234567890_00A01_MT_001.xml',
      metadati: metadata(),
    });
    return adapter.adapt(Buffer.from(message.body), {
      contentType: message.contentType,
      soapAction: message.soapAction!,
    });
  };

  it('delivers a lot in a p7m as one inbound document per invoice, each with the header, answered ER01', () => {
    const body = /<FatturaElettronicaBody>[\s\S]*<\/FatturaElettronicaBody>/.exec(vendorInvoice)![0];
    const lot = vendorInvoice.replace(body, `${body}${body.replace('FT-2026-0417', 'FT-2026-0418')}`);
    const p7m = signCades(Buffer.from(lot), vendor.credential);
    for (const file of [p7m, Buffer.from(p7m.toString('base64').replace(/(.{64})/g, '$1\r\n'))]) {
      const delivered = deliver(file);
      expect(delivered.events).toEqual([]);
      expect(delivered.answer.body).toContain('<Esito>ER01</Esito>');
      expect(delivered.documents.map((d) => d.clientKey)).toEqual(['sdi-5000-1', 'sdi-5000-2']);
      expect(delivered.documents[1]!.context).toMatchObject({
        direction: 'inbound',
        format: 'fatturapa',
        sdiId: '5000',
        sdiLotPosition: '2',
        signedBy: expect.stringMatching(/^CN=Alfa Software, /),
      });
      const second = delivered.documents[1]!.content.toString('utf8');
      expect(second).toContain('FT-2026-0418');
      expect(second).not.toContain('FT-2026-0417');
      expect(second).toContain('<CedentePrestatore>');
    }
  });

  it('refuses a broken envelope and a signed XML whose signature does not verify, saying why', () => {
    const p7m = signCades(Buffer.from(vendorInvoice), vendor.credential);
    expect(() => deliver(p7m.subarray(0, p7m.length - 40))).toThrow(
      expect.objectContaining({ code: 'p7m.malformed' }),
    );
    const signed = signEnveloped(vendorInvoice, vendor.key, 'root-end', { profile: 'xades-bes' }).xml;
    expect(deliver(Buffer.from(signed), 'IT01234567890_00A01.xml').documents).toHaveLength(1);
    const changed = signed.replace('FT-2026-0417', 'FT-2026-9999');
    expect(() => deliver(Buffer.from(changed), 'IT01234567890_00A01.xml')).toThrow(
      expect.objectContaining({ code: 'event.signature-invalid' }),
    );
  });
});
