import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import {
  AddMembersDocument,
  AddReactionDocument,
  ConversationDocument,
  ConversationEventsDocument,
  ConversationEventStreamDocument,
  CreateGroupDocument,
  DeleteMessageDocument,
  EditMessageDocument,
  MarkConversationReadDocument,
  MessageHistoryDocument,
  MessagesDocument,
  PinMessageDocument,
  PinnedMessagesDocument,
  RemoveReactionDocument,
  RepliesDocument,
  SendMessageDocument,
  SetMemberRoleDocument,
  UnpinMessageDocument,
  type ConversationEventFieldsFragment,
  type ConversationEventStreamSubscription,
} from '../../src/client/graphql';
import type { ApiServer } from '../../src/api/api.server';
import { untilAccepted } from '../helpers/chat';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

type EventProbe = SubscriptionProbe<ConversationEventStreamSubscription>;

/** An event as a test compares it: what happened, to which message, by whom. */
const summary = (event: ConversationEventFieldsFragment) =>
  [event.type, event.messageId, event.actorId, event.emoji ?? '', event.userIds.join(',')].join(' ');

describe('after a message is sent: edits, reactions, replies, mentions, pins and the event stream', () => {
  const env = useTestSystem({ wsInstances: 2, apiInstances: 2 });
  const api = (index = 0): ApiServer => env.system.apis[index]!;

  const sockets: Array<ReturnType<typeof wsClient>> = [];
  const subscribe = (user: TestUser, variables: { conversationId?: string; after?: string }, ws = 0): EventProbe => {
    const socket = wsClient(env.system.ws[ws]!, { token: user.token });
    sockets.push(socket);
    return new SubscriptionProbe(socket, ConversationEventStreamDocument, variables);
  };
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  async function codeOf<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    user: TestUser,
  ): Promise<string> {
    const { body } = await graphqlHttp(api(), document, variables, user.token);
    return String(body.errors?.[0]?.extensions?.['code'] ?? 'OK');
  }

  async function group(owner: TestUser, members: readonly TestUser[], title = 'Team') {
    const input = { title, memberIds: members.map((member) => member.id) };
    return (await graphqlOk(api(), CreateGroupDocument, { input }, owner.token)).createGroup.conversationId;
  }

  async function send(
    from: TestUser,
    conversationId: string,
    message: string,
    extra: { replyToId?: string; mentionedUserIds?: string[] } = {},
    apiIndex = 0,
  ) {
    return (
      await graphqlOk(api(apiIndex), SendMessageDocument, { input: { conversationId, message, ...extra } }, from.token)
    ).sendMessage;
  }

  const conversationOf = async (user: TestUser, conversationId: string) =>
    (await graphqlOk(api(), ConversationDocument, { conversationId }, user.token)).conversation;

  /** Every event after `after`, paged `first` at a time through the query form. */
  async function allEvents(user: TestUser, conversationId: string, after: string, first = 100) {
    const events: ConversationEventFieldsFragment[] = [];
    let cursor = after;
    for (;;) {
      const page = (
        await graphqlOk(api(1), ConversationEventsDocument, { conversationId, after: cursor, first }, user.token)
      ).conversationEvents;
      events.push(...page.nodes);
      cursor = page.endCursor;
      if (!page.hasNextPage) return { events, endCursor: cursor };
    }
  }

  it('replays exactly what an offline client missed, once each and in order, then goes live with no duplicate', async () => {
    const [ann, ben, cat, dan] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat', 'Dan')) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const id = await group(ann, [ben, cat]);
    const first = await send(ann, id, 'first');
    const second = await send(ann, id, 'second');
    const third = await send(ben, id, 'third');
    // Cat loads the conversation, then goes offline.
    const { eventCursor } = await conversationOf(cat, id);

    // While Cat is away, through both API instances:
    await graphqlOk(api(0), EditMessageDocument, { messageId: first.id, message: 'first, edited' }, ann.token);
    await graphqlOk(api(1), DeleteMessageDocument, { messageId: second.id }, ann.token);
    await graphqlOk(api(0), AddReactionDocument, { messageId: third.id, emoji: '👍' }, ben.token);
    await graphqlOk(api(1), AddReactionDocument, { messageId: third.id, emoji: ':tada:' }, ann.token);
    await graphqlOk(api(0), RemoveReactionDocument, { messageId: third.id, emoji: '👍' }, ben.token);
    await graphqlOk(api(1), PinMessageDocument, { messageId: first.id }, ann.token);
    await graphqlOk(api(0), AddMembersDocument, { conversationId: id, userIds: [dan.id] }, ann.token);
    const expected = [
      `MESSAGE_EDITED ${first.id} ${ann.id}  `,
      `MESSAGE_DELETED ${second.id} ${ann.id}  `,
      `REACTION_ADDED ${third.id} ${ben.id} 👍 `,
      `REACTION_ADDED ${third.id} ${ann.id} :tada: `,
      `REACTION_REMOVED ${third.id} ${ben.id} 👍 `,
      `MESSAGE_PINNED ${first.id} ${ann.id}  `,
    ];

    // Cat comes back on the other WS instance: the replay, then live events.
    const stream = subscribe(cat, { conversationId: id, after: eventCursor }, 1);
    const replayed: ConversationEventFieldsFragment[] = [];
    for (let i = 0; i < expected.length + 1; i += 1) replayed.push((await stream.next()).data!.conversationEvents);
    expect(replayed.slice(0, expected.length).map(summary)).toEqual(expected);
    const added = replayed[expected.length]!;
    expect(added).toMatchObject({ type: 'MEMBERS_ADDED', actorId: ann.id, userIds: [dan.id] });
    // Each event carries the message as it now is: edited text, the deleted one as a stub.
    expect(replayed[0]!.message).toMatchObject({ message: 'first, edited', pinnedAt: expect.any(String) });
    expect(replayed[1]!.message).toMatchObject({ message: '', deletedAt: expect.any(String) });
    expect(replayed[4]!.message!.reactions).toEqual([
      { emoji: ':tada:', count: 1, viewerHasReacted: false, userIds: [ann.id] },
    ]);

    // The query form pages the same events, whatever the page size.
    const paged = await allEvents(cat, id, eventCursor, 3);
    expect(paged.events.map(summary)).toEqual(replayed.map(summary));
    expect(paged.events.map((event) => event.cursor)).toEqual(replayed.map((event) => event.cursor));

    // Live: each new event once, from either API instance.
    const fourth = await send(dan, id, 'fourth', {}, 1);
    const live1 = (await stream.next()).data!.conversationEvents;
    expect(summary(live1)).toBe(`MESSAGE_CREATED ${fourth.id} ${dan.id}  `);
    await graphqlOk(api(0), AddReactionDocument, { messageId: fourth.id, emoji: '❤️' }, ben.token);
    const live2 = (await stream.next()).data!.conversationEvents;
    expect(summary(live2)).toBe(`REACTION_ADDED ${fourth.id} ${ben.id} ❤️ `);
    // Nothing came twice: the next event is a message sent after them (delivery is in order).
    const marker = await send(ann, id, 'marker');
    expect(summary((await stream.next()).data!.conversationEvents)).toBe(`MESSAGE_CREATED ${marker.id} ${ann.id}  `);

    // Resuming from any event's cursor gives exactly what came after it.
    const fromMiddle = await allEvents(cat, id, replayed[2]!.cursor);
    expect(fromMiddle.events.map(summary)).toEqual(
      [...replayed.slice(3), live1, live2].map(summary).concat(`MESSAGE_CREATED ${marker.id} ${ann.id}  `),
    );
    // And the end cursor is where a client picks up: nothing after it yet.
    expect((await allEvents(cat, id, fromMiddle.endCursor)).events).toEqual([]);
    expect((await conversationOf(cat, id)).eventCursor).toBe(fromMiddle.endCursor);
  });

  it('keeps reaction counts exact under 50 users reacting at once through two API instances, and reactions idempotent', async () => {
    const users = (await createUsers(
      env.stores,
      ...Array.from({ length: 51 }, (_, i) => `Reactor ${i}`),
    )) as TestUser[];
    const [owner, ...reactors] = users as [TestUser, ...TestUser[]];
    const id = await group(owner, reactors, 'Crowd');
    const target = await send(owner, id, 'react to me');
    const { eventCursor } = await conversationOf(owner, id);

    const react = (user: TestUser, index: number, add: boolean) => {
      const variables = { messageId: target.id, emoji: '👍' };
      return add
        ? untilAccepted(api(index % 2), AddReactionDocument, variables, user)
        : untilAccepted(api(index % 2), RemoveReactionDocument, variables, user);
    };
    // Everyone adds twice at once (the second changes nothing), then half remove twice at once.
    await Promise.all(reactors.flatMap((user, i) => [react(user, i, true), react(user, i + 1, true)]));
    const leaving = reactors.slice(0, 25);
    await Promise.all(leaving.flatMap((user, i) => [react(user, i, false), react(user, i + 1, false)]));

    const history = await graphqlOk(api(), MessagesDocument, { conversationId: id, first: 5 }, reactors[30]!.token);
    const stored = history.messages.nodes.find((message) => message.id === target.id)!;
    const staying = reactors.slice(25).map((user) => user.id);
    expect(stored.reactions).toHaveLength(1);
    expect(stored.reactions[0]).toMatchObject({ emoji: '👍', count: 25, viewerHasReacted: true });
    expect([...stored.reactions[0]!.userIds].sort()).toEqual([...staying].sort());
    // The event stream holds each effective change once: 50 additions, 25 removals.
    const { events } = await allEvents(owner, id, eventCursor);
    expect(events.filter((event) => event.type === 'REACTION_ADDED')).toHaveLength(50);
    expect(events.filter((event) => event.type === 'REACTION_REMOVED')).toHaveLength(25);
    expect(new Set(events.map((event) => event.cursor)).size).toBe(events.length);
  }, 120_000);

  it('lets only the sender edit, keeps every version, moves the preview and never the unread count', async () => {
    const [ann, ben, stranger] = (await createUsers(env.stores, 'Ann', 'Ben', 'Stranger')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const id = [ann.id, ben.id].sort().join('_');
    const older = await send(ann, id, 'older');
    const newest = await send(ann, id, 'newest');
    const before = await conversationOf(ben, id);
    expect(before).toMatchObject({ unreadCount: 2, lastMessage: 'newest' });

    expect(await codeOf(EditMessageDocument, { messageId: newest.id, message: 'hijacked' }, ben)).toBe('FORBIDDEN');
    expect(await codeOf(EditMessageDocument, { messageId: newest.id, message: '   ' }, ann)).toBe('BAD_USER_INPUT');
    expect(await codeOf(EditMessageDocument, { messageId: newest.id, message: 'x'.repeat(4001) }, ann)).toBe(
      'BAD_USER_INPUT',
    );
    expect(await codeOf(EditMessageDocument, { messageId: 'nope', message: 'x' }, ann)).toBe('BAD_USER_INPUT');
    expect(await codeOf(EditMessageDocument, { messageId: '0'.repeat(24), message: 'x' }, ann)).toBe('NOT_FOUND');

    await graphqlOk(api(), EditMessageDocument, { messageId: newest.id, message: 'newest, v2' }, ann.token);
    const edited = (
      await graphqlOk(api(1), EditMessageDocument, { messageId: newest.id, message: 'newest, v3' }, ann.token)
    ).editMessage;
    expect(edited).toMatchObject({ message: 'newest, v3', editedAt: expect.any(String) });
    expect(edited.edits.map((edit) => edit.message)).toEqual(['newest', 'newest, v2']);
    // The other side reads the versions on demand; a stranger cannot.
    const history = (await graphqlOk(api(), MessageHistoryDocument, { messageId: newest.id }, ben.token)).message;
    expect(history.edits.map((edit) => edit.message)).toEqual(['newest', 'newest, v2']);
    expect(await codeOf(MessageHistoryDocument, { messageId: newest.id }, stranger)).toBe('FORBIDDEN');
    // The same text again is no edit.
    const same = (
      await graphqlOk(api(), EditMessageDocument, { messageId: newest.id, message: 'newest, v3' }, ann.token)
    ).editMessage;
    expect(same.edits).toHaveLength(2);
    // The preview follows an edit of the newest message only; nobody's unread count moves.
    await graphqlOk(api(), EditMessageDocument, { messageId: older.id, message: 'older, v2' }, ann.token);
    expect(await conversationOf(ben, id)).toMatchObject({ unreadCount: 2, lastMessage: 'newest, v3' });
    expect(await conversationOf(ann, id)).toMatchObject({ unreadCount: 0 });

    // A deleted message cannot be edited, and its stub tells nothing of its text.
    await graphqlOk(api(), DeleteMessageDocument, { messageId: older.id }, ann.token);
    expect(await codeOf(EditMessageDocument, { messageId: older.id, message: 'back' }, ann)).toBe('CONFLICT');
    expect(await conversationOf(ben, id)).toMatchObject({ unreadCount: 1, lastMessage: 'newest, v3' });
  });

  it('counts unread mentions exactly through reads and deletes, and refuses mentioning a non-member', async () => {
    const [ann, ben, cat, out] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat', 'Outsider')) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const id = await group(ann, [ben, cat]);
    expect(
      await codeOf(
        SendMessageDocument,
        { input: { conversationId: id, message: 'hey', mentionedUserIds: [out.id] } },
        ann,
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      await codeOf(
        SendMessageDocument,
        { input: { conversationId: id, message: 'hey', mentionedUserIds: ['$ne'] } },
        ann,
      ),
    ).toBe('BAD_USER_INPUT');
    const direct = [ann.id, out.id].sort().join('_');
    expect(
      await codeOf(
        SendMessageDocument,
        { input: { conversationId: direct, message: 'hey', mentionedUserIds: [ben.id] } },
        ann,
      ),
    ).toBe('BAD_USER_INPUT');

    const m1 = await send(ann, id, '@Cat one', { mentionedUserIds: [cat.id] });
    await send(ann, id, 'no mention');
    // (Sending reads the conversation up to one's own message: Ann's own send came before this.)
    await send(ben, id, '@Cat two', { mentionedUserIds: [cat.id, ann.id] }, 1);
    expect(m1.mentionedUserIds).toEqual([cat.id]);
    expect(await conversationOf(cat, id)).toMatchObject({ mentionCount: 2, unreadCount: 3 });
    expect(await conversationOf(ann, id)).toMatchObject({ mentionCount: 1 });
    // A deleted unread mention stops counting; a read clears the rest; a new one counts again.
    await graphqlOk(api(), DeleteMessageDocument, { messageId: m1.id }, ann.token);
    expect(await conversationOf(cat, id)).toMatchObject({ mentionCount: 1, unreadCount: 2 });
    await graphqlOk(api(), MarkConversationReadDocument, { conversationId: id }, cat.token);
    expect(await conversationOf(cat, id)).toMatchObject({ mentionCount: 0, unreadCount: 0 });
    await send(ben, id, '@Cat three', { mentionedUserIds: [cat.id] });
    expect(await conversationOf(cat, id)).toMatchObject({ mentionCount: 1 });

    // DIRECT conversations count the same way.
    await send(out, direct, '@Ann', { mentionedUserIds: [ann.id] });
    expect(await conversationOf(ann, direct)).toMatchObject({ mentionCount: 1 });
    await graphqlOk(api(), MarkConversationReadDocument, { conversationId: direct }, ann.token);
    expect(await conversationOf(ann, direct)).toMatchObject({ mentionCount: 0 });
  });

  it('quotes replies, counts and pages them, and refuses a reply to another conversation', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const id = [ann.id, ben.id].sort().join('_');
    const other = [ann.id, cat.id].sort().join('_');
    const elsewhere = await send(ann, other, 'elsewhere');
    const root = await send(ann, id, 'root');
    expect(
      await codeOf(SendMessageDocument, { input: { conversationId: id, message: 'r', replyToId: elsewhere.id } }, ben),
    ).toBe('BAD_USER_INPUT');
    const replies = [];
    for (let i = 0; i < 3; i += 1)
      replies.push(await send(i % 2 ? ann : ben, id, `reply ${i}`, { replyToId: root.id }));
    const page1 = (await graphqlOk(api(), RepliesDocument, { messageId: root.id, first: 2 }, ben.token)).replies;
    expect(page1.nodes.map((reply) => reply.message)).toEqual(['reply 0', 'reply 1']);
    const page2 = (
      await graphqlOk(
        api(),
        RepliesDocument,
        { messageId: root.id, first: 2, after: page1.pageInfo.endCursor },
        ben.token,
      )
    ).replies;
    expect(page2.nodes.map((reply) => reply.message)).toEqual(['reply 2']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(await codeOf(RepliesDocument, { messageId: root.id }, cat)).toBe('FORBIDDEN');

    const history = async () =>
      (await graphqlOk(api(), MessagesDocument, { conversationId: id, first: 10 }, ben.token)).messages.nodes;
    // replyCount and replyTo come with the details of a history page.
    const details = await graphqlOk(
      api(),
      EditMessageDocument,
      { messageId: root.id, message: 'root, edited' },
      ann.token,
    );
    expect(details.editMessage.replyCount).toBe(3);
    await graphqlOk(api(), DeleteMessageDocument, { messageId: replies[1]!.id }, ann.token);
    const reply = (
      await graphqlOk(api(), EditMessageDocument, { messageId: replies[2]!.id, message: 'reply 2, v2' }, ben.token)
    ).editMessage;
    expect(reply.replyTo).toMatchObject({ id: root.id, message: 'root, edited', deletedAt: null });
    expect((await history()).find((message) => message.id === root.id)?.replyToId).toBeNull();
    // Once the quoted message is deleted the quote is a stub.
    await graphqlOk(api(), DeleteMessageDocument, { messageId: root.id }, ann.token);
    const after = (
      await graphqlOk(api(), EditMessageDocument, { messageId: replies[2]!.id, message: 'reply 2, v3' }, ben.token)
    ).editMessage;
    expect(after.replyTo).toMatchObject({ id: root.id, message: '', deletedAt: expect.any(String) });
    expect(
      await codeOf(SendMessageDocument, { input: { conversationId: id, message: 'r', replyToId: root.id } }, ben),
    ).toBe('CONFLICT');
  });

  it('pins by role in groups, at most 50 per conversation, and unpins a deleted message', async () => {
    const [ann, ben] = (await createUsers(env.stores, 'Ann', 'Ben')) as [TestUser, TestUser];
    const id = await group(ann, [ben]);
    const message = await send(ben, id, 'pin me');
    expect(await codeOf(PinMessageDocument, { messageId: message.id }, ben)).toBe('FORBIDDEN');
    await graphqlOk(api(), SetMemberRoleDocument, { conversationId: id, userId: ben.id, role: 'ADMIN' }, ann.token);
    const pinned = (await graphqlOk(api(), PinMessageDocument, { messageId: message.id }, ben.token)).pinMessage;
    expect(pinned.pinnedAt).toEqual(expect.any(String));
    const pins = async () =>
      (
        await graphqlOk(api(), PinnedMessagesDocument, { conversationId: id }, ann.token)
      ).conversation.pinnedMessages.map((pin) => pin.id);
    expect(await pins()).toEqual([message.id]);
    // Pinning twice changes nothing; unpinning works; so does re-pinning.
    await graphqlOk(api(1), PinMessageDocument, { messageId: message.id }, ann.token);
    expect(await pins()).toEqual([message.id]);
    await graphqlOk(api(), UnpinMessageDocument, { messageId: message.id }, ann.token);
    expect(await pins()).toEqual([]);

    const many = [];
    for (let i = 0; i < 51; i += 1) many.push(await send(ann, id, `m${i}`));
    for (const pin of many.slice(0, 50)) await graphqlOk(api(), PinMessageDocument, { messageId: pin.id }, ann.token);
    expect(await codeOf(PinMessageDocument, { messageId: many[50]!.id }, ann)).toBe('CONFLICT');
    // Deleting a pinned message unpins it, which makes room.
    await graphqlOk(api(), DeleteMessageDocument, { messageId: many[0]!.id }, ann.token);
    expect(await pins()).toHaveLength(49);
    await graphqlOk(api(), PinMessageDocument, { messageId: many[50]!.id }, ann.token);
    expect((await pins()).slice(-1)).toEqual([many[50]!.id]);
  }, 60_000);

  it('validates reactions: one emoji or a :short_code:, at most 20 distinct, only by members', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const id = [ann.id, ben.id].sort().join('_');
    const message = await send(ann, id, 'hello');
    const react = (emoji: string, user = ben) => codeOf(AddReactionDocument, { messageId: message.id, emoji }, user);
    for (const bad of ['', 'ab', '👍👍', '<b>', ':Bad Code:', 'x'.repeat(65), '{"$ne":1}']) {
      expect({ bad, code: await react(bad) }).toEqual({ bad, code: 'BAD_USER_INPUT' });
    }
    expect(await react('👍', cat)).toBe('FORBIDDEN');
    for (const good of ['👍', '👍🏽', '🇫🇷', '👨‍👩‍👧', '1️⃣', ':thumbs_up:'])
      expect({ good, code: await react(good) }).toEqual({ good, code: 'OK' });
    for (let i = 0; i < 14; i += 1) expect(await react(`:code_${i}:`, ann)).toBe('OK');
    expect(await react(':one_too_many:', ann)).toBe('BAD_USER_INPUT');
    // A new user on an existing emoji is fine at the cap.
    expect(await react('👍', ann)).toBe('OK');
  });

  it('answers RESYNC_REQUIRED for a cursor older than the events kept, on the query and the subscription', async () => {
    const [ann, ben] = (await createUsers(env.stores, 'Ann', 'Ben')) as [TestUser, TestUser];
    const id = [ann.id, ben.id].sort().join('_');
    const message = await send(ann, id, 'hello');
    const { eventCursor: old } = await conversationOf(ben, id);
    await graphqlOk(api(), AddReactionDocument, { messageId: message.id, emoji: '👍' }, ben.token);
    // The retention sweep, as if 31 days had passed.
    const deleted = await env.system.runtimes[0]!.services.timeline.prune(new Date(Date.now() + 31 * 24 * 3600_000));
    expect(deleted).toBeGreaterThan(0);

    const { body } = await graphqlHttp(
      api(),
      ConversationEventsDocument,
      { conversationId: id, after: old },
      ben.token,
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RESYNC_REQUIRED', retentionDays: 30 });
    const refused = await subscribe(ben, { conversationId: id, after: old }).next();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RESYNC_REQUIRED' });
    // The current cursor works, and so does a subscription from it.
    const { eventCursor } = await conversationOf(ben, id);
    expect((await allEvents(ben, id, eventCursor)).events).toEqual([]);
    // Cursors of another conversation, or garbage, are bad input.
    expect(await codeOf(ConversationEventsDocument, { conversationId: id, after: 'garbage' }, ben)).toBe(
      'BAD_USER_INPUT',
    );
    const otherId = [ann.id, '0'.repeat(24)].sort().join('_');
    expect(await codeOf(ConversationEventsDocument, { conversationId: otherId }, ben)).toBe('FORBIDDEN');
  });

  it("gives a live event's subscribers every earlier version on demand, however many there are", async () => {
    const [ann, ben] = (await createUsers(env.stores, 'Ann', 'Ben')) as [TestUser, TestUser];
    const id = [ann.id, ben.id].sort().join('_');
    const message = await send(ann, id, 'v0');
    const socket = wsClient(env.system.ws[0]!, { token: ben.token });
    sockets.push(socket);
    // Only the last few versions travel through Redis; past them the server reads the rest.
    const withVersions = parse(
      'subscription V($id: ID) { conversationEvents(conversationId: $id) { type message { edits { message } } } }',
    ) as TypedDocumentNode<{ conversationEvents: { type: string; message: { edits: Array<{ message: string }> } } }>;
    const stream = new SubscriptionProbe(socket, withVersions, { id });
    await waitForSubscriptions(env.system.ws[0]!, 1);
    for (let version = 1; version <= 7; version += 1) {
      await graphqlOk(api(), EditMessageDocument, { messageId: message.id, message: `v${version}` }, ann.token);
      const event = (await stream.next()).data!.conversationEvents;
      expect(event.message.edits.map((edit) => edit.message)).toEqual(
        Array.from({ length: version }, (_, i) => `v${i}`),
      );
    }
  });

  it('carries all of my conversations live when no conversation is named', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const stream = subscribe(ann, {}, 1);
    const direct = [ann.id, ben.id].sort().join('_');
    const groupId = await group(cat, [ann]);
    const created = (await stream.next()).data!.conversationEvents;
    expect(created).toMatchObject({ type: 'CONVERSATION_CREATED', conversationId: groupId });
    const hi = await send(ben, direct, 'hi');
    expect((await stream.next()).data!.conversationEvents).toMatchObject({ type: 'MESSAGE_CREATED', messageId: hi.id });
    await graphqlOk(api(1), AddReactionDocument, { messageId: hi.id, emoji: '👋' }, ben.token);
    expect((await stream.next()).data!.conversationEvents).toMatchObject({
      type: 'REACTION_ADDED',
      conversationId: direct,
      emoji: '👋',
    });
  });
});
