import type { Client } from 'graphql-ws';
import { wsClient } from '../helpers/clients';
import { useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

interface Outcome {
  codes: string[];
  messages: string[];
  data: unknown;
}

async function overHttp(
  system: TestSystem,
  user: TestUser,
  query: string,
  headers: Record<string, string> = {},
): Promise<Outcome & { status: number }> {
  const response = await fetch(`${system.api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  return {
    status: response.status,
    codes: (body.errors ?? []).map((e) => String(e.extensions?.code)),
    messages: (body.errors ?? []).map((e) => e.message),
    data: body.data ?? null,
  };
}

/** Runs one operation over graphql-ws and collects its result or errors (the socket stays open). */
function overWs(client: Client, query: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let data: unknown = null;
    const codes: string[] = [];
    const messages: string[] = [];
    client.subscribe(
      { query },
      {
        next: (result) => {
          data = result.data ?? null;
          for (const e of result.errors ?? []) {
            codes.push(String(e.extensions?.['code']));
            messages.push(e.message);
          }
        },
        error: (errors) => {
          if (!Array.isArray(errors)) {
            // A close event or transport failure rather than operation errors: the socket broke.
            const close = errors as { code?: number; reason?: string };
            codes.push(`SOCKET_CLOSED_${String(close.code)}`);
            messages.push(String(close.reason));
            return resolve({ codes, messages, data });
          }
          for (const e of errors as Array<{ message: string; extensions?: { code?: string } }>) {
            codes.push(String(e.extensions?.code));
            messages.push(e.message);
          }
          resolve({ codes, messages, data });
        },
        complete: () => resolve({ codes, messages, data }),
      },
    );
  });
}

const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
const manyTokens = `{ me { ${Array.from({ length: 2500 }, () => 'id').join(' ')} } }`;

describe.each([
  ['development', 'development'],
  ['production', 'production'],
])('the same operation limits on HTTP and graphql-ws (%s)', (_label, nodeEnv) => {
  const env = useTestSystem({ env: { NODE_ENV: nodeEnv } });
  let system: TestSystem;
  let alice: TestUser;
  let socket: Client & { dispose(): void | Promise<void> };

  beforeAll(async () => {
    system = env.system;
    [alice] = (await createUsers(env.stores, 'Alice')) as [TestUser];
    socket = wsClient(system.ws[0]!, { token: alice.token });
  });

  afterAll(async () => {
    await socket?.dispose();
  });

  it('accepts an ordinary operation on both', async () => {
    expect((await overHttp(system, alice, aliases(10))).codes).toEqual([]);
    expect((await overWs(socket, aliases(10))).codes).toEqual([]);
  });

  it('refuses more than 15 aliases on both', async () => {
    const http = await overHttp(system, alice, aliases(20));
    const ws = await overWs(socket, aliases(20));
    expect(http.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(ws.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.data).toBeNull();
  });

  it('refuses a document over 2000 tokens on both, and the socket keeps working', async () => {
    const http = await overHttp(system, alice, manyTokens);
    expect({ codes: http.codes, messages: http.messages }).toEqual({
      codes: ['GRAPHQL_PARSE_FAILED'],
      messages: [expect.stringMatching(/more that 2000 tokens/)],
    });
    expect((await overWs(socket, manyTokens)).codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect((await overWs(socket, '{ me { name } }')).data).toEqual({ me: { name: 'Alice' } });
  });

  it(
    nodeEnv === 'production'
      ? 'refuses introspection and hides field suggestions on both'
      : 'allows introspection on both',
    async () => {
      const introspection = '{ __schema { queryType { name } } }';
      const typo = '{ me { nam } }';
      const [httpSchema, wsSchema, httpTypo, wsTypo] = [
        await overHttp(system, alice, introspection),
        await overWs(socket, introspection),
        await overHttp(system, alice, typo),
        await overWs(socket, typo),
      ];
      if (nodeEnv === 'production') {
        for (const refused of [httpSchema, wsSchema]) {
          expect(refused.codes.length).toBeGreaterThan(0);
          expect(new Set(refused.codes)).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
          expect(refused.data).toBeNull();
        }
        expect([...httpTypo.messages, ...wsTypo.messages].join(' ')).not.toMatch(/Did you mean/);
      } else {
        expect(httpSchema.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
        expect(wsSchema.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
        expect(wsTypo.messages.join(' ')).toMatch(/Did you mean "name"/);
      }
    },
  );

  it('refuses batched HTTP operations and CSRF-prone GET requests', async () => {
    const batch = await fetch(`${system.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(batch.status).toBe(400);
    const simpleGet = await fetch(`${system.api.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toMatch(/Cross-Site Request Forgery/);
  });
});
