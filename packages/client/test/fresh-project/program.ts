// A platform backend's first use of the installed package: one agent run held and committed, one run
// charged without a hold, and the balance read both as the platform and as the user. Every number is
// checked against the balance it started from; the first one that is wrong stops the program.
import {
  stepKey,
  TokenServiceClient,
  TokenServiceError,
  type Balance,
  type CommitResult,
  type ReservationResult,
  type Transaction,
  type UsageResult,
} from '@bharatbuild/token-client';

// The program runs on Node; this project has no @types/node (installing it would need the network),
// so what it uses of `process` is declared here.
declare const process: { env: Record<string, string | undefined> };

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const baseUrl = setting('TOKEN_SERVICE_URL');
const userId = setting('TOKEN_SERVICE_USER_ID');
const userJwt = setting('TOKEN_SERVICE_USER_JWT');
const client = new TokenServiceClient({ baseUrl, serviceToken: setting('TOKEN_SERVICE_TOKEN') });

let checks = 0;
function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  checks++;
  console.log(`  ok  ${what}: ${String(actual)}`);
}

async function asUser<T>(path: string): Promise<T> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, { headers: { Authorization: `Bearer ${userJwt}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const HELD_TOKENS = 2000;
const COMMIT = { input_tokens: 600, output_tokens: 400 };
const USAGE = { agent: 'idea', model: 'haiku', input_tokens: 300, output_tokens: 200 };
const COMMITTED_TOKENS = COMMIT.input_tokens + COMMIT.output_tokens;
const USAGE_TOKENS = USAGE.input_tokens + USAGE.output_tokens;

const runId = `install-check-${crypto.randomUUID()}`;
const before: Balance = await client.balance(userId);
console.log(`balance before: ${before.remaining_tokens} tokens`);

// reserve → commit
const held: ReservationResult = await client.reserve(
  userId,
  { agent: 'code', model: 'sonnet', estimated_tokens: HELD_TOKENS },
  stepKey(runId, 'reserve'),
);
expectEqual('reservation status', held.reservation.status, 'open');
const whileHeld = await client.balance(userId);
expectEqual('held while the reservation is open', whileHeld.held_tokens, before.held_tokens + HELD_TOKENS);
expectEqual('remaining while held', whileHeld.remaining_tokens, before.remaining_tokens - HELD_TOKENS);

const committed: CommitResult = await client.commit(userId, held.reservation.id, COMMIT, stepKey(runId, 'commit'));
expectEqual('tokens charged by the commit', committed.tokens_charged, COMMITTED_TOKENS);
expectEqual('uncovered tokens', committed.uncovered_tokens, 0);
expectEqual('reservation status after the commit', committed.reservation.status, 'committed');
const retried = await client.commit(userId, held.reservation.id, COMMIT, stepKey(runId, 'commit'));
expectEqual('the same commit again is a replay', retried.replayed, true);
expectEqual('the replay names the same ledger row', retried.transaction_id, committed.transaction_id);

// usage without a hold
const usage: UsageResult = await client.recordUsage(userId, USAGE, stepKey(runId, 'usage'));
expectEqual('tokens charged by the usage record', usage.tokens_charged, USAGE_TOKENS);
expectEqual(
  'remaining after the usage record',
  usage.remaining_tokens,
  before.remaining_tokens - COMMITTED_TOKENS - USAGE_TOKENS,
);

// The same key with another body is refused, as a typed error, and charges nothing.
try {
  await client.recordUsage(userId, { ...USAGE, output_tokens: 999 }, stepKey(runId, 'usage'));
  throw new Error('a reused Idempotency-Key with another body was accepted');
} catch (error) {
  if (!(error instanceof TokenServiceError)) throw error;
  expectEqual('a key reused with another body', `${error.status} ${error.code}`, '409 idempotency_key_reused');
}

// The balance, as the platform reads it and as the user does.
const after: Balance = await client.balance(userId);
expectEqual('remaining after', after.remaining_tokens, before.remaining_tokens - COMMITTED_TOKENS - USAGE_TOKENS);
expectEqual('used after', after.used_tokens, before.used_tokens + COMMITTED_TOKENS + USAGE_TOKENS);
expectEqual('held after', after.held_tokens, before.held_tokens);
const own = await asUser<Balance>('/tokens/balance');
expectEqual("the user's own remaining", own.remaining_tokens, after.remaining_tokens);

const rows = await asUser<Transaction[]>('/tokens/transactions?type=usage');
const newest = rows[0];
if (newest === undefined) throw new Error('the user has no usage rows');
expectEqual('the newest usage row', newest.tokens, -USAGE_TOKENS);
expectEqual('the usage rows of this run', rows.length, 2);

console.log(`client program: ${checks} checks passed`);
