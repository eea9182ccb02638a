import { pipelineRate } from '../shared/bench/bench';
import { scaleReport, type ScaleRunResult } from '../shared/bench/scale-run';
import type { CommandIo } from '../shared/cli/command';
import { main } from '../shared/cli/main';

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

/** Runs `einvoice bench` in this process with its own output streams. */
async function bench(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string | Uint8Array) => (stdout += text.toString()) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { PATH: process.env.PATH },
  };
  const code = await main(['bench', ...args], io);
  return { code, stdout, stderr };
}

describe('einvoice bench --scale (scaled down)', () => {
  it('runs the submission scenario at the smaller size, the larger and the smaller again, in fresh processes', async () => {
    // the runtime processes run the built module (npm run build before the tests)
    const { code, stdout } = await bench(['--scale', '40', '--documents', '20', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ScaleRunResult;
    expect(result).toMatchObject({ store: 'level', failRate: 0, maxInFlight: 200 });
    expect(result.points.map((p) => p.documents)).toEqual([20, 40, 20]);
    for (const point of result.points) {
      expect(point).toMatchObject({ completed: point.runDocuments, timedOut: false, notCompleted: {} });
      expect(point.runDocuments).toBe(point.documents + point.warmUp);
      expect(point.perSec).toBeGreaterThan(0);
      expect(point.cpuMsPerDocument).toBeGreaterThan(0);
      expect(point.peak.rss).toBeGreaterThanOrEqual(point.peak.anonymous);
      expect(point.peak.anonymous).toBeGreaterThan(point.peak.heap);
      expect(point.retained.heap).toBeGreaterThan(0);
      expect(point.diskBytesPerDocument).toBeGreaterThan(0);
      expect(point.storeBytes).toBeGreaterThan(0);
      expect(point.startupMs).toBeGreaterThan(0);
      // the whole service on the data: more than the store alone (its code, the bus, the first page)
      expect(point.serviceStartupMs).toBeGreaterThan(point.startupMs);
      expect(point.serviceStartupMemory.heap).toBeGreaterThan(point.startupMemory.heap);
    }
    const [before, large, after] = result.points;
    expect(result.ratio).toBeCloseTo(large!.perSec / ((before!.perSec + after!.perSec) / 2), 2);
    expect(scaleReport(result)).toMatch(
      /^rate at 40 \/ at 20 \(mean of the runs before and after\): \d+\.\d{3} \((NOT )?within 10 %\)$/m,
    );
  }, 120_000);

  it('refuses options that do not go together', async () => {
    expect(await bench(['--scale', '100', '--documents', '200'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--scale 100 must be more than --documents 200'),
    });
    expect((await bench(['--scale', '100', '--submission'])).code).toBe(2);
    expect((await bench(['--time-limit', '1h'])).stderr).toContain('--time-limit applies to --scale');
    expect((await bench(['--store', 'level'])).stderr).toContain(
      '--store applies to --submission or --scale',
    );
    expect((await bench(['--scale', '100', '--store', 'floppy'])).stderr).toContain(
      '--store must be one of level, journal',
    );
  });
});
