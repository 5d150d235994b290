import { Agent } from 'node:http';
import {
  churnGraphql,
  connectGraphqlDevice,
  mutateOverWs,
  postGraphql,
  requestGraphql,
  type GraphqlDevice,
} from './graphql-clients';
import {
  PROJECT_DIST,
  spawnNode,
  type BenchUser,
  type ConnectOptions,
  type Datastores,
  type Device,
  type GroupSupport,
  type Spawned,
  type SystemUnderTest,
} from './system';

const SUBSCRIPTIONS = [
  // As the web client selects it: the sender's name is resolved for every delivery.
  'subscription { newMessage { id message senderId receiverId sender { name } } }',
  'subscription { typing { userId isTyping } }',
  'subscription { userStatus { type userId } }',
];
/** The web client's one subscription once it moves to userEvents (#24): messages, reads, typing, presence. */
const USER_EVENTS =
  'subscription { userEvents { cursor type conversationId actorId isTyping status readSeq message { id message senderId receiverId sender { name } } } }';
function clusterNodes(stores: Datastores): string {
  if (!stores.redisClusterNodes) throw new Error('the cluster variant needs BENCH_REDIS_CLUSTER=1');
  return stores.redisClusterNodes;
}

const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';

/**
 * This project: one API service and two WS instances (deliveries cross Redis), on the single
 * redis-server, or (`onCluster`) on the Redis Cluster BENCH_REDIS_CLUSTER=1 starts. Sends go over
 * the API's HTTP endpoint, or (`sendsOverWs`, 'project-ws') as mutations on the sender's own
 * graphql-ws connection, as a browser that keeps one socket sends them.
 */
export class ProjectSystem implements SystemUnderTest {
  readonly key: 'project' | 'project-cluster' | 'project-ws' | 'project-stream';
  readonly label: string;
  constructor(
    private readonly onCluster = false,
    readonly database = 'bench_project',
    private readonly sendsOverWs = false,
    /** Clients hold one userEvents subscription (the web client's after #24) instead of three. */
    private readonly onUserEvents = false,
  ) {
    this.key = onCluster ? 'project-cluster' : sendsOverWs ? 'project-ws' : onUserEvents ? 'project-stream' : 'project';
    this.label = onCluster
      ? 'this project on a 3-master Redis Cluster'
      : onUserEvents
        ? 'this project (API + 2 WS), clients on one userEvents subscription'
        : `this project (API + 2 WS), sends over ${sendsOverWs ? 'graphql-ws' : 'HTTP'}`;
  }
  private api: Spawned | null = null;
  private ws: Spawned[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });

  async start(stores: Datastores): Promise<void> {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: stores.mongoUrl(this.database),
      REDIS_URL: stores.redisUrl,
      ...(this.onCluster ? { REDIS_CLUSTER_NODES: clusterNodes(stores) } : {}),
      JWT_SECRET: stores.jwtSecret,
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'off',
      WEBSOCKET_PORT: '1', // the API only reports it; the WS instances get their own below
    };
    // BENCH_PROFILE=<dir>: V8 CPU profiles of this project's processes, written when they stop.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    // BENCH_HEAP=<dir>: a heap snapshot of each process on SIGUSR2 (scenario C takes one before and after).
    if (process.env.BENCH_HEAP)
      profile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP}`);
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

  /** graphql-ws URL of one WS instance. */
  wsUrl(instance: number): string {
    return `ws://127.0.0.1:${this.ws[instance % this.ws.length]!.port}/graphql`;
  }

  /** A DIRECT send over HTTP as `from`, needing no device (scenario F). */
  sendAs(from: BenchUser, to: BenchUser, text: string): Promise<void> {
    return postGraphql(this.api!.port, this.agent, from.token, SEND, { input: { targetUserId: to.id, message: text } });
  }

  connect(user: BenchUser, options: ConnectOptions): Promise<Device> {
    const port = this.ws[options.instance % this.ws.length]!.port;
    if (this.onUserEvents) {
      return connectGraphqlDevice(`ws://127.0.0.1:${port}/graphql`, user, [USER_EVENTS], {
        ...options,
        subscriptions: 1,
      });
    }
    return connectGraphqlDevice(`ws://127.0.0.1:${port}/graphql`, user, SUBSCRIPTIONS, options);
  }

  /** Any operation over the API's HTTP endpoint; answers its `data` (scenario E). */
  graphql(token: string, query: string, variables: object): Promise<Record<string, unknown>> {
    return requestGraphql(this.api!.port, this.agent, token, query, variables);
  }

  send(from: Device, to: BenchUser, text: string): Promise<void> {
    const variables = { input: { targetUserId: to.id, message: text } };
    if (this.sendsOverWs) return mutateOverWs((from as GraphqlDevice).client, SEND, variables);
    return postGraphql(this.api!.port, this.agent, from.user.token, SEND, variables);
  }

  async churn(device: Device, count: number): Promise<void> {
    await churnGraphql((device as GraphqlDevice).client, count, 'subscription { typing { userId } }');
  }

  /** Members' devices need no step: their newMessage feed follows the groups they are in. */
  readonly groups: GroupSupport = {
    create: async (owner, members) => {
      const data = await requestGraphql(this.api!.port, this.agent, owner.token, CREATE_GROUP, {
        input: { title: 'bench group', memberIds: members.map((member) => member.id) },
      });
      return (data['createGroup'] as { conversationId: string }).conversationId;
    },
    join: async () => undefined,
    send: (from, groupId, text) => {
      const variables = { input: { conversationId: groupId, message: text } };
      if (this.sendsOverWs) return mutateOverWs((from as GraphqlDevice).client, SEND, variables);
      return postGraphql(this.api!.port, this.agent, from.user.token, SEND, variables);
    },
  };
}

const CREATE_GROUP = 'mutation Create($input: CreateGroupInput!) { createGroup(input: $input) { conversationId } }';
