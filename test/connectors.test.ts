import { MemoryObjectStore } from '../shared/adapters/memory-object-store';
import { retryAfterMs, readableReason } from '../shared/connectors/call';
import { CircuitBreaker } from '../shared/connectors/circuit-breaker';
import { buildBody, expandTemplate, type Artifacts } from '../shared/connectors/request-body';
import { judgeResponse, jsonPath, pointer } from '../shared/connectors/response-rules';

const artifacts = (files: Record<string, string>): Artifacts => ({
  read: (name) =>
    files[name] === undefined
      ? Promise.reject(new Error(`no ${name}`))
      : Promise.resolve(Buffer.from(files[name])),
  contentType: (name) => (name.endsWith('.xml') ? 'application/xml' : undefined),
});

describe('request bodies', () => {
  const files = {
    'signed.xml': '<?xml version="1.0" encoding="UTF-8"?>\n<Invoice a="1">Müller & Söhne</Invoice>',
  };

  it('expands artifacts in templates, with the filters', async () => {
    const a = artifacts(files);
    expect(await expandTemplate('<Body>{{artifact:signed.xml|xml}}</Body>', a)).toBe(
      '<Body><Invoice a="1">Müller & Söhne</Invoice></Body>',
    );
    expect(await expandTemplate('{{artifact:signed.xml|base64}}', a)).toBe(
      Buffer.from(files['signed.xml']).toString('base64'),
    );
    expect(await expandTemplate('{{artifact:signed.xml|xml-escape}}', a)).toContain(
      '&lt;Invoice a=&quot;1&quot;&gt;Müller &amp; Söhne',
    );
    expect(JSON.parse(`"${await expandTemplate('{{artifact:signed.xml|json}}', a)}"`)).toBe(
      files['signed.xml'],
    );
    await expect(expandTemplate('{{artifact:signed.xml|rot13}}', a)).rejects.toMatchObject({
      code: 'submit.bad-template',
    });
  });

  it('encodes templates as ISO-8859-1 when asked, refusing what it cannot carry, with its position', async () => {
    const latin1 = await buildBody({ template: 'Müller {{artifact:signed.xml|base64}}' }, artifacts(files), {
      charset: 'iso-8859-1',
      contentType: 'text/plain',
    });
    expect(latin1.contentType).toBe('text/plain; charset=iso-8859-1');
    expect(latin1.content.subarray(0, 6)).toEqual(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]));
    await expect(
      buildBody({ template: 'Preis 5 €' }, artifacts(files), { charset: 'iso-8859-1' }),
    ).rejects.toMatchObject({
      code: 'submit.encoding',
      message: expect.stringContaining('"€" (at character 9)'),
    });
    const utf8 = await buildBody({ json: { name: 'Müller' } }, artifacts(files));
    expect(utf8).toEqual({
      content: Buffer.from('{"name":"Müller"}'),
      contentType: 'application/json; charset=utf-8',
    });
  });

  it('sends an artifact as it is, with its stored content type', async () => {
    expect(await buildBody({ artifact: 'signed.xml' }, artifacts(files))).toEqual({
      content: Buffer.from(files['signed.xml']),
      contentType: 'application/xml',
    });
  });
});

describe('response rules', () => {
  const answer = {
    status: 'REJECTED',
    id: 'A-1',
    errors: [{ text: 'Seller VAT id unknown' }, { text: 'Total wrong' }],
    meta: { nested: { status: 'deep' } },
  };

  it('read JSON Pointer and the JSONPath subset', () => {
    expect(pointer(answer, '/errors/1/text')).toEqual(['Total wrong']);
    expect(pointer(answer, '/nope')).toEqual([]);
    expect(jsonPath(answer, '$.errors[*].text')).toEqual(['Seller VAT id unknown', 'Total wrong']);
    expect(jsonPath(answer, "$['id']")).toEqual(['A-1']);
    expect(jsonPath(answer, '$..status')).toEqual(['REJECTED', 'deep']);
    expect(() => jsonPath(answer, '$.errors[?(@.text)]')).toThrow(/cannot read from character/);
  });

  it('map statuses to outcomes, keep every message, and name a status no rule maps', () => {
    const body = Buffer.from(JSON.stringify(answer));
    const rules = {
      status: '/status',
      message: '$.errors[*].text',
      outcomes: { accepted: ['ACCEPTED'], rejected: ['REJECTED'] },
      variables: { ref: '/id' },
    };
    expect(judgeResponse(body, rules)).toEqual({
      outcome: 'rejected',
      code: 'response.REJECTED',
      message: 'Seller VAT id unknown; Total wrong',
      details: [
        { path: '$.errors[*].text', message: 'Seller VAT id unknown' },
        { path: '$.errors[*].text', message: 'Total wrong' },
      ],
      variables: { ref: 'A-1' },
    });
    expect(judgeResponse(body, { ...rules, outcomes: { accepted: ['OK'] } })).toMatchObject({
      outcome: 'failed',
      code: 'response.unknown-status',
      message: expect.stringContaining('"REJECTED", which no rule maps'),
    });
  });

  it('read XML answers by local-name paths or XPath with prefixes', () => {
    const xml = Buffer.from('<a:Reply xmlns:a="urn:x"><a:Status>OK</a:Status><a:Id>7</a:Id></a:Reply>');
    expect(
      judgeResponse(xml, {
        status: '/Reply/Status',
        outcomes: { accepted: ['OK'] },
        variables: { id: '//Id' },
      }),
    ).toMatchObject({
      outcome: 'accepted',
      variables: { id: '7' },
    });
    expect(
      judgeResponse(xml, {
        status: '/x:Reply/x:Status',
        namespaces: { x: 'urn:x' },
        outcomes: { accepted: ['OK'] },
      }).outcome,
    ).toBe('accepted');
  });

  it('treat an unreadable answer as transient where asking again helps, as failed where it cannot', () => {
    const broken = Buffer.from('<html><body>502 Bad Gateway');
    expect(judgeResponse(broken, { status: '/s', outcomes: { accepted: ['x'] } })).toMatchObject({
      outcome: 'transient',
      code: 'response.malformed',
    });
    expect(
      judgeResponse(
        Buffer.from('{"status": "acc'),
        { status: '/s', outcomes: { accepted: ['x'] } },
        'failed',
      ),
    ).toMatchObject({ outcome: 'failed', code: 'response.malformed' });
  });

  it('a DTD in an XML answer is refused, not expanded', () => {
    const hostile = Buffer.from('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r><s>&e;</s></r>');
    expect(judgeResponse(hostile, { status: '/r/s', outcomes: { accepted: ['x'] } })).toMatchObject({
      outcome: 'transient',
      code: 'response.malformed',
    });
  });
});

describe('HTTP answers', () => {
  it('Retry-After in seconds or as a date, capped at an hour', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(
      30_000,
    );
    expect(retryAfterMs('86400')).toBe(3_600_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it("reads a service's reason: JSON fields, OData errors, or the text", () => {
    expect(readableReason('{"error_description":"bad client"}')).toBe('bad client');
    expect(
      readableReason('{"error":{"code":"Internal_RecordNotFound","message":"The Vendor does not exist."}}'),
    ).toBe('Internal_RecordNotFound: The Vendor does not exist.');
    expect(readableReason('<html><h1>Service   Unavailable</h1></html>')).toBe('Service Unavailable');
  });
});

describe('circuit breaker', () => {
  it('is shared through the store: failures seen by one instance pause the endpoint for another', async () => {
    const objects = new MemoryObjectStore();
    let now = Date.UTC(2026, 10, 22);
    const a = new CircuitBreaker(objects, () => now);
    const b = new CircuitBreaker(objects, () => now);
    const settings = { failureThreshold: 4, openFor: '30s' };
    // Concurrent failures from both instances are all counted (If-Match, read again on conflict).
    const opened = await Promise.all([a, b, a, b].map((c) => c.failure('https://ap.example', settings)));
    expect(opened.filter(Boolean)).toHaveLength(1);
    expect(await b.waitMs('https://ap.example')).toBe(30_000);
    expect(await a.waitMs('https://other.example')).toBe(0);
    now += 30_000;
    expect(await a.waitMs('https://ap.example')).toBe(0);
    // Half open: the next failure opens it again at once; a success closes it for everyone.
    expect(await b.failure('https://ap.example', settings)).toBe(true);
    await a.success('https://ap.example');
    expect(await b.waitMs('https://ap.example')).toBe(0);
    expect(await b.failure('https://ap.example', settings)).toBe(false);
  });
});
