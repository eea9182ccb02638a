import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { ensureSelfSignedCertificate } from '../shared/adapters/folder-certificate-store';
import { createHarness, TENANT } from './support/harness';
import { tempDir } from './support/temp';

/**
 * Pieces of the key's private parts (its private exponent and primes) as they would stand in a leaked PEM
 * or DER in base64, at each of the three byte alignments base64 can take. The modulus is left out: it is
 * public, and stands in every certificate sent with a signature.
 */
function privateFragments(pem: string): string[] {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  return [jwk.d!, jwk.p!, jwk.q!].flatMap((part) => {
    const bytes = Buffer.from(part, 'base64url');
    return [0, 1, 2].map((k) => bytes.subarray(k).toString('base64').slice(8, 56));
  });
}

describe('the signing key stays out of logs, records and artifacts', () => {
  it('after a signed document, and after a signing step that fails', async () => {
    const harness = await createHarness({ EINVOICE_SIGNING_CERT: 'secret-key' });
    const pem = readFileSync(join(harness.settings.keyDir, 'secret-key.key.pem'), 'utf8');
    const fragments = privateFragments(pem);
    // the check itself: the key file's own text does contain them
    expect(fragments.some((f) => pem.replace(/\s/g, '').includes(f))).toBe(true);

    const done = await harness.settle((await harness.submit(sampleInvoice(3))).id);
    expect(done.status).toBe('completed');
    // a certificate that no longer matches its key: the step fails, with an error the record keeps
    const elsewhere = tempDir();
    await ensureSelfSignedCertificate(elsewhere, 'secret-key');
    const otherCert = readFileSync(join(elsewhere, 'secret-key.crt.pem'));
    writeFileSync(join(harness.settings.keyDir, 'secret-key.crt.pem'), otherCert);
    const freshHarness = await createHarness({
      EINVOICE_SIGNING_CERT: 'secret-key',
      EINVOICE_KEY_DIR: harness.settings.keyDir,
    });
    const failed = await freshHarness.settle((await freshHarness.submit(sampleInvoice(1))).id);
    expect(failed.status).toBe('failed');

    for (const h of [harness, freshHarness]) {
      const seen: string[] = h.logs.map((l) => JSON.stringify(l));
      for (const record of (await h.services.pipeline.list(TENANT, {})).records) {
        seen.push(JSON.stringify(record));
        for (const artifact of record.artifacts) {
          seen.push((await h.services.documents.getArtifact(TENANT, record.id, artifact.name))!.toString());
        }
      }
      expect(seen.length).toBeGreaterThan(5);
      // base64 is searched with its line breaks (and JSON's escaped ones) taken out
      const flat = seen.map((text) => text.replace(/\\n|\s/g, ''));
      const leaks = fragments.filter((fragment) => flat.some((text) => text.includes(fragment)));
      expect(leaks).toEqual([]);
    }
  });
});
