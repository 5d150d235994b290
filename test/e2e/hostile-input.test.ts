import jwt from 'jsonwebtoken';
import { MeDocument } from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { graphqlHttp } from '../helpers/clients';
import type { TestDatastores } from '../helpers/datastores';
import { RawGraphqlSocket } from '../helpers/raw-socket';
import { TEST_JWT_SECRET, useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** Sends the frames in order on a fresh graphql-transport-ws socket and waits for the server to close it. */
async function closeCodeAfter(url: string, frames: Array<string | Buffer>): Promise<number> {
  const socket = await RawGraphqlSocket.open(url);
  for (const frame of frames) socket.send(frame);
  return (await socket.waitForClose()).code;
}

describe('hostile input on every edge: a clear 4xx or GraphQL error, nothing stored, service still up', () => {
  const env = useTestSystem();
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  const init = (token: string) => JSON.stringify({ type: 'connection_init', payload: { token } });
  const stored = () => stores.mongo.connection.collection('chatmessages').countDocuments();

  beforeAll(async () => {
    ({ stores, system } = env);
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterEach(async () => {
    // The next honest request works.
    const { body } = await graphqlHttp(system.api, MeDocument, {}, alice.token);
    expect(body.data?.me.id).toBe(alice.id);
  });

  describe('raw graphql-ws protocol', () => {
    it.each([
      ['non-JSON', ['not json'], 4400],
      [
        'subscribe before init',
        [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } })],
        4401,
      ],
      ['a binary frame of garbage', [Buffer.from([0xff, 0xfe, 0x00, 0x01])], 4400],
    ])('closes on %s with %i', async (_name, frames, code) => {
      expect(await closeCodeAfter(system.ws[0]!.url, frames as Array<string | Buffer>)).toBe(code);
    });

    it('closes on a second connection_init with 4429 and on a duplicate operation id with 4409', async () => {
      expect(await closeCodeAfter(system.ws[0]!.url, [init(alice.token), init(alice.token)])).toBe(4429);
      const subscribe = JSON.stringify({
        id: 'dup',
        type: 'subscribe',
        payload: { query: 'subscription { newMessage { id } }' },
      });
      const socket = await RawGraphqlSocket.open(system.ws[0]!.url);
      await socket.init(alice.token);
      socket.send(subscribe);
      socket.send(subscribe);
      expect((await socket.waitForClose()).code).toBe(4409);
    });

    it('answers a huge variables object inside the frame limit with an error for that operation only', async () => {
      const subscribe = JSON.stringify({
        id: 'v',
        type: 'subscribe',
        payload: {
          query: 'query($t: ID!) { chatHistory(targetUserId: $t) { conversationId } }',
          variables: { t: 'x'.repeat(60_000) },
        },
      });
      const socket = await RawGraphqlSocket.open(system.ws[0]!.url);
      await socket.init(alice.token);
      socket.send(subscribe);
      const result = (await socket.waitFor((message) => message.id === 'v', 'the answer to operation v')) as {
        payload: { errors?: Array<{ extensions?: { code?: string } }> };
      };
      expect(result.payload.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      await socket.roundTrip(); // the socket itself is still open and served
      socket.terminate();
    });
  });

  describe('tokens', () => {
    const cases: Array<[string, () => string]> = [
      ['forged with alg none', () => jwt.sign({ sub: alice.id }, '', { algorithm: 'none' })],
      ['signed with another secret', () => jwt.sign({ sub: alice.id }, 'not-the-right-secret-at-all')],
      ['expired', () => jwt.sign({ sub: alice.id, exp: 1 }, TEST_JWT_SECRET)],
      ['10 KB of junk', () => 'x'.repeat(10_240)],
      ['10 KB of valid claims for a non-user subject', () => jwt.sign({ sub: 'a'.repeat(10_000) }, TEST_JWT_SECRET)],
    ];
    it.each(cases)('refuses a token %s on HTTP (401), REST (401) and WS (4403)', async (_name, token) => {
      const value = token();
      expect((await graphqlHttp(system.api, MeDocument, {}, value)).status).toBe(401);
      const rest = await fetch(`${system.api.url}/api/chat/unread-count`, {
        headers: { authorization: `Bearer ${value}` },
      });
      expect(rest.status).toBe(401);
      expect(await closeCodeAfter(system.ws[0]!.url, [init(value)])).toBe(4403);
    });
  });

  describe('GraphQL inputs', () => {
    const post = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${system.api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return {
        status: response.status,
        text,
        body: JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> },
      };
    };
    const send = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }';

    it.each([
      ['$ne', { $ne: null }],
      ['$where', { $where: 'sleep(1000)' }],
      ['$nor', { $nor: [{ a: 1 }] }],
      ['$expr', { $expr: { $eq: [1, 1] } }],
    ])('refuses a %s selector in an ID input without storing anything', async (_name, selector) => {
      const before = await stored();
      const result = await post(send, { input: { targetUserId: selector, message: 'x' } });
      expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const inText = await post(send, { input: { targetUserId: bob.id, message: selector } });
      expect(inText.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await stored()).toBe(before);
      expect(result.text).not.toMatch(/at .+\.(ts|js):\d+/);
    });

    it.each([
      // The cost rule counts list sizes: a page of 1e9 is refused before it runs.
      [
        'first: 1e9',
        'query { messages(targetUserId: "%B", first: 1000000000) { nodes { id } } }',
        ['GRAPHQL_VALIDATION_FAILED'],
      ],
      ['first: 100, the largest page', 'query { messages(targetUserId: "%B", first: 100) { nodes { id } } }', ['OK']],
      [
        'first: 1e10 (not an Int)',
        'query { messages(targetUserId: "%B", first: 10000000000) { nodes { id } } }',
        ['GRAPHQL_VALIDATION_FAILED'],
      ],
      [
        'an invalid ObjectId',
        'query { chatHistory(targetUserId: "64b0-not-an-id") { conversationId } }',
        ['BAD_USER_INPUT'],
      ],
      [
        'a NUL byte in an id',
        'query { chatHistory(targetUserId: "64b00000000000000000000\\u0000") { conversationId } }',
        ['BAD_USER_INPUT'],
      ],
      ['a regex as search', 'query { searchMessages(query: "^(a|aa)+$") { id } }', ['OK']],
    ])('answers %s cleanly', async (_name, query, codes) => {
      const result = await post(query.replace('%B', bob.id));
      expect([...new Set(result.body.errors?.map((e) => e.extensions?.code) ?? ['OK'])]).toEqual(codes);
    });

    it('stores a NUL byte inside message text as text, not as a terminator', async () => {
      const result = await post(send, {
        input: { targetUserId: bob.id, message: 'before\u0000after', clientMessageId: 'nul-1' },
      });
      expect(result.body.errors).toBeUndefined();
      const doc = await stores.mongo.connection.collection('chatmessages').findOne({ clientMessageId: 'nul-1' });
      expect(doc?.['message']).toBe('before\u0000after');
    });
  });

  describe('REST bodies and parameters', () => {
    const raw = (path: string, init: RequestInit = {}) =>
      fetch(`${system.api.url}/api/chat${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${alice.token}`,
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      });

    it.each([
      ['$ne in the query', `/search?query=a&targetUserId[$ne]=x`, undefined, 400],
      ['$where in the query', `/history/${'a'.repeat(24)}?limit[$where]=1`, undefined, 400],
      ['$expr in the body', '/messages', JSON.stringify({ targetUserId: { $expr: 1 }, message: 'x' }), 400],
      [
        '$nor nested in the body',
        '/messages',
        JSON.stringify({ targetUserId: 'x', message: 'x', meta: { $nor: [] } }),
        400,
      ],
      ['a 1 MB body', '/messages', JSON.stringify({ targetUserId: 'x', message: 'y'.repeat(1_000_000) }), 413],
      ['invalid UTF-8', '/messages', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400],
      ['a NUL byte in a path id', '/message/%00', 'DELETE', 400],
    ])('refuses %s with %i and stores nothing', async (_name, path, body, status) => {
      const before = await stored();
      const response = await raw(
        path,
        body === undefined ? {} : body === 'DELETE' ? { method: 'DELETE' } : { method: 'POST', body },
      );
      expect(response.status).toBe(status);
      const json = (await response.json()) as { success: boolean; error: { code: string; message: string } };
      expect(json.success).toBe(false);
      expect(json.error.message).not.toMatch(/at .+\.(ts|js):\d+/);
      expect(await stored()).toBe(before);
    });
  });

  it('never widens a scoped query when a filter names an unknown field', async () => {
    // Its own users and messages, so it means the same whichever tests ran before it.
    const [carol, dave, erin] = (await createUsers(stores, 'Carol', 'Dave', 'Erin')) as [TestUser, TestUser, TestUser];
    const chat = chatActions(system.api);
    await chat.send(carol, dave, 'in the scoped conversation');
    await chat.send(dave, erin, 'elsewhere');
    await chat.send(erin, dave, 'elsewhere too');
    const model = stores.mongo.connection.model('ChatMessage');
    // An unknown field fails loudly instead of being stripped (stripping would leave `{}`: every message).
    await expect(model.find({ conversationId: 'x', notAField: 1 }).lean()).rejects.toThrow(/notAField/);
    // Through the API, a conversation's history holds its own messages and no one else's.
    const history = await fetch(`${system.api.url}/api/chat/history/${dave.id}`, {
      headers: { authorization: `Bearer ${carol.token}` },
    });
    const body = (await history.json()) as { data: Array<{ message: string }> };
    expect(body.data.map((message) => message.message)).toEqual(['in the scoped conversation']);
  });
});
