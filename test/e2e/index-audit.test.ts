import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { CommandStartedEvent, Db } from 'mongodb';
import type { ConversationLease } from '../../src/domain/conversation/conversation.lease';
import { memberState, stampFor } from '../../src/domain/conversation/conversation.types';
import type { ConversationId, UserId } from '../../src/domain/ids';
import { MongoConversationRepository } from '../../src/persistence/conversation/conversation.repository';
import { backfillInboxes } from '../../src/persistence/conversation/conversation.migration';
import { CONVERSATION_SHARD_KEY } from '../../src/persistence/conversation/conversation.model';
import { CHAT_MESSAGE_SHARD_KEY } from '../../src/persistence/message/chat-message.model';
import { MongoMessageRepository } from '../../src/persistence/message/chat-message.repository';
import {
  backfillCarrierEntries,
  backfillMentionEntries,
  flagDeletedMessages,
} from '../../src/persistence/message/chat-message.migration';
import { MENTION_ENTRY_SHARD_KEY } from '../../src/persistence/message/mention-entry.model';
import { CARRIER_ENTRY_SHARD_KEY } from '../../src/persistence/message/carrier-entry.model';
import { MEMBERSHIP_SHARD_KEY } from '../../src/persistence/membership/membership.model';
import { MongoMembershipRepository } from '../../src/persistence/membership/membership.repository';
import { connectMongo, type MongoHandle } from '../../src/persistence/mongo.connection';
import { USER_SHARD_KEY } from '../../src/persistence/user/user.model';
import { MongoUserRepository } from '../../src/persistence/user/user.repository';
import { MESSAGE_CHANGE_SHARD_KEY } from '../../src/persistence/timeline/message-change.model';
import { MongoMessageChangeRepository } from '../../src/persistence/timeline/message-change.repository';
import { EVENT_CHECKPOINT_SHARD_KEY } from '../../src/persistence/user-stream/event-checkpoint.model';
import { NO_DETAILS } from '../../src/domain/timeline/user-journal';
import { MongoEventCheckpointRepository } from '../../src/persistence/user-stream/event-checkpoint.repository';
import { USER_JOURNAL_SHARD_KEY } from '../../src/persistence/user-stream/user-journal.model';
import { MongoUserJournalRepository } from '../../src/persistence/user-stream/user-journal.repository';
import { INBOX_SHARD_KEY } from '../../src/persistence/conversation/conversation-inbox.model';
import { ATTACHMENT_SHARD_KEY } from '../../src/persistence/attachment/attachment.model';
import { MongoAttachmentRepository } from '../../src/persistence/attachment/attachment.repository';
import { SCHEDULED_MESSAGE_SHARD_KEY } from '../../src/persistence/scheduling/scheduled-message.model';
import { MongoScheduledMessageRepository } from '../../src/persistence/scheduling/scheduled-message.repository';
import { indexFor, targetsShards, type Filter, type IndexKey, type IndexSpec } from '../helpers/index-audit';
import { directMessage } from '../helpers/messages';
import { indexUsed } from '../helpers/query-plan';

const SHARD_KEYS: Readonly<Record<string, IndexKey>> = {
  chatmessages: CHAT_MESSAGE_SHARD_KEY,
  conversations: CONVERSATION_SHARD_KEY,
  memberships: MEMBERSHIP_SHARD_KEY,
  messagechanges: MESSAGE_CHANGE_SHARD_KEY,
  users: USER_SHARD_KEY,
  attachments: ATTACHMENT_SHARD_KEY,
  scheduledmessages: SCHEDULED_MESSAGE_SHARD_KEY,
  inboxes: INBOX_SHARD_KEY,
  eventcheckpoints: EVENT_CHECKPOINT_SHARD_KEY,
  userjournals: USER_JOURNAL_SHARD_KEY,
  mentions: MENTION_ENTRY_SHARD_KEY,
  carriers: CARRIER_ENTRY_SHARD_KEY,
};

/**
 * Queries allowed to miss the shard key, each with the reason. Everything else must name it: a
 * new scatter-gather query fails this test until it is either fixed or listed here on purpose.
 */
const SCATTER_GATHER_ALLOWED: Readonly<Record<string, string>> = {
  'messages.findById': 'deleteMessage and markAsRead by message id only: rare, not the send path',
  'changes.pruneBefore': 'the retention sweep: every conversation at once, in the background, hourly',
  'users.searchByPrefix': 'the people directory: a search by name, which no shard key of users can route',
  'attachments.expired': 'the sweep of unsent uploads: a background job, every upload at once',
  'scheduled.due': "the scheduled sender's round: a background job over every sender's pending messages",
};

/**
 * Background jobs allowed to read a whole collection on the store, each with the reason; every
 * query a request makes must be answered through an index.
 */
const BACKGROUND_SCANS_ALLOWED: Readonly<Record<string, string>> = {
  'changes.pruneBefore': 'the retention sweep, hourly',
  'attachments.expired': 'the sweep of unsent uploads, in the background',
};

/** The first field of the index the store named (`_id_` for its own). */
function leadingField(indexes: readonly IndexSpec[], name: string): string {
  const spec = indexes.find((index) => index.name === name);
  return spec ? Object.keys(spec.key)[0]! : name === '_id_' ? '_id' : `unknown index ${name}`;
}

/** Private methods of the repositories, reached through the public ones this test calls. */
const PRIVATE_HELPERS = new Set([
  'atSeqs',
  'deletedIn',
  'deletedSeqsDown',
  'writeEntries',
  'enterInboxes',
  'leaveInboxes',
  'recordOne',
  'createAll',
  'updateAll',
  'settleOneByOne',
  'changeMember',
  'writeUnderLease',
]);

interface Query {
  readonly collection: string;
  readonly command: string;
  readonly filter: Filter;
  readonly sort?: IndexKey;
}

/** The filters one driver command carries (an update or delete command may carry several). */
function queriesOf(event: CommandStartedEvent): Query[] {
  const command = event.command as Record<string, unknown> & { [name: string]: unknown };
  const collection = String(command[event.commandName]);
  const one = (filter: unknown, sort?: unknown): Query => ({
    collection,
    command: event.commandName,
    filter: (filter ?? {}) as Filter,
    // The driver hands a sort over as a Map (key order matters).
    ...(sort ? { sort: sort instanceof Map ? (Object.fromEntries(sort) as IndexKey) : (sort as IndexKey) } : {}),
  });
  switch (event.commandName) {
    case 'find':
      return [one(command['filter'], command['sort'])];
    case 'count':
      return [one(command['query'])];
    case 'findAndModify':
      return [one(command['query'], command['sort'])];
    case 'update':
      return (command['updates'] as Array<{ q: unknown }>).map((update) => one(update.q));
    case 'delete':
      return (command['deletes'] as Array<{ q: unknown }>).map((remove) => one(remove.q));
    case 'aggregate': {
      const match = (command['pipeline'] as Array<Record<string, unknown>>)[0]?.['$match'];
      return [one(match)];
    }
    default:
      return []; // inserts (nothing to look up: their unique indexes are the point), index and session commands
  }
}

/**
 * The index audit: every query the repositories send, recorded from the driver's own command
 * events while each repository method runs against the real database, with the index it can use
 * (by the rules in test/helpers/index-audit.ts) and whether it names its collection's shard key.
 * The expected list below is the review: a new repository method, a query that loses its index or
 * its shard key, changes it and fails here first.
 */
describe('index audit: each repository query, its index and its shard routing', () => {
  let mongo: MongoHandle;
  const recorded: Query[] = [];

  beforeAll(async () => {
    const url = process.env.CHAT_TEST_MONGO_URL!;
    mongo = await connectMongo(url, {
      dbName: `chat_audit_${randomBytes(6).toString('hex')}`,
      onCommand: (event) => recorded.push(...queriesOf(event)),
    });
  });

  afterAll(async () => {
    await mongo?.connection.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  it('lists what every repository method asks and the index that answers it', async () => {
    const messages = new MongoMessageRepository(mongo.connection);
    const conversations = new MongoConversationRepository(mongo.connection);
    const users = new MongoUserRepository(mongo.connection);
    const memberships = new MongoMembershipRepository(mongo.connection);
    const changes = new MongoMessageChangeRepository(mongo.connection);
    const attachments = new MongoAttachmentRepository(mongo.connection);
    const scheduled = new MongoScheduledMessageRepository(mongo.connection);
    const checkpoints = new MongoEventCheckpointRepository(mongo.connection);
    const journals = new MongoUserJournalRepository(mongo.connection);
    let checkpointId = '';
    const scheduledId = new Types.ObjectId().toHexString();
    const alice = new Types.ObjectId().toHexString() as UserId;
    const bob = new Types.ObjectId().toHexString() as UserId;
    const conversationId = [alice, bob].sort().join('_') as ConversationId;
    const lease: ConversationLease = { conversationId, fence: 1 };
    const group = `g_${new Types.ObjectId().toHexString()}` as ConversationId;
    const range = { conversationId, floorSeq: 0, topSeq: 3 };
    const attachmentId = new Types.ObjectId().toHexString();
    const outgoing = (seq: number) =>
      directMessage(conversationId, seq, alice, bob, {
        mentions: seq >= 3 ? [bob] : [],
        attachments:
          seq === 2
            ? [{ id: attachmentId, fileName: 'a.png', contentType: 'image/png', size: 1, width: 1, height: 1 }]
            : [],
      });

    // Each repository method once, in an order that gives each something to find.
    const calls: Record<string, () => Promise<unknown>> = {
      'users.upsertMany': () => users.upsertMany([{ id: alice, name: 'Alice', email: 'a@x.test' }]),
      'users.findById': () => users.findById(alice),
      // A send's two people one by one, a list's many in one `$in` (user.repository.ts says why).
      'users.findByIds': async () => {
        await users.findByIds([alice, bob]);
        await users.findByIds(Array.from({ length: 6 }, () => new Types.ObjectId().toHexString() as UserId));
      },
      'users.searchByPrefix': () => users.searchByPrefix('ali', 20, bob),
      'conversations.open': () => conversations.open(lease, [alice, bob], alice),
      'conversations.findById': () => conversations.findById(conversationId),
      'conversations.findMany': () => conversations.findMany([conversationId]),
      'messages.insertMany': () => messages.insertMany([outgoing(1), outgoing(2), outgoing(3)]),
      // A write to an existing conversation and the first write of a new one.
      'conversations.record': async () => {
        const base = (await conversations.findById(conversationId))!;
        recorded.length = 0; // only record's own writes
        const next = {
          ...base,
          ...stampFor(base, lease),
          lastSeq: 3,
          members: { ...base.members, [bob]: { ...memberState(base, bob), unreadCount: 3 } },
        };
        const carol = new Types.ObjectId().toHexString() as UserId;
        const created = [alice, carol].sort().join('_') as ConversationId;
        const createdLease = { conversationId: created, fence: 1 };
        return conversations.record([
          { lease, base, next },
          {
            lease: createdLease,
            base: null,
            next: {
              ...next,
              id: created,
              participants: [alice, carol].sort() as [UserId, UserId],
              ...stampFor(null, createdLease),
            },
          },
        ]);
      },
      'conversations.listVisibleFor': () => conversations.listVisibleFor(bob, 50),
      'conversations.listAllFor': () => conversations.listAllFor(bob),
      'messages.findByClientMessageId': () => messages.findByClientMessageId(conversationId, alice, 'k1'),
      'messages.unrecorded': () => messages.unrecorded(conversationId, 2),
      // The cursor API's newest page (a walk), and the page API's page 2 (computed from the deletions).
      'messages.newestFirst': async () => {
        await messages.newestFirst(range, null, 0, 50);
        await messages.newestFirst(range, null, 1, 1);
      },
      'messages.oldestFirstAfter': () => messages.oldestFirstAfter(range, 1, 50),
      'messages.count': () => messages.count(range),
      'messages.unreadFor': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1);
        recorded.length = 0;
        await messages.unreadFor(range, bob, 3, {}, 2); // the walk down from the top
        await messages.unreadFor(range, bob, 3, { ids: [newest!.id] }, 2); // named messages
      },
      'messages.markRead': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1); // it mentions bob
        recorded.length = 0; // only markRead's own queries
        return messages.markRead(conversationId, [newest!], new Date());
      },
      'conversations.markRead': () => conversations.markRead(lease, bob, 1, 1),
      'messages.findById': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1);
        recorded.length = 0;
        return messages.findById(newest!.id);
      },
      'messages.applyPatch': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1);
        recorded.length = 0;
        await messages.applyPatch(conversationId, newest!.id, 1, { reactions: [{ emoji: '👍', userIds: [bob] }] });
        // A deletion, of a message (above the range) that mentions bob. (Inserts are not listed.)
        const [doomed] = await messages.insertMany([outgoing(4)]);
        await messages.applyPatch(conversationId, doomed!.id, 2, { deletedAt: new Date() });
      },
      'messages.findOne': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1);
        recorded.length = 0;
        return messages.findOne(conversationId, newest!.id);
      },
      'messages.replies': () => messages.replies(range, new Types.ObjectId().toHexString(), 0, 50),
      'messages.countReplies': () => messages.countReplies(conversationId, [new Types.ObjectId().toHexString()]),
      // One count of bob's entries; the one at or below his floor (seq 5) is pruned on the way.
      'messages.countMentions': async () => {
        await messages.insertMany([outgoing(5)]);
        recorded.length = 0;
        await messages.countMentions(bob, [
          { conversationId, floorSeq: 5, direct: true },
          { conversationId: group, floorSeq: 2, direct: false },
        ]);
      },
      'changes.insert': () =>
        changes.insert({
          conversationId,
          seq: 1,
          afterSeq: 3,
          type: 'REACTION_ADDED',
          actorId: bob,
          occurredAt: new Date(),
          messageId: new Types.ObjectId().toHexString(),
          messageSeq: 3,
          emoji: '👍',
          patch: {},
        }),
      'changes.after': () => changes.after(conversationId, 0, 100),
      'changes.pruneBefore': () => changes.pruneBefore(new Date(0)),
      'messages.latestVisible': () => messages.latestVisible(conversationId, 3),
      // One conversation (a walk), and every conversation of the caller (one filter).
      'messages.search': async () => {
        await messages.search([range], 'm', 50);
        await messages.search([range, { conversationId: group, floorSeq: 0, topSeq: 0 }], 'm', 50);
      },
      'conversations.hideFor': () => conversations.hideFor(lease, bob, 3),
      'conversations.change': () => conversations.change(lease, (base) => ({ ...base, lastSeq: 4 })),
      'conversations.setBlock': () => conversations.setBlock(lease, [alice, bob], alice, true),
      'conversations.listBlockedBy': () => conversations.listBlockedBy(alice),
      'messages.findInConversation': async () => {
        const [newest] = await messages.newestFirst(range, null, 0, 1);
        recorded.length = 0;
        return messages.findInConversation(conversationId, [newest!.id]);
      },
      'messages.countDeleted': () => messages.countDeleted(conversationId, 0, 3),
      // A group's member records: written by the send path and reads, read by lists and receipts.
      'memberships.apply': () =>
        memberships.apply([
          {
            op: 'join',
            membership: {
              conversationId: group,
              userId: bob,
              joinedAt: new Date(),
              joinedSeq: 1,
              read: { seq: 1, tally: 0 },
              clearedSeq: 0,
              hidden: false,
            },
          },
          { op: 'read', conversationId: group, userId: bob, read: { seq: 2, tally: 1 } },
          { op: 'hide', conversationId: group, userId: bob, read: { seq: 2, tally: 1 }, clearedSeq: 2 },
          { op: 'leave', conversationId: group, userId: alice },
        ]),
      'memberships.find': () => memberships.find(group, bob),
      'memberships.findFor': () => memberships.findFor(bob, [group]),
      'memberships.page': () => memberships.page(group, { joinedSeq: 0, userId: alice }, 50),
      'memberships.all': () => memberships.all(group),
      'messages.findCarrying': () => messages.findCarrying(conversationId, attachmentId),
      // Uploads: stored, claimed by a send, kept, released, swept.
      'attachments.create': () =>
        attachments.create({
          id: attachmentId,
          ownerId: alice,
          fileName: 'a.png',
          contentType: 'image/png',
          size: 1,
          width: 1,
          height: 1,
          createdAt: new Date(),
          expiresAt: new Date(),
          conversationId: null,
        }),
      'attachments.findMany': () => attachments.findMany([attachmentId]),
      'attachments.claim': () => attachments.claim([attachmentId], conversationId),
      'attachments.setExpiry': () => attachments.setExpiry([attachmentId], null),
      'attachments.release': () => attachments.release([attachmentId], new Date(0)),
      'attachments.expired': () => attachments.expired(new Date(), 100),
      'attachments.delete': () => attachments.delete([attachmentId]),
      // Scheduled messages: scheduled, listed, counted, found due, settled.
      'scheduled.insert': () =>
        scheduled.insert({
          id: scheduledId,
          senderId: alice,
          conversationId,
          content: {
            message: 'later',
            messageType: 'text',
            attachmentUrl: null,
            attachmentIds: [],
            replyToId: null,
            mentionedUserIds: [],
          },
          sendAt: new Date(),
          status: 'PENDING',
          createdAt: new Date(),
          updatedAt: new Date(),
          sentMessageId: null,
          failure: null,
          attempts: 0,
        }),
      'scheduled.find': () => scheduled.find(alice, scheduledId),
      'scheduled.countPending': () => scheduled.countPending(alice),
      'scheduled.list': () => scheduled.list(alice, conversationId, new Date(0)),
      'scheduled.due': () => scheduled.due(new Date(), 50),
      'scheduled.update': () =>
        scheduled.update(alice, scheduledId, {
          status: 'SENT',
          sentMessageId: attachmentId,
          failure: null,
          attempts: 0,
          updatedAt: new Date(),
        }),
      // userEvents checkpoints: written, read by a cursor, the user's oldest pruned.
      'checkpoints.insert': async () => {
        checkpointId = await checkpoints.insert(bob, new Map([[conversationId, { seq: 3, eventSeq: 1 }]]));
        await checkpoints.insert(bob, new Map());
      },
      'checkpoints.find': () => checkpoints.find(bob, checkpointId),
      'checkpoints.pruneFor': () => checkpoints.pruneFor(bob, 1),
      // A user's journal: appended at the next position (one look at the newest), read after one.
      'journals.append': () =>
        journals.append(bob, {
          ...NO_DETAILS,
          type: 'MESSAGES_READ',
          conversationId,
          actorId: bob,
          occurredAt: new Date(),
          readSeq: 3,
        }),
      'journals.after': () => journals.after(bob, 0, 100),
      'journals.lastSeq': () => journals.lastSeq(bob),
    };

    // Every public method of every repository is in `calls` (a new one must join the audit).
    const methodsOf = (prefix: string, prototype: object) =>
      Object.getOwnPropertyNames(prototype)
        .filter(
          (name) =>
            name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === 'function',
        )
        .filter((name) => !PRIVATE_HELPERS.has(name))
        .map((name) => `${prefix}.${name}`);
    expect(Object.keys(calls).sort()).toEqual(
      [
        ...methodsOf('messages', MongoMessageRepository.prototype),
        ...methodsOf('conversations', MongoConversationRepository.prototype),
        ...methodsOf('users', MongoUserRepository.prototype),
        ...methodsOf('memberships', MongoMembershipRepository.prototype),
        ...methodsOf('changes', MongoMessageChangeRepository.prototype),
        ...methodsOf('attachments', MongoAttachmentRepository.prototype),
        ...methodsOf('scheduled', MongoScheduledMessageRepository.prototype),
        ...methodsOf('checkpoints', MongoEventCheckpointRepository.prototype),
        ...methodsOf('journals', MongoUserJournalRepository.prototype),
      ].sort(),
    );

    const indexes = new Map<string, IndexSpec[]>();
    for (const name of Object.keys(SHARD_KEYS)) {
      indexes.set(name, (await mongo.connection.db!.collection(name).indexes()) as IndexSpec[]);
    }
    const report: string[] = [];
    const storeScans: string[] = [];
    const unscoped: string[] = [];
    for (const [method, call] of Object.entries(calls)) {
      recorded.length = 0;
      await call();
      const queries = recorded.filter((query) => query.collection in SHARD_KEYS);
      for (const query of queries) {
        // The store's own plan for the same filter (an update or delete finds its documents so).
        const used = await indexUsed(mongo.connection.db! as unknown as Db, {
          find: query.collection,
          filter: query.filter,
          ...(query.sort ? { sort: query.sort } : {}),
        });
        if (used === null && !(method in BACKGROUND_SCANS_ALLOWED)) storeScans.push(`${method}: ${query.collection}`);
        if (used !== null && !(method in SCATTER_GATHER_ALLOWED)) {
          const leading = used.split(' + ').map((name) => leadingField(indexes.get(query.collection) ?? [], name));
          if (leading.some((field) => field !== '_id' && !(field in SHARD_KEYS[query.collection]!))) {
            unscoped.push(`${method}: ${query.collection} by ${used}`);
          }
        }
        const index = indexFor(query.filter, query.sort, indexes.get(query.collection) ?? []) ?? 'COLLECTION SCAN';
        const routed = targetsShards(query.filter, SHARD_KEYS[query.collection]!)
          ? 'by shard key'
          : method in SCATTER_GATHER_ALLOWED
            ? 'all shards (allowed)'
            : 'ALL SHARDS';
        report.push(`${method}: ${query.collection}.${query.command} -> ${index}, ${routed}`);
      }
    }

    expect(report).toEqual([
      'users.upsertMany: users.update -> _id_, by shard key',
      'users.findById: users.find -> _id_, by shard key',
      'users.findByIds: users.find -> _id_, by shard key',
      'users.findByIds: users.find -> _id_, by shard key',
      'users.findByIds: users.find -> _id_, by shard key',
      // One query per case spelling of "ali" and field: 8 × name, 8 × email.
      ...Array<string>(8).fill('users.searchByPrefix: users.find -> name_1, all shards (allowed)'),
      ...Array<string>(8).fill('users.searchByPrefix: users.find -> email_1, all shards (allowed)'),
      'conversations.open: conversations.find -> _id_, by shard key',
      'conversations.findById: conversations.find -> _id_, by shard key',
      'conversations.findMany: conversations.find -> _id_, by shard key',
      'conversations.record: conversations.update -> _id_, by shard key',
      'conversations.listVisibleFor: inboxes.find -> _id_, by shard key',
      'conversations.listVisibleFor: conversations.find -> _id_, by shard key',
      'conversations.listAllFor: inboxes.find -> _id_, by shard key',
      'conversations.listAllFor: conversations.find -> _id_, by shard key',
      'messages.findByClientMessageId: chatmessages.find -> conversationId_1_senderId_1_clientMessageId_1, by shard key',
      'messages.unrecorded: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.newestFirst: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.newestFirst: chatmessages.find -> conversationId_1_deleted_1_seq_1, by shard key',
      'messages.newestFirst: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.oldestFirstAfter: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.count: chatmessages.aggregate -> conversationId_1_deleted_1_seq_1, by shard key',
      'messages.unreadFor: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.unreadFor: chatmessages.find -> _id_, by shard key',
      'messages.markRead: chatmessages.update -> _id_, by shard key',
      'messages.markRead: mentions.delete -> _id_, by shard key',
      'conversations.markRead: conversations.find -> _id_, by shard key',
      'conversations.markRead: conversations.update -> _id_, by shard key',
      'messages.findById: chatmessages.find -> _id_, all shards (allowed)',
      'messages.applyPatch: chatmessages.update -> _id_, by shard key',
      'messages.applyPatch: chatmessages.findAndModify -> _id_, by shard key',
      'messages.applyPatch: mentions.delete -> _id_, by shard key',
      'messages.findOne: chatmessages.find -> _id_, by shard key',
      'messages.replies: chatmessages.find -> conversationId_1_replyToId_1_seq_1, by shard key',
      'messages.countReplies: chatmessages.aggregate -> conversationId_1_replyToId_1_seq_1, by shard key',
      'messages.countMentions: mentions.find -> _id_, by shard key',
      'messages.countMentions: mentions.delete -> _id_, by shard key',
      'changes.after: messagechanges.find -> conversationId_1_seq_1, by shard key',
      'changes.pruneBefore: messagechanges.delete -> occurredAt_1, all shards (allowed)',
      'messages.latestVisible: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.search: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.search: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'conversations.hideFor: conversations.find -> _id_, by shard key',
      'conversations.hideFor: conversations.update -> _id_, by shard key',
      'conversations.change: conversations.find -> _id_, by shard key',
      'conversations.change: conversations.update -> _id_, by shard key',
      'conversations.setBlock: conversations.find -> _id_, by shard key',
      'conversations.setBlock: conversations.update -> _id_, by shard key',
      'conversations.listBlockedBy: inboxes.find -> _id_, by shard key',
      'conversations.listBlockedBy: conversations.find -> _id_, by shard key',
      'messages.findInConversation: chatmessages.find -> conversationId_1_seq_1, by shard key',
      'messages.countDeleted: chatmessages.aggregate -> conversationId_1_deleted_1_seq_1, by shard key',
      'memberships.apply: memberships.update -> _id_, by shard key',
      'memberships.apply: memberships.update -> _id_, by shard key',
      'memberships.apply: memberships.update -> _id_, by shard key',
      'memberships.apply: memberships.delete -> _id_, by shard key',
      'memberships.find: memberships.find -> _id_, by shard key',
      'memberships.findFor: memberships.find -> _id_, by shard key',
      'memberships.page: memberships.find -> conversationId_1_joinedSeq_1, by shard key',
      'memberships.all: memberships.find -> _id_, by shard key',
      'messages.findCarrying: carriers.find -> _id_, by shard key',
      'messages.findCarrying: chatmessages.find -> _id_, by shard key',
      'attachments.findMany: attachments.find -> _id_, by shard key',
      'attachments.claim: attachments.update -> _id_, by shard key',
      'attachments.setExpiry: attachments.update -> _id_, by shard key',
      'attachments.release: attachments.update -> _id_, by shard key',
      'attachments.expired: attachments.find -> expiresAt_1, all shards (allowed)',
      'attachments.delete: attachments.delete -> _id_, by shard key',
      'scheduled.find: scheduledmessages.find -> _id_, by shard key',
      'scheduled.countPending: scheduledmessages.aggregate -> senderId_1_status_1_sendAt_1, by shard key',
      'scheduled.list: scheduledmessages.find -> senderId_1_status_1_sendAt_1, by shard key',
      'scheduled.due: scheduledmessages.find -> status_1_sendAt_1, all shards (allowed)',
      'scheduled.update: scheduledmessages.update -> _id_, by shard key',
      'checkpoints.find: eventcheckpoints.find -> _id_, by shard key',
      'checkpoints.pruneFor: eventcheckpoints.find -> _id_, by shard key',
      'checkpoints.pruneFor: eventcheckpoints.delete -> _id_, by shard key',
      'journals.append: userjournals.find -> _id_, by shard key',
      'journals.after: userjournals.find -> _id_, by shard key',
      'journals.lastSeq: userjournals.find -> _id_, by shard key',
    ]);
    // No query anywhere scans a collection or asks every shard unless listed above.
    expect(report.filter((line) => /COLLECTION SCAN|ALL SHARDS/.test(line))).toEqual([]);
    // And the store itself (the embedded FerretDB with its patches, or MongoDB) answers every
    // query a request makes through an index, by its own explain.
    expect(storeScans).toEqual([]);
    // Through an index the query's own scope bounds: one that leads with the shard key's field
    // (its conversation, its sender) or `_id`. The seed's `(receiverId, isRead)` index, say, would
    // read a user's unread messages of every conversation to answer for one.
    expect(unscoped).toEqual([]);
  });

  it('migrates a database of the previous version at start-up: the new unique index first, then the old one dropped', async () => {
    const dbName = `chat_migrate_${randomBytes(6).toString('hex')}`;
    const url = process.env.CHAT_TEST_MONGO_URL!;
    const old = await connectMongo(url, { dbName });
    const collection = old.connection.db!.collection('chatmessages');
    try {
      // The previous version's state: its idempotency index, none of the new one, and a message.
      await collection.dropIndex('conversationId_1_senderId_1_clientMessageId_1');
      await collection.createIndex(
        { senderId: 1, clientMessageId: 1 },
        { unique: true, name: 'senderId_1_clientMessageId_1' },
      );
      const sender = new Types.ObjectId();
      const message = {
        conversationId: 'a_b',
        senderId: sender,
        receiverId: new Types.ObjectId(),
        message: 'm',
        seq: 1,
        clientMessageId: 'k',
      };
      await collection.insertOne({ ...message });
      await old.close();

      const indexCommands: string[] = [];
      const upgraded = await connectMongo(url, {
        dbName,
        onCommand: (event) => {
          if (event.commandName === 'createIndexes' && event.command['createIndexes'] === 'chatmessages') {
            indexCommands.push(
              `create ${(event.command['indexes'] as Array<{ name: string }>).map((index) => index.name).join(' ')}`,
            );
          }
          if (event.commandName === 'dropIndexes') indexCommands.push(`drop ${String(event.command['index'])}`);
        },
      });
      // The replacement exists before the old index goes: the key is unique at every moment.
      const created = indexCommands.findIndex((command) =>
        command.includes('conversationId_1_senderId_1_clientMessageId_1'),
      );
      expect(created).toBeGreaterThanOrEqual(0);
      expect(indexCommands.indexOf('drop senderId_1_clientMessageId_1')).toBeGreaterThan(created);
      const names = (await upgraded.connection.db!.collection('chatmessages').indexes()).map((index) => index.name);
      expect(names).toContain('conversationId_1_senderId_1_clientMessageId_1');
      expect(names).not.toContain('senderId_1_clientMessageId_1');
      // The key still refuses a second message in its conversation, and is free in another one.
      const upgradedCollection = upgraded.connection.db!.collection('chatmessages');
      await expect(upgradedCollection.insertOne({ ...message, seq: 2 })).rejects.toMatchObject({ code: 11000 });
      await expect(upgradedCollection.insertOne({ ...message, conversationId: 'a_c' })).resolves.toBeDefined();
      // A second start finds nothing to migrate.
      await upgraded.close();
      const again = await connectMongo(url, { dbName });
      await again.connection.dropDatabase();
      await again.close();
    } finally {
      await old.close().catch(() => undefined);
    }
  });

  it('flags messages deleted before the flag existed and writes the entries of unread mentions, once', async () => {
    const dbName = `chat_migrate_${randomBytes(6).toString('hex')}`;
    const url = process.env.CHAT_TEST_MONGO_URL!;
    const old = await connectMongo(url, { dbName });
    const db = old.connection.db!;
    const bob = new Types.ObjectId();
    const message = (seq: number, deletedAt: Date | null, isRead = false) => ({
      conversationId: 'a_b',
      senderId: new Types.ObjectId(),
      receiverId: bob,
      message: `m${seq}`,
      messageType: 'text',
      seq,
      clientMessageId: `k${seq}`,
      deletedAt,
      isRead,
      mentions: [bob],
    });
    try {
      // The previous version's state: deletions carry deletedAt alone, and no record of this migration.
      await db.collection('migrations').deleteMany({});
      // Each mentions bob: seq 1 unread, 2 deleted, 3 read, 4 unread; seq 4 carries an attachment.
      const attachmentId = new Types.ObjectId();
      await db.collection('chatmessages').insertMany([
        message(1, null),
        message(2, new Date()),
        message(3, null, true),
        {
          ...message(4, null),
          attachments: [{ id: attachmentId, fileName: 'a.png', contentType: 'image/png', size: 1 }],
        },
      ]);
      await old.close();

      const upgraded = await connectMongo(url, { dbName });
      const messages = new MongoMessageRepository(upgraded.connection);
      expect(await messages.count({ conversationId: 'a_b' as ConversationId, floorSeq: 0, topSeq: 4 })).toBe(3);
      expect(await messages.countDeleted('a_b' as ConversationId, 0, 4)).toBe(1);
      // Bob's unread mentions, from the entries the start-up wrote: neither the deleted nor the read one.
      const mentions = (floorSeq: number) =>
        messages.countMentions(bob.toHexString() as UserId, [
          { conversationId: 'a_b' as ConversationId, floorSeq, direct: true },
        ]);
      expect(await mentions(0)).toEqual(new Map([['a_b', 2]]));
      expect(await mentions(1)).toEqual(new Map([['a_b', 1]]));
      // Recorded: a second start-up does not scan again.
      expect(await flagDeletedMessages(upgraded.connection.db!)).toBe(0);
      expect(await backfillMentionEntries(upgraded.connection.db!)).toBe(0);
      // The attachment's carrier entry was written: its downloads find seq 4 by `_id`.
      const carrier = await upgraded.connection
        .db!.collection<{ _id: string }>('carriers')
        .findOne({ _id: attachmentId.toHexString() });
      expect(carrier).toMatchObject({ conversationId: 'a_b' });
      expect(await messages.findCarrying('a_b' as ConversationId, attachmentId.toHexString())).toMatchObject({
        seq: 4,
      });
      expect(await backfillCarrierEntries(upgraded.connection.db!)).toBe(0);
      await upgraded.connection.dropDatabase();
      await upgraded.close();
    } finally {
      await old.close().catch(() => undefined);
    }
  });

  it('moves conversations of the previous layout into `state` at start-up, lists them through backfilled inboxes, and drops the old index', async () => {
    const dbName = `chat_migrate_${randomBytes(6).toString('hex')}`;
    const url = process.env.CHAT_TEST_MONGO_URL!;
    const old = await connectMongo(url, { dbName });
    const collection = old.connection.db!.collection<{ _id: string; [field: string]: unknown }>('conversations');
    try {
      // The previous layout: state at the top level, its list index, and no inbox entries (nor the
      // record of their backfill, which this first start-up wrote).
      await collection.createIndex({ participants: 1, lastActivityAt: -1 });
      await old.connection.db!.collection('migrations').deleteMany({});
      const [alice, bob] = [new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()].sort() as [
        UserId,
        UserId,
      ];
      const conversationId = `${alice}_${bob}` as ConversationId;
      const sentAt = new Date('2026-11-30T10:00:00Z');
      const preview = {
        messageId: new Types.ObjectId(),
        seq: 7,
        senderId: alice,
        message: 'hi',
        messageType: 'text',
        createdAt: sentAt,
      };
      await collection.insertOne({
        _id: conversationId,
        participants: [alice, bob],
        lastSeq: 7,
        fence: 12,
        lastMessage: preview,
        lastMessageTime: sentAt,
        lastActivityAt: sentAt,
        members: { [bob]: { unreadCount: 3, readSeq: 4, clearedSeq: 0, hidden: false } },
      });
      await old.close();

      const upgraded = await connectMongo(url, { dbName });
      const upgradedCollection = upgraded.connection.db!.collection<{ _id: string }>('conversations');
      const stored = await upgradedCollection.findOne({ _id: conversationId });
      expect(Object.keys(stored!).sort()).toEqual(['_id', 'participants', 'state']);
      const conversations = new MongoConversationRepository(upgraded.connection);
      expect(await conversations.findById(conversationId)).toMatchObject({
        lastSeq: 7,
        fence: 12,
        version: 0,
        lastActivityAt: sentAt,
        lastMessage: { messageId: preview.messageId.toHexString(), seq: 7, message: 'hi' },
        members: { [bob]: { unreadCount: 3, readSeq: 4 } },
      });
      expect((await conversations.listVisibleFor(bob, 50)).map((conversation) => conversation.id)).toEqual([
        conversationId,
      ]);
      const names = (await upgradedCollection.indexes()).map((index) => index.name);
      expect(names.filter((name) => name?.startsWith('participants'))).toEqual([]);
      // Its people got their inbox entries, once: a second start-up writes none.
      expect(await upgraded.connection.db!.collection('inboxes').countDocuments()).toBe(2);
      expect(await backfillInboxes(upgraded.connection.db!)).toBe(0);
      // A write under the next lease goes over the migrated state; one under an older fence does not.
      const base = (await conversations.findById(conversationId))!;
      const read = { ...memberState(base, bob), unreadCount: 0, readSeq: 7 };
      await conversations.markRead({ conversationId, fence: 13 }, bob, 7, 3);
      await expect(conversations.markRead({ conversationId, fence: 12 }, bob, 7, 3)).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
      });
      expect((await conversations.findById(conversationId))!.members[bob]).toEqual(read);
      await upgraded.connection.dropDatabase();
      await upgraded.close();
    } finally {
      await old.close().catch(() => undefined);
    }
  });
});
