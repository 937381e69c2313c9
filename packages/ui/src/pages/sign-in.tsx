import { useState } from 'preact/hooks';
import { api, ApiError, setToken } from '../api.tsx';
import { usePageTitle } from '../lib.tsx';

/** Signs in with a personal access token; it is kept in session storage for this tab only. */
export function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn: (token: string) => void }) {
  usePageTitle('Sign in');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [isBusy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) return setError('Enter your token.');
    setBusy(true);
    setError('');
    try {
      await api('GET', '/v2/control-planes?page[size]=1', undefined, token);
      setToken(token);
      onSignedIn(token);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'This token is not valid.' : `Could not reach the API: ${e instanceof Error ? e.message : e}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <h1>Gatehouse</h1>
      <p class="muted">Serverless API gateways.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={submit} class="card" noValidate>
        <div class="field">
          <label for="token">Access token</label>
          <input id="token" name="token" type="password" autoComplete="current-password" spellcheck={false} value={value} placeholder="kpat_…"
            aria-invalid={error ? true : undefined} aria-describedby={error ? 'token-err token-hint' : 'token-hint'} onInput={(e) => setValue(e.currentTarget.value)} />
          <p class="hint" id="token-hint">The admin token `npm start` printed on first start, or another personal access token.</p>
          {error && <ul class="field-error" id="token-err"><li>{error}</li></ul>}
        </div>
        <div class="actions">
          <button type="submit" disabled={isBusy}>{isBusy ? 'Signing in…' : 'Sign in'}</button>
        </div>
      </form>
    </main>
  );
}
