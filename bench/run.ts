import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { MongoClient, ObjectId } from 'mongodb';
import type * as FerretDbLauncher from '../src/launcher/embedded-ferretdb';
import type * as RedisLauncher from '../src/launcher/embedded-redis';
import type * as RedisTopologies from '../src/launcher/embedded-redis-topologies';
import { machineDescription } from './measure/proc';
import { medianOf, ratio } from './measure/stats';
import { historyAtScale } from './scenarios/history';
import {
  idleCapacity,
  latencyAtFixedRate,
  overload,
  throughputCeiling,
  type Log,
  type Sizes,
} from './scenarios/scenarios';
import { groupFanOut } from './scenarios/group-fanout';
import { scheduledLateness } from './scenarios/scheduled';
import { greedyAccount } from './scenarios/greedy-account';
import { messageChanges } from './scenarios/message-changes';
import { redisPubSubCost, type RedisCostSizes } from './scenarios/redis-cost';
import { datastorePids } from './scenarios/traffic';
import { LimitSystem, SocketIoSystem, TextbookGraphqlSystem } from './systems/peers';
import { ProjectSystem } from './systems/project';
import { PROJECT_DIST, type BenchUser, type Datastores, type SystemUnderTest } from './systems/system';

// The datastore launchers are loaded from the project's build, where their paths to .tools/ hold.
/* eslint-disable @typescript-eslint/no-require-imports */
const { startFerretDb } = require(`${PROJECT_DIST}/launcher/embedded-ferretdb`) as typeof FerretDbLauncher;
const { startRedis } = require(`${PROJECT_DIST}/launcher/embedded-redis`) as typeof RedisLauncher;
const { startRedisCluster } = require(`${PROJECT_DIST}/launcher/embedded-redis-topologies`) as typeof RedisTopologies;
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * `npm run bench [-- --quick|--smoke] [--scenarios A,B,C,D] [--systems project,project-ws,limit,socketio,textbook]
 *   [--runs N] [--history-messages N,N,…] [--out dir]`
 *
 * Starts one redis-server and one FerretDB (or uses BENCH_DATABASE_URL / BENCH_REDIS_URL), then
 * runs every scenario against every system, each as its own processes, one system at a time,
 * `runs` times (fresh processes per run), and reports medians and ratios.
 */
/**
 * Sizes. A's rate sits below this project's FerretDB-bound ceiling (see B) so that A measures
 * latency under load, not overload. D grows one history through its sizes (the first is the
 * baseline of its growth ratios); --history-messages replaces them (e.g. 10000,1000000).
 */
/** R's sizes by mode (Redis alone; no system under test). */
const REDIS_COST: Record<string, RedisCostSizes> = {
  full: { channels: 1000, messages: 200_000, bytes: 600 },
  quick: { channels: 200, messages: 20_000, bytes: 600 },
  smoke: { channels: 20, messages: 1_000, bytes: 600 },
};
const FULL: Sizes = {
  a: { users: 1000, rate: 30, seconds: 30 },
  a2: { users: 400, rate: 200, seconds: 15 },
  overload: { users: 400, rate: 300, seconds: 10 },
  b: { users1: 400, users5: 100, startRate: 20, factor: 1.6, maxRate: 20_000, stepSeconds: 3, drainMs: 3000 },
  c: { connections: 3000, churnDevices: 50, churnPerDevice: 100 },
  d: { messages: [10_000, 100_000, 1_000_000], rate: 10, seconds: 5, nativeUpTo: 10_000 },
  g: { members: 500, connected: 100, rate: 20, seconds: 15 },
  e: { users: 50, perUser: 20 },
  s: { pairs: 20, perPair: 10 },
  f: { pairRate: 10, seconds: 10, floodRate: 10, sockets: 20, subscriptions: 100 },
};
const QUICK: Sizes = {
  a: { users: 100, rate: 30, seconds: 2 },
  a2: { users: 100, rate: 200, seconds: 2 },
  overload: { users: 100, rate: 300, seconds: 3 },
  b: { users1: 100, users5: 20, startRate: 25, factor: 2, maxRate: 1600, stepSeconds: 1, drainMs: 1000 },
  c: { connections: 150, churnDevices: 10, churnPerDevice: 20 },
  d: { messages: [2_000, 20_000], rate: 10, seconds: 2, nativeUpTo: 20_000 },
  g: { members: 500, connected: 100, rate: 10, seconds: 3 },
  e: { users: 20, perUser: 10 },
  s: { pairs: 10, perPair: 5 },
  f: { pairRate: 10, seconds: 5, floodRate: 10, sockets: 20, subscriptions: 100 },
};
const SMOKE: Sizes = {
  a: { users: 20, rate: 20, seconds: 1 },
  a2: { users: 20, rate: 50, seconds: 1 },
  overload: { users: 20, rate: 50, seconds: 1 },
  b: { users1: 20, users5: 10, startRate: 20, factor: 2, maxRate: 40, stepSeconds: 1, drainMs: 1000 },
  c: { connections: 20, churnDevices: 2, churnPerDevice: 5 },
  d: { messages: [1_000, 2_000], rate: 10, seconds: 1, nativeUpTo: 2_000 },
  g: { members: 50, connected: 10, rate: 5, seconds: 1 },
  e: { users: 5, perUser: 4 },
  s: { pairs: 2, perPair: 2 },
  f: { pairRate: 5, seconds: 1, floodRate: 5, sockets: 2, subscriptions: 4 },
};

function sizesOf(mode: string): Sizes {
  return mode === 'smoke' ? SMOKE : mode === 'quick' ? QUICK : FULL;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
const mode = process.argv.includes('--smoke') ? 'smoke' : process.argv.includes('--quick') ? 'quick' : 'full';
const preset = sizesOf(mode);
const historyMessages = argument('history-messages');
const sizes: Sizes = historyMessages
  ? {
      ...preset,
      d: { ...preset.d, messages: historyMessages.split(',').map((size) => Number(size.replace(/_/g, ''))) },
    }
  : preset;
const runs = Number(argument('runs') ?? (mode === 'full' ? 3 : 1));
const scenarios = (argument('scenarios') ?? "A,A',B,O,C,D,G,E,S,F,R").split(',');
/** BENCH_REDIS_CLUSTER=1: also start a 3-master Redis Cluster and run the project on it ('project-cluster'). */
const withCluster = process.env.BENCH_REDIS_CLUSTER === '1';
const systemKeys = (
  argument('systems') ??
  `project,project-ws,project-stream,${withCluster ? 'project-cluster,' : ''}limit,socketio,textbook`
).split(',');
const out = argument('out') ?? resolve(__dirname, '../../bench/results');
const JWT_SECRET = 'bench-secret-loopback-only';

const started = Date.now();
const log: Log = (message) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

function makeSystems(): SystemUnderTest[] {
  const all: SystemUnderTest[] = [
    new ProjectSystem(),
    new ProjectSystem(true),
    new ProjectSystem(false, 'bench_project', true),
    new ProjectSystem(false, 'bench_project', false, true),
    new LimitSystem(),
    new SocketIoSystem(),
    new TextbookGraphqlSystem(),
  ];
  return all.filter((system) => systemKeys.includes(system.key));
}

function makeUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => {
    const id = new ObjectId(`${'be'.padEnd(24 - String(i).length, '0')}${i}`).toHexString();
    return { id, token: jwt.sign({}, JWT_SECRET, { algorithm: 'HS256', subject: id, expiresIn: 24 * 3600 }) };
  });
}

async function seedUsers(stores: Datastores, users: readonly BenchUser[]): Promise<void> {
  for (const db of ['bench_project', 'bench_history']) {
    const client = await new MongoClient(stores.mongoUrl(db)).connect();
    const collection = client.db().collection('users');
    for (let i = 0; i < users.length; i += 5000) {
      await collection.bulkWrite(
        users.slice(i, i + 5000).map((user, j) => ({
          updateOne: {
            filter: { _id: new ObjectId(user.id) },
            update: { $set: { name: `bench ${i + j}`, email: `bench${i + j}@example.test` } },
            upsert: true,
          },
        })),
      );
    }
    await client.close();
  }
}

type Row = Record<string, number>;

/** Drops every collection but `users` (FerretDB scans collections, so leftovers would slow later runs). */
async function emptyDatabase(stores: Datastores, db: string): Promise<void> {
  const client = await new MongoClient(stores.mongoUrl(db)).connect();
  try {
    for (const collection of await client.db().listCollections({}, { nameOnly: true }).toArray()) {
      if (collection.name !== 'users') await client.db().dropCollection(collection.name);
    }
  } finally {
    await client.close();
  }
}

/** Runs one scenario `runs` times on a system, fresh processes each time, and keeps the median. */
async function measure(
  system: SystemUnderTest,
  stores: Datastores,
  name: string,
  body: (s: SystemUnderTest) => Promise<Row>,
) {
  const results: Row[] = [];
  for (let run = 1; run <= runs; run += 1) {
    log(`${name} · ${system.label} · run ${run}/${runs}`);
    await emptyDatabase(stores, system.database);
    await system.start(stores);
    try {
      results.push(await body(system));
    } catch (error) {
      // A failed run is reported (its numbers become n/a in the medians), not fatal to the others.
      log(`${system.key} run ${run} failed: ${error instanceof Error ? error.message : String(error)}`);
      log(`its processes said: ${system.output().slice(-1500)}`);
    } finally {
      const stopping = performance.now();
      await system.stop();
      log(`stopped in ${Math.round(performance.now() - stopping)} ms`);
    }
  }
  return { median: results.length > 0 ? medianOf(results) : {}, runs: results };
}

function table(title: string, rows: Array<[string, Row]>, columns: Array<[string, string, number]>): string {
  const header = ['system', ...columns.map(([label]) => label)];
  const body = rows.map(([label, row]) => [
    label,
    ...columns.map(([, key, digits]) => (Number.isFinite(row[key]) ? row[key]!.toFixed(digits) : 'n/a')),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [`\n${title}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** `--report <file>`: prints the tables and targets of a saved run again, without running anything. */
function reprint(file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as {
    runs: number;
    mode: string;
    results: Parameters<typeof summarise>[0];
  };
  process.stdout.write(`${summarise(saved.results, saved.runs, saved.mode).join('\n')}\n`);
}

async function main(): Promise<void> {
  const reportFile = argument('report');
  if (reportFile) return reprint(reportFile);
  const workDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const redis = process.env.BENCH_REDIS_URL ? null : await startRedis({ dir: join(workDir, 'redis') });
  const ferret = process.env.BENCH_DATABASE_URL ? null : await startFerretDb({ dir: join(workDir, 'ferretdb') });
  const mongoBase = process.env.BENCH_DATABASE_URL ?? ferret!.url;
  // One replica per master, as a deployment that wants failover runs it (sharded pub/sub messages
  // are propagated to the replicas, so their CPU counts in the datastore figure).
  const cluster = withCluster ? await startRedisCluster({ dir: join(workDir, 'cluster'), replicasPerMaster: 1 }) : null;
  datastorePids.push(...[redis, ferret].flatMap((store) => (store?.child.pid ? [store.child.pid] : [])));
  datastorePids.push(...(cluster?.nodes.map((node) => node.pid) ?? []));
  const stores: Datastores = {
    redisUrl: process.env.BENCH_REDIS_URL ?? redis!.url,
    ...(cluster ? { redisClusterNodes: cluster.seeds } : {}),
    mongoUrl: (db) => {
      const url = new URL(mongoBase);
      url.pathname = `/${db}`;
      return url.toString();
    },
    jwtSecret: JWT_SECRET,
  };
  const report: Record<string, unknown> = {
    mode,
    runs,
    startedAt: new Date(started).toISOString(),
    machine: machineDescription(),
    datastores: {
      mongo: ferret ? 'FerretDB v1.24.2 (SQLite backend)' : 'BENCH_DATABASE_URL',
      redis: cluster ? 'redis-server, and a 3-master + 3-replica Redis Cluster for project-cluster' : 'redis-server',
    },
    sizes,
    results: {} as Record<string, unknown>,
  };
  const results = report.results as Record<string, Record<string, { median: Row; runs: Row[] }>>;
  const text: string[] = [];
  mkdirSync(out, { recursive: true });
  const file = join(out, `${mode}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  const save = () => writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  try {
    const users = makeUsers(
      Math.max(
        sizes.a.users,
        sizes.a2.users,
        sizes.b.users1,
        sizes.b.users5 * 1,
        sizes.c.connections + 50,
        sizes.g.members,
        210,
      ),
    );
    await seedUsers(stores, users);
    const systems = makeSystems();
    /** 'project-ws' differs from 'project' in how sends travel only: it runs the send-path scenarios. */
    const sendPath = new Set(['A', "A'", 'B1', 'B5', 'O']);
    const collect = async (scenario: string, body: (s: SystemUnderTest) => Promise<Row>) => {
      results[scenario] = {};
      for (const system of systems.filter(
        (candidate) =>
          (candidate.key !== 'project-ws' || sendPath.has(scenario)) &&
          // Clients on userEvents are measured where their subscription is the question: idle memory.
          (candidate.key !== 'project-stream' || scenario === 'C'),
      )) {
        results[scenario]![system.key] = await measure(system, stores, scenario, body);
        save(); // a later failure must not lose what was measured
      }
    };
    if (scenarios.includes('A')) await collect('A', (s) => latencyAtFixedRate(s, users, sizes.a, log));
    if (scenarios.includes("A'")) await collect("A'", (s) => latencyAtFixedRate(s, users, sizes.a2, log));
    if (scenarios.includes('B')) {
      await collect('B1', (s) => throughputCeiling(s, users, 1, sizes.b, log));
      await collect('B5', (s) => throughputCeiling(s, users, 5, sizes.b, log));
    }
    if (scenarios.includes('O')) await collect('O', (s) => overload(s, users, sizes.overload, log));
    if (scenarios.includes('C')) await collect('C', (s) => idleCapacity(s, users, sizes.c, log));
    if (scenarios.includes('G')) {
      // Systems with groups, on the single Redis (whose command counters give publishes per message).
      results.G = {};
      for (const system of systems.filter(
        (candidate) => candidate.groups && candidate.key !== 'project-cluster' && candidate.key !== 'project-ws',
      )) {
        results.G[system.key] = await measure(system, stores, 'G', (s) =>
          groupFanOut(s, users, sizes.g, stores.redisUrl, log),
        );
        save();
      }
    }
    if (scenarios.includes('E')) {
      // Only this project has reactions; its sends to the same conversation are the baseline.
      results.E = {};
      for (const system of systems.filter(
        (candidate): candidate is ProjectSystem => candidate instanceof ProjectSystem && candidate.key !== 'project-ws',
      )) {
        results.E[system.key] = await measure(system, stores, 'E', () => messageChanges(system, users, sizes.e, log));
        save();
      }
    }
    if (scenarios.includes('S')) {
      // Only this project schedules; a burst of direct sends of the same size is the baseline.
      results.S = {};
      for (const system of systems.filter(
        (candidate): candidate is ProjectSystem => candidate instanceof ProjectSystem && candidate.key !== 'project-ws',
      )) {
        results.S[system.key] = await measure(system, stores, 'S', () =>
          scheduledLateness(system, users, sizes.s, log),
        );
        save();
      }
    }
    if (scenarios.includes('F')) {
      // Only this project has per-user limits to hold; the same pair without the flood is the baseline.
      results.F = {};
      for (const system of systems.filter(
        (candidate): candidate is ProjectSystem => candidate instanceof ProjectSystem && candidate.key === 'project',
      )) {
        results.F[system.key] = await measure(system, stores, 'F', () =>
          greedyAccount(system, users.slice(200, 204), sizes.f, log),
        );
        save();
      }
    }
    if (scenarios.includes('D')) {
      // Once, whatever --runs says: growing the history to a million messages takes minutes, and
      // each measure is already a few dozen requests.
      log(`D · history at scale · ${sizes.d.messages.map((size) => size.toLocaleString('en')).join(' → ')} messages`);
      const row = await historyAtScale(stores, users, sizes.d, log);
      results.D = { project: { median: row, runs: [row] } };
      save();
    }
    if (scenarios.includes('R')) {
      const targets = [
        ...(redis ? [['redis', { kind: 'single', port: redis.port, pids: [redis.child.pid ?? 0] }] as const] : []),
        ...(cluster
          ? [
              [
                'redis-cluster',
                {
                  kind: 'cluster',
                  seeds: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
                  pids: cluster.nodes.map((node) => node.pid),
                },
              ] as const,
            ]
          : []),
      ];
      results.R = {};
      for (const [key, target] of targets) {
        const rows: Row[] = [];
        for (let run = 1; run <= runs; run += 1) {
          log(`R · Redis pub/sub cost · ${key} · run ${run}/${runs}`);
          rows.push(await redisPubSubCost(target, REDIS_COST[mode]!, log));
        }
        results.R[key] = { median: medianOf(rows), runs: rows };
        save();
      }
    }
    text.push(...summarise(results, runs, mode));
  } finally {
    await ferret?.stop();
    await redis?.stop();
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  report.finishedAt = new Date().toISOString();
  report.summary = text.join('\n');
  save();
  process.stdout.write(`${text.join('\n')}\n\nResults: ${file}\n`);
}

/** Tables with medians, and the targets of the performance issue as measured ratios. */
function summarise(results: Record<string, Record<string, { median: Row }>>, runs: number, mode: string): string[] {
  const lines: string[] = [`Medians of ${runs} run(s), mode ${mode}.`];
  const rows = (scenario: string) =>
    Object.entries(results[scenario] ?? {}).map(([key, value]) => [key, value.median] as [string, Row]);
  const get = (scenario: string, system: string, key: string) => results[scenario]?.[system]?.median[key] ?? Number.NaN;
  const targets: string[] = [];
  const target = (label: string, value: number, pass: boolean) =>
    targets.push(`${pass ? 'MET   ' : 'MISSED'} ${label}: ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'}`);
  const atMost = (label: string, value: number, max: number) => target(`${label} (≤ ${max})`, value, value <= max);
  const atLeast = (label: string, value: number, min: number) => target(`${label} (≥ ${min})`, value, value >= min);

  for (const a of ['A', "A'"]) {
    if (!results[a]) continue;
    const size = a === 'A' ? 'a' : 'a2';
    lines.push(
      table(
        `${a}. Latency at a fixed rate, ${sizesOf(mode)[size].rate} msg/s (ms; loss counted per delivery)`,
        rows(a),
        [
          ['p50', 'p50Ms', 1],
          ['p99', 'p99Ms', 1],
          ['p99.9', 'p999Ms', 1],
          ['lost', 'lost', 0],
          ['dup', 'duplicates', 0],
          ['send errors', 'sendErrors', 0],
          ['refused', 'refused', 0],
          ['server CPU', 'serverCpuShare', 2],
          ['datastore CPU', 'datastoreCpuShare', 2],
          ['loadgen CPU', 'loadGeneratorCpuShare', 2],
        ],
      ),
    );
    const p99 = get(a, 'project', 'p99Ms');
    atMost(`${a} p99 / limit p99`, ratio(p99, get(a, 'limit', 'p99Ms')), 2);
    atMost(`${a} p99 / Socket.io p99`, ratio(p99, get(a, 'socketio', 'p99Ms')), a === 'A' ? 1 : 1.2);
    target(`${a} lost deliveries (= 0)`, get(a, 'project', 'lost'), get(a, 'project', 'lost') === 0);
    target(`${a} failed sends (= 0)`, get(a, 'project', 'sendErrors'), get(a, 'project', 'sendErrors') === 0);
    for (const key of ['project', 'project-ws']) {
      if (!results[a]?.[key]) continue;
      const refused = get(a, key, 'refused');
      target(`${a} ${key} refused sends (= 0)`, refused, refused === 0);
      if (key === 'project-ws')
        atMost(`${a} project-ws p99 / Socket.io p99`, ratio(get(a, key, 'p99Ms'), get(a, 'socketio', 'p99Ms')), 3);
    }
  }
  for (const b of ['B1', 'B5']) {
    if (!results[b]) continue;
    lines.push(
      table(`${b[0]}. Throughput ceiling, ${b[1]} device(s) per user`, rows(b), [
        ['deliveries/s', 'deliveredPerSecond', 0],
        ['per server CPU-s', 'deliveredPerServerCpuSecond', 0],
        ['p99 at ceiling', 'p99MsAtCeiling', 1],
        ['loadgen CPU', 'loadGeneratorCpuShare', 2],
      ]),
    );
    const mine = get(b, 'project', 'deliveredPerSecond');
    atLeast(`${b} deliveries/s vs limit`, ratio(mine, get(b, 'limit', 'deliveredPerSecond')), 0.7);
    atLeast(`${b} deliveries/s vs Socket.io`, ratio(mine, get(b, 'socketio', 'deliveredPerSecond')), 1.5);
    const perCpu = get(b, 'project', 'deliveredPerServerCpuSecond');
    atLeast(
      `${b} deliveries per server CPU-s vs Socket.io (CPU per delivery ≤ theirs)`,
      ratio(perCpu, get(b, 'socketio', 'deliveredPerServerCpuSecond')),
      1,
    );
    if (b === 'B5') {
      atLeast('B5 deliveries/s vs textbook GraphQL', ratio(mine, get(b, 'textbook', 'deliveredPerSecond')), 3);
    }
  }
  if (results.O) {
    lines.push(
      table(`O. Overload, ${sizesOf(mode).overload.rate} msg/s offered (ms)`, rows('O'), [
        ['answer p99', 'answerP99Ms', 0],
        ['answer max', 'answerMaxMs', 0],
        ['refused', 'refused', 0],
        ['sent', 'sent', 0],
        ['lost', 'lost', 0],
        ['send errors', 'sendErrors', 0],
        ['delivery p99', 'p99Ms', 0],
      ]),
    );
    for (const key of ['project', 'project-ws']) {
      if (!results.O[key]) continue;
      atMost(`O ${key} slowest answer, stored or refused (ms)`, get('O', key, 'answerMaxMs'), 1000);
      target(`O ${key} stored sends lost (= 0)`, get('O', key, 'lost'), get('O', key, 'lost') === 0);
    }
  }
  if (results.C) {
    lines.push(
      table('C. Idle capacity (bytes; GraphQL systems hold 3 subscriptions per connection)', rows('C'), [
        ['RSS/connection', 'rssBytesPerConnection', 0],
        ['heap/connection', 'heapBytesPerConnection', 0],
        ['RSS/subscription', 'rssBytesPerSubscription', 0],
        ['sub+unsub/s', 'subscribeUnsubscribePerSecond', 0],
      ]),
    );
    const perSubscription = get('C', 'project', 'rssBytesPerSubscription');
    const limitPerConnection = get('C', 'limit', 'rssBytesPerConnection');
    atMost('C bytes per subscription / limit bytes per connection', ratio(perSubscription, limitPerConnection), 2);
    const connectionsRatio = ratio(
      get('C', 'socketio', 'rssBytesPerConnection'),
      get('C', 'project', 'rssBytesPerConnection'),
    );
    atLeast('C connections in the same memory vs Socket.io', connectionsRatio, 2);
    atMost('C KiB per connection with 3 subscriptions', get('C', 'project', 'rssBytesPerConnection') / 1024, 30);
  }
  if (results.D) {
    const d = results.D.project!.median;
    const sizes = [...new Set(Object.keys(d).map((key) => Number(key.split(':')[0])))].sort((a, b) => a - b);
    const measures = [
      ['newest page (cursor)', 'pageTop'],
      ['deep page (cursor)', 'pageDeep'],
      ['newest page (page API)', 'historyTop'],
      ['deep page (page API)', 'historyDeep'],
      ['send', 'send'],
      ['conversation list', 'list'],
      ['search, a word in recent messages', 'searchRecent'],
      ['native newest page', 'nativeTop'],
      ['native deep page', 'nativeDeep'],
    ] as const;
    const p50 = (size: number, measure: string) => d[`${size}:${measure}P50Ms`] ?? Number.NaN;
    lines.push(
      table(
        'D. History at scale, one run: p50 ms (p99 in the JSON) by stored messages',
        measures.map(
          ([label, measure]) =>
            [label, Object.fromEntries(sizes.map((size) => [String(size), p50(size, measure)]))] as [string, Row],
        ),
        sizes.map((size) => [size.toLocaleString('en'), String(size), 1] as [string, string, number]),
      ),
    );
    const [base, ...larger] = sizes;
    for (const size of larger) {
      const growth = size / base!;
      for (const [label, measure] of measures.slice(0, 7)) {
        // The targets: ≤ 1.5× at 10× the baseline's messages, ≤ 2× at 100× and beyond.
        atMost(
          `D ${label} p50 at ${size.toLocaleString('en')} / at ${base!.toLocaleString('en')}`,
          ratio(p50(size, measure), p50(base!, measure)),
          growth >= 100 ? 2 : 1.5,
        );
      }
      target(
        `D errors at ${size.toLocaleString('en')} (= 0)`,
        d[`${size}:errors`] ?? Number.NaN,
        d[`${size}:errors`] === 0,
      );
    }
  }
  if (results.G) {
    const g = sizesOf(mode).g;
    lines.push(
      table(
        `G. Group fan-out: ${g.members} members, ${g.connected} connected over 2 instances, ${g.rate} msg/s (ms)`,
        rows('G'),
        [
          ['p50', 'p50Ms', 1],
          ['p99', 'p99Ms', 1],
          ['lost', 'lost', 0],
          ['dup', 'duplicates', 0],
          ['send errors', 'sendErrors', 0],
          ['publishes/msg', 'redisPublishesPerMessage', 2],
          ['CPU ms/delivery', 'serverCpuMsPerDelivery', 3],
        ],
      ),
    );
    // A group message is one publish whatever the group's size (a per-user design would be 100+).
    atMost('G Redis publishes per message', get('G', 'project', 'redisPublishesPerMessage'), 1);
    target('G lost deliveries (= 0)', get('G', 'project', 'lost'), get('G', 'project', 'lost') === 0);
    atMost('G p99 / Socket.io room p99', ratio(get('G', 'project', 'p99Ms'), get('G', 'socketio', 'p99Ms')), 1.2);
    atMost(
      'G server CPU per delivery / Socket.io room',
      ratio(get('G', 'project', 'serverCpuMsPerDelivery'), get('G', 'socketio', 'serverCpuMsPerDelivery')),
      1,
    );
  }
  if (results.E) {
    const e = sizesOf(mode).e;
    lines.push(
      table(
        `E. Reactions to one message vs sends to its conversation: ${e.users} members at once, ${e.perUser} each (ms)`,
        rows('E'),
        [
          ['sends/s', 'sendsPerSecond', 0],
          ['send p99', 'sendP99Ms', 1],
          ['reactions/s', 'changesPerSecond', 0],
          ['reaction p50', 'changeP50Ms', 1],
          ['reaction p99', 'changeP99Ms', 1],
          ['refused', 'changeErrors', 0],
          ['CPU ms/send', 'serverCpuMsPerSend', 2],
          ['CPU ms/reaction', 'serverCpuMsPerChange', 2],
        ],
      ),
    );
    target('E reactions refused (= 0)', get('E', 'project', 'changeErrors'), get('E', 'project', 'changeErrors') === 0);
    // Reported, not a target: changes to one conversation are serialized by design (README).
    lines.push(
      `E reactions/s to one message ÷ sends/s to its conversation: ${ratio(
        get('E', 'project', 'changesPerSecond'),
        get('E', 'project', 'sendsPerSecond'),
      ).toFixed(2)}`,
    );
  }
  if (results.S) {
    const s = sizesOf(mode).s;
    lines.push(
      table(
        `S. Scheduled messages: ${s.pairs} writers × ${s.perPair} for one moment vs the same burst sent directly (ms)`,
        rows('S'),
        [
          ['direct p50', 'directP50Ms', 0],
          ['direct p99', 'directP99Ms', 0],
          ['late p50', 'latenessP50Ms', 0],
          ['late p99', 'latenessP99Ms', 0],
          ['late max', 'latenessMaxMs', 0],
          ['early', 'early', 0],
          ['missing', 'missing', 0],
          ['twice', 'duplicates', 0],
        ],
      ),
    );
    const sent = (key: string) => get('S', 'project', key);
    target(
      'S sent once each, none early (missing + twice + early = 0)',
      sent('missing') + sent('duplicates') + sent('early'),
      sent('missing') + sent('duplicates') + sent('early') === 0,
    );
    target(
      'S lateness max (≤ 2000 ms: "within a second or two")',
      sent('latenessMaxMs'),
      sent('latenessMaxMs') <= 2000,
    );
    lines.push(
      `S lateness p99 − direct burst p99: ${Math.round(sent('latenessP99Ms') - sent('directP99Ms'))} ms (the scheduler's poll interval is 1000 ms)`,
    );
  }
  if (results.F) {
    const f = sizesOf(mode).f;
    lines.push(
      table(
        `F. A pair (${f.pairRate} msg/s) beside a greedy account: ${f.sockets} sockets, ${f.subscriptions} different subscriptions, flooded with 4,000-unit messages at ${f.floodRate}/s (ms)`,
        rows('F'),
        [
          ['alone p50', 'quietP50Ms', 1],
          ['alone p90', 'quietP90Ms', 1],
          ['flood p50', 'floodP50Ms', 1],
          ['flood p90', 'floodP90Ms', 1],
          ['lost', 'lost', 0],
          ['greedy deliveries', 'greedyDeliveries', 0],
          ['WS CPU', 'wsCpuShare', 2],
        ],
      ),
    );
    atMost('F pair delivery p90 beside the greedy account / alone', get('F', 'project', 'p90Ratio'), 2);
    target('F pair messages lost (= 0)', get('F', 'project', 'lost'), get('F', 'project', 'lost') === 0);
  }
  if (results.R) {
    lines.push(
      table('R. Redis pub/sub cost (one subscriber per channel; Redis CPU summed over its processes)', rows('R'), [
        ['publishes/s', 'publishesPerSecond', 0],
        ['µs CPU per event', 'redisCpuMicrosPerEvent', 1],
        ['Redis CPU share', 'redisCpuShare', 2],
        ['lost', 'lost', 0],
      ]),
    );
  }
  lines.push('\nTargets (ratios measured in this run):', ...targets);
  return lines;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
