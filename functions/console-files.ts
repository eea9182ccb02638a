import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { packageRoot } from '../shared/util/package-root';
import { notFound, type EInvoiceError } from '../shared/errors';
import { problem } from './lib/http';
import { httpRoute } from './lib/openapi';
import { services } from './lib/services';

/** The console's static build (`vite build --config console/vite.config.ts`). */
export function consoleRoot(): string {
  return join(packageRoot(), 'dist', 'console');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console runs its own scripts only, calls only this origin's API (and, where Entra ID sign-in is
 * configured, the directory's sign-in endpoints) and may not be framed: a key or token in it cannot be sent
 * elsewhere by an injected script, nor the page overlaid by another site.
 */
function securityHeaders(): Record<string, string> {
  const authority = services().settings.entra?.authority;
  const connect = authority ? `'self' ${new URL(authority).origin}` : "'self'";
  return {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src ${connect}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

function notFoundPage(error: EInvoiceError): HttpResponseInit {
  const answer = problem(error);
  return { ...answer, headers: { ...(answer.headers as Record<string, string>), ...securityHeaders() } };
}

/** A file of the build, by its path under the console's root; never a file outside it. */
async function serve(path: string): Promise<HttpResponseInit> {
  const root = consoleRoot();
  const file = resolve(root, path === '' ? 'index.html' : path);
  if (file !== root && !file.startsWith(root + sep))
    return notFoundPage(notFound('console.not-found', `No file ${path}`));
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (path === '' || path === 'index.html')
      return notFoundPage(
        notFound(
          'console.not-built',
          'The console is not built: run `npm run build` (it builds the service and the console), then reload',
        ),
      );
    return notFoundPage(notFound('console.not-found', `No file ${path}`));
  }
  // Hashed asset names change with their content: cached for good. The page itself is checked every time.
  const immutable = path.startsWith('assets/');
  return {
    status: 200,
    body: await readFile(file),
    headers: {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...securityHeaders(),
    },
  };
}

httpRoute('console', {
  route: 'console/{*path}',
  methods: ['GET'],
  handler: async (request: HttpRequest) => {
    const path = request.params.path ?? '';
    const { pathname } = new URL(request.url);
    // The page's relative asset links need the trailing slash: /api/console → /api/console/.
    if (path === '' && pathname.endsWith('/console'))
      return { status: 308, headers: { location: `${pathname}/` } };
    return serve(path);
  },
  docs: {
    GET: {
      summary:
        'The web console (static files, no API key: it signs in with one). The embedded runtime also serves it at /',
      anonymous: true,
      responses: { '200': { description: 'A file of the console', content: { '*/*': {} } } },
      problems: { '404': ['console.not-found', 'console.not-built'] },
    },
  },
});
