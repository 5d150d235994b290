import WebSocket from 'ws';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** Opens a raw socket speaking graphql-transport-ws and resolves with its close code. */
function rawSocket(url: string, onOpen: (socket: WebSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.once('open', () => onOpen(socket));
    socket.once('close', (code) => resolve(code));
    socket.once('error', reject);
  });
}

describe('protocol and HTTP edges', () => {
  const env = useTestSystem();
  let alice: TestUser;

  beforeAll(async () => {
    [alice] = (await createUsers(env.stores, 'Alice')) as [TestUser];
  });

  it('closes a socket that never sends connection_init with 4408', async () => {
    const code = await rawSocket(env.system.ws[0]!.url, () => undefined);
    expect(code).toBe(4408);
  });

  it('closes a socket that sends an invalid protocol message with 4400', async () => {
    const code = await rawSocket(env.system.ws[0]!.url, (socket) => socket.send(JSON.stringify({ type: 'nonsense' })));
    expect(code).toBe(4400);
  });

  it('refuses a WebSocket frame over 64 KiB (1009) instead of buffering it, without printing to the console', async () => {
    const printed = jest.spyOn(console, 'error');
    try {
      const code = await rawSocket(env.system.ws[0]!.url, (socket) => {
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { token: alice.token, pad: 'x'.repeat(70_000) } }),
        );
      });
      expect(code).toBe(1009);
      // Logs stay structured: graphql-ws's console.error for a client's socket error is replaced.
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
    // The instance keeps serving.
    const next = await rawSocket(env.system.ws[0]!.url, (socket) => socket.send(JSON.stringify({ type: 'nonsense' })));
    expect(next).toBe(4400);
  });

  it('answers a CORS preflight from an allowed origin, and not from others', async () => {
    const preflight = (origin: string) =>
      fetch(`${env.system.api.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an HTTP body over 64 KiB with 413', async () => {
    const response = await fetch(`${env.system.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(70_000) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body is larger than 64 KiB', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('refuses a subscription over HTTP with 400 BAD_REQUEST pointing at the WS service', async () => {
    const response = await fetch(`${env.system.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: 'subscription { newMessage { id } }' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: unknown }> };
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining(`graphql-ws on the WS service (port ${env.system.config.websocketPort}`),
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await fetch(`${env.system.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions).toEqual({
      code: 'BAD_REQUEST',
    });
  });

  it('reports connections, users, subscriptions, deliveries and uptime on /stats', async () => {
    const statsUrl = env.system.ws[0]!.url.replace(/^ws/, 'http').replace('/graphql', '/stats');
    const socket = new WebSocket(env.system.ws[0]!.url, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { token: alice.token } }));
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
    const stats = (await (await fetch(statsUrl)).json()) as Record<string, number>;
    expect(stats).toEqual({
      connections: 1,
      connectedUsers: 1,
      activeSubscriptions: 0,
      eventsDelivered: expect.any(Number),
      eventsExecuted: expect.any(Number),
      uptimeSeconds: expect.any(Number),
    });
    socket.close();
  });
});
