// `npm run token -- <user-id> [ttl-seconds]`: a user JWT for local curl, signed with JWT_SECRET
// from the environment or .dev.vars. The service refuses a token that lives longer than its
// JWT_MAX_LIFETIME_SECONDS (24 hours by default).
import { existsSync, readFileSync } from 'node:fs';
import { SignJWT } from 'jose';

const [userId, ttlArg] = process.argv.slice(2);
if (!userId) {
  console.error('usage: npm run token -- <user-id> [ttl-seconds]');
  process.exit(2);
}

function devVar(name) {
  const file = existsSync('.dev.vars') ? '.dev.vars' : '.dev.vars.example';
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).trim();
}

const secret = process.env.JWT_SECRET ?? devVar('JWT_SECRET');
const ttl = Number(ttlArg ?? 3600);
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(userId)
  .setIssuedAt(now)
  .setExpirationTime(now + ttl)
  .sign(new TextEncoder().encode(secret));
console.log(token);
