// Every bound the service enforces, named once. zod schemas and SQL read these.

/** Largest request body the API reads, in bytes. */
export const BODY_BYTES_MAX = 16 * 1024;
/** Largest input or output token count one usage record may carry. */
export const USAGE_TOKENS_PER_FIELD_MAX = 2_000_000;
/** How long a reservation lasts unsettled by default, and at most (a model call is minutes, not hours). */
export const RESERVATION_TTL_DEFAULT_SECONDS = 600;
export const RESERVATION_TTL_MAX_SECONDS = 3_600;
export const RESERVATION_TTL_MIN_SECONDS = 10;
/** Largest single credit (manual grant, promo, package). */
export const GRANT_TOKENS_MAX = 1_000_000_000;
export const AGENT_SLUG_CHARS_MAX = 64;
/** Largest expected input or output of one agent run an operator may set (a plan's per-request cap bounds real runs). */
export const AGENT_ESTIMATE_TOKENS_MAX = USAGE_TOKENS_PER_FIELD_MAX;
export const MODEL_ID_CHARS_MAX = 64;
export const DESCRIPTION_CHARS_MAX = 500;
export const IDEMPOTENCY_KEY_CHARS_MAX = 255;
export const USER_ID_CHARS_MAX = 128;
export const TRANSACTIONS_PAGE_SIZE_MAX = 100;
export const TRANSACTIONS_PAGE_SIZE_DEFAULT = 20;
/** Usage requests one object applies in one transaction at most: a bound on the work one commit holds up. */
export const GROUP_SIZE_MAX = 256;
/** Days in a user's daily usage trend, today included. */
export const TREND_DAYS = 30;
/** Days a user's burn rate averages over, today included. */
export const BURN_RATE_DAYS = 7;
/** Problems one audit report lists at most (the first found). */
export const PROBLEMS_REPORTED_MAX = 50;
/**
 * The earliest and latest instant the API accepts, in epoch ms: years 0000–9999 in UTC. Every
 * accepted instant's toISOString() then has a four-digit year, so ISO strings sort in time order
 * (D1 compares promo windows as strings; `+010000-…` would sort before every other year).
 */
export const INSTANT_MS_MIN = Date.parse('0000-01-01T00:00:00.000Z');
export const INSTANT_MS_MAX = Date.parse('9999-12-31T23:59:59.999Z');
/** How long the in-memory catalog (prices, plans, FX rate) is trusted before D1 is read again. */
export const CATALOG_TTL_MS = 5_000;
/**
 * How long a user's object waits for the catalog. Where the catalog is optional (a reset keeps the
 * stored terms; a stale price copy serves meanwhile) it waits briefly; where nothing can happen
 * without it (opening an account, a plan change, a subscription event) it waits as long as a slow
 * D1 under load may take, rather than refuse.
 */
export const CATALOG_READ_TIMEOUT_MS = 2_000;
export const CATALOG_REQUIRED_TIMEOUT_MS = 10_000;
/** Highest model price accepted, micro-USD per million tokens ($1,000): keeps cost arithmetic exact. */
export const MODEL_PRICE_USD_MICROS_PER_MTOK_MAX = 1_000_000_000;
/** Highest USD→INR rate accepted, in paise per dollar (₹10,000). */
export const USD_INR_PAISE_MAX = 1_000_000;

/** A promo code is 3–32 characters of A–Z, 0–9, _ and - (matched case-insensitively). */
export const PROMO_CODE_CHARS_MIN = 3;
export const PROMO_CODE_CHARS_MAX = 32;
/**
 * Failed redemptions (unknown or unusable code) one user may make per window, counting settled
 * failures only: attempts in flight are bounded by PROMO_ATTEMPTS_IN_FLIGHT_MAX instead, so a user
 * sending a valid code many times at once is never refused for guessing.
 */
export const PROMO_FAILED_ATTEMPTS_MAX = 10;
/**
 * Redemption attempts one user may have in flight at once. With PROMO_FAILED_ATTEMPTS_MAX it bounds
 * a window's guesses at PROMO_FAILED_ATTEMPTS_MAX − 1 + PROMO_ATTEMPTS_IN_FLIGHT_MAX, whatever the burst.
 */
export const PROMO_ATTEMPTS_IN_FLIGHT_MAX = 25;
/**
 * Failed redemptions one client address may make per window, counting settled failures only. An
 * office or a carrier-grade NAT puts many honest users behind one address, so this is far above the
 * per-user limit: it only stops one client guessing through many accounts. Attempts in flight are not
 * charged to the address, so users racing for a popular code never refuse each other; each of them
 * is still held to PROMO_FAILED_ATTEMPTS_MAX and PROMO_ATTEMPTS_IN_FLIGHT_MAX.
 */
export const PROMO_ADDRESS_FAILED_ATTEMPTS_MAX = 100;
/** The guessing window opens with a caller's first attempt and lasts an hour. */
export const PROMO_FAILED_ATTEMPTS_WINDOW_MS = 60 * 60 * 1000;
/** How long a development session token (POST /api/v1/dev/session) lives, in seconds. */
export const DEV_SESSION_TTL_SECONDS = 8 * 60 * 60;
/** The longest a user JWT may still live (`exp` − now) unless JWT_MAX_LIFETIME_SECONDS says otherwise, in seconds. */
export const JWT_MAX_LIFETIME_DEFAULT_SECONDS = 24 * 60 * 60;
/** The largest JWT_MAX_LIFETIME_SECONDS accepted: a token living longer is a credential nobody can revoke. */
export const JWT_MAX_LIFETIME_MAX_SECONDS = 30 * 24 * 60 * 60;
/** How far the issuer's clock may run ahead of ours: an `iat` or `nbf` up to this far in the future passes. */
export const JWT_CLOCK_SKEW_SECONDS = 60;
/** Longest claim name JWT_USER_ID_CLAIM may give (Auth0's namespaced claims are URLs). */
export const JWT_USER_ID_CLAIM_CHARS_MAX = 200;
/** How long the identity provider's key set (JWT_JWKS_URL) is used before it is fetched again, in ms. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
/**
 * After a fetch of the key set, a token naming a key the set lacks fetches it again only after this
 * long, in ms: a rotated key is picked up, and tokens with made-up `kid`s cannot make every request a fetch.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 30 * 1000;
/** How long one fetch of the key set may take before the request answers 503, in ms. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** A reservation older than this is presumed orphaned (its request died) and may be finished by another. */
export const PROMO_RESERVATION_STALE_MS = 2 * 60 * 1000;
/** Orphaned reservations one pass may finish (inline on an exhausted code, or in the cron sweep). */
export const PROMO_RECONCILE_BATCH_MAX = 25;
/** Expired guessing windows one redemption deletes on its way, so the table stays small. */
export const PROMO_GUARD_PURGE_BATCH_MAX = 100;
/** Largest total redemption cap a code may have. */
export const PROMO_REDEMPTIONS_CAP_MAX = 1_000_000_000;
/** Longest validity of tokens granted by a code, in days (ten years). */
export const PROMO_GRANT_VALIDITY_DAYS_MAX = 3650;
/** Most plans a code may be restricted to. */
export const PROMO_ALLOWED_PLANS_MAX = 20;

/** Catalog ids (models, plans, packages): a slug of at most this many characters. */
export const CATALOG_ID_CHARS_MAX = 64;
export const CATALOG_NAME_CHARS_MAX = 100;
export const CATALOG_FEATURES_MAX = 20;
export const CATALOG_FEATURE_CHARS_MAX = 200;
/** Highest price of a package or plan, in paise (₹10,00,000). */
export const PRICE_PAISE_MAX = 100_000_000;
/** Longest validity of a token package, in months (ten years). */
export const PACKAGE_VALIDITY_MONTHS_MAX = 120;
/** Highest per-request token limit a plan may set (both usage fields at their maximum). */
export const PLAN_TOKENS_PER_REQUEST_MAX = 2 * USAGE_TOKENS_PER_FIELD_MAX;
/** Highest daily request limit a plan may set. */
export const PLAN_REQUESTS_PER_DAY_MAX = 1_000_000;
/** Rows per page of an admin catalog list. */
export const ADMIN_LIST_PAGE_SIZE_MAX = 100;
export const ADMIN_LIST_PAGE_SIZE_DEFAULT = 50;

/** Most usage records one batch may carry, and the largest batch body read (500 records of ~300 bytes). */
export const USAGE_BATCH_RECORDS_MAX = 500;
export const USAGE_BATCH_BODY_BYTES_MAX = 256 * 1024;
/** Largest Stripe webhook body read; Stripe's events are far smaller, but larger than API bodies. */
export const STRIPE_WEBHOOK_BODY_BYTES_MAX = 256 * 1024;
/** How old a Stripe-Signature timestamp may be before the event is refused as a replay. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;
/**
 * How long a subscription Checkout Session stays open (Stripe's `expires_at`; its minimum is 30
 * minutes, so a minute more leaves room for clocks apart), and so how long its mark refuses a second
 * subscription checkout.
 */
export const SUBSCRIPTION_CHECKOUT_TTL_SECONDS = 31 * 60;
/** How long one call to Stripe's API may take before the purchase answers 502. */
export const STRIPE_API_TIMEOUT_MS = 10_000;
/** Retries of a failed Stripe API call (Stripe's idempotency keys make them safe). */
export const STRIPE_API_RETRIES_MAX = 1;
/** Longest Stripe object id accepted from an event (Stripe's are far shorter). */
export const STRIPE_ID_CHARS_MAX = 255;

// ── Platform analytics (docs/analytics.md) ─────────────────────────────────────────────────────
/**
 * How long an outbox row waits before the object's alarm flushes it to D1. 30 s keeps platform
 * figures under a minute behind while letting a burst of requests (an agent pipeline runs seven
 * agents back to back) leave in one batch: at most two D1 batches a minute per active user.
 */
export const OUTBOX_FLUSH_DELAY_MS = 30_000;
/**
 * Outbox rows per D1 batch. Rows are summed per aggregate key before sending, so a batch is a few
 * statements in practice; at worst (every row its own keys, a purchase or promo each) 4 per row + 1.
 */
export const OUTBOX_FLUSH_BATCH_ROWS_MAX = 100;
/** Batches one alarm sends before yielding (a backlog after an outage drains over several alarms). */
export const OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX = 5;
/**
 * D1 statements one alarm may send, well inside the 1,000 queries a Worker invocation may make
 * (paid plan): the alarm stops starting batches once it has sent this many.
 */
export const OUTBOX_FLUSH_STATEMENTS_PER_ALARM_MAX = 500;
/** After a failed flush the alarm retries after this, doubling per failure up to the max. */
export const OUTBOX_FLUSH_RETRY_BASE_MS = 30_000;
export const OUTBOX_FLUSH_RETRY_MAX_MS = 15 * 60_000;
/**
 * Usage idempotency keys ('u:…') are kept this long after their ledger row, then dropped: a
 * platform retry of a usage record older than a week is not a retry. Keys that guard credits
 * (Stripe events and checkouts, promo codes and attempts, resets, admin grants and plan changes)
 * are never dropped.
 */
export const USAGE_KEY_REPLAY_WINDOW_MS = 7 * 24 * 60 * 60_000;
/** The retention pass runs on an alarm at most this often. */
export const RETENTION_PASS_INTERVAL_MS = 24 * 60 * 60_000;
/** Days one analytics query may span (from and to inclusive). */
export const ANALYTICS_RANGE_DAYS_MAX = 366;
/** Days an analytics query spans when `from` is not given (to and the 29 days before it). */
export const ANALYTICS_RANGE_DAYS_DEFAULT = 30;
/** Rows of the top-users list. */
export const ANALYTICS_USERS_LIMIT_MAX = 100;
export const ANALYTICS_USERS_LIMIT_DEFAULT = 20;
/** Series rows one analytics answer may carry (days × keys are bounded by the range and the catalog). */
export const ANALYTICS_SERIES_ROWS_MAX = 5_000;
/** How long one model call may take before the run fails (nothing is charged). */
export const MODEL_RUN_TIMEOUT_MS = 60_000;
/** Runs of an agent a user needs before estimates use their own average instead of the agent's profile. */
export const ESTIMATE_AVERAGE_MIN_RUNS = 3;
/** Most agents one estimate may name. */
export const ESTIMATE_AGENTS_MAX = 20;
/** Projects per page of GET /projects. */
export const PROJECTS_PAGE_SIZE_MAX = 100;
export const PROJECTS_PAGE_SIZE_DEFAULT = 20;
export const PROJECT_TITLE_CHARS_MAX = 200;
export const PROJECT_MODE_CHARS_MAX = 32;
export const PROJECT_DESCRIPTION_CHARS_MAX = 2_000;
/**
 * Projects one user may create. Every project lives in the user's own object (a row and one per agent,
 * with their index entries, about ten rows written), so without a bound one client could grow one account's
 * storage, and its project list, without end. A person builds a few projects a term, so 100 is far above
 * real use. Projects cannot be deleted, so every project counts; an account that already holds more
 * (made before the bound) keeps them, and only new creations are refused.
 */
export const PROJECTS_PER_USER_MAX = 100;
/**
 * How long a project step's reservation lasts unsettled, in seconds: longer than a model call may take
 * (MODEL_RUN_TIMEOUT_MS), short enough that a cut-off run's lease lapses soon.
 */
export const PROJECT_STEP_RESERVATION_TTL_SECONDS = 120;
/** The lease a run takes before its first reservation (then the lease follows each step's reservation). */
export const PROJECT_LEASE_START_MS = PROJECT_STEP_RESERVATION_TTL_SECONDS * 1000;
/** Longest pause the local runner may take per run (LOCAL_RUNNER_DELAY_MS), in ms. */
export const LOCAL_RUNNER_DELAY_MS_MAX = 10_000;
