// Which kind of deployment this is. Production unless ENVIRONMENT says `development` (npm start sets
// it, and so do the tests), so a deployment that follows docs/deploy.md and sets nothing gets the
// production rules: no development sign-in, no local model runner unless one is named, Stripe's own API.
// Any other value is refused on every request (503 service_misconfigured) rather than guessed at.
import type { Env } from '../../env';
import { ApiError } from './errors';

export type Environment = 'production' | 'development';

/** The deployment's environment; throws `service_misconfigured` for a value that is neither. */
export function environmentOf(env: Env): Environment {
  const value = env.ENVIRONMENT;
  if (value === undefined || value === '' || value === 'production') return 'production';
  if (value === 'development') return 'development';
  throw new ApiError(
    'service_misconfigured',
    'This server’s ENVIRONMENT setting is neither "production" nor "development" (unset means production).',
  );
}

/** Development-only behaviour (the dev sign-in, a local identity provider over http) is on. */
export function isDevelopment(env: Env): boolean {
  return environmentOf(env) === 'development';
}
