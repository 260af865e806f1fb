// Sign-in: paste the platform's JWT (or arrive with #token=… in the address); on a development
// server, a user id is enough (POST /api/v1/dev/session, off unless DEV_SIGN_IN=enabled).
import { useEffect, useState } from 'preact/hooks';
import { describeError } from './api';
import { devSignIn, devSignInAvailable } from './session';
import { ErrorText, Panel } from './ui';

export function SignIn(props: { onToken: (token: string) => Promise<unknown>; problem: unknown }) {
  const [jwt, setJwt] = useState('');
  const [userId, setUserId] = useState('');
  const [devAvailable, setDevAvailable] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void devSignInAvailable().then(setDevAvailable);
  }, []);

  async function submit(event: Event, token: () => Promise<string>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onToken(await token());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin" id="main">
      <h1 class="signin__title">BharatBuild tokens</h1>
      <Panel id="signin" title="Sign in">
        {props.problem ? <ErrorText error={props.problem} prefix="Your session ended:" /> : null}
        <form onSubmit={(event) => void submit(event, async () => jwt.trim())}>
          <label for="jwt">BharatBuild access token</label>
          <textarea
            id="jwt"
            name="token"
            rows={3}
            required
            spellcheck={false}
            autocomplete="off"
            value={jwt}
            aria-describedby="jwt-help"
            onInput={(event) => setJwt(event.currentTarget.value)}
          />
          <p id="jwt-help" class="fine">
            The token the BharatBuild app gave you (a JWT). Links from the app open this page with it already filled in.
          </p>
          <button type="submit" disabled={busy}>
            Sign in with token
          </button>
        </form>
        {devAvailable ? (
          <form class="dev-signin" onSubmit={(event) => void submit(event, () => devSignIn(userId.trim()))}>
            <h3>Development sign-in</h3>
            <p class="fine">This server mints tokens for any user id (DEV_SIGN_IN is enabled). Never in production.</p>
            <div class="inline-form">
              <label for="dev-user">User id</label>
              <input
                id="dev-user"
                name="user_id"
                required
                autocomplete="off"
                value={userId}
                onInput={(event) => setUserId(event.currentTarget.value)}
              />
              <button type="submit" disabled={busy}>
                Sign in as this user
              </button>
            </div>
          </form>
        ) : null}
        {error ? (
          <p class="message message--error" role="alert">
            {describeError(error)}
          </p>
        ) : null}
      </Panel>
    </main>
  );
}
