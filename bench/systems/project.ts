import { Agent, request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  PROJECT_DIST,
  spawnNode,
  type BenchUser,
  type ConnectOptions,
  type Datastores,
  type Device,
  type Spawned,
  type SystemUnderTest,
} from './system';

const SUBSCRIPTIONS = [
  'subscription { newMessage { id message senderId receiverId } }',
  'subscription { typing { userId isTyping } }',
  'subscription { userStatus { type userId } }',
];
const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';

interface ProjectDevice extends Device {
  readonly client: Client;
}

/** This project: one API service (sends over HTTP) and two WS instances (deliveries cross Redis). */
export class ProjectSystem implements SystemUnderTest {
  readonly key = 'project';
  readonly label = 'this project (API + 2 WS)';
  constructor(readonly database = 'bench_project') {}
  private api: Spawned | null = null;
  private ws: Spawned[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });

  async start(stores: Datastores): Promise<void> {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: stores.mongoUrl(this.database),
      REDIS_URL: stores.redisUrl,
      JWT_SECRET: stores.jwtSecret,
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'off',
      WEBSOCKET_PORT: '1', // the API only reports it; the WS instances get their own below
    };
    // BENCH_PROFILE=<dir>: V8 CPU profiles of this project's processes, written when they stop.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    this.api = await spawnNode(`${PROJECT_DIST}/api/main.js`, 'API_PORT', env, profile);
    this.ws = await Promise.all(
      [0, 1].map(() => spawnNode(`${PROJECT_DIST}/ws/main.js`, 'WEBSOCKET_PORT', env, profile)),
    );
  }

  async stop(): Promise<void> {
    if (process.env.BENCH_SERVICE_LOGS) process.stderr.write(this.output());
    await Promise.all([this.api, ...this.ws].map((spawned) => spawned?.process.stop()));
    this.agent.destroy();
  }

  output(): string {
    return [this.api, ...this.ws].map((spawned) => spawned?.process.output() ?? '').join('\n');
  }

  apiPort(): number {
    return this.api!.port;
  }

  pids(): number[] {
    return [this.api, ...this.ws].flatMap((spawned) => (spawned?.process.child.pid ? [spawned.process.child.pid] : []));
  }

  socketPids(): number[] {
    return this.ws.flatMap((spawned) => (spawned.process.child.pid ? [spawned.process.child.pid] : []));
  }

  async heapBytes(): Promise<number> {
    let total = 0;
    for (const spawned of this.ws) {
      const text = await (await fetch(`http://127.0.0.1:${spawned.port}/metrics`)).text();
      total += Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? Number.NaN);
    }
    return total;
  }

  async connect(user: BenchUser, options: ConnectOptions): Promise<Device> {
    const port = this.ws[options.instance % this.ws.length]!.port;
    let device!: ProjectDevice;
    const connected = new Promise<void>((resolve, reject) => {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${user.token}` },
        lazy: false,
        retryAttempts: 0,
        on: { connected: () => resolve(), closed: (event) => reject(new Error(`closed ${JSON.stringify(event)}`)) },
      });
      device = { user, client, close: () => client.dispose() as Promise<void> };
    });
    await connected;
    for (const query of SUBSCRIPTIONS.slice(0, options.subscriptions)) {
      device.client.subscribe<{ newMessage?: { message: string } }>(
        { query },
        {
          next: (result) => {
            const text = result.data?.newMessage?.message;
            if (text !== undefined) options.onText(device, text);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    return device;
  }

  send(from: Device, to: BenchUser, text: string): Promise<void> {
    const body = JSON.stringify({ query: SEND, variables: { input: { targetUserId: to.id, message: text } } });
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.api!.port,
          path: '/graphql',
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${from.user.token}`,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode === 200 && !text.includes('"errors"')) resolve();
            else reject(new Error(`send failed: ${response.statusCode} ${text.slice(0, 200)}`));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async churn(device: Device, count: number): Promise<void> {
    await churnGraphql((device as ProjectDevice).client, count, 'subscription { typing { userId } }');
  }
}

/**
 * Subscribe, then complete, `count` times; each pair is followed by nothing, and the batch by a
 * query on the same socket, so the server has read every message before this resolves.
 */
export async function churnGraphql(client: Client, count: number, query: string): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const dispose = client.subscribe(
      { query },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await new Promise((resolve) => setImmediate(resolve));
    dispose();
  }
  await new Promise<void>((resolve, reject) => {
    client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: reject, complete: resolve });
  });
}
