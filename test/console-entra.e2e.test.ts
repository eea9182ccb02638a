import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { ENTRA_STANDIN_CLIENT_ID, EntraStandIn } from '../shared/sandbox/entra-standin';
import { TenantDirectory } from '../shared/store/tenants';
import { browserAvailable, expectAccessible, launchBrowser } from './support/browser';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { onTeardown, tempDir } from './support/temp';

jest.setTimeout(180_000);

const CONSOLE_BUILD = join(__dirname, '..', 'dist', 'console', 'index.html');
const PEPPOL = { format: 'peppol-bis3-ubl', country: 'DE', documentType: 'invoice' };

const USERS = [
  { username: 'ada@contoso.example', name: 'Ada Operator', roles: ['Tenant.local'] },
  { username: 'grace@contoso.example', name: 'Grace Both', roles: ['Tenant.local', 'Tenant.globex'] },
  { username: 'eve@contoso.example', name: 'Eve Nobody', roles: ['Invoices.Reader'] },
];

let runtime: RuntimeProcess;
let entra: EntraStandIn;
let browser: BrowserContext;
let globexKey: string;

async function submit(key: string, number: string): Promise<void> {
  const response = await fetch(`${runtime.url}/api/invoices?wait=60`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ context: PEPPOL, document: sampleInvoice(1, number) }),
  });
  expect(response.status).toBe(200);
}

/** What the pages sent: the API calls with their credentials, and the calls to the directory's token endpoint. */
interface Traffic {
  api: Array<{ url: string; authorization?: string; apiKey?: string; tenant?: string }>;
  grants: string[];
}

async function newTab(): Promise<{ page: Page; traffic: Traffic; problems: string[] }> {
  const page = await browser.newPage();
  onTeardown(() => page.close());
  const traffic: Traffic = { api: [], grants: [] };
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      problems.push(`blocked: ${message.text()}`);
  });
  page.on('request', (request) => {
    const headers = request.headers();
    if (request.url().startsWith(`${runtime.url}/api/`))
      traffic.api.push({
        url: request.url(),
        ...(headers.authorization ? { authorization: headers.authorization } : {}),
        ...(headers['x-api-key'] ? { apiKey: headers['x-api-key'] } : {}),
        ...(headers['x-tenant-id'] ? { tenant: headers['x-tenant-id'] } : {}),
      });
    if (request.url().endsWith('/oauth2/v2.0/token') && request.method() === 'POST')
      traffic.grants.push(new URLSearchParams(request.postData() ?? '').get('grant_type') ?? '');
  });
  return { page, traffic, problems };
}

/** From the console's sign-in page through the directory's page, as `name`, back to the console. */
async function signInWithEntra(page: Page, name: string, check?: () => Promise<void>): Promise<void> {
  await page.goto(`${runtime.url}/`);
  const button = page.getByRole('button', { name: 'Sign in with Microsoft Entra ID' });
  await button.waitFor();
  await check?.();
  await button.click();
  await page.waitForURL((url) => url.origin === new URL(entra.authority).origin);
  await page.getByRole('button', { name: new RegExp(`Sign in as ${name}`) }).click();
  await page.waitForURL((url) => url.origin === runtime.url);
}

const describeBrowser = browserAvailable('the console Entra ID browser tests') ? describe : describe.skip;

describeBrowser('web console: signing in with Entra ID (stand-in directory, real browser)', () => {
  beforeAll(async () => {
    if (!existsSync(CONSOLE_BUILD)) throw new Error('dist/console is missing: run npm run build');
    // a short lifetime: every call finds the access token due for renewal, so renewal is exercised at once
    entra = new EntraStandIn({ port: 0, users: USERS, tokenLifetimeSeconds: 60 });
    await entra.start();
    onTeardown(() => entra.stop());
    const dir = tempDir();
    const store = new JournalObjectStore(join(dir, 'journal'));
    ({ apiKey: globexKey } = await new TenantDirectory(store).create('globex', 'Globex'));
    await store.close();
    runtime = await startRuntime(dir, {
      EINVOICE_ENTRA_AUTHORITY: entra.authority,
      EINVOICE_ENTRA_CLIENT_ID: ENTRA_STANDIN_CLIENT_ID,
    });
    onTeardown(() => runtime.stop());
    const peppol = await fetch(`${runtime.url}/api/features/peppol-bis3`, {
      method: 'PUT',
      headers: { 'x-api-key': runtime.apiKey, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(peppol.status).toBe(200);
    await submit(runtime.apiKey, 'ENTRA-LOCAL-1');
    browser = await launchBrowser();
    onTeardown(() => browser.close());
  });

  it("signs in at the directory and shows the tenant's documents, with the token kept in this tab only", async () => {
    const { page, traffic, problems } = await newTab();
    await signInWithEntra(page, 'Ada Operator', async () => {
      // both ways offered, each labelled
      await page.getByLabel('API key', { exact: true }).waitFor();
      await expectAccessible(page, 'sign-in with Entra ID offered');
    });
    await page.getByRole('heading', { name: 'Submission log', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'ENTRA-LOCAL-1' }).waitFor();
    await expect(page.locator('.signed-in-as').innerText()).resolves.toMatch(/tenant local · Ada Operator/);

    // the code is gone from the address; nothing in local storage or cookies; the token in session storage
    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate('JSON.stringify(localStorage)')).toBe('{}');
    expect(await browser.cookies(runtime.url)).toEqual([]);
    const kept = JSON.parse(
      (await page.evaluate<string | null>("sessionStorage.getItem('einvoice.console.credential')")) ?? '{}',
    );
    expect(kept).toMatchObject({
      kind: 'entra',
      username: 'ada@contoso.example',
      clientId: ENTRA_STANDIN_CLIENT_ID,
    });

    // every API call after sign-in carried the token, never a key; the token was renewed with the refresh token
    const calls = traffic.api.filter((call) => !call.url.endsWith('/api/sign-in'));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call.authorization?.startsWith('Bearer ') && !call.apiKey)).toBe(true);
    expect(traffic.grants[0]).toBe('authorization_code');
    expect(traffic.grants).toContain('refresh_token');
    expect(problems).toEqual([]);

    // signing out forgets the token
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('einvoice.console.credential')")).toBeNull();
  });

  it("lets a user of several tenants choose one, and shows only that tenant's documents", async () => {
    await submit(globexKey, 'ENTRA-GLOBEX-1');
    const { page, traffic, problems } = await newTab();
    await signInWithEntra(page, 'Grace Both');
    await page.getByRole('heading', { name: 'Choose a tenant', level: 1 }).waitFor();
    await expectAccessible(page, 'choosing a tenant');
    await page.getByRole('radio', { name: 'globex' }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'ENTRA-GLOBEX-1' }).waitFor();
    await expect(page.getByRole('link', { name: 'ENTRA-LOCAL-1' }).count()).resolves.toBe(0);
    await expect(page.locator('.signed-in-as').innerText()).resolves.toMatch(/tenant globex · Grace Both/);
    const listed = traffic.api.filter((call) => /\/api\/invoices\b/.test(call.url));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((call) => call.tenant === 'globex')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('refuses a user whose roles grant no tenant, and says why', async () => {
    const { page, problems } = await newTab();
    await signInWithEntra(page, 'Eve Nobody');
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByText(/Signed in as eve@contoso\.example, but .*\(auth\.no-tenant\)/).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('einvoice.console.credential')")).toBeNull();
    expect(problems).toEqual([]);
  });
});
