import { ObjectId } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { churnGraphql, connectGraphqlDevice, type GraphqlDevice } from './graphql-clients';
import {
  BENCH_BUILD,
  heapFrom,
  spawnNode,
  type BenchUser,
  type ConnectOptions,
  type Datastores,
  type Device,
  type GroupSupport,
  type Spawned,
  type SystemUnderTest,
} from './system';

/** Two instances of a comparison server from bench/servers, each its own process. */
abstract class TwoInstances {
  protected instances: Spawned[] = [];
  protected abstract readonly entry: string;
  abstract readonly database: string;

  async start(stores: Datastores): Promise<void> {
    const env = {
      REDIS_URL: stores.redisUrl,
      DATABASE_URL: stores.mongoUrl(this.database),
      JWT_SECRET: stores.jwtSecret,
    };
    this.instances = await Promise.all(
      [0, 1].map(() => spawnNode(`${BENCH_BUILD}/bench/servers/${this.entry}.js`, 'PORT', env)),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((spawned) => spawned.process.stop()));
  }

  pids(): number[] {
    return this.instances.flatMap((spawned) => (spawned.process.child.pid ? [spawned.process.child.pid] : []));
  }

  socketPids(): number[] {
    return this.pids();
  }

  output(): string {
    return this.instances.map((spawned) => spawned.process.output()).join('\n');
  }

  async heapBytes(): Promise<number> {
    let total = 0;
    for (const spawned of this.instances) total += await heapFrom(`http://127.0.0.1:${spawned.port}/heap`);
    return total;
  }

  protected port(instance: number): number {
    return this.instances[instance % this.instances.length]!.port;
  }
}

interface LimitDevice extends Device {
  readonly socket: WebSocket;
  readonly acks: Map<string, () => void>;
}

export class LimitSystem extends TwoInstances implements SystemUnderTest {
  readonly key = 'limit';
  readonly label = 'limit: raw ws + ioredis';
  protected readonly entry = 'limit-server';
  readonly database = 'bench_limit';
  private nextId = 0;

  async connect(user: BenchUser, options: ConnectOptions): Promise<Device> {
    const socket = new WebSocket(`ws://127.0.0.1:${this.port(options.instance)}/?token=${user.token}`);
    const acks = new Map<string, () => void>();
    const device: LimitDevice = {
      user,
      socket,
      acks,
      close: async () => socket.close(),
    };
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; id: string; message?: string };
      if (frame.t === 'ack') {
        acks.get(frame.id)?.();
        acks.delete(frame.id);
      } else if (frame.message !== undefined) {
        options.onText(device, frame.message);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return device;
  }

  send(from: Device, to: BenchUser, text: string): Promise<void> {
    const device = from as LimitDevice;
    const id = String((this.nextId += 1));
    return new Promise((resolve) => {
      device.acks.set(id, resolve);
      device.socket.send(JSON.stringify({ id, to: to.id, text }));
    });
  }
}

interface SocketIoDevice extends Device {
  readonly socket: Socket;
}

export class SocketIoSystem extends TwoInstances implements SystemUnderTest {
  readonly key = 'socketio';
  readonly label = 'peer: Socket.io 4 + redis-adapter (seed design)';
  protected readonly entry = 'socketio-server';
  readonly database = 'bench_socketio';

  async connect(user: BenchUser, options: ConnectOptions): Promise<Device> {
    const socket = io(`http://127.0.0.1:${this.port(options.instance)}`, {
      transports: ['websocket'],
      auth: { token: user.token },
      reconnection: false,
    });
    const device: SocketIoDevice = { user, socket, close: async () => void socket.disconnect() };
    socket.on('new_message', (message: { message: string }) => options.onText(device, message.message));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return device;
  }

  async send(from: Device, to: BenchUser, text: string): Promise<void> {
    await (from as SocketIoDevice).socket.emitWithAck('send_message', { targetUserId: to.id, message: text });
  }

  /** The seed has no groups; this is the Socket.io way to add them: a room per group. */
  readonly groups: GroupSupport = {
    create: async () => new ObjectId().toHexString(),
    join: async (device, groupId) => {
      await (device as SocketIoDevice).socket.emitWithAck('join_group', { groupId });
    },
    send: async (from, groupId, text) => {
      await (from as SocketIoDevice).socket.emitWithAck('send_group_message', { groupId, message: text });
    },
  };
}

const TEXTBOOK_SUBSCRIPTIONS = [
  'subscription { newMessage { id message senderId receiverId } }',
  'subscription { typing }',
  'subscription { userStatus }',
];

export class TextbookGraphqlSystem extends TwoInstances implements SystemUnderTest {
  readonly key = 'textbook';
  readonly label = 'peer: textbook graphql-ws + withFilter';
  protected readonly entry = 'textbook-server';
  readonly database = 'bench_textbook';

  connect(user: BenchUser, options: ConnectOptions): Promise<Device> {
    return connectGraphqlDevice(
      `ws://127.0.0.1:${this.port(options.instance)}/graphql`,
      user,
      TEXTBOOK_SUBSCRIPTIONS,
      options,
    );
  }

  send(from: Device, to: BenchUser, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      (from as GraphqlDevice).client.subscribe(
        {
          query: 'mutation($to: ID!, $text: String!) { sendMessage(targetUserId: $to, message: $text) { id } }',
          variables: { to: to.id, text },
        },
        {
          next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : undefined),
          error: reject,
          complete: resolve,
        },
      );
    });
  }

  async churn(device: Device, count: number): Promise<void> {
    await churnGraphql((device as GraphqlDevice).client, count, 'subscription { typing }');
  }
}
