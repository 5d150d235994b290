import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ChatError } from '../domain/errors';
import { isUserId, type UserId } from '../domain/ids';

/** An authenticated caller: who, and until when the token is good. */
export interface Identity {
  readonly userId: UserId;
  /** Token expiry, or null when the token has no `exp`. */
  readonly expiresAt: Date | null;
}

const secretKeys = new Map<string, KeyObject>();

/**
 * The secret as a KeyObject, made once. Given a string, jsonwebtoken 9 first tries to parse it as a
 * PEM public key and catches the failure, on every verify: that was the API's largest CPU item
 * in the send benchmark's profile (bench/README.md).
 */
function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (!key) secretKeys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

/**
 * Tokens verified lately, per secret: a client sends the same token on every request, and its
 * HMAC and claim checks were 3% of the API's CPU per send (bench A'). Only successes are kept,
 * each until its `exp`; the oldest go first past {@link VERIFIED_TOKENS_KEPT}. A token's validity
 * depends only on its bytes, the secret and the clock, so a hit answers as `jwt.verify` would.
 */
const verifiedTokens = new Map<string, Map<string, Identity>>();
const VERIFIED_TOKENS_KEPT = 10_000;

/** Tokens are issued by the main app with HS256; the user id is `sub`, else `id`, else `userId`. */
export function verifyToken(token: string, secret: string): Identity {
  let verified = verifiedTokens.get(secret);
  if (!verified) verifiedTokens.set(secret, (verified = new Map()));
  const known = verified.get(token);
  if (known && (known.expiresAt === null || known.expiresAt.getTime() > Date.now())) return known;
  verified.delete(token);
  const identity = verifyTokenClaims(token, secret);
  verified.set(token, identity);
  if (verified.size > VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
  return identity;
}

function verifyTokenClaims(token: string, secret: string): Identity {
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(token, secretKey(secret), { algorithms: ['HS256'] });
  } catch (error) {
    const reason = error instanceof jwt.TokenExpiredError ? 'Token expired' : 'Invalid token';
    throw ChatError.unauthenticated(`${reason}: sign in again to get a new one`);
  }
  if (typeof claims === 'string') throw ChatError.unauthenticated('Invalid token: expected JSON claims');
  const raw: unknown = claims.sub ?? claims['id'] ?? claims['userId'];
  const userId = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (!isUserId(userId)) throw ChatError.unauthenticated('Invalid token: its subject is not a user id');
  return { userId, expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null };
}

/** Accepts `Bearer <token>` (any case) or a bare token; null when absent. */
export function tokenFromAuthorization(header: unknown): string | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1] ?? header.trim();
}

/** Signs a development token, as the main app would. @default expiresIn 7 days */
export function signToken(userId: UserId, secret: string, expiresInSeconds = 7 * 24 * 3600): string {
  return jwt.sign({}, secret, { algorithm: 'HS256', subject: userId, expiresIn: expiresInSeconds });
}

/** Identity from an `Authorization` value: null when absent, UNAUTHENTICATED when present but bad. */
export function identify(authorization: unknown, secret: string): Identity | null {
  const token = tokenFromAuthorization(authorization);
  return token === null ? null : verifyToken(token, secret);
}
