import {
  conversationBusy,
  leaseBackoffMs,
  LEASE_WAIT_TIMEOUT_MS,
  BUSY_RETRY_AFTER_SECONDS,
  type ConversationLease,
  type ConversationLeases,
} from '../conversation/conversation.lease';
import {
  EMPTY_MEMBER_STATE,
  memberState,
  previewOf,
  stampFor,
  type Conversation,
  type MemberState,
  type ConversationRepository,
  type ConversationWrite,
} from '../conversation/conversation.types';
import { blockRefusal } from '../blocking/block.rules';
import { GroupRoster, type GroupChange } from '../conversation/group.roster';
import type { MembershipRepository, MembershipWrite } from '../conversation/membership.types';
import { trimDeletions } from '../conversation/unread';
import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import type { ConversationId, UserId } from '../ids';
import type { User, UserRepository } from '../user/user.types';
import type { ChatObserver } from '../observer';
import { toMessagePayload } from './message.events';
import type { MessageRepository, NewChatMessage } from './message.repository';
import { describeSystemEvent } from './system-message';
import type { ChatMessage, OutgoingMessage } from './message.types';

/** What a send comes to: a new message, or the original one of a retried `clientMessageId`. */
export type SendOutcome = { readonly stored: ChatMessage } | { readonly duplicateOf: ChatMessage };

export interface SendRequestForWriter {
  readonly conversationId: ConversationId;
  /** A DIRECT conversation's pair; null for a group (its roster is in its document). */
  readonly participants: readonly [UserId, UserId] | null;
  readonly senderId: UserId;
  readonly outgoing: OutgoingMessage;
  /**
   * A group change to admit under the lease (the sender is the actor); stored as the SYSTEM
   * message it comes to, whose content replaces `outgoing`'s (only its clientMessageId is kept).
   */
  readonly change?: GroupChange;
}

interface Job extends SendRequestForWriter {
  readonly acceptedAt: number;
  attempts: number;
  /** Taken into a batch at least once (from then on, lease waits have their own budget). */
  started: boolean;
  settle(outcome: SendOutcome | Error): void;
}

/**
 * Batches in flight at once: a second one keeps the instance moving while one waits on the
 * database; more only made them contend for FerretDB (bench/README.md, O). @default 2
 */
const MAX_CONCURRENT_BATCHES = 2;
/** Messages one batch writes at most, bounding a round trip's size. @default 256 */
const MAX_BATCH_MESSAGES = 256;
/**
 * Conversations one batch writes at most. On FerretDB each costs a document update of 4-26 ms
 * (read + replace), so this bounds how long a batch, and every send in it, takes under load.
 * @default 16
 */
const MAX_BATCH_CONVERSATIONS = 16;
/** Times a send goes back to the queue (lease lost, write refused) before it fails. @default 5 */
const MAX_ATTEMPTS = 5;
/**
 * While more than half of the in-flight bound is used, a send that no batch has taken up within
 * this long is refused (retryable): the instance is behind, and the client is better served by an
 * answer now than by one in seconds. With the in-flight bound this keeps every answer, stored or
 * refused, within about a second.
 * @default 500 ms
 */
const MAX_QUEUE_WAIT_MS = 500;
/** Conversation documents remembered as this process last wrote them. @default 10,000 */
const MAX_REMEMBERED_CONVERSATIONS = 10_000;
/** Tries to store one message past seq collisions with writers that woke up late. @default 4 */
const MAX_SEQ_COLLISIONS = 4;

const senderKey = (senderId: UserId, clientMessageId: string) => `${senderId}\u0000${clientMessageId}`;

function overloaded(): ChatError {
  return new ChatError('SERVICE_UNAVAILABLE', 'This server has too many sends in flight; retry shortly', {
    retryAfter: BUSY_RETRY_AFTER_SECONDS,
  });
}

/**
 * One conversation's state inside a batch: what its document records, plus the messages this
 * batch records on top (ours and any a stalled writer left behind), in `seq` order.
 */
class ConversationDraft {
  lastSeq: number;
  readonly recorded: ChatMessage[] = [];
  /** Groups: members, roles and title as of the last folded message. */
  readonly roster: GroupRoster;
  /** Groups: the unread tally as of the last folded message (GroupState.tally). */
  tally: number;
  /** Groups: what member records must become, in order (joins, leaves, senders' read marks). */
  readonly membershipWrites: MembershipWrite[] = [];
  /** Groups: the roster version each folded message was recorded under, by message id. */
  readonly memberVersions = new Map<string, number>();
  private deletions: number[];
  private deletionsFloor: number;
  private readonly unread = new Map<UserId, number>();
  private readonly unhide = new Set<UserId>();
  private preview: ChatMessage | null = null;
  private lastActivityAt: Date;

  constructor(
    readonly lease: ConversationLease,
    /** The DIRECT pair the sends name; null for a group. */
    private readonly pair: readonly [UserId, UserId] | null,
    private readonly stored: Conversation | null,
    /** Sends waiting to be stored, in arrival order. */
    readonly pending: Job[],
  ) {
    this.lastSeq = stored?.lastSeq ?? 0;
    this.lastActivityAt = stored?.lastActivityAt ?? new Date(0);
    this.roster = GroupRoster.of(stored);
    this.tally = stored?.group?.tally ?? 0;
    this.deletions = [...(stored?.group?.deletions ?? [])];
    this.deletionsFloor = stored?.group?.deletionsFloor ?? 0;
  }

  get conversationId(): ConversationId {
    return this.lease.conversationId;
  }

  get isGroup(): boolean {
    return this.pair === null;
  }

  /** Counts a stored message into the conversation: seq, preview, unread count, visibility. */
  fold(message: ChatMessage): void {
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    this.recorded.push(message);
    if (message.createdAt > this.lastActivityAt) this.lastActivityAt = message.createdAt;
    if (this.isGroup) {
      this.foldIntoGroup(message);
      return;
    }
    if (message.deletedAt !== null || message.receiverId === null) return;
    this.preview = message;
    this.unhide.add(message.senderId).add(message.receiverId);
    if (!message.isRead) this.unread.set(message.receiverId, this.unreadOf(message.receiverId) + 1);
  }

  private foldIntoGroup(message: ChatMessage): void {
    const { conversationId } = this;
    if (message.systemEvent) {
      this.roster.apply(message.systemEvent);
      const joined = message.systemEvent.type === 'CREATED' || message.systemEvent.type === 'MEMBERS_ADDED';
      const left = message.systemEvent.type === 'MEMBER_REMOVED' || message.systemEvent.type === 'MEMBER_LEFT';
      for (const userId of message.systemEvent.userIds) {
        if (joined) {
          const mark = { seq: message.seq, tally: this.tally };
          this.membershipWrites.push({
            op: 'join',
            membership: {
              conversationId,
              userId,
              joinedAt: message.createdAt,
              joinedSeq: message.seq,
              read: mark,
              clearedSeq: 0,
              hidden: false,
            },
          });
        }
        if (left) this.membershipWrites.push({ op: 'leave', conversationId, userId });
      }
    } else {
      this.tally += 1;
      // Sending reads the conversation up to one's own message, so it never counts as unread to its sender.
      this.membershipWrites.push({
        op: 'read',
        conversationId,
        userId: message.senderId,
        read: { seq: message.seq, tally: this.tally },
      });
      if (message.deletedAt !== null) this.deletions.push(message.seq);
    }
    this.memberVersions.set(message.id, this.roster.memberVersion);
    if (message.deletedAt === null) this.preview = message;
  }

  /**
   * What the job would store as the message at `seq`, judged against `roster` and `tally` (the
   * state just before it), or why it is refused. A DIRECT send is refused only by a block.
   */
  admit(
    job: Job,
    seq: number,
    roster: GroupRoster,
    tally: number,
    maxGroupMembers: number,
  ): NewChatMessage | ChatError {
    // Where the message stands among the conversation's changes (none are made inside a batch).
    const base = {
      conversationId: job.conversationId,
      senderId: job.senderId,
      seq,
      eventSeq: this.stored?.eventSeq ?? 0,
    };
    if (!this.isGroup) return blockRefusal(this.stored, job.senderId) ?? { ...job.outgoing, ...base, tally: null };
    if (!job.change) {
      const refusal = roster.refuseSend(job.conversationId, job.senderId);
      if (refusal) return refusal;
      const outsider = job.outgoing.mentions.find((userId) => !roster.participants.includes(userId));
      if (outsider !== undefined) {
        return ChatError.badInput(`User ${outsider} is not a member of this conversation`, 'mentionedUserIds');
      }
      return { ...job.outgoing, ...base, receiverId: null, systemEvent: null, tally: tally + 1 };
    }
    const event = roster.admit(job.senderId, job.change, maxGroupMembers);
    if (event instanceof ChatError) return event;
    return {
      ...base,
      receiverId: null,
      message: describeSystemEvent(event),
      messageType: 'system',
      attachmentUrl: null,
      clientMessageId: job.outgoing.clientMessageId,
      systemEvent: event,
      tally,
      replyToId: null,
      mentions: [],
      attachments: [],
    };
  }

  /** The document once this batch's write is applied: computed from the one read under the lease. */
  next(): Conversation {
    const preview = this.preview ? previewOf(this.preview) : (this.stored?.lastMessage ?? null);
    const common = {
      id: this.conversationId,
      lastMessage: preview,
      lastMessageTime: preview?.createdAt ?? null,
      lastActivityAt: this.lastActivityAt,
      lastSeq: this.lastSeq,
      eventSeq: this.stored?.eventSeq ?? 0,
      pins: this.stored?.pins ?? [],
      ...stampFor(this.stored, this.lease),
    };
    if (this.isGroup) {
      const trimmed = trimDeletions(this.deletions, this.deletionsFloor);
      return {
        ...common,
        kind: 'GROUP',
        participants: [...this.roster.participants],
        members: {},
        blockedBy: [],
        group: {
          title: this.roster.title,
          createdBy: this.roster.createdBy!,
          roles: { ...this.roster.roles },
          memberVersion: this.roster.memberVersion,
          tally: this.tally,
          deletions: trimmed.deletions,
          deletionsFloor: trimmed.deletionsFloor,
        },
      };
    }
    const members: Record<string, MemberState> = { ...this.stored?.members };
    for (const [userId, unreadCount] of this.unread)
      members[userId] = { ...memberState(this.stored, userId), unreadCount };
    for (const userId of this.unhide) members[userId] = { ...(members[userId] ?? EMPTY_MEMBER_STATE), hidden: false };
    return {
      ...common,
      kind: 'DIRECT',
      participants: this.stored?.participants ?? [...this.pair!].sort(),
      group: null,
      members,
      blockedBy: this.stored?.blockedBy ?? [],
    };
  }

  write(): ConversationWrite {
    return { lease: this.lease, base: this.stored, next: this.next() };
  }

  private unreadOf(userId: UserId): number {
    return this.unread.get(userId) ?? this.stored?.members[userId]?.unreadCount ?? 0;
  }
}

/**
 * The one send algorithm, the same on every store. Its correctness rests on two things every
 * MongoDB-compatible store guarantees: a unique-index insert is atomic, and a lease holder is
 * the only writer of its conversation's document (conversation.lease.ts). See README, "The send
 * path", for the measurements behind it.
 *
 * Sends queue per conversation and are written in batches: when idle a send starts a batch at
 * once (no timer), and sends that arrive while batches are in flight ride the next one, so batches
 * grow with load. A batch is, whatever its size: one lease round trip to Redis, one read of the
 * conversation documents, one `insertMany` of all its messages, one `bulkWrite` of the
 * documents, then one publish per message. Seqs come from the document's `lastSeq`, read under
 * the lease; the `(conversationId, seq)` and `(conversationId, senderId, clientMessageId)` unique indexes catch
 * everything the lease cannot (a retried send, a writer that stalled past its lease), and those
 * rare batches fall back to storing one message at a time.
 */
export class MessageWriter {
  private readonly waiting = new Map<ConversationId, Job[]>();
  private readonly writing = new Set<ConversationId>();
  private readonly notBefore = new Map<ConversationId, number>();
  private inFlight = 0;
  private runningBatches = 0;
  private wakeTimer: NodeJS.Timeout | null = null;
  /**
   * Each conversation's document as this process last left it, and the fence it held. When the
   * next lease's fence is exactly one more, nobody else held the conversation in between, so the
   * document is still that and need not be read: on FerretDB the read was a third of a batch's
   * database time under steady load from one instance.
   */
  private readonly lastWritten = new Map<ConversationId, Conversation>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly memberships: MembershipRepository,
    private readonly leases: ConversationLeases,
    private readonly users: UserRepository,
    private readonly publisher: EventPublisher,
    private readonly observer: ChatObserver,
    /** @see Config.sendMaxInFlight */
    private readonly maxInFlight: number,
    /** @see Config.maxGroupMembers */
    private readonly maxGroupMembers: number,
  ) {}

  /** Sends accepted and not yet answered. */
  get sendsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Stores the message and publishes it; resolves once it is stored. Refuses at once with the
   * retryable SERVICE_UNAVAILABLE when this instance already holds `maxInFlight` sends.
   */
  submit(request: SendRequestForWriter): Promise<SendOutcome> {
    if (this.inFlight >= this.maxInFlight) {
      this.observer.sendRefused();
      return Promise.reject(overloaded());
    }
    this.inFlight += 1;
    return new Promise<SendOutcome>((resolve, reject) => {
      let settled = false;
      const job: Job = {
        ...request,
        acceptedAt: Date.now(),
        attempts: 0,
        started: false,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          this.inFlight -= 1;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      this.enqueue([job]);
      this.pump();
    });
  }

  private enqueue(jobs: readonly Job[], atFront = false): void {
    for (const job of jobs) {
      const queue = this.waiting.get(job.conversationId);
      if (!queue) this.waiting.set(job.conversationId, [job]);
      else if (atFront) queue.unshift(job);
      else queue.push(job);
    }
  }

  /** Starts batches while there is room and a conversation ready to write. */
  private pump(): void {
    while (this.runningBatches < MAX_CONCURRENT_BATCHES) {
      const batch = this.takeReady();
      if (batch.size === 0) return;
      this.runningBatches += 1;
      void this.runBatch(batch).finally(() => {
        this.runningBatches -= 1;
        for (const id of batch.keys()) this.writing.delete(id);
        this.pump();
      });
    }
  }

  private takeReady(): Map<ConversationId, Job[]> {
    const batch = new Map<ConversationId, Job[]>();
    const now = Date.now();
    // Only a backlog is shed: a send that waits behind one busy conversation on a quiet instance
    // is not refused.
    const underPressure = this.inFlight > this.maxInFlight / 2;
    let size = 0;
    for (const [id, jobs] of this.waiting) {
      if (size >= MAX_BATCH_MESSAGES || batch.size >= MAX_BATCH_CONVERSATIONS) break;
      if (this.writing.has(id) || (this.notBefore.get(id) ?? 0) > now) continue;
      const overdue = underPressure
        ? jobs.filter((job) => !job.started && now - job.acceptedAt > MAX_QUEUE_WAIT_MS)
        : [];
      for (const job of overdue) {
        this.observer.sendRefused();
        job.settle(overloaded());
      }
      if (overdue.length > 0) jobs.splice(0, jobs.length, ...jobs.filter((job) => !overdue.includes(job)));
      if (jobs.length === 0) {
        this.waiting.delete(id);
        continue;
      }
      const taken = jobs.splice(0, MAX_BATCH_MESSAGES - size);
      for (const job of taken) job.started = true;
      if (jobs.length === 0) this.waiting.delete(id);
      this.notBefore.delete(id);
      this.writing.add(id);
      batch.set(id, taken);
      size += taken.length;
    }
    return batch;
  }

  private async runBatch(batch: Map<ConversationId, Job[]>): Promise<void> {
    let leases: Map<ConversationId, ConversationLease>;
    try {
      leases = await this.leases.tryAcquire([...batch.keys()]);
    } catch (error) {
      for (const jobs of batch.values()) jobs.forEach((job) => job.settle(asError(error)));
      return;
    }
    for (const [id, jobs] of batch) if (!leases.has(id)) this.retryLater(id, jobs, 'busy');
    try {
      const held = [...batch].filter(([id]) => leases.has(id));
      if (held.length > 0) await this.write(new Map(held), leases);
    } catch (error) {
      for (const [id, jobs] of batch) if (leases.has(id)) jobs.forEach((job) => job.settle(asError(error)));
    } finally {
      await this.leases.release(leases.values());
    }
  }

  /**
   * Puts sends back for a later batch: after the lease's local holder releases it, or after a
   * short backoff when another process holds it. Sends past their wait budget fail retryably.
   */
  private retryLater(id: ConversationId, jobs: readonly Job[], reason: 'busy' | 'refused'): void {
    const now = Date.now();
    const keep = jobs.filter((job) => {
      if (reason === 'refused') job.attempts += 1;
      const expired = now - job.acceptedAt > LEASE_WAIT_TIMEOUT_MS || job.attempts >= MAX_ATTEMPTS;
      if (expired) job.settle(conversationBusy());
      return !expired;
    });
    if (keep.length === 0) return;
    this.enqueue([...keep].reverse(), true);
    if (this.leases.heldLocally(id)) {
      // Parked until this process's holder lets go (not retaken by the pump in the meantime).
      this.notBefore.set(id, Infinity);
      void this.leases.releasedLocally(id).then(() => {
        this.notBefore.delete(id);
        this.pump();
      });
      return;
    }
    const delay = leaseBackoffMs(Math.min(...keep.map((job) => job.attempts)) + 1);
    this.notBefore.set(id, now + delay);
    this.wakeAfter(delay);
  }

  /**
   * One timer for every backed-off conversation: at the earliest one it makes those due ready,
   * pumps, and re-arms for the rest. (Due ones are released before pumping: a conversation still
   * in a running batch is then taken by that batch's own pump when it ends.)
   */
  private wakeAfter(delay: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        const now = Date.now();
        let next = Infinity;
        for (const [id, at] of this.notBefore) {
          if (!this.waiting.has(id) || at <= now) this.notBefore.delete(id);
          else next = Math.min(next, at);
        }
        this.pump();
        if (next !== Infinity) this.wakeAfter(next - now);
      },
      Math.max(1, Math.ceil(delay)),
    );
    this.wakeTimer.unref();
  }

  private async write(batch: Map<ConversationId, Job[]>, leases: Map<ConversationId, ConversationLease>) {
    const stored = await this.readConversations([...batch.keys()], leases);
    const drafts: ConversationDraft[] = [];
    for (const [id, jobs] of batch) {
      const lease = await this.currentLease(leases, id, stored.get(id) ?? null);
      if (!lease) {
        this.retryLater(id, jobs, 'refused');
        continue;
      }
      drafts.push(new ConversationDraft(lease, jobs[0]!.participants, stored.get(id) ?? null, jobs));
    }

    const outcomes = new Map<Job, SendOutcome>();
    const rejected = new Map<Job, ChatError>();
    const conflicted = await this.storeAll(drafts, outcomes, rejected);
    for (const draft of conflicted) await this.storeOneByOne(draft, outcomes, rejected);

    // Member records first: a message counts for the group once its document records it, and by
    // then its sender's read mark covers it and the members it added have their records.
    await this.memberships.apply(drafts.flatMap((draft) => draft.membershipWrites));
    const writes = new Map(drafts.filter((draft) => draft.recorded.length > 0).map((draft) => [draft, draft.write()]));
    const refused = await this.conversations.record([...writes.values()]);
    const recorded: ConversationDraft[] = [];
    for (const draft of drafts) {
      // Overtaken by a newer lease: what we stored is left for the next writer (us, retrying) to
      // fold in and publish; the retry answers with those same messages.
      if (refused.has(draft.conversationId)) this.retryLater(draft.conversationId, draft.pending, 'refused');
      else recorded.push(draft);
    }
    const profiles = await this.profilesOf(recorded);
    // Conversations publish side by side: a send is not kept waiting behind the other
    // conversations of its batch (one at a time, the sixteenth waited for fifteen rounds).
    await Promise.all(
      recorded.map(async (draft) => {
        const write = writes.get(draft);
        if (write && draft.lease.fence !== null) this.remember(write.next);
        await this.publish(draft, profiles);
        for (const job of draft.pending) job.settle(outcomes.get(job) ?? rejected.get(job) ?? conversationBusy());
      }),
    );
  }

  /**
   * The senders' and receivers' profiles of everything the drafts recorded, in one query for the
   * whole batch; null when it failed (subscribers' loaders then fetch profiles themselves).
   */
  private profilesOf(drafts: readonly ConversationDraft[]): Promise<Map<UserId, User> | null> {
    const ids = [
      ...new Set(
        drafts.flatMap((draft) =>
          draft.recorded.flatMap((message) =>
            message.receiverId ? [message.senderId, message.receiverId] : [message.senderId],
          ),
        ),
      ),
    ];
    if (ids.length === 0) return Promise.resolve(new Map());
    return this.users.findByIds(ids).then(
      (found) => new Map(found.map((user) => [user.id, user])),
      () => null,
    );
  }

  private async readConversations(
    ids: readonly ConversationId[],
    leases: Map<ConversationId, ConversationLease>,
  ): Promise<Map<ConversationId, Conversation>> {
    const known = new Map<ConversationId, Conversation>();
    const unknown: ConversationId[] = [];
    for (const id of ids) {
      const remembered = this.lastWritten.get(id);
      this.lastWritten.delete(id); // trusted once; remembered again after this batch writes
      const fence = leases.get(id)?.fence ?? null;
      if (remembered && fence !== null && fence === remembered.fence + 1) known.set(id, remembered);
      else unknown.push(id);
    }
    if (unknown.length === 0) return known;
    for (const [id, conversation] of await this.conversations.findMany(unknown)) known.set(id, conversation);
    return known;
  }

  private remember(conversation: Conversation): void {
    this.lastWritten.set(conversation.id, conversation);
    if (this.lastWritten.size > MAX_REMEMBERED_CONVERSATIONS) {
      this.lastWritten.delete(this.lastWritten.keys().next().value!);
    }
  }

  /** The lease to write with: its fence lifted above the stored one after a lease-store restart. */
  private async currentLease(
    leases: Map<ConversationId, ConversationLease>,
    id: ConversationId,
    stored: Conversation | null,
  ): Promise<ConversationLease | null> {
    const lease = leases.get(id)!;
    if (lease.fence === null || !stored || stored.fence < lease.fence) return lease;
    const raised = await this.leases.raiseFence(lease, stored.fence);
    if (raised) leases.set(id, raised);
    return raised;
  }

  /**
   * Stores every draft's messages with ordered `insertMany`s: one round trip when no index
   * refuses anything. When one refuses a message, its draft goes to the one-by-one path (which
   * reads back the messages of it that were stored before the refusal: nothing is ever deleted,
   * because a writer that took over may already have published them), and the drafts after it,
   * which that insert never reached, go in the next one. Returns the drafts where one was refused.
   */
  private async storeAll(
    drafts: readonly ConversationDraft[],
    outcomes: Map<Job, SendOutcome>,
    rejected: Map<Job, ChatError>,
  ) {
    const conflicted: ConversationDraft[] = [];
    let remaining = drafts;
    while (remaining.length > 0) {
      const slots = remaining.flatMap((draft) => this.messageSlots(draft, rejected));
      const results = await this.messages.insertMany(slots.map((slot) => slot.message));
      const refusedAt = results.indexOf(null);
      const refused = refusedAt === -1 ? null : slots[refusedAt]!.draft;
      results.forEach((result, index) => {
        const { draft, job } = slots[index]!;
        if (!result || draft === refused) return;
        draft.fold(result);
        outcomes.set(job, { stored: result });
      });
      if (!refused) break;
      conflicted.push(refused);
      remaining = remaining.slice(remaining.indexOf(refused) + 1);
    }
    for (const draft of drafts) if (!conflicted.includes(draft)) answerRetriesInBatch(draft, outcomes);
    return conflicted;
  }

  /**
   * The rare path: a retried `clientMessageId`, or a `seq` already taken by a writer that stalled
   * past its lease or died before recording. Folds in what is stored above the recorded `lastSeq`
   * (what that writer left, and this batch's own messages stored before the refusal), then
   * stores the remaining messages one at a time, so each sender's order is kept and no seq is
   * burnt.
   */
  private async storeOneByOne(
    draft: ConversationDraft,
    outcomes: Map<Job, SendOutcome>,
    rejected: Map<Job, ChatError>,
  ): Promise<void> {
    await this.foldLeftovers(draft, outcomes);
    const leaders = new Map<string, Job>();
    for (const job of draft.pending) {
      const key = senderKey(job.senderId, job.outgoing.clientMessageId);
      if (!leaders.has(key)) leaders.set(key, job);
    }
    for (const job of leaders.values()) {
      rejected.delete(job); // judged again against the roster as folded so far
      for (let collisions = 0; !outcomes.has(job); collisions += 1) {
        if (collisions >= MAX_SEQ_COLLISIONS) break; // answered conversationBusy: retryable
        const next = draft.admit(job, draft.lastSeq + 1, draft.roster, draft.tally, this.maxGroupMembers);
        if (next instanceof ChatError) {
          rejected.set(job, next);
          break;
        }
        const [result] = await this.messages.insertMany([next]);
        if (result) {
          draft.fold(result);
          outcomes.set(job, { stored: result });
          break;
        }
        const original = await this.messages.findByClientMessageId(
          draft.conversationId,
          job.senderId,
          job.outgoing.clientMessageId,
        );
        if (original && original.seq <= draft.lastSeq) {
          outcomes.set(job, { duplicateOf: original });
          break;
        }
        await this.foldLeftovers(draft, outcomes); // a late writer took the seq meanwhile
      }
    }
    answerRetriesInBatch(draft, outcomes);
  }

  /**
   * Folds in messages stored above the recorded `lastSeq` by a writer that never recorded them. A
   * leftover that is one of our pending sends (a retry of a send whose writer stalled) answers it.
   */
  private async foldLeftovers(draft: ConversationDraft, outcomes: Map<Job, SendOutcome>): Promise<void> {
    const leftovers = await this.messages.unrecorded(draft.conversationId, draft.lastSeq);
    for (const message of leftovers) {
      if (message.seq <= draft.lastSeq) continue;
      draft.fold(message);
      this.observer.leftoverFolded();
      const job = draft.pending.find(
        (candidate) =>
          !outcomes.has(candidate) &&
          candidate.senderId === message.senderId &&
          candidate.outgoing.clientMessageId === message.clientMessageId,
      );
      if (job) outcomes.set(job, { stored: message });
    }
  }

  /**
   * Publishes with the sender's and receiver's profiles (read for the whole batch by
   * {@link profilesOf}), so the WS instances deliver to every subscriber without querying users.
   * A group's SYSTEM messages are also announced as conversationUpdated.
   */
  private async publish(draft: ConversationDraft, profiles: Map<UserId, User> | null): Promise<void> {
    const { recorded } = draft;
    if (recorded.length === 0) return;
    for (const _ of recorded) this.observer.messageStored();
    await Promise.all(
      recorded.flatMap((message) => {
        const people = profiles
          ? {
              sender: profiles.get(message.senderId) ?? null,
              receiver: message.receiverId ? (profiles.get(message.receiverId) ?? null) : null,
            }
          : undefined;
        const memberVersion = draft.memberVersions.get(message.id);
        const created = this.publisher.publish({
          kind: 'MESSAGE_CREATED',
          message: toMessagePayload(message, people, memberVersion),
        });
        if (!message.systemEvent || memberVersion === undefined) return [created];
        const { type, actorId, userIds, title, role } = message.systemEvent;
        const updated = this.publisher.publish({
          kind: 'CONVERSATION_UPDATED',
          conversationId: message.conversationId,
          type,
          actorId,
          userIds,
          title,
          role,
          seq: message.seq,
          messageId: message.id,
          memberVersion,
          occurredAt: message.createdAt.toISOString(),
        });
        return [created, updated];
      }),
    );
  }

  /**
   * The draft's pending sends numbered from its `lastSeq` on, each admitted against the roster as
   * the sends before it leave it (refusals go to `rejected` and take no seq); a repeated
   * `clientMessageId` gets no slot.
   */
  private messageSlots(
    draft: ConversationDraft,
    rejected: Map<Job, ChatError>,
  ): Array<{ draft: ConversationDraft; job: Job; message: NewChatMessage }> {
    const leaders = new Set<string>();
    const slots: Array<{ draft: ConversationDraft; job: Job; message: NewChatMessage }> = [];
    const roster = draft.roster.clone();
    let { tally } = draft;
    let seq = draft.lastSeq;
    for (const job of draft.pending) {
      const key = senderKey(job.senderId, job.outgoing.clientMessageId);
      if (leaders.has(key)) continue; // a concurrent retry in this very batch: answered as a duplicate
      const message = draft.admit(job, seq + 1, roster, tally, this.maxGroupMembers);
      if (message instanceof ChatError) {
        rejected.set(job, message);
        continue;
      }
      leaders.add(key);
      seq += 1;
      if (message.systemEvent) roster.apply(message.systemEvent);
      else if (message.tally !== null) tally = message.tally;
      slots.push({ draft, job, message });
    }
    return slots;
  }
}

/** Sends in the batch that repeat another's `clientMessageId` get that one's message as their original. */
function answerRetriesInBatch(draft: ConversationDraft, outcomes: Map<Job, SendOutcome>): void {
  const answered = new Map<string, ChatMessage>();
  for (const job of draft.pending) {
    const outcome = outcomes.get(job);
    if (outcome)
      answered.set(
        senderKey(job.senderId, job.outgoing.clientMessageId),
        'stored' in outcome ? outcome.stored : outcome.duplicateOf,
      );
  }
  for (const job of draft.pending) {
    if (outcomes.has(job)) continue;
    const original = answered.get(senderKey(job.senderId, job.outgoing.clientMessageId));
    if (original) outcomes.set(job, { duplicateOf: original });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
