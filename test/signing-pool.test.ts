import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { SigningCredential } from '../shared/ports/certificate-store';
import { inlineXmlSigner, SigningPool } from '../shared/signing/signing-pool';
import { verifyXmlSignature } from '../shared/signing/verify';
import { testSigner } from './support/signer';

describe('SigningPool', () => {
  let pool: SigningPool;
  let credential: SigningCredential;
  beforeAll(async () => {
    pool = new SigningPool(2);
    credential = (await testSigner()).credential;
  });
  afterAll(() => pool.close());

  const invoice = () => Buffer.from(renderPeppolUbl(sampleInvoice(3)), 'utf8');

  it('signs on its threads: the signature verifies, as the in-thread one does', async () => {
    const [pooled, inline] = await Promise.all([
      pool.sign(invoice(), credential, { placement: 'ubl-extensions' }),
      inlineXmlSigner.sign(invoice(), credential, { placement: 'ubl-extensions' }),
    ]);
    for (const signed of [pooled, inline]) {
      const result = verifyXmlSignature(signed.xml.toString('utf8'));
      expect(result.problems).toEqual([]);
      expect(result.method).toBe('direct');
    }
  });

  it('signs many documents at once, each with its own signature over its own content', async () => {
    const documents = Array.from({ length: 12 }, (_, i) =>
      Buffer.from(renderPeppolUbl(sampleInvoice(1, `INV-${i}`)), 'utf8'),
    );
    const signed = await Promise.all(
      documents.map((d) => pool.sign(d, credential, { placement: 'root-end', profile: 'xades-bes' })),
    );
    signed.forEach((s, i) => {
      const xml = s.xml.toString('utf8');
      expect(xml).toContain(`<cbc:ID>INV-${i}</cbc:ID>`);
      expect(verifyXmlSignature(xml).valid).toBe(true);
    });
  });

  it("returns the signer's coded errors", async () => {
    const signedOnce = (await pool.sign(invoice(), credential, { placement: 'ubl-extensions' })).xml;
    await expect(pool.sign(signedOnce, credential, { placement: 'ubl-extensions' })).rejects.toMatchObject({
      name: 'EInvoiceError',
      code: 'sign.unsupported',
      retryable: false,
    });
  });

  it('fails the requests of a thread that dies as retryable, and replaces the thread', async () => {
    const single = new SigningPool(1);
    try {
      const pending = single.sign(invoice(), credential, { placement: 'ubl-extensions' });
      const threads = (single as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> })
        .threads;
      await threads[0]!.worker.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'sign.thread-failed', retryable: true });
      const after = await single.sign(invoice(), credential, { placement: 'ubl-extensions' });
      expect(verifyXmlSignature(after.xml.toString('utf8')).valid).toBe(true);
    } finally {
      await single.close();
    }
  });
});
