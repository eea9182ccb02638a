import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import type { SigningCredential } from '../shared/ports/certificate-store';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { signJws, verifyJws } from '../shared/signing/jws';
import { testSigner } from './support/signer';

let credential: SigningCredential;
const payload = Buffer.from(JSON.stringify(sampleInvoice(3)));

beforeAll(async () => {
  ({ credential } = await testSigner('jws'));
});

describe('JWS signatures verify with an independent implementation (jose)', () => {
  it.each(['RS256', 'PS256'] as const)('%s, compact serialization', async (algorithm) => {
    const jws = signJws(payload, credential, { algorithm });
    const result = await jose.compactVerify(jws, credential.certificates[0]!.publicKey);
    expect(Buffer.from(result.payload)).toEqual(payload);
    expect(result.protectedHeader.alg).toBe(algorithm);
    expect(result.protectedHeader.x5c?.[0]).toBe(credential.certificates[0]!.raw.toString('base64'));
  });

  it('RS256, general JSON serialization', async () => {
    const jws = JSON.parse(signJws(payload, credential, { serialization: 'json' })) as jose.GeneralJWSInput;
    const result = await jose.generalVerify(jws, credential.certificates[0]!.publicKey);
    expect(Buffer.from(result.payload)).toEqual(payload);
  });

  it('ES256 with a P-256 key (JOSE signature encoding)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jws = signJws(payload, { privateKey });
    expect(jws.split('.')[0]).toBe(Buffer.from(JSON.stringify({ alg: 'ES256' })).toString('base64url'));
    const result = await jose.compactVerify(jws, publicKey);
    expect(Buffer.from(result.payload)).toEqual(payload);
  });

  it('refuses an algorithm that does not fit the key', () => {
    expect(() => signJws(payload, credential, { algorithm: 'ES256' })).toThrow(/EC P-256/);
  });
});

describe('verifyJws', () => {
  it('accepts a valid JWS with its x5c certificate, in both serializations', () => {
    for (const serialization of ['compact', 'json'] as const) {
      const result = verifyJws(signJws(payload, credential, { serialization }));
      expect(result.problems).toEqual([]);
      expect(result.payload).toEqual(payload);
      expect(result.certificate?.subject).toContain('CN=einvoice local test');
    }
  });

  it('rejects a changed payload, alg none, and an expired certificate', () => {
    const [header, , signature] = signJws(payload, credential).split('.');
    const changed = `${header}.${Buffer.from(JSON.stringify({ ...sampleInvoice(3), id: 'X' })).toString('base64url')}.${signature}`;
    expect(verifyJws(changed).problems.map((p) => p.code)).toEqual(['jws.signature-invalid']);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(verifyJws(none).problems.map((p) => p.code)).toEqual(['jws.algorithm']);
    const later = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
    expect(verifyJws(signJws(payload, credential), { now: later }).problems.map((p) => p.code)).toEqual([
      'jws.certificate-expired',
    ]);
  });
});
