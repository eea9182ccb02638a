import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized } from './api/client';
import { currentKey, forgetKey } from './api/session';
import { useRoute, type Route } from './router';
import { ConfigurationView } from './views/configuration/ConfigurationView';
import { DocumentView } from './views/document/DocumentView';
import { LogView } from './views/log/LogView';
import { OperationsView } from './views/operations/OperationsView';
import { SignIn } from './views/SignIn';

const NAV = [
  { href: '#/', label: 'Submission log', view: 'log' },
  { href: '#/operations', label: 'Operations', view: 'operations' },
  { href: '#/configuration', label: 'Configuration', view: 'configuration' },
] as const;

const TITLES: Record<Route['view'], string> = {
  log: 'Submission log',
  document: 'Document',
  operations: 'Operations',
  configuration: 'Configuration',
  missing: 'Page not found',
};

export function App() {
  const [signedIn, setSignedIn] = useState(() => currentKey() !== null);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const route = useRoute();

  useEffect(() => {
    onUnauthorized(() => {
      forgetKey();
      setSignedIn(false);
      setNotice('The service no longer accepts this API key. Sign in again.');
    });
  }, []);

  const signOut = () => {
    forgetKey();
    setNotice(undefined);
    setSignedIn(false);
  };

  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to main content
      </a>
      <header class="app-header">
        <p class="brand">einvoice console</p>
        {signedIn ? (
          <>
            <nav aria-label="Main" class="main-nav">
              <ul>
                {NAV.map((item) => (
                  <li key={item.href}>
                    <a
                      href={item.href}
                      aria-current={
                        route.view === item.view || (item.view === 'log' && route.view === 'document')
                          ? 'page'
                          : undefined
                      }
                    >
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <button type="button" class="sign-out" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      <Main route={route} signedIn={signedIn}>
        {signedIn ? (
          <RouteView route={route} />
        ) : (
          <SignIn
            notice={notice}
            onSignedIn={() => {
              setNotice(undefined);
              setSignedIn(true);
            }}
          />
        )}
      </Main>
    </>
  );
}

/** The skip link cannot be a fragment link (the hash is the route): it moves focus itself. */
function skipToMain(event: Event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

/**
 * The main region. When the view changes (not merely its filters), focus moves to it, so that screen reader
 * users start reading the new page rather than staying on a link that is gone.
 */
function Main({
  route,
  signedIn,
  children,
}: {
  route: Route;
  signedIn: boolean;
  children: ComponentChildren;
}) {
  const main = useRef<HTMLElement>(null);
  const pageKey = `${signedIn ? 'in' : 'out'}:${route.view}:${route.view === 'document' ? route.id : ''}`;
  const first = useRef(true);
  useEffect(() => {
    document.title = `${signedIn ? TITLES[route.view] : 'Sign in'} · einvoice console`;
    if (first.current) {
      first.current = false;
      return;
    }
    // a new page starts at its top, with the reader's focus on it
    window.scrollTo(0, 0);
    main.current?.focus({ preventScroll: true });
  }, [pageKey]);
  return (
    <main id="main" ref={main} tabIndex={-1}>
      {children}
    </main>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.view) {
    case 'log':
      return <LogView params={route.query} />;
    case 'document':
      return <DocumentView key={route.id} id={route.id} />;
    case 'operations':
      return <OperationsView />;
    case 'configuration':
      return <ConfigurationView />;
    case 'missing':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no page <code>{route.path}</code>. <a href="#/">Open the submission log</a>.
          </p>
        </>
      );
  }
}
