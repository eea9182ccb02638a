import { useId, useState } from 'preact/hooks';
import { verifyKey } from '../api/client';
import { keepKey } from '../api/session';
import { ProblemNotice } from '../components/ProblemNotice';

/** Asks for the tenant's API key and checks it with the service before keeping it for this tab. */
export function SignIn({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const ids = useId();

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
    verifyKey(candidate)
      .then((accepted) => {
        if (!accepted) {
          setRefused(true);
          return;
        }
        keepKey(candidate);
        onSignedIn();
      }, setError)
      .finally(() => setBusy(false));
  };

  return (
    <div class="sign-in">
      <h1>Sign in</h1>
      {notice ? <p class="notice notice-warning">{notice}</p> : null}
      <form onSubmit={submit} noValidate>
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
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ProblemNotice error={error} context="The key could not be checked" />
    </div>
  );
}
