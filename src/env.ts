// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a generated global declaration file, not a module
/// <reference path="../worker-configuration.d.ts" />
// Bindings and vars come from wrangler.toml through `npm run cf-typegen` (worker-configuration.d.ts,
// checked by CI). Secrets and optional settings are declared here instead: `wrangler types` only sees
// the ones present in a local .dev.vars, and types them as always set, while every one of these may
// be missing and the code checks for it.

/** Secrets (`wrangler secret put NAME`) and settings that have a default when unset. */
interface OptionalSettings {
  /** `production` (the default when unset) or `development` (npm start, the tests); any other value answers 503. */
  ENVIRONMENT?: string;
  /** HS256 secret for user JWTs (`sub` = user id). */
  JWT_SECRET?: string;
  /** The identity provider's JSON Web Key Set: RS256 and ES256 user JWTs are verified with its keys. */
  JWT_JWKS_URL?: string;
  /** The `iss` every identity provider token must carry; required with JWT_JWKS_URL. */
  JWT_ISSUER?: string;
  /** The `aud` every identity provider token must carry; required with JWT_JWKS_URL. */
  JWT_AUDIENCE?: string;
  /** The claim of an identity provider token that holds the user id (default `sub`). */
  JWT_USER_ID_CLAIM?: string;
  /** The longest a user JWT may still live, `exp` − now, in seconds (default 86400). */
  JWT_MAX_LIFETIME_SECONDS?: string;
  /** Bearer token of the platform backend that records usage for a named user. */
  SERVICE_TOKEN?: string;
  /** Bearer token of operators: catalog, manual grants, audit. */
  ADMIN_TOKEN?: string;
  /** Stripe secret key (sk_test_… / sk_live_…); without it purchases answer 503. */
  STRIPE_SECRET_KEY?: string;
  /** Signing secret of the webhook endpoint (whsec_…); without it the webhook answers 503. */
  STRIPE_WEBHOOK_SECRET?: string;
  /** Where the Stripe client sends API calls where ENVIRONMENT is development (else https://api.stripe.com); tests point it at a fake. */
  STRIPE_API_BASE?: string;
  /** Where Checkout sends the buyer after paying; may hold {CHECKOUT_SESSION_ID}. */
  CHECKOUT_SUCCESS_URL?: string;
  /** Where Checkout sends the buyer who goes back without paying. */
  CHECKOUT_CANCEL_URL?: string;
  /** "enabled" turns on the development sign-in route (POST /api/v1/dev/session) where ENVIRONMENT is development. */
  DEV_SIGN_IN?: string;
  /** `local` or `anthropic`: which model runner project runs use; unset, Anthropic's when ANTHROPIC_API_KEY is set. */
  MODEL_RUNNER?: string;
  /** Anthropic API key: when set, agents run on Anthropic's Messages API instead of the local deterministic runner. */
  ANTHROPIC_API_KEY?: string;
  /** Milliseconds one model call may take (default MODEL_RUN_TIMEOUT_MS in src/money/limits.ts). */
  MODEL_RUN_TIMEOUT_MS?: string;
  /** Milliseconds the local deterministic runner waits per run (default 0), to watch a run's events arrive. */
  LOCAL_RUNNER_DELAY_MS?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Cloudflare's own global Env
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into, not implemented
    interface Env extends OptionalSettings {}
  }
}

/** Bindings, vars and secrets the Worker and the objects read. */
export type Env = Cloudflare.Env;
