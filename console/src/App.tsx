import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { checkCredential, getJson, onUnauthorized, type Session } from './api/client';
import { completeEntraSignIn, entraAnswerPending } from './api/entra';
import { currentCredential, forgetCredential, keepCredential, type Credential } from './api/session';
import { useRoute, type Route } from './router';
import { ConfigurationView } from './views/configuration/ConfigurationView';
import { DocumentView } from './views/document/DocumentView';
import { LogView } from './views/log/LogView';
import { OperationsView } from './views/operations/OperationsView';
import { ChooseTenant, SignIn } from './views/SignIn';

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

/**
 * Signed out (asking for a key or offering Entra ID), back from Entra ID (redeeming the code), choosing one
 * of several tenants, or signed in.
 */
type Phase =
  | { name: 'out' }
  | { name: 'returning' }
  | { name: 'choose'; credential: Extract<Credential, { kind: 'entra' }>; session: Session }
  | { name: 'in' };

export function App() {
  const [phase, setPhase] = useState<Phase>(() =>
    entraAnswerPending() ? { name: 'returning' } : { name: currentCredential() ? 'in' : 'out' },
  );
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const route = useRoute();
  const signedIn = phase.name === 'in';

  useEffect(() => {
    onUnauthorized(() => {
      const kind = currentCredential()?.kind;
      forgetCredential();
      setSession(undefined);
      setPhase({ name: 'out' });
      setNotice(
        kind === 'entra'
          ? 'Your Entra ID sign-in has expired or was revoked. Sign in again.'
          : 'The service no longer accepts this API key. Sign in again.',
      );
    });
  }, []);

  useEffect(() => {
    if (phase.name !== 'returning') return;
    const refuse = (text: string) => {
      forgetCredential();
      setNotice(text);
      setPhase({ name: 'out' });
    };
    completeEntraSignIn()
      .then(async (credential) => {
        const answer = await checkCredential(credential);
        if ('refusal' in answer)
          return refuse(
            `Signed in as ${credential.username}, but ${answer.refusal.title} (${answer.refusal.code}).`,
          );
        if (answer.session.tenantId === undefined)
          return setPhase({ name: 'choose', credential, session: answer.session });
        keepCredential(credential);
        setSession(answer.session);
        setPhase({ name: 'in' });
      })
      .catch((error: unknown) =>
        refuse(
          `Entra ID sign-in did not complete: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }, [phase.name]);

  // who is signed in, for the header; a tab that was reloaded asks again
  useEffect(() => {
    if (!signedIn || session) return;
    getJson<Session>('session').then(setSession, () => undefined);
  }, [signedIn, session]);

  const signOut = () => {
    forgetCredential();
    setNotice(undefined);
    setSession(undefined);
    setPhase({ name: 'out' });
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
            {session?.tenantId ? (
              <p class="signed-in-as">
                <span class="visually-hidden">Signed in to </span>tenant <strong>{session.tenantId}</strong>
                {session.user ? (
                  <span class="signed-in-user"> · {session.user.name ?? session.user.username}</span>
                ) : null}
              </p>
            ) : null}
            <button type="button" class="sign-out" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      <Main route={route} signedIn={signedIn}>
        {phase.name === 'in' ? (
          <RouteView route={route} />
        ) : phase.name === 'returning' ? (
          <div class="sign-in" aria-busy="true">
            <h1>Signing in…</h1>
            <p>Completing the sign-in with Entra ID.</p>
          </div>
        ) : phase.name === 'choose' ? (
          <ChooseTenant
            session={phase.session}
            onCancel={signOut}
            onChosen={(tenantId) => {
              keepCredential({ ...phase.credential, tenantId });
              setSession({ ...phase.session, tenantId });
              setPhase({ name: 'in' });
            }}
          />
        ) : (
          <SignIn
            notice={notice}
            onSignedIn={(opened) => {
              setNotice(undefined);
              setSession(opened);
              setPhase({ name: 'in' });
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
