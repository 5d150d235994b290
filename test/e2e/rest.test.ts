import { Types } from 'mongoose';
import {
  ChatHistoryDocument,
  MessageDeletedDocument,
  MessagesReadDocument,
  NewMessageDocument,
  SendMessageDocument,
} from '../../src/client/graphql';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { chatActions, conversationIdOf } from '../helpers/chat';
import type { TestDatastores } from '../helpers/datastores';
import { useTestSystem, type TestSystem } from '../helpers/system';
import { OpenApiValidator } from '../helpers/openapi-validator';
import { createUsers, type TestUser } from '../helpers/users';

interface RestResult {
  status: number;
  body: Record<string, unknown> & { success: boolean; error?: { code: string; message: string } };
}

describe('REST compatibility routes (the seed API)', () => {
  const env = useTestSystem();
  let stores: TestDatastores;
  let system: TestSystem;
  let openApi: OpenApiValidator;
  const contractProblems: string[] = [];
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];

  const rest = async (
    method: string,
    path: string,
    user: TestUser | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<RestResult> => {
    const response = await fetch(`${system.api.url}/api/chat${path}`, {
      method,
      headers: {
        ...(user ? { authorization: `Bearer ${user.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const result = { status: response.status, body: (await response.json()) as RestResult['body'] };
    // Every response of this file is checked against the served OpenAPI document.
    contractProblems.push(...openApi.problems(method, `/api/chat${path}`, result.status, result.body));
    return result;
  };
  const users = (...names: string[]) => createUsers(stores, ...names);

  beforeAll(async () => {
    ({ stores, system } = env);
    openApi = new OpenApiValidator(await (await fetch(`${system.api.url}/api/openapi.json`)).json());
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    expect(contractProblems.splice(0)).toEqual([]);
  });

  it('serves every seed route with the seed JSON shapes', async () => {
    const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
    const posted = await rest('POST', '/messages', alice, {
      targetUserId: bob.id,
      message: 'Hi Bob!',
      clientMessageId: 'rest-1',
    });
    expect(posted.status).toBe(201);
    const messageId = (posted.body['data'] as { _id: string })._id;

    const conversations = await rest('GET', '/conversations', bob);
    expect(conversations).toEqual({
      status: 200,
      body: {
        success: true,
        data: [
          {
            conversationId: conversationIdOf(alice, bob),
            lastMessage: 'Hi Bob!',
            lastMessageTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
            unreadCount: 1,
            otherUserId: alice.id,
            otherUser: { _id: alice.id, name: 'Alice', email: 'alice@example.test' },
          },
        ],
      },
    });

    const history = await rest('GET', `/history/${alice.id}?limit=50&page=1`, bob);
    expect(history).toEqual({
      status: 200,
      body: {
        success: true,
        data: [
          {
            _id: messageId,
            conversationId: conversationIdOf(alice, bob),
            senderId: { _id: alice.id, name: 'Alice' },
            receiverId: { _id: bob.id, name: 'Bob' },
            message: 'Hi Bob!',
            messageType: 'text',
            isRead: false,
            createdAt: expect.stringMatching(/Z$/),
          },
        ],
        pagination: { total: 1, page: 1, limit: 50, pages: 1 },
      },
    });

    expect(await rest('GET', '/unread-count', bob)).toEqual({ status: 200, body: { success: true, unreadCount: 1 } });
    expect(
      await rest('GET', `/search?query=${encodeURIComponent('hi BOB')}&targetUserId=${alice.id}`, bob),
    ).toMatchObject({
      status: 200,
      body: { success: true, data: [{ _id: messageId, message: 'Hi Bob!' }] },
    });
    expect(await rest('PUT', `/mark-read/${alice.id}`, bob)).toEqual({
      status: 200,
      body: { success: true, markedCount: 1 },
    });
    expect(await rest('GET', '/unread-count', bob)).toEqual({ status: 200, body: { success: true, unreadCount: 0 } });
    expect(await rest('DELETE', `/message/${messageId}`, alice)).toEqual({ status: 200, body: { success: true } });
    expect(await rest('DELETE', `/conversation/${alice.id}`, bob)).toEqual({ status: 200, body: { success: true } });
    expect((await rest('GET', '/conversations', bob)).body['data']).toEqual([]);
  });

  it.each([0, 1, 50, 51, 101])(
    'computes total and pages for %i messages',
    async (count) => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const send = chatActions(system.api).send;
      for (let i = 0; i < count; i += 1) await send(alice, bob, `n${i}`);
      const first = await rest('GET', `/history/${alice.id}`, bob);
      const pages = Math.ceil(count / 50);
      expect(first.body['pagination']).toEqual({ total: count, page: 1, limit: 50, pages });
      expect((first.body['data'] as unknown[]).length).toBe(Math.min(50, count));
      if (count === 1) {
        expect((await rest('GET', `/history/${alice.id}?limit=1000`, bob)).body['pagination']).toMatchObject({
          limit: 100,
        });
        expect((await rest('GET', `/history/${alice.id}?limit=0`, bob)).body['pagination']).toMatchObject({
          limit: 1,
          pages: 1,
        });
      }
      if (count > 50) {
        const last = await rest('GET', `/history/${alice.id}?page=${pages}`, bob);
        expect((last.body['data'] as unknown[]).length).toBe(count - 50 * (pages - 1));
        expect((last.body['data'] as Array<{ message: string }>).at(-1)?.message).toBe('n0');
      }
    },
    30_000,
  );

  it('answers bad input with the error shape and the right status, and keeps serving', async () => {
    const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
    const message = (await rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'mine' })).body[
      'data'
    ] as { _id: string };
    const cases: Array<[string, Promise<RestResult>, number, string]> = [
      ['no token', rest('GET', '/conversations', null), 401, 'UNAUTHENTICATED'],
      ['bad token', rest('GET', '/conversations', { ...alice, token: 'x.y.z' }), 401, 'UNAUTHENTICATED'],
      ['bad id', rest('GET', '/history/not-an-id', alice), 400, 'BAD_USER_INPUT'],
      ['non-numeric limit', rest('GET', `/history/${bob.id}?limit=ten`, alice), 400, 'BAD_USER_INPUT'],
      ['page 0', rest('GET', `/history/${bob.id}?page=0`, alice), 400, 'BAD_USER_INPUT'],
      ['operator in query', rest('GET', `/history/${bob.id}?limit[$gt]=1`, alice), 400, 'BAD_USER_INPUT'],
      ['operator in search', rest('GET', '/search?query=a&targetUserId[$ne]=x', alice), 400, 'BAD_USER_INPUT'],
      ['repeated parameter', rest('GET', '/search?query=a&query=b', alice), 400, 'BAD_USER_INPUT'],
      [
        'operator in body',
        rest('POST', '/messages', alice, { targetUserId: { $ne: null }, message: 'x' }),
        400,
        'BAD_USER_INPUT',
      ],
      ['invalid JSON', rest('POST', '/messages', alice, '{"targetUserId":'), 400, 'BAD_USER_INPUT'],
      [
        'empty message',
        rest('POST', '/messages', alice, { targetUserId: bob.id, message: ' ' }),
        400,
        'BAD_USER_INPUT',
      ],
      [
        'body over 64 KiB',
        rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'x'.repeat(70_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a reused clientMessageId',
        (async () => {
          await rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'one', clientMessageId: 'dup-key' });
          return rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'two', clientMessageId: 'dup-key' });
        })(),
        409,
        'CONFLICT',
      ],
      ["someone else's message", rest('DELETE', `/message/${message._id}`, bob), 403, 'FORBIDDEN'],
      ['unknown message', rest('DELETE', `/message/${new Types.ObjectId().toHexString()}`, bob), 404, 'NOT_FOUND'],
      ['unknown user', rest('GET', `/history/${new Types.ObjectId().toHexString()}`, bob), 404, 'NOT_FOUND'],
    ];
    for (const [name, pending, status, code] of cases) {
      const result = await pending;
      expect({ name, status: result.status, success: result.body.success, code: result.body.error?.code }).toEqual({
        name,
        status,
        success: false,
        code,
      });
      expect(typeof result.body.error?.message).toBe('string');
    }
    expect((await rest('GET', '/unread-count', bob)).status).toBe(200);
    const unknown = await fetch(`${system.api.url}/api/chat/nope`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect({ status: unknown.status, body: await unknown.json() }).toEqual({
      status: 404,
      body: { success: false, error: { code: 'NOT_FOUND', message: 'No such route' } },
    });
  });

  it('masks an unexpected failure as 500 INTERNAL_SERVER_ERROR without internals, and keeps serving', async () => {
    const [mallory, bob, carol] = (await users('Mallory', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
    // Corrupt data written behind the service's back: a preview whose messageId is not an ObjectId.
    await stores.mongo.connection.collection('conversations').insertOne({
      _id: conversationIdOf(mallory, bob),
      participants: [mallory.id, bob.id].sort(),
      state: {
        fence: 0,
        version: 1,
        lastSeq: 1,
        lastActivityAt: new Date(),
        lastMessage: {
          messageId: 'broken',
          seq: 1,
          senderId: bob.id,
          message: 'x',
          messageType: 'text',
          createdAt: new Date(),
        },
        lastMessageTime: new Date(),
        members: {},
      },
    } as never);
    const conversationId = conversationIdOf(mallory, bob);
    await stores.mongo.connection
      .collection('inboxes')
      .insertOne({ _id: `${mallory.id}|${conversationId}`, userId: mallory.id, conversationId } as never);
    const broken = await rest('GET', '/conversations', mallory);
    expect(broken).toEqual({
      status: 500,
      body: { success: false, error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } },
    });
    expect((await rest('GET', '/unread-count', carol)).status).toBe(200);
  });

  it('serves userEvents at /events: the cursor of now, then what came after it, a stale cursor 410', async () => {
    const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
    const now = await rest('GET', '/events', bob);
    expect(now).toEqual({
      status: 200,
      body: { success: true, data: [], endCursor: expect.any(String), hasMore: false },
    });
    const start = now.body['endCursor'] as string;
    const posted = await rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'over REST' });
    await rest('PUT', `/mark-read/${alice.id}`, bob);
    const events = await rest('GET', `/events?after=${encodeURIComponent(start)}&first=10`, bob);
    expect(events.status).toBe(200);
    expect(events.body['data']).toEqual([
      expect.objectContaining({
        type: 'MESSAGE_CREATED',
        actorId: alice.id,
        message: expect.objectContaining({ _id: (posted.body['data'] as { _id: string })._id, message: 'over REST' }),
      }),
      expect.objectContaining({ type: 'MESSAGES_READ', actorId: bob.id, readSeq: 1, message: null }),
    ]);
    const end = events.body['endCursor'] as string;
    expect((await rest('GET', `/events?after=${encodeURIComponent(end)}`, bob)).body['data']).toEqual([]);
    // Someone else's cursor names nothing of mine: reload (410), as a pruned one.
    expect((await rest('GET', `/events?after=${encodeURIComponent(end)}`, alice)).status).toBe(410);
    expect((await rest('GET', '/events?after=nonsense', bob)).status).toBe(400);
  });

  it('serves an OpenAPI 3.1 document that real responses are checked against', async () => {
    const document = (await (await fetch(`${system.api.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/chat/attachments',
      '/api/chat/attachments/{attachmentId}',
      '/api/chat/conversation/{targetUserId}',
      '/api/chat/conversations',
      '/api/chat/events',
      '/api/chat/groups',
      '/api/chat/groups/{conversationId}/leave',
      '/api/chat/groups/{conversationId}/members',
      '/api/chat/groups/{conversationId}/members/{userId}',
      '/api/chat/history/{targetUserId}',
      '/api/chat/mark-read/{targetUserId}',
      '/api/chat/message/{messageId}',
      '/api/chat/messages',
      '/api/chat/search',
      '/api/chat/unread-count',
    ]);
    // The validator itself catches a drifted shape.
    expect(openApi.problems('GET', '/api/chat/unread-count', 200, { success: true, unreadCount: '3' })).not.toEqual([]);
  });

  it('agrees with GraphQL in both directions', async () => {
    const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
    const viaGraphql = (
      await graphqlOk(
        system.api,
        SendMessageDocument,
        { input: { targetUserId: bob.id, message: 'from GraphQL' } },
        alice.token,
      )
    ).sendMessage;
    const restHistory = await rest('GET', `/history/${alice.id}`, bob);
    expect((restHistory.body['data'] as Array<{ _id: string; createdAt: string }>)[0]).toMatchObject({
      _id: viaGraphql.id,
      createdAt: viaGraphql.createdAt,
    });

    const viaRest = (
      await rest('POST', '/messages', bob, { targetUserId: alice.id, message: 'from REST', messageType: 'text' })
    ).body['data'] as { _id: string };
    const graphHistory = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: bob.id }, alice.token);
    expect(graphHistory.chatHistory.messages.map((m) => [m.id, m.message])).toEqual([
      [viaRest._id, 'from REST'],
      [viaGraphql.id, 'from GraphQL'],
    ]);
    // Same idempotency key through REST returns the same message.
    const again = await rest('POST', '/messages', bob, {
      targetUserId: alice.id,
      message: 'retry',
      clientMessageId: 'k-1',
    });
    const retried = await rest('POST', '/messages', bob, {
      targetUserId: alice.id,
      message: 'retry',
      clientMessageId: 'k-1',
    });
    expect((retried.body['data'] as { _id: string })._id).toBe((again.body['data'] as { _id: string })._id);
  });

  it('produces the same subscription events as the GraphQL twins', async () => {
    const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
    const aliceSocket = wsClient(system.ws[0]!, { token: alice.token });
    const bobSocket = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(aliceSocket, bobSocket);
    const bobInbox = new SubscriptionProbe(bobSocket, NewMessageDocument, {});
    const aliceReceipts = new SubscriptionProbe(aliceSocket, MessagesReadDocument, {});
    const bobDeletions = new SubscriptionProbe(bobSocket, MessageDeletedDocument, {});
    await waitForSubscriptions(system.ws[0]!, 3);

    const posted = (await rest('POST', '/messages', alice, { targetUserId: bob.id, message: 'over REST' })).body[
      'data'
    ] as { _id: string };
    expect((await bobInbox.next()).data?.newMessage).toMatchObject({
      id: posted._id,
      message: 'over REST',
      senderId: alice.id,
    });
    await rest('PUT', `/mark-read/${alice.id}`, bob);
    expect((await aliceReceipts.next()).data?.messagesRead).toMatchObject({
      messageIds: [posted._id],
      readerId: bob.id,
    });
    await rest('DELETE', `/message/${posted._id}`, alice);
    expect((await bobDeletions.next()).data?.messageDeleted).toMatchObject({
      messageId: posted._id,
      deletedBy: alice.id,
    });
  });

  it('creates and runs a group in the seed style: members, sending, history, mark-read, search, hide, leave', async () => {
    const [ann, ben, cat, eve] = (await users('Ann', 'Ben', 'Cat', 'Eve')) as [TestUser, TestUser, TestUser, TestUser];
    const created = await rest('POST', '/groups', ann, { title: 'Ops', memberIds: [ben.id], clientRequestId: 'ops-1' });
    expect(created).toMatchObject({
      status: 201,
      body: {
        success: true,
        data: { kind: 'GROUP', title: 'Ops', memberCount: 2, viewerRole: 'OWNER', otherUserId: null, otherUser: null },
      },
    });
    const groupId = (created.body['data'] as { conversationId: string }).conversationId;
    // A retry answers the same group.
    const retried = await rest('POST', '/groups', ann, { title: 'Ops', memberIds: [ben.id], clientRequestId: 'ops-1' });
    expect((retried.body['data'] as { conversationId: string }).conversationId).toBe(groupId);

    expect(await rest('POST', `/groups/${groupId}/members`, ann, { userIds: [cat.id] })).toMatchObject({
      status: 200,
      body: { data: { memberCount: 3 } },
    });
    const members = await rest('GET', `/groups/${groupId}/members?limit=2`, ben);
    expect(members.body).toMatchObject({
      success: true,
      data: [
        { _id: ann.id, name: 'Ann', role: 'OWNER' },
        { _id: ben.id, name: 'Ben', role: 'MEMBER' },
      ],
      pageInfo: { hasNextPage: true },
    });
    const after = (members.body['pageInfo'] as { endCursor: string }).endCursor;
    expect((await rest('GET', `/groups/${groupId}/members?after=${after}`, ben)).body['data']).toMatchObject([
      { _id: cat.id, role: 'MEMBER' },
    ]);

    const posted = await rest('POST', '/messages', ben, { conversationId: groupId, message: 'Deploy at five' });
    expect(posted).toMatchObject({
      status: 201,
      body: { data: { conversationId: groupId, receiverId: null, senderId: { _id: ben.id, name: 'Ben' } } },
    });
    const history = await rest('GET', `/history/${groupId}?limit=10`, cat);
    expect((history.body['data'] as Array<{ message: string; messageType: string }>).map((m) => m.messageType)).toEqual(
      ['text', 'system'],
    );
    expect(await rest('GET', '/unread-count', cat)).toEqual({ status: 200, body: { success: true, unreadCount: 1 } });
    expect(
      (await rest('GET', `/search?query=deploy&targetUserId=${groupId}`, cat)).body['data'] as unknown[],
    ).toHaveLength(1);
    expect(await rest('PUT', `/mark-read/${groupId}`, cat)).toEqual({
      status: 200,
      body: { success: true, markedCount: 1 },
    });
    const listed = (await rest('GET', '/conversations', cat)).body['data'] as Array<Record<string, unknown>>;
    expect(listed.find((c) => c['conversationId'] === groupId)).toMatchObject({ unreadCount: 0, title: 'Ops' });
    expect(await rest('DELETE', `/conversation/${groupId}`, cat)).toEqual({ status: 200, body: { success: true } });
    expect(((await rest('GET', '/conversations', cat)).body['data'] as unknown[]).length).toBe(0);

    // Not a member: 403; no such group: 404; bad input: 400; a MEMBER may not remove: 403.
    expect((await rest('GET', `/history/${groupId}`, eve)).status).toBe(403);
    expect((await rest('POST', '/messages', eve, { conversationId: groupId, message: 'hi' })).status).toBe(403);
    expect((await rest('GET', `/groups/g_${'0'.repeat(24)}/members`, eve)).status).toBe(404);
    expect((await rest('POST', '/groups', ann, { title: '', memberIds: [ben.id] })).status).toBe(400);
    expect((await rest('POST', '/groups', ann, { title: 'x', memberIds: 'nope' })).status).toBe(400);
    expect((await rest('POST', '/groups', ann, { title: 'x', memberIds: [{ $gt: '' }] })).status).toBe(400);
    expect((await rest('DELETE', `/groups/${groupId}/members/${ann.id}`, ben)).status).toBe(403);

    expect(await rest('DELETE', `/groups/${groupId}/members/${cat.id}`, ann)).toMatchObject({
      status: 200,
      body: { data: { memberCount: 2 } },
    });
    expect((await rest('GET', `/history/${groupId}`, cat)).status).toBe(403);
    expect(await rest('POST', `/groups/${groupId}/leave`, ann)).toEqual({ status: 200, body: { success: true } });
    expect((await rest('GET', `/groups/${groupId}/members`, ben)).body['data']).toMatchObject([
      { _id: ben.id, role: 'OWNER' },
    ]);
  });
});
