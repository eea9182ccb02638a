import { useEffect, useId, useState } from 'preact/hooks';
import { checkCredential, signInOptions, type Session, type SignInOptions } from '../api/client';
import { startEntraSignIn } from '../api/entra';
import { keepCredential, type Credential } from '../api/session';
import { ProblemNotice } from '../components/ProblemNotice';

/**
 * Asks for the tenant's API key and checks it with the service before keeping it for this tab; where the
 * service names an Entra ID directory, offers to sign in there instead.
 */
export function SignIn({
  notice,
  onSignedIn,
}: {
  notice: string | undefined;
  onSignedIn: (session: Session) => void;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [options, setOptions] = useState<SignInOptions | undefined>(undefined);
  const ids = useId();

  useEffect(() => {
    // without an answer the key form still works: Entra ID is only offered when the service names it
    signInOptions().then(setOptions, () => undefined);
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setRefused(true);
      return;
    }
    setBusy(true);
    setRefused(false);
    setError(undefined);
    const credential: Credential = { kind: 'key', key: candidate };
    checkCredential(credential)
      .then((answer) => {
        if ('refusal' in answer) {
          setRefused(true);
          return;
        }
        keepCredential(credential);
        onSignedIn(answer.session);
      }, setError)
      .finally(() => setBusy(false));
  };

  const entra = options?.entra;
  const signInWithEntra = () => {
    if (!entra) return;
    setBusy(true);
    setError(undefined);
    startEntraSignIn(entra).catch((failure: unknown) => {
      setBusy(false);
      setError(failure);
    });
  };

  return (
    <div class="sign-in">
      <h1>Sign in</h1>
      {notice ? <p class="notice notice-warning">{notice}</p> : null}
      {entra ? (
        <section aria-labelledby={`${ids}-entra`} class="sign-in-entra">
          <h2 id={`${ids}-entra`}>With your organisation's account</h2>
          <button type="button" class="button-primary" disabled={busy} onClick={signInWithEntra}>
            Sign in with Microsoft Entra ID
          </button>
          <p class="hint">
            Your administrator grants you a tenant's documents with the app role{' '}
            <code>Tenant.&lt;id&gt;</code>.
          </p>
        </section>
      ) : null}
      <form onSubmit={submit} noValidate aria-labelledby={entra ? `${ids}-key-heading` : undefined}>
        {entra ? <h2 id={`${ids}-key-heading`}>Or with an API key</h2> : null}
        <div class="field">
          <label for={`${ids}-key`}>API key</label>
          <input
            id={`${ids}-key`}
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            value={key}
            aria-invalid={refused ? true : undefined}
            aria-describedby={`${ids}-help${refused ? ` ${ids}-refused` : ''}`}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
          <p id={`${ids}-help`} class="hint">
            The tenant's API key. It is kept in this browser tab only and forgotten when the tab closes.
          </p>
          {refused ? (
            <p id={`${ids}-refused`} class="field-error" role="alert">
              That API key was not accepted
            </p>
          ) : null}
        </div>
        <button type="submit" class={entra ? undefined : 'button-primary'} disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ProblemNotice error={error} context="Could not sign in" />
    </div>
  );
}

/** An Entra ID user whose roles grant several tenants chooses the one to work in. */
export function ChooseTenant({
  session,
  onChosen,
  onCancel,
}: {
  session: Session;
  onChosen: (tenantId: string) => void;
  onCancel: () => void;
}) {
  const tenants = session.tenants ?? [];
  const [choice, setChoice] = useState(tenants[0] ?? '');
  const ids = useId();
  return (
    <div class="sign-in">
      <h1>Choose a tenant</h1>
      <p>
        {session.user?.name ?? session.user?.username}, your roles let you work in several tenants. The
        console shows one at a time; sign out to change.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (choice) onChosen(choice);
        }}
      >
        <fieldset class="field">
          <legend>Tenant</legend>
          {tenants.map((tenant) => (
            <label key={tenant} class="choice">
              <input
                type="radio"
                name={`${ids}-tenant`}
                value={tenant}
                checked={choice === tenant}
                onChange={() => setChoice(tenant)}
              />{' '}
              {tenant}
            </label>
          ))}
        </fieldset>
        <div class="actions-row">
          <button type="submit" class="button-primary">
            Continue
          </button>
          <button type="button" onClick={onCancel}>
            Sign out
          </button>
        </div>
      </form>
    </div>
  );
}
