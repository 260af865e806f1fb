// Users redeem promo codes.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { redeemResponseSchema } from '../openapi/responses';
import { z } from 'zod';
import type { Env } from '../../env';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { authenticateAccountOwner } from '../http/auth';
import { jsonBody } from '../http/body';
import { clientAddressKey } from '../http/clientIp';
import type { ApiRequest } from '../http/context';
import { promoCodeSchema } from '../promo/code';
import { admitGuess } from '../promo/guard';
import { redeemPromoCode } from '../promo/redeem';
import { countsAsGuess } from '../promo/rules';
import { iso } from '../present/ledger';

const redeemBodySchema = z.object({ promo_code: promoCodeSchema }).strict();

export const promoRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tokens/redeem-code',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Redeem a promo code (once per user)',
    request: { body: redeemBodySchema },
    responses: {
      200: {
        description: '{ message, bonus_tokens, new_balance, promo_code, expires_at, ... }',
        schema: redeemResponseSchema,
      },
    },
    errors: [403, 404, 409, 410, 422, 429],
    account: true,
    handler: async (request, env) => {
      // A refusal decided before the account is reached still carries its X-Tokens-* headers (router.ts).
      const userId = await authenticateAccountOwner(request, env);
      return redeem(request, env, userId);
    },
  }),
];

async function redeem(request: ApiRequest, env: Env, userId: string) {
  const { promo_code: code } = await jsonBody(request, redeemBodySchema);
  const address = clientAddressKey(request);
  const now = Date.now();
  const ticket = await admitGuess(
    env.DB,
    { requestId: request.requestId },
    address === null ? [`user:${userId}`] : [`user:${userId}`, `ip:${address}`],
    now,
  );

  let failedGuess = false;
  try {
    const { replayed, result } = await settle(
      request,
      env,
      redeemPromoCode(env, userId, code, now, { requestId: request.requestId }),
    );
    return {
      message: 'Promo code redeemed successfully!',
      bonus_tokens: result.grant.amount,
      new_balance: request.snapshot!.remainingTokens,
      promo_code: code,
      expires_at: result.grant.expiresAt === null ? null : iso(result.grant.expiresAt),
      transaction_id: result.transaction.seq,
      replayed,
    };
  } catch (error) {
    failedGuess = error instanceof ApiError && countsAsGuess(error.code);
    throw error;
  } finally {
    await ticket.settle(failedGuess);
  }
}
