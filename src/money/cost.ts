/** A model's list price, in micro-USD per million tokens. */
export interface ModelPrice {
  inputUsdMicrosPerMTok: number;
  outputUsdMicrosPerMTok: number;
}

interface UsageCost {
  costUsdMicros: number;
  costInrPaise: number;
}

const TOKENS_PER_MTOK = 1_000_000;
const USD_MICROS_PER_USD = 1_000_000;

/**
 * The cost of one usage record. Fractions of a micro-USD round up (the provider bills them);
 * INR is converted at `usdInrPaise` (paise per dollar) and rounded to the nearest paisa.
 * Bounds in src/money/limits.ts keep every product below 2^53.
 */
export function usageCost(
  price: ModelPrice,
  inputTokens: number,
  outputTokens: number,
  usdInrPaise: number,
): UsageCost {
  const scaled = inputTokens * price.inputUsdMicrosPerMTok + outputTokens * price.outputUsdMicrosPerMTok;
  const costUsdMicros = Math.ceil(scaled / TOKENS_PER_MTOK);
  const costInrPaise = Math.round((costUsdMicros * usdInrPaise) / USD_MICROS_PER_USD);
  return { costUsdMicros, costInrPaise };
}
