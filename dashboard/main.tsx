// The dashboard: who is signed in, and the panels. Every action bumps `version`, which makes each
// panel read its numbers again, so the page never needs a reload.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, setBearer } from './api';
import { BalancePanel } from './panels/Balance';
import { EstimatePanel } from './panels/Estimate';
import { ProjectsPanel } from './panels/Projects';
import { PromoPanel } from './panels/Promo';
import { ShopPanel } from './panels/Shop';
import { TransactionsPanel } from './panels/Transactions';
import { UsagePanel } from './panels/Usage';
import { storedToken, storeToken, takeTokenFromHash, tokenExpiry } from './session';
import { SignIn } from './SignIn';
import './styles.css';

const AUTO_REFRESH_MS = 30_000;

type Session =
  { state: 'checking' } | { state: 'signed-out'; problem: unknown } | { state: 'signed-in'; userId: string };

function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  /** Checks a token with GET /me before using it; throws the API's words when it is refused. */
  const signInWith = useCallback(async (token: string) => {
    const expiry = tokenExpiry(token);
    if (expiry !== null && expiry <= Date.now()) throw new Error('That token has expired; get a new one.');
    setBearer(token);
    try {
      const { data } = await api<{ user_id: string }>('/me');
      storeToken(token);
      setSession({ state: 'signed-in', userId: data.user_id });
    } catch (error) {
      setBearer(null);
      throw error;
    }
  }, []);

  useEffect(() => {
    const token = takeTokenFromHash() ?? storedToken();
    if (!token) return setSession({ state: 'signed-out', problem: null });
    signInWith(token).catch((error: unknown) => {
      storeToken(null);
      setSession({ state: 'signed-out', problem: error instanceof ApiFailure && error.status === 401 ? error : null });
    });
  }, [signInWith]);

  // The balance moves while agents run elsewhere: read it again every half minute while visible.
  useEffect(() => {
    if (session.state !== 'signed-in') return;
    const timer = setInterval(() => document.visibilityState === 'visible' && refresh(), AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [session.state, refresh]);

  if (session.state === 'checking') return <p class="fine loading">Loading…</p>;
  if (session.state === 'signed-out') return <SignIn onToken={signInWith} problem={session.problem} />;

  return (
    <>
      <header class="topbar">
        <div class="topbar__brand">
          <h1>BharatBuild tokens</h1>
          <a class="fine" href="/docs/">
            API reference
          </a>
        </div>
        <div class="topbar__who">
          <span class="fine">
            Signed in as <strong data-testid="user-id">{session.userId}</strong>
          </span>
          <button type="button" onClick={refresh}>
            Refresh
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              storeToken(null);
              setBearer(null);
              setSession({ state: 'signed-out', problem: null });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="grid">
        <BalancePanel version={version} />
        <PromoPanel onChanged={refresh} />
        <EstimatePanel />
        <ProjectsPanel version={version} onChanged={refresh} />
        <UsagePanel version={version} />
        <TransactionsPanel version={version} />
        <ShopPanel version={version} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
