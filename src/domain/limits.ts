/**
 * Every size, count and time limit a client can run into, defined once. The services enforce
 * them, the GraphQL defaults, the OpenAPI document and REST error texts quote them, and the web
 * client (and any integrator, through `graphql-realtime-chat/client`) reads them from here.
 * Limits an operator tunes per deployment are environment variables instead (see config/).
 */

/** Largest HTTP request body (GraphQL and REST). @default 64 KiB */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest WebSocket frame; `ws` would take 100 MiB otherwise. @default 64 KiB */
export const MAX_WS_PAYLOAD_BYTES = 64 * 1024;
/** How long a socket may stay open without `connection_init` (then close 4408). @default 3000 ms */
export const CONNECTION_INIT_TIMEOUT_MS = 3_000;

/**
 * Message text, in UTF-16 code units (as the web client's `maxLength` counts), before any trimming:
 * counted in code points, 4,000 emoji made a 16 KB message that every subscriber was sent.
 * @default 4000
 */
export const MAX_MESSAGE_LENGTH = 4000;
/** A client's idempotency key. @default 128 characters */
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 128;
/** @default 2048 characters */
export const MAX_ATTACHMENT_URL_LENGTH = 2048;

/** Page size when a request names none. @default 50 */
export const DEFAULT_PAGE_SIZE = 50;
/** Page sizes are clamped to 1..MAX_PAGE_SIZE. @default 100 */
export const MAX_PAGE_SIZE = 100;
/** How many missed messages a resuming subscription replays before going live. @default 1000 */
export const MAX_REPLAY = 1000;

/** Longest search query. @default 200 characters */
export const MAX_SEARCH_LENGTH = 200;
/** Longest people-directory search (names and emails are shorter). @default 100 characters */
export const MAX_DIRECTORY_QUERY_LENGTH = 100;
/** Most users one directory search returns. @default 50 */
export const MAX_DIRECTORY_PAGE = 50;
/** Message ids in one markAsRead call. @default 500 */
export const MAX_MARK_IDS = 500;
/** Users one `presence` query may ask about. @default 100 */
export const MAX_PRESENCE_IDS = 100;

/** A typing state not refreshed within this long ends by itself (TYPING_EXPIRY_MS). @default 6000 ms */
export const DEFAULT_TYPING_EXPIRY_MS = 6_000;

/**
 * Sends one API instance holds at a time before refusing more (SEND_MAX_IN_FLIGHT): about half
 * of what it stores in a second at this machine's measured ceiling on FerretDB (bench/README.md, B and
 * O), so a full queue drains within the writer's 500 ms queue-wait budget plus one batch.
 * @default 64
 */
export const DEFAULT_SEND_MAX_IN_FLIGHT = 64;

/** Members a group may have (MAX_GROUP_MEMBERS). @default 1000 */
export const DEFAULT_MAX_GROUP_MEMBERS = 1_000;
/** Longest group title, in code points. @default 100 */
export const MAX_GROUP_TITLE_LENGTH = 100;
/** Users one createGroup or addMembers call may name. @default 500 */
export const MAX_MEMBERS_PER_CALL = 500;
/**
 * Largest group that still has read receipts (`readByCount`, `readBy`) and typing indicators.
 * Above it both are off and the conversation says so (`receiptsEnabled`, `typingEnabled`):
 * every keystroke or read of one member would otherwise reach hundreds. @default 100
 */
export const GROUP_LIVE_SIGNALS_MAX_MEMBERS = 100;

/** Human-readable byte size for error messages ("64 KiB"). */
export function describeBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** Earlier versions kept per message; an edit past it is refused. @default 100 */
export const MAX_EDITS_PER_MESSAGE = 100;
/** Distinct emoji on one message (MAX_REACTIONS_PER_MESSAGE). @default 20 */
export const DEFAULT_MAX_REACTIONS_PER_MESSAGE = 20;
/** Longest reaction: one emoji (flags and families run to a dozen code units) or a `:short_code:`. @default 64 */
export const MAX_EMOJI_LENGTH = 64;
/** Users one message may mention (Stream allows 25). @default 50 */
export const MAX_MENTIONS_PER_MESSAGE = 50;
/** Pinned messages per conversation (Mattermost and Sendbird cap them too). @default 50 */
export const MAX_PINS_PER_CONVERSATION = 50;
/** Days conversation events stay resumable (EVENT_RETENTION_DAYS); older cursors get RESYNC_REQUIRED. @default 30 */
export const DEFAULT_EVENT_RETENTION_DAYS = 30;
/** Most events one conversationEvents page returns (as other pages; the operation cost limit allows it). @default 100 */
export const MAX_EVENT_PAGE = 100;

/** Largest attachment upload (ATTACHMENT_MAX_BYTES). @default 10 MiB */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
/** An upload never sent is deleted after this long (ATTACHMENT_UNSENT_TTL_SECONDS). @default 24 h */
export const DEFAULT_ATTACHMENT_UNSENT_TTL_SECONDS = 24 * 60 * 60;
/** Attachments one message carries at most. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
/** Characters kept of an uploaded file's name (after sanitizing). */
export const MAX_ATTACHMENT_NAME_LENGTH = 200;
/** The soonest a scheduled message may be due (SCHEDULE_MIN_LEAD_SECONDS). @default 10 s */
export const DEFAULT_SCHEDULE_MIN_LEAD_SECONDS = 10;
/** The latest a scheduled message may be due. @default 120 days */
export const MAX_SCHEDULE_LEAD_DAYS = 120;
/** Scheduled messages one user may have pending at once. */
export const MAX_PENDING_SCHEDULED_PER_USER = 100;
