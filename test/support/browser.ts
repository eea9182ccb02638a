import { existsSync, readFileSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from './temp';

/** The system's Chromium: browser tests never download one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether browser tests can run. Without Chromium they are skipped with a notice on a developer's machine,
 * but in CI (CI=true) a missing browser fails: a skipped suite there would pass unnoticed.
 */
export function browserAvailable(what: string): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`Chromium required in CI: ${message}`);
  process.stderr.write(`NOTICE: ${message}; ${what} are skipped\n`);
  return false;
}

/**
 * Chromium with a fresh user-data dir (removed after the test file), so no profile, cache or storage is
 * shared with another run. The pages keep their Content-Security-Policy.
 */
export async function launchBrowser(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir('einvoice-chromium-'), {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return context;
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeResult {
  violations: Array<{
    id: string;
    help: string;
    nodes: Array<{ target: string[]; failureSummary?: string }>;
  }>;
}

/** axe-core's WCAG 2.1 A and AA rules find nothing on the page. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern: the
  // console runs under its real policy in these tests, and a script it blocks would fail them.
  await page.evaluate(readFileSync(require.resolve('axe-core'), 'utf8'));
  const result = await page.evaluate<AxeResult>(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`,
  );
  // each violation with the elements it was found on, so that a failure says what to fix
  const violations = result.violations.map((v) => ({
    rule: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  }));
  expect({ view, violations }).toEqual({ view, violations: [] });
}
