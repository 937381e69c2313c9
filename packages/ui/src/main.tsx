import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, getToken, setUnauthorizedHandler } from './api.tsx';
import { Link, navigate, usePath } from './lib.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { GatewayList } from './pages/gateways/list.tsx';
import { NewGateway } from './pages/gateways/new.tsx';
import { GatewayPage } from './pages/gateway/shell.tsx';

// Routes: / (gateways), /gateways/new, /gateways/:id[/services|routes|plugins|consumers[/:cid]|upstreams[/:uid]|domains].
function Routes({ path }: { path: string }) {
  if (path === '/' || path === '/gateways') return <GatewayList />;
  if (path === '/gateways/new') return <NewGateway />;
  const m = /^\/gateways\/([^/]+)(?:\/([a-z-]+))?(?:\/([^/]+))?\/?$/.exec(path);
  if (m) return <GatewayPage id={decodeURIComponent(m[1])} tab={m[2] ?? 'overview'} sub={m[3] && decodeURIComponent(m[3])} />;
  return (
    <main id="main" tabIndex={-1}>
      <h1>Not found</h1>
      <p>Nothing here. <Link href="/">Back to gateways</Link></p>
    </main>
  );
}

function App() {
  const path = usePath();
  const [token, setTokenState] = useState(getToken());
  const [notice, setNotice] = useState('');

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearToken();
      setTokenState(null);
      setNotice('Your token was not accepted. Sign in again.');
    });
  }, []);

  if (!token) {
    return <SignIn notice={notice} onSignedIn={(t) => { setNotice(''); setTokenState(t); }} />;
  }

  const signOut = () => {
    clearToken();
    setTokenState(null);
    setNotice('Signed out.');
    navigate('/', { replace: true });
  };

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <Link href="/" class="brand">Gatehouse</Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={path === '/' ? 'page' : undefined}>Gateways</Link>
        </nav>
        <button type="button" class="secondary small" onClick={signOut}>Sign out</button>
      </header>
      <Routes path={path} />
    </>
  );
}

render(<App />, document.getElementById('app')!);
