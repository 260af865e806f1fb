// Where the user's JWT comes from: `#token=<jwt>` in the address (the platform links here with
// it), a token pasted into the sign-in form, or, on a development server, POST /dev/session.
// It is kept in sessionStorage: it lives as long as the tab and never leaves this origin. A token
// in the address never replaces the one signed in by itself (main.tsx): a link can carry anyone's.
import { api } from './api';

const STORAGE_KEY = 'bharatbuild.dashboard.jwt';

/** A token from `#token=…`, removed from the address bar at once so it is not bookmarked or shared. */
export function takeTokenFromHash(): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return token.trim();
}

/** Whose token this is, as GET /me says (the token is checked, not used for the session). */
export async function userIdOf(token: string): Promise<string> {
  const { data } = await api<{ user_id: string }>('/me', { bearer: token });
  return data.user_id;
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage can be off (private mode); the session then lasts until the page is reloaded.
  }
}

/** The `exp` of a JWT in epoch ms, read without verifying (the API verifies); null if unreadable. */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Whether this server offers the development sign-in: GET answers 200 either way (never a refused request). */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    const { data } = await api<{ available: boolean }>('/dev/session');
    return data.available === true;
  } catch {
    return false;
  }
}

export async function devSignIn(userId: string): Promise<string> {
  const { data } = await api<{ token: string }>('/dev/session', { method: 'POST', body: { user_id: userId } });
  return data.token;
}
