import { ChatError } from './errors';
import { parseUserId, type UserId } from './ids';

/**
 * The seed's events carried the sender's `userId` in the payload. Identity comes only from the
 * token here; a client that still sends `userId` must send its own.
 */
export function assertClaimedIdentity(caller: UserId, claimedUserId: unknown): void {
  if (claimedUserId === undefined || claimedUserId === null) return;
  if (parseUserId(claimedUserId, 'userId') !== caller) {
    throw ChatError.forbidden('userId does not match the authenticated user; omit it, identity comes from the token');
  }
}
