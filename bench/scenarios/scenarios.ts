import type { ChangeSizes } from './message-changes';
import type { ScheduledSizes } from './scheduled';
import { Agent } from 'node:http';
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { percentiles } from '../measure/stats';
import { rssBytes, sum } from '../measure/proc';
import type { BenchUser, Datastores, SystemUnderTest } from '../systems/system';
import type { GroupSizes } from './group-fanout';
import { postGraphql } from '../systems/graphql-clients';
import { ProjectSystem } from '../systems/project';
import {
  closePopulation,
  connectPopulation,
  DeliveryTracker,
  inBatches,
  runTraffic,
  warmUp,
  type TrafficResult,
} from './traffic';

export type Log = (message: string) => void;

export interface Sizes {
  readonly a: { users: number; rate: number; seconds: number };
  /** A': A at a rate where sends contend (the send path's batching and leases). */
  readonly a2: { users: number; rate: number; seconds: number };
  /** Overload: a rate about twice the project's own ceiling (B1). */
  readonly overload: { users: number; rate: number; seconds: number };
  readonly b: {
    users1: number;
    users5: number;
    startRate: number;
    factor: number;
    maxRate: number;
    stepSeconds: number;
    /** How long a step waits for its last deliveries (a failing step waits all of it). */
    drainMs: number;
  };
  readonly c: { connections: number; churnDevices: number; churnPerDevice: number };
  readonly d: { messages: number; rate: number; seconds: number; depths: readonly number[] };
  readonly g: GroupSizes;
  /** E: changes to one message against sends to its conversation. */
  readonly e: ChangeSizes;
  /** S: scheduled messages' lateness against a burst of direct sends. */
  readonly s: ScheduledSizes;
}

/** Connects `sizes.users` users (one device each), warms up, and sends at `sizes.rate` for `sizes.seconds`. */
async function sendAtFixedRate(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: { users: number; rate: number; seconds: number },
  log: Log,
): Promise<TrafficResult> {
  const tracker = new DeliveryTracker();
  const population = await connectPopulation(system, users.slice(0, sizes.users), 1, tracker, 1, (done, total) =>
    log(`connected ${done}/${total}`),
  );
  try {
    const problem = await warmUp(system, population, tracker);
    if (problem) log(`${system.key}: ${problem}`);
    log(`sending ${sizes.rate}/s for ${sizes.seconds} s`);
    return await runTraffic(system, population, tracker, { rate: sizes.rate, seconds: sizes.seconds });
  } finally {
    const closing = performance.now();
    await closePopulation(population);
    log(`closed ${population.users.length} users' devices in ${Math.round(performance.now() - closing)} ms`);
  }
}

/** A (and A'): latency at a fixed rate. */
export async function latencyAtFixedRate(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['a'],
  log: Log,
): Promise<Record<string, number>> {
  const result = await sendAtFixedRate(system, users, sizes, log);
  log(
    `p99 ${result.p99Ms.toFixed(1)} ms, lost ${result.lost}, send errors ${result.sendErrors}, refused ${result.refused}`,
  );
  return pick(result, [
    'p50Ms',
    'p99Ms',
    'p999Ms',
    'lost',
    'sendErrors',
    'refused',
    'duplicates',
    'corrupted',
    'serverCpuShare',
    'datastoreCpuShare',
    'loadGeneratorCpuShare',
  ]);
}

/**
 * Overload: offers about twice what the project sustains. Every send must be answered (stored,
 * or refused with the retryable SERVICE_UNAVAILABLE) within 1 s, and every stored one delivered;
 * refused sends are owed no delivery.
 */
export async function overload(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['overload'],
  log: Log,
): Promise<Record<string, number>> {
  const result = await sendAtFixedRate(system, users, sizes, log);
  log(
    `answers p99 ${result.answerP99Ms.toFixed(0)} ms, max ${result.answerMaxMs.toFixed(0)} ms; ` +
      `refused ${result.refused}/${result.sent}, lost ${result.lost}, send errors ${result.sendErrors}`,
  );
  return pick(result, ['answerP99Ms', 'answerMaxMs', 'refused', 'sent', 'lost', 'sendErrors', 'p99Ms']);
}

/** B: raise the rate until p99 > 250 ms or any loss; the best passing step is the ceiling. */
export async function throughputCeiling(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  devices: 1 | 5,
  sizes: Sizes['b'],
  log: Log,
): Promise<Record<string, number>> {
  const tracker = new DeliveryTracker();
  const count = devices === 1 ? sizes.users1 : sizes.users5;
  const population = await connectPopulation(system, users.slice(0, count), devices, tracker, 1, (done, total) =>
    log(`connected ${done}/${total} devices`),
  );
  let best: TrafficResult | null = null;
  try {
    const problem = await warmUp(system, population, tracker);
    if (problem) log(`${system.key}: ${problem}`);
    for (let rate = sizes.startRate; rate <= sizes.maxRate; rate = Math.round(rate * sizes.factor)) {
      const step = await runTraffic(system, population, tracker, {
        rate,
        seconds: sizes.stepSeconds,
        drainMs: sizes.drainMs,
      });
      const passed = step.p99Ms <= 250 && step.lost === 0 && step.sendErrors === 0 && step.corrupted === 0;
      log(
        `${rate} msg/s: p99 ${step.p99Ms.toFixed(1)} ms, lost ${step.lost}, ${Math.round(step.deliveredPerSecond)} deliveries/s, ` +
          `server CPU ${(step.serverCpuShare * 100).toFixed(0)}% (${step.cpuShareByProcess.map((share) => (share * 100).toFixed(0)).join('+')}), datastores ${(step.datastoreCpuShare * 100).toFixed(0)}%, load generator CPU ${(step.loadGeneratorCpuShare * 100).toFixed(0)}% ${passed ? '' : '(limit reached)'}`,
      );
      if (!passed) break;
      best = step;
    }
  } finally {
    await closePopulation(population);
  }
  return {
    deliveredPerSecond: best?.deliveredPerSecond ?? 0,
    deliveredPerServerCpuSecond: best?.deliveredPerServerCpuSecond ?? 0,
    p99MsAtCeiling: best?.p99Ms ?? Number.NaN,
    loadGeneratorCpuShare: best?.loadGeneratorCpuShare ?? Number.NaN,
  };
}

/** C: memory per idle connection and subscription, and subscribe/unsubscribe churn. */
export async function idleCapacity(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: Sizes['c'],
  log: Log,
): Promise<Record<string, number>> {
  const tracker = new DeliveryTracker();
  // Warm the code paths (and lazily allocated pools) before the baseline is taken.
  const warm = await connectPopulation(system, users.slice(0, 50), 1, tracker, 3, () => undefined);
  await closePopulation(warm);
  await settle(1500);
  const rssBefore = sum(system.socketPids().map(rssBytes));
  const heapBefore = await system.heapBytes();
  const population = await connectPopulation(system, users.slice(0, sizes.connections), 1, tracker, 3, (done, total) =>
    log(`connected ${done}/${total} (3 subscriptions each)`),
  );
  try {
    await settle(2500);
    const rssAfter = sum(system.socketPids().map(rssBytes));
    const heapAfter = await system.heapBytes();
    const perConnection = (rssAfter - rssBefore) / sizes.connections;
    const subscriptionsPerConnection = system.churn ? 3 : 1;
    let churnPerSecond = Number.NaN;
    if (system.churn) {
      const devices = [...population.devices.values()].flat().slice(0, sizes.churnDevices);
      const started = performance.now();
      await Promise.all(devices.map((device) => system.churn!(device, sizes.churnPerDevice)));
      churnPerSecond = (devices.length * sizes.churnPerDevice) / ((performance.now() - started) / 1000);
    }
    return {
      rssBytesPerConnection: perConnection,
      heapBytesPerConnection: (heapAfter - heapBefore) / sizes.connections,
      rssBytesPerSubscription: perConnection / subscriptionsPerConnection,
      subscribeUnsubscribePerSecond: churnPerSecond,
    };
  } finally {
    await closePopulation(population);
  }
}

function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function pick<T extends object>(value: T, keys: ReadonlyArray<keyof T>): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key, value[key] as number]));
}

/**
 * D: history at scale. Seeds `messages` into the project's database, skewed (half in one
 * conversation, a quarter in a second, the rest over 100 more), then measures at a fixed rate the
 * cursor API (`messages(before:)`) and the seed's page API (`chatHistory(page:)`) at page 1 and
 * deep pages, beside the native driver running the same find().sort().limit().
 */
export async function historyAtScale(
  stores: Datastores,
  users: readonly BenchUser[],
  sizes: Sizes['d'],
  log: Log,
): Promise<Record<string, number>> {
  const db = 'bench_history';
  const system = new ProjectSystem(false, db);
  const client = await new MongoClient(stores.mongoUrl(db)).connect();
  for (const name of ['chatmessages', 'conversations'])
    await client
      .db()
      .dropCollection(name)
      .catch(() => false);
  await system.start(stores);
  try {
    await settle(1500); // the services create their indexes at start
    const [alice, bob] = [users[0]!, users[1]!];
    const big = await seedHistory(
      client.db().collection('chatmessages'),
      client.db().collection('conversations'),
      users,
      sizes.messages,
      log,
    );
    const conversationId = big.conversationId;
    const lastSeq = big.lastSeq;
    const native = client.db().collection('chatmessages');
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const results: Record<string, number> = {};
    for (const depth of sizes.depths) {
      const beforeSeq = lastSeq - depth + 1; // the page that starts `depth` messages back
      const label = depth === 0 ? 'page1' : `deep${depth}`;
      const cursor = depth === 0 ? null : Buffer.from(`${conversationId}:${beforeSeq}`, 'utf8').toString('base64url');
      log(`history ${label}: cursor API, page API, native driver at ${sizes.rate} req/s for ${sizes.seconds} s each`);
      const cursorApi = await atFixedRate(sizes.rate, sizes.seconds, () =>
        postGraphql(system.apiPort(), agent, alice.token, MESSAGES_QUERY, { t: bob.id, before: cursor }),
      );
      const pageApi = await atFixedRate(sizes.rate, sizes.seconds, () =>
        postGraphql(system.apiPort(), agent, alice.token, HISTORY_QUERY, {
          t: bob.id,
          page: Math.floor(depth / 50) + 1,
        }),
      );
      const driver = await atFixedRate(sizes.rate, sizes.seconds, async () => {
        const seq = cursor === null ? { $gt: 0 } : { $gt: 0, $lt: beforeSeq };
        await native.find({ conversationId, seq, deletedAt: null }).sort({ seq: -1 }).limit(50).toArray();
      });
      Object.assign(results, {
        [`${label}CursorP50Ms`]: cursorApi.p50,
        [`${label}CursorP99Ms`]: cursorApi.p99,
        [`${label}PageApiP50Ms`]: pageApi.p50,
        [`${label}PageApiP99Ms`]: pageApi.p99,
        [`${label}NativeP50Ms`]: driver.p50,
        [`${label}NativeP99Ms`]: driver.p99,
        [`${label}Errors`]: cursorApi.errors + pageApi.errors + driver.errors,
      });
    }
    agent.destroy();
    return results;
  } finally {
    await client.close();
    await system.stop();
  }
}

const MESSAGES_QUERY =
  'query($t: ID!, $before: String) { messages(targetUserId: $t, first: 50, before: $before) { nodes { id seq message createdAt senderId } pageInfo { hasPreviousPage } } }';
const HISTORY_QUERY =
  'query($t: ID!, $page: Int) { chatHistory(targetUserId: $t, limit: 50, page: $page) { messages { id seq message createdAt senderId } pagination { page } } }';

async function atFixedRate(
  rate: number,
  seconds: number,
  call: () => Promise<void>,
): Promise<{ p50: number; p99: number; errors: number }> {
  await call().catch(() => undefined); // warm
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await settle(wait);
    const began = performance.now();
    inflight.push(
      call().then(
        () => void latencies.push(performance.now() - began),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(inflight);
  const [p50, p99] = percentiles(latencies, [50, 99]);
  return { p50: p50!, p99: p99!, errors };
}

/** Bulk-inserts the skewed history (10,000 per insertMany), with progress. Returns the biggest conversation. */
async function seedHistory(
  messages: Collection<Document>,
  conversations: Collection<Document>,
  users: readonly BenchUser[],
  total: number,
  log: Log,
): Promise<{ conversationId: string; lastSeq: number }> {
  const shares = [0.5, 0.25];
  const rest = 100;
  const plan: Array<{ a: BenchUser; b: BenchUser; count: number }> = [];
  plan.push({ a: users[0]!, b: users[1]!, count: Math.floor(total * shares[0]!) });
  plan.push({ a: users[2]!, b: users[3]!, count: Math.floor(total * shares[1]!) });
  const remaining = total - plan[0]!.count - plan[1]!.count;
  for (let i = 0; i < rest; i += 1) {
    plan.push({
      a: users[4 + 2 * i]!,
      b: users[5 + 2 * i]!,
      count: Math.floor(remaining / rest) + (i < remaining % rest ? 1 : 0),
    });
  }
  let written = 0;
  const started = performance.now();
  let lastLog = 0;
  const batch = 10_000;
  const base = Date.now() - total * 1000;
  for (const { a, b, count } of plan) {
    const [low, high] = a.id < b.id ? [a, b] : [b, a];
    const conversationId = `${low.id}_${high.id}`;
    const jobs: Array<() => Promise<unknown>> = [];
    for (let from = 1; from <= count; from += batch) {
      const to = Math.min(count, from + batch - 1);
      jobs.push(async () => {
        const docs = [];
        for (let seq = from; seq <= to; seq += 1) {
          const sender = seq % 2 === 0 ? a : b;
          const receiver = sender === a ? b : a;
          const at = new Date(base + (written + seq) * 10);
          docs.push({
            conversationId,
            senderId: new ObjectId(sender.id),
            receiverId: new ObjectId(receiver.id),
            message: `history message ${seq} of ${conversationId}`,
            messageType: 'text',
            attachmentUrl: null,
            isRead: true,
            readAt: null,
            deletedAt: null,
            seq,
            clientMessageId: `seed-${conversationId}-${seq}`,
            createdAt: at,
            updatedAt: at,
          });
        }
        await messages.insertMany(docs, { ordered: false });
        written += docs.length;
        if (performance.now() - lastLog > 2000 || written === total) {
          lastLog = performance.now();
          const rate = written / ((lastLog - started) / 1000);
          log(`seeded ${written.toLocaleString('en')}/${total.toLocaleString('en')} messages (${Math.round(rate)}/s)`);
        }
      });
    }
    await inBatches(jobs, 2);
    const now = new Date();
    const member = { unreadCount: 0, readSeq: count, clearedSeq: 0, hidden: false };
    await conversations.replaceOne(
      { _id: conversationId as never },
      {
        participants: [low.id, high.id],
        // The service's layout (src/persistence/conversation/conversation.model.ts).
        state: {
          fence: 0,
          version: 1,
          lastSeq: count,
          lastActivityAt: now,
          lastMessage: null,
          lastMessageTime: now,
          members: { [low.id]: member, [high.id]: member },
        },
      },
      { upsert: true },
    );
  }
  const [first] = plan;
  const [low, high] = first!.a.id < first!.b.id ? [first!.a, first!.b] : [first!.b, first!.a];
  return { conversationId: `${low.id}_${high.id}`, lastSeq: first!.count };
}
