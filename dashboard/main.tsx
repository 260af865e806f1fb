// The dashboard: who is signed in, and the panels. Every action bumps `version`, which makes each
// panel read its numbers again, so the page never needs a reload.
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, setBearer } from './api';
import { BalancePanel } from './panels/Balance';
import { EstimatePanel } from './panels/Estimate';
import { ProjectsPanel } from './panels/Projects';
import { PromoPanel } from './panels/Promo';
import { ShopPanel } from './panels/Shop';
import { TransactionsPanel } from './panels/Transactions';
import { UsagePanel } from './panels/Usage';
import { storedToken, storeToken, takeTokenFromHash, tokenExpiry, userIdOf } from './session';
import { SessionSwitch, type LinkedSignIn } from './SessionSwitch';
import { SignIn } from './SignIn';
import './styles.css';

const AUTO_REFRESH_MS = 30_000;

type Session =
  { state: 'checking' } | { state: 'signed-out'; problem: unknown } | { state: 'signed-in'; userId: string };

function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [linked, setLinked] = useState<LinkedSignIn | null>(null);
  const [switching, setSwitching] = useState(false);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  // Who is signed in, for the hashchange listener, which outlives any one render.
  const signedInAs = useRef<string | null>(null);
  signedInAs.current = session.state === 'signed-in' ? session.userId : null;

  /** Checks a token with GET /me before using it; throws the API's words when it is refused. */
  const signInWith = useCallback(async (token: string): Promise<string> => {
    const expiry = tokenExpiry(token);
    if (expiry !== null && expiry <= Date.now()) throw new Error('That token has expired; get a new one.');
    setBearer(token);
    try {
      const { data } = await api<{ user_id: string }>('/me');
      storeToken(token);
      setSession({ state: 'signed-in', userId: data.user_id });
      return data.user_id;
    } catch (error) {
      setBearer(null);
      throw error;
    }
  }, []);

  const signInOrSignOut = useCallback(
    (token: string | null) => {
      if (!token) return setSession({ state: 'signed-out', problem: null });
      signInWith(token).catch((error: unknown) => {
        storeToken(null);
        setSession({
          state: 'signed-out',
          problem: error instanceof ApiFailure && error.status === 401 ? error : null,
        });
      });
    },
    [signInWith],
  );

  /**
   * A token from the address while `currentUserId` is signed in: the same account just takes the
   * (newer) token; another account is only offered, and the user chooses.
   */
  const offerLinked = useCallback(
    async (token: string, currentUserId: string) => {
      try {
        const userId = await userIdOf(token);
        if (userId === currentUserId) await signInWith(token);
        else setLinked({ state: 'offered', token, userId });
      } catch (error) {
        setLinked({ state: 'refused', error });
      }
    },
    [signInWith],
  );

  useEffect(() => {
    // Out of the address bar at once, whatever becomes of it.
    const fromLink = takeTokenFromHash();
    const stored = storedToken();
    if (!fromLink || !stored || fromLink === stored) return signInOrSignOut(fromLink ?? stored);
    // Someone is signed in in this tab: they stay so while the link waits for their word; if their
    // session has ended, no one is signed in and the link may sign in.
    signInWith(stored).then(
      (userId) => offerLinked(fromLink, userId),
      () => {
        storeToken(null);
        signInOrSignOut(fromLink);
      },
    );
  }, [signInWith, signInOrSignOut, offerLinked]);

  // A link followed while the page is open changes only the hash: the same rule.
  useEffect(() => {
    const onHashChange = () => {
      const fromLink = takeTokenFromHash();
      if (!fromLink) return;
      if (signedInAs.current) void offerLinked(fromLink, signedInAs.current);
      else signInOrSignOut(fromLink);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [offerLinked, signInOrSignOut]);

  async function switchToLinked() {
    if (linked?.state !== 'offered') return;
    setSwitching(true);
    try {
      await signInWith(linked.token);
      setLinked(null);
    } catch (error) {
      setLinked({ state: 'refused', error });
    } finally {
      setSwitching(false);
    }
  }

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
              setLinked(null);
              setSession({ state: 'signed-out', problem: null });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {linked ? (
        <SessionSwitch
          linked={linked}
          currentUserId={session.userId}
          busy={switching}
          onSwitch={() => void switchToLinked()}
          onStay={() => setLinked(null)}
        />
      ) : null}
      {/* Keyed by the user: after a switch every panel starts over with the new account's numbers. */}
      <main id="main" class="grid" key={session.userId}>
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
