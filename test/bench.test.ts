import { pipelineRate } from '../shared/bench/bench';

/**
 * The benchmarks measure the shipped flow as the service runs it: a change that breaks that flow outside the
 * service (a parameter only a feature gives, say) must fail here, not only when someone runs npm run bench.
 */
describe('the pipeline benchmark', () => {
  it.each([
    ['the whole PEPPOL outbox flow', {}],
    ['validate, transform and sign only', { deliver: false }],
  ])(
    'completes every document of %s',
    async (_, options) => {
      const rate = await pipelineRate(12, { ...options, signingThreads: 0, warmUp: 2 });
      expect(rate).toBeGreaterThan(0);
    },
    60_000,
  );
});
