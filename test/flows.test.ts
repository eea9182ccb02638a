import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistries } from '../shared/composition';
import { matches } from '../shared/flows/applicability';
import { loadFlowCatalogue } from '../shared/features/catalogue';
import { checkFlow, FlowCatalogue } from '../shared/flows/catalogue';
import type { Condition, FlowDefinition } from '../shared/flows/types';
import { retryDelayMs, transition } from '../shared/engine/transitions';
import { packageRoot } from '../shared/util/package-root';

const { actions, formats } = createRegistries(
  { outboxDir: tmpdir(), formatsDir: undefined },
  { get: () => Promise.reject(new Error('not used')) },
);
const flowsDir = join(packageRoot(), 'flows');

describe('shipped flows', () => {
  // every shipped flow is part of a feature: flows/<feature>/flows/*.json
  const files = readdirSync(flowsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'schema')
    .flatMap((entry) => {
      const manifest = JSON.parse(readFileSync(join(flowsDir, entry.name, 'feature.json'), 'utf8')) as {
        flows?: string[];
      };
      return (manifest.flows ?? []).map((f) => join(entry.name, f));
    });

  it('are all part of a feature, none placed loose in flows/', () => {
    expect(files).toHaveLength(15);
    expect(readdirSync(flowsDir).filter((f) => f.endsWith('.json'))).toEqual([]);
    // and every flow file of a feature's folder is in its manifest
    const onDisk = readdirSync(flowsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(flowsDir, entry.name, 'flows')))
      .flatMap((entry) =>
        readdirSync(join(flowsDir, entry.name, 'flows')).map((f) => join(entry.name, 'flows', f)),
      );
    expect(onDisk.sort()).toEqual([...files].sort());
  });

  it.each(files)('%s is valid against the flow schema and the action registry', (file) => {
    expect(checkFlow(JSON.parse(readFileSync(join(flowsDir, file), 'utf8')), actions)).toEqual([]);
  });

  it('load into a catalogue with unique ids, frozen', () => {
    const catalogue = loadFlowCatalogue([flowsDir], actions);
    expect(
      catalogue
        .all()
        .map((f) => f.id)
        .sort(),
    ).toEqual([
      'cfdi-cancel',
      'cfdi-pac',
      'cfdi-pagos',
      'edoc-to-bc',
      'en16931-cii-outbox',
      'fatturapa-sdi',
      'fatturapa-sdi-p7m',
      'nfe-cancel',
      'nfe-cce',
      'nfe-sefaz',
      'peppol-outbox',
      'sandbox-submit',
      'ubl-to-bc',
      'xrechnung-cii-outbox',
      'xrechnung-ubl-outbox',
    ]);
    const peppol = { id: 'peppol-bis3', version: '1.0.0' };
    expect(catalogue.get('peppol-outbox')).toBeUndefined(); // only as part of its feature
    expect(Object.isFrozen(catalogue.get('peppol-outbox', peppol)!.steps[0])).toBe(true);
  });

  it('each declare the input they take, naming only registered formats that read documents', () => {
    const catalogue = loadFlowCatalogue([flowsDir], actions);
    const readable = formats
      .list()
      .filter((f) => f.read !== undefined)
      .map((f) => f.id);
    for (const flow of catalogue.all()) {
      expect({ flow: flow.id, kinds: flow.input?.kinds.length }).toEqual({
        flow: flow.id,
        kinds: expect.any(Number),
      });
      for (const format of flow.input?.formats ?? []) expect(readable).toContain(format);
    }
    const flow = (id: string) => catalogue.entries().find((l) => l.flow.id === id)!.flow;
    expect(flow('peppol-outbox').input).toEqual({ kinds: ['canonical'] });
    expect(flow('edoc-to-bc').input).toEqual({ kinds: ['edoc-transfer'] });
    expect(flow('ubl-to-bc').input?.kinds).toEqual(['xml']);
  });
});

describe('flow checks', () => {
  const base: FlowDefinition = {
    id: 'x',
    version: 1,
    description: 'test',
    steps: [{ id: 'a', action: 'validate' }],
  };

  it('reports every problem of a bad flow file with its JSON path', () => {
    const problems = checkFlow(
      {
        ...base,
        steps: [
          { id: 'a', action: 'validate', on: { rejected: 'nowhere' } },
          { id: 'a', action: 'no-such-action' },
          { id: 'c', action: 'transform', with: { format: 'nope' } },
        ],
      },
      actions,
    );
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        '/steps/1/id',
        '/steps/1/action',
        '/steps/0/on/rejected',
        '/steps/2/with/format',
      ]),
    );
  });

  it("checks a flow's input against the schema: known kinds, at least one", () => {
    const paths = (input: unknown) => checkFlow({ ...base, input }, actions).map((p) => p.path);
    expect(paths({ kinds: ['canonical'] })).toEqual([]);
    expect(paths({ kinds: ['xml'], formats: ['peppol-bis3-ubl'] })).toEqual([]);
    expect(paths({ kinds: ['pdf'] })).toEqual(['/input/kinds/0']);
    expect(paths({ kinds: [] })).toEqual(['/input/kinds']);
    expect(paths({ formats: ['peppol-bis3-ubl'] })).toEqual(['/input/kinds']);
  });

  it('refuses RSA-SHA1 signing unless the flow allows it explicitly', () => {
    const sha1 = (extra: Record<string, unknown>) =>
      checkFlow(
        {
          ...base,
          steps: [
            {
              id: 's',
              action: 'sign-xml',
              with: { certificate: 'c', input: 'x.xml', algorithm: 'rsa-sha1', ...extra },
            },
          ],
        },
        actions,
      );
    expect(sha1({}).map((p) => p.path)).toContain('/steps/0/with/allowSha1');
    expect(sha1({ allowSha1: true })).toEqual([]);
    // a SHA-1 digest under a SHA-256 signature needs the same permission
    expect(sha1({ algorithm: 'rsa-sha256', digest: 'sha1' }).map((p) => p.path)).toContain(
      '/steps/0/with/allowSha1',
    );
    expect(sha1({ algorithm: 'rsa-sha256', digest: 'sha512' })).toEqual([]);
  });

  it('stops start-up on an invalid file, naming the file and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...base, version: 'one' }));
    writeFileSync(join(dir, 'broken.json'), '{ "id": ');
    let error: { code?: string; details?: Array<{ path?: string }> } = {};
    try {
      FlowCatalogue.load(dir, actions);
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('flow.invalid');
    expect(error.details?.map((d) => d.path)).toEqual(
      expect.arrayContaining([`${join(dir, 'bad.json')}#/version`, join(dir, 'broken.json')]),
    );
  });

  it('selects exactly one flow, or names the candidates', () => {
    const flow = (id: string, applicability: Condition): FlowDefinition => ({ ...base, id, applicability });
    const catalogue = new FlowCatalogue([
      { flow: flow('de', { field: 'country', op: 'eq', value: 'DE' }), source: 'de.json' },
      { flow: flow('eu', { field: 'country', op: 'in', value: ['DE', 'FR'] }), source: 'eu.json' },
      {
        flow: { ...flow('only-acme', { field: 'country', op: 'eq', value: 'IT' }), tenants: ['acme'] },
        source: 'it.json',
      },
    ]);
    expect(catalogue.choose({ tenantId: 't', country: 'FR' }).flow.id).toBe('eu');
    expect(() => catalogue.choose({ tenantId: 't', country: 'DE' })).toThrow(/de, eu/);
    expect(() => catalogue.choose({ tenantId: 't', country: 'IT' })).toThrow(
      expect.objectContaining({ code: 'flow.no-match' }),
    );
    expect(catalogue.choose({ tenantId: 'acme', country: 'IT' }).flow.id).toBe('only-acme');
    expect(catalogue.choose({ tenantId: 't', country: 'DE', flowId: 'de' }).flow.id).toBe('de');
    expect(() => catalogue.choose({ tenantId: 'acme', country: 'FR' }, { enabledFlows: ['de'] })).toThrow(
      expect.objectContaining({ code: 'flow.no-match' }),
    );
  });
});

describe('applicability rules', () => {
  const context = { tenantId: 't', country: 'DE', amount: 120, format: 'peppol-bis3-ubl', b2g: true };
  it.each<[Condition, boolean]>([
    [{ field: 'country', op: 'eq', value: 'de' }, true],
    [{ field: 'country', op: 'ne', value: 'DE' }, false],
    [{ field: 'missing', op: 'ne', value: 'x' }, true],
    [{ field: 'missing', op: 'eq', value: 'x' }, false],
    [{ field: 'country', op: 'in', value: ['FR', 'DE'] }, true],
    [{ field: 'amount', op: 'gt', value: 100 }, true],
    [{ field: 'amount', op: 'ge', value: 120 }, true],
    [{ field: 'amount', op: 'lt', value: 120 }, false],
    [{ field: 'amount', op: 'le', value: 120 }, true],
    [{ field: 'amount', op: 'gt', value: '100' }, false],
    [{ field: 'format', op: 'contains', value: 'BIS3' }, true],
    [{ field: 'format', op: 'startsWith', value: 'peppol' }, true],
    [{ field: 'b2g', op: 'eq', value: true }, true],
    [
      {
        all: [
          { field: 'country', op: 'eq', value: 'DE' },
          { field: 'amount', op: 'lt', value: 100 },
        ],
      },
      false,
    ],
    [
      {
        any: [
          { field: 'country', op: 'eq', value: 'FR' },
          { field: 'amount', op: 'gt', value: 100 },
        ],
      },
      true,
    ],
    [{ not: { field: 'country', op: 'eq', value: 'DE' } }, false],
  ])('%j → %s', (condition, expected) => {
    expect(matches(condition, context)).toBe(expected);
  });
});

describe('outcome routing', () => {
  const flow: FlowDefinition = {
    id: 'f',
    version: 1,
    description: 'd',
    steps: [
      { id: 'one', action: 'validate', on: { rejected: 'fix' } },
      { id: 'two', action: 'submit-http', retry: { maxAttempts: 3, initialDelay: '10s', maxDelay: '30s' } },
      { id: 'fix', action: 'validate', on: { accepted: 'end' } },
    ],
  };
  const [one, two, fix] = flow.steps as [
    FlowDefinition['steps'][0],
    FlowDefinition['steps'][0],
    FlowDefinition['steps'][0],
  ];
  const half = () => 0.5;

  it('goes to the next step, a named step, or the end', () => {
    expect(transition(flow, one, 'accepted', 1, {})).toEqual({ kind: 'goto', stepId: 'two' });
    expect(transition(flow, one, 'rejected', 1, {})).toEqual({ kind: 'goto', stepId: 'fix' });
    expect(transition(flow, fix, 'accepted', 1, {})).toEqual({ kind: 'complete' });
    expect(transition(flow, two, 'rejected', 1, {})).toEqual({ kind: 'reject' });
    expect(transition(flow, two, 'failed', 1, { code: 'x', message: 'y' })).toEqual({
      kind: 'fail',
      code: 'x',
      message: 'y',
    });
  });

  it('retries with exponential back-off up to the maximum, honouring Retry-After, then fails', () => {
    expect(transition(flow, two, 'transient', 1, {}, half)).toEqual({ kind: 'retry', delayMs: 10_000 });
    expect(transition(flow, two, 'transient', 2, {}, half)).toEqual({ kind: 'retry', delayMs: 20_000 });
    expect(transition(flow, two, 'transient', 2, { retryAfterMs: 60_000 }, half)).toEqual({
      kind: 'retry',
      delayMs: 60_000,
    });
    expect(transition(flow, two, 'transient', 3, { message: 'HTTP 503' })).toMatchObject({
      kind: 'fail',
      code: 'retry.exhausted',
    });
    expect(retryDelayMs(two, 10, half)).toBe(30_000);
  });

  it('spreads retries by up to 10 % either way', () => {
    expect(retryDelayMs(two, 1, () => 0)).toBe(9_000);
    expect(retryDelayMs(two, 1, () => 1)).toBe(11_000);
  });
});
