// A sign-in link that names another account than the one signed in: the page says so and waits.
// Taking it silently would let anyone's link move a signed-in user into their account, where the
// user would then buy tokens or redeem codes.
import { describeError } from './api';

/** The link's account, ready to switch to; or why the link's token was refused. */
export type LinkedSignIn = { state: 'offered'; token: string; userId: string } | { state: 'refused'; error: unknown };

export function SessionSwitch(props: {
  linked: LinkedSignIn;
  currentUserId: string;
  busy: boolean;
  onSwitch: () => void;
  onStay: () => void;
}) {
  const { linked, currentUserId } = props;
  return (
    <section class="session-switch" aria-labelledby="session-switch-title" data-testid="session-switch">
      <h2 id="session-switch-title">A sign-in link for {linked.state === 'offered' ? 'another' : 'an'} account</h2>
      {linked.state === 'offered' ? (
        <>
          <p role="alert">
            The link you opened signs in as <strong data-testid="linked-user-id">{linked.userId}</strong>. You are
            signed in as <strong>{currentUserId}</strong>, and stay so unless you switch.
          </p>
          <div class="session-switch__actions">
            <button type="button" class="secondary" onClick={props.onStay} disabled={props.busy}>
              Stay as {currentUserId}
            </button>
            <button type="button" onClick={props.onSwitch} disabled={props.busy}>
              Switch to {linked.userId}
            </button>
          </div>
        </>
      ) : (
        <>
          <p role="alert">
            The link's sign-in was not used: {describeError(linked.error)} You are still signed in as{' '}
            <strong>{currentUserId}</strong>.
          </p>
          <div class="session-switch__actions">
            <button type="button" class="secondary" onClick={props.onStay}>
              Dismiss
            </button>
          </div>
        </>
      )}
    </section>
  );
}
