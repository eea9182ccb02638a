import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { sampleInvoice } from '../shared/model/sample-invoice';
import type { DocumentRecord } from '../shared/model/record';
import { TenantDirectory } from '../shared/store/tenants';
import { browserAvailable, expectAccessible, launchBrowser } from './support/browser';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { eventually, onTeardown, tempDir } from './support/temp';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..');
const CONSOLE_BUILD = join(ROOT, 'dist', 'console', 'index.html');
const PEPPOL = { format: 'peppol-bis3-ubl', country: 'DE', documentType: 'invoice' };
/** A company whose signing certificate does not exist: its documents fail at the sign step, at once and for good. */
const BROKEN = { flowId: 'sandbox-submit', companyId: 'broken' };
const BULK_COUNT = 50;

let runtime: RuntimeProcess;
let otherKey: string;
let browser: BrowserContext;
let completedId: string;
let failedId: string;

async function api(method: string, path: string, body?: unknown, key = runtime.apiKey) {
  const response = await fetch(runtime.url + path, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

async function record(id: string): Promise<DocumentRecord> {
  return (await api('GET', `/api/invoices/${id}`)).json as DocumentRecord;
}

/** Uncaught errors of the pages and what their Content-Security-Policy blocked: none may happen. */
const pageProblems: string[] = [];

function watch(page: Page): void {
  page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      pageProblems.push(`blocked: ${message.text()}`);
  });
}

afterAll(() => expect(pageProblems).toEqual([]));

/** A new tab (its own sessionStorage: signed out) signed in with `key`, on the submission log, loaded. */
async function signedIn(key = runtime.apiKey, path = '/'): Promise<Page> {
  const page = await browser.newPage();
  watch(page);
  onTeardown(() => page.close());
  await page.goto(runtime.url + path);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Submission log', level: 1 }).waitFor();
  await page.getByText(/documents? shown/).waitFor();
  return page;
}

async function goTo(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

/** The rows of the log table (body rows only). */
function logRows(page: Page) {
  return page.locator('table.log-table tbody tr');
}

async function pageWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

const describeBrowser = browserAvailable('the console browser tests') ? describe : describe.skip;

describeBrowser('web console (real service, real browser)', () => {
  beforeAll(async () => {
    if (!existsSync(CONSOLE_BUILD))
      throw new Error(
        'dist/console is missing: run npm run build (or npx vite build --config console/vite.config.ts)',
      );
    const dir = tempDir();
    // A second tenant, configured in the data folder before start.
    const store = new JournalObjectStore(join(dir, 'journal'));
    ({ apiKey: otherKey } = await new TenantDirectory(store).create('globex', 'Globex'));
    await store.close();
    runtime = await startRuntime(dir);
    onTeardown(() => runtime.stop());

    for (const feature of ['peppol-bis3', 'sandbox-demo'])
      expect((await api('PUT', `/api/features/${feature}`, {})).status).toBe(200);
    const company = await api('PUT', '/api/features/sandbox-demo/companies/broken', {
      signingCertificate: 'no-such-certificate',
    });
    expect(company.status).toBe(200);

    // the bulk documents first: the two below are then the newest, on the log's first page (newest first)
    const batch = await api('POST', '/api/batches', {
      context: BROKEN,
      items: Array.from({ length: BULK_COUNT }, (_, i) => ({
        document: sampleInvoice(1, `BULK-${String(i).padStart(3, '0')}`),
      })),
    });
    expect(batch.status).toBe(202);
    await eventually(
      async () => {
        const page = await api('GET', `/api/invoices?status=failed&q=BULK-&limit=500`);
        return page.json.items.length === BULK_COUNT ? true : undefined;
      },
      90_000,
      `${BULK_COUNT} failed documents`,
    );

    const completed = await api('POST', '/api/invoices?wait=60', {
      context: PEPPOL,
      document: sampleInvoice(3, 'CONSOLE-OK-1'),
    });
    expect({ status: completed.status, body: completed.json }).toMatchObject({
      status: 200,
      body: { status: 'completed' },
    });
    completedId = completed.json.id;
    const failed = await api('POST', '/api/invoices?wait=60', {
      context: BROKEN,
      document: sampleInvoice(2, 'CONSOLE-FAIL-1'),
    });
    expect({ status: failed.status, body: failed.json }).toMatchObject({
      status: 200,
      body: { status: 'failed' },
    });
    failedId = failed.json.id;

    browser = await launchBrowser();
    onTeardown(() => browser.close());
  });

  it('signs in with the API key (at / and at /api/console/) and shows a submitted document in the log', async () => {
    const page = await browser.newPage();
    watch(page);
    onTeardown(() => page.close());
    await page.goto(runtime.url + '/');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That API key was not accepted').waitFor();
    await page.getByLabel('API key').fill(runtime.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor();
    // the key stays in this tab's sessionStorage, never in the URL or localStorage
    expect(page.url()).not.toContain(runtime.apiKey);
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(runtime.apiKey);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('JSON.stringify(sessionStorage)')).not.toContain(runtime.apiKey);

    const mounted = await signedIn(runtime.apiKey, '/api/console/');
    await mounted.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor();
  });

  it('filters the log to failed documents, in the URL', async () => {
    const page = await signedIn();
    await page.getByRole('checkbox', { name: 'failed', exact: true }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/#\/\?status=failed$/);
    await page.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'CONSOLE-FAIL-1' }).waitFor();
    const statuses = await logRows(page).locator('.badge').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses.map((s) => s.replace(/[^a-z]/g, '')))).toEqual(new Set(['failed']));
  });

  it('opens a failed document: the timeline shows the failing step and its reason', async () => {
    const page = await signedIn();
    await goTo(page, '#/?status=failed&q=CONSOLE-FAIL-1');
    await page.getByRole('link', { name: 'CONSOLE-FAIL-1' }).click();
    await page.getByRole('heading', { name: 'Document CONSOLE-FAIL-1' }).waitFor();
    const timeline = page.getByRole('table', { name: /Step timeline/ });
    const failing = timeline.getByRole('row').filter({ hasText: 'certificate.not-found' });
    await expect(failing.count()).resolves.toBe(1);
    const text = await failing.textContent();
    expect(text).toContain('sign');
    expect(text).toContain('failed');
    expect(text).toContain('no-such-certificate');
  });

  it('downloads an artifact whose SHA-256 is the one the API states', async () => {
    const page = await signedIn();
    await goTo(page, `#/documents/${completedId}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download signed.xml' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('signed.xml');
    const bytes = readFileSync(await download.path());
    const served = await fetch(`${runtime.url}/api/invoices/${completedId}/artifacts/signed.xml`, {
      headers: { 'x-api-key': runtime.apiKey },
    });
    expect(served.status).toBe(200);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(served.headers.get('x-content-sha256'));
    await page.getByText('Downloaded; SHA-256 verified.').waitFor();
  });

  it('resubmits a failed document from its page, after confirming', async () => {
    const page = await signedIn();
    await goTo(page, `#/documents/${failedId}`);
    await page.getByRole('button', { name: 'Resubmit…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resubmit CONSOLE-FAIL-1?' });
    await dialog.waitFor();
    // Escape closes it without doing anything
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await record(failedId)).history.some((e) => e.outcome === 'resubmitted')).toBe(false);

    await page.getByRole('button', { name: 'Resubmit…' }).click();
    await dialog.getByRole('button', { name: 'Resubmit', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const timeline = page.getByRole('table', { name: /Step timeline/ });
    await timeline.getByRole('row').filter({ hasText: 'resubmitted' }).waitFor();
    expect((await record(failedId)).history.filter((e) => e.outcome === 'resubmitted')).toHaveLength(1);
  });

  it(`resubmits ${BULK_COUNT} failed documents in bulk: a dry run first, then the real run`, async () => {
    const page = await signedIn();
    await goTo(page, '#/?status=failed&q=BULK-');
    // the filtered rows, not those of the log the tab opened on
    await eventually(
      async () => {
        const names = await logRows(page).locator('th').allTextContents();
        return names.length === BULK_COUNT && names.every((n) => n.startsWith('BULK-')) ? true : undefined;
      },
      30_000,
      `the ${BULK_COUNT} failed BULK- documents in the log`,
    );
    await page.getByRole('checkbox', { name: 'Select every document on this page' }).check();
    await page.getByText(`${BULK_COUNT} documents selected.`).waitFor();

    await page.getByRole('button', { name: 'Resubmit…' }).click();
    await page.getByRole('heading', { name: 'Dry run: resubmit' }).waitFor();
    const counts = page.getByRole('list', { name: 'Counts by outcome' });
    await expect(counts.textContent()).resolves.toBe(`would-resubmit: ${BULK_COUNT}`);
    // nothing changed yet
    const before = (await api('GET', '/api/invoices?status=failed&q=BULK-&limit=500')).json
      .items as DocumentRecord[];
    expect(before.filter((r) => r.history.some((e) => e.outcome === 'resubmitted'))).toHaveLength(0);

    await page.getByRole('button', { name: `Confirm: resubmit ${BULK_COUNT} documents` }).click();
    await page.getByRole('heading', { name: 'Result: resubmit' }).waitFor();
    await expect(counts.textContent()).resolves.toBe(`resubmitted: ${BULK_COUNT}`);
    const after = (await api('GET', '/api/invoices?q=BULK-&limit=500')).json.items as DocumentRecord[];
    expect(after).toHaveLength(BULK_COUNT);
    expect(after.filter((r) => r.history.some((e) => e.outcome === 'resubmitted'))).toHaveLength(BULK_COUNT);
  });

  it('passes axe-core (WCAG 2.1 A and AA) on the log, a document, operations and configuration', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor();
    await expectAccessible(page, 'submission log');

    await goTo(page, `#/documents/${failedId}`);
    await page.getByRole('heading', { name: 'Step timeline' }).waitFor();
    await expectAccessible(page, 'document page');

    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { name: 'Errors by code' }).waitFor();
    await expectAccessible(page, 'operations');
    // the documents whose messages were dead-lettered open in the log, filtered, to be resubmitted there
    const deadLettered = page.getByRole('link', { name: /Dead-lettered/ });
    const target = new URLSearchParams((await deadLettered.getAttribute('href'))!.split('?')[1]);
    expect(Object.fromEntries(target)).toEqual({ status: 'failed', errorCode: 'stage.timeout' });

    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: /Submission to the local sandbox receiver/ }).waitFor();
    await page.getByRole('heading', { name: /sandbox-submit/ }).waitFor();
    await expectAccessible(page, 'configuration');
  });

  it('keeps tenants apart: another tenant sees none of these documents, and not one by its URL', async () => {
    const page = await signedIn(otherKey);
    await page.getByText('No documents yet.').waitFor();
    await expect(logRows(page).count()).resolves.toBe(0);

    await goTo(page, `#/documents/${completedId}`);
    await page.getByRole('heading', { name: 'Document not found' }).waitFor();
    await expect(page.getByText('CONSOLE-OK-1').count()).resolves.toBe(0);
  });

  it('is usable at 375 px: the log and a document page never scroll sideways', async () => {
    const page = await signedIn();
    await page.setViewportSize({ width: 375, height: 800 });
    // loaded again at phone width (the tab keeps its key), where the filters start folded away
    await page.reload();
    await page.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(375);
    const filters = page.getByRole('button', { name: /^Filters/ });
    expect(await filters.getAttribute('aria-expanded')).toBe('false');
    await filters.click();
    await page.getByRole('button', { name: 'Apply filters' }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(375);

    await goTo(page, `#/documents/${failedId}`);
    await page.getByRole('heading', { name: 'Step timeline' }).waitFor();
    await page.getByRole('button', { name: 'Preview invoice.xml' }).click();
    await page.getByRole('heading', { name: /Preview of/ }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(375);
  });

  // 1280 px: the whole width the log has; 1500 and 1600 px: the saved views move beside it from 1600 px on
  it.each([1280, 1500, 1600])(
    'shows every column of the log at %i px, without scrolling sideways',
    async (width) => {
      const page = await signedIn();
      await page.setViewportSize({ width, height: 800 });
      await page.getByRole('link', { name: 'CONSOLE-FAIL-1' }).waitFor();
      const region = page.locator('.table-scroll', { has: page.locator('table.log-table') });
      const { scrollWidth, clientWidth } = await region.evaluate((element) => ({
        scrollWidth: element.scrollWidth,
        clientWidth: element.clientWidth,
      }));
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      const headers = await page
        .locator('table.log-table thead th')
        .evaluateAll((cells) =>
          cells.map((cell) => ({ text: cell.textContent ?? '', right: cell.getBoundingClientRect().right })),
        );
      expect(headers.map((h) => h.text.replace(/[▲▼↕]/g, '').trim())).toEqual([
        '',
        'Document number',
        'Counterparty',
        'Amount',
        'Flow / feature',
        'Status',
        'Attempts',
        'Last error',
        'Created / updated',
        'Duration',
        'Id',
      ]);
      for (const header of headers) expect(header.right).toBeLessThanOrEqual(width);
      // the id is shortened on screen; its copy button and the page's text still carry the whole of it
      const row = page.getByRole('row', { name: /CONSOLE-FAIL-1/ });
      await expect(row.getByRole('button', { name: /Copy/ }).count()).resolves.toBe(1);
      await expect(row.locator('.cell-id').innerText()).resolves.toContain(
        `${failedId.slice(0, 6)}…${failedId.slice(-6)}`,
      );
      await expect(row.locator('.cell-id code > .visually-hidden').textContent()).resolves.toBe(failedId);
    },
  );

  it('takes screenshots of the log and a document page at 1280×800', async () => {
    const shots = tempDir('einvoice-console-shots-');
    const page = await signedIn();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('link', { name: 'CONSOLE-OK-1' }).waitFor();
    const log = join(shots, 'console-log.png');
    await page.screenshot({ path: log });

    await goTo(page, `#/documents/${failedId}`);
    await page.getByRole('heading', { name: 'Step timeline' }).waitFor();
    const document = join(shots, 'console-document.png');
    await page.screenshot({ path: document });
    for (const file of [log, document]) expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');

    if (process.env.UPDATE_GENERATED === '1') {
      const images = join(ROOT, 'docs', 'images');
      mkdirSync(images, { recursive: true });
      copyFileSync(log, join(images, 'console-log.png'));
      copyFileSync(document, join(images, 'console-document.png'));
    }
  });
});
