import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
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
