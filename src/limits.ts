// Every bound the service enforces, named once. zod schemas and SQL read these.

/** Largest request body the API reads, in bytes. */
export const BODY_BYTES_MAX = 16 * 1024;
/** Largest input or output token count one usage record may carry. */
export const USAGE_TOKENS_PER_FIELD_MAX = 2_000_000;
/** Largest single credit (manual grant, promo, package). */
export const GRANT_TOKENS_MAX = 1_000_000_000;
export const AGENT_SLUG_CHARS_MAX = 64;
export const MODEL_ID_CHARS_MAX = 64;
export const DESCRIPTION_CHARS_MAX = 500;
export const IDEMPOTENCY_KEY_CHARS_MAX = 255;
export const USER_ID_CHARS_MAX = 128;
export const TRANSACTIONS_PAGE_SIZE_MAX = 100;
export const TRANSACTIONS_PAGE_SIZE_DEFAULT = 20;
/** How long the in-memory catalog (prices, plans, FX rate) is trusted before D1 is read again. */
export const CATALOG_TTL_MS = 5_000;
/** Highest model price accepted, micro-USD per million tokens ($1,000): keeps cost arithmetic exact. */
export const MODEL_PRICE_USD_MICROS_PER_MTOK_MAX = 1_000_000_000;
/** Highest USD→INR rate accepted, in paise per dollar (₹10,000). */
export const USD_INR_PAISE_MAX = 1_000_000;
