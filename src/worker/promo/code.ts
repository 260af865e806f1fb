// What a promo code looks like. Codes are stored upper-case and matched after trimming, so
// " welcome2024 " and "WELCOME2024" are the same code.
import { z } from 'zod';
import { PROMO_CODE_CHARS_MAX, PROMO_CODE_CHARS_MIN } from '../../money/limits';

// Checked before upper-casing: toUpperCase turns some non-ASCII letters into ASCII ('ß' → 'SS').
const CODE_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{${PROMO_CODE_CHARS_MIN - 1},${PROMO_CODE_CHARS_MAX - 1}}$`);

export const promoCodeSchema = z
  .string()
  .trim()
  .regex(
    CODE_PATTERN,
    `${PROMO_CODE_CHARS_MIN}–${PROMO_CODE_CHARS_MAX} letters, digits, _ or -, starting with a letter or digit`,
  )
  .transform((code) => code.toUpperCase());
