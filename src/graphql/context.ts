import type { UserId } from '../domain/ids';
import type { Services } from '../domain/services';
import type { UserLoader } from '../edge/user.loader';
import { createReceiptsLoader, type ReceiptsLoader } from '../edge/receipts.loader';
import {
  createBlockedUsersLoader,
  createMentionCountLoader,
  createMessageLoader,
  createReplyCountLoader,
  type BlockedUsersLoader,
  type MentionCountLoader,
  type MessageLoader,
  type ReplyCountLoader,
} from '../edge/message.loaders';

/** What every resolver gets. Identity comes only from the verified token, never from arguments. */
export interface ChatContext {
  readonly userId: UserId | null;
  /**
   * A verified caller is present: what `@Authorized()` checks. Apart from `userId` so that the check
   * does not count as reading who the viewer is (ws/shared-execution.ts).
   */
  readonly authenticated: boolean;
  readonly services: Services;
  readonly loaders: {
    readonly user: UserLoader;
    readonly receipts: ReceiptsLoader;
    readonly message: MessageLoader;
    readonly replyCount: ReplyCountLoader;
    /** Null without a caller (mentionCount is only asked of one's own conversations). */
    readonly mentionCount: MentionCountLoader | null;
    readonly blockedUsers: BlockedUsersLoader;
  };
}

/**
 * The context of one HTTP request or one graphql-ws subscription. HTTP passes a loader of its own
 * (`createUserLoader`); graphql-ws keeps a context for a subscription's whole life, so it passes
 * the process's shared, expiring loader (`createSharedUserLoader`) instead.
 */
export function createContext(userId: UserId | null, services: Services, userLoader: UserLoader): ChatContext {
  let receipts: ReceiptsLoader | null = null;
  let message: MessageLoader | null = null;
  let replyCount: ReplyCountLoader | null = null;
  let mentionCount: MentionCountLoader | null = null;
  let blockedUsers: BlockedUsersLoader | null = null;
  return {
    userId,
    authenticated: userId !== null,
    services,
    loaders: {
      user: userLoader,
      // Made on first use: a subscription's context lives for hours and most never ask for receipts.
      get receipts() {
        return (receipts ??= createReceiptsLoader(services));
      },
      get message() {
        return (message ??= createMessageLoader(services));
      },
      get replyCount() {
        return (replyCount ??= createReplyCountLoader(services));
      },
      get mentionCount() {
        return userId === null ? null : (mentionCount ??= createMentionCountLoader(services, userId));
      },
      get blockedUsers() {
        return (blockedUsers ??= createBlockedUsersLoader(services));
      },
    },
  };
}
