import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, type EmbeddedRedis } from './embedded-redis';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from './processes';

/**
 * Redis Cluster and Sentinel deployments made of Debian's `redis-server` on loopback, for the
 * tests and the benchmark (the same processes a production deployment runs, on one machine).
 * Timeouts are short so a failover takes seconds: a node is presumed dead after 1 s.
 */
const NODE_TIMEOUT_MS = 1_000;
const SETTLE_TIMEOUT_MS = 30_000;
const SLOTS = 16_384;

export interface RedisNode {
  readonly port: number;
  /** Its process id (the benchmark meters datastore CPU by pid). */
  readonly pid: number;
  readonly address: string;
  /** SIGKILL, as a crashed host would go. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedRedisCluster {
  readonly nodes: readonly RedisNode[];
  /** `REDIS_CLUSTER_NODES` for the services. */
  readonly seeds: string;
  /** The node currently serving `key`'s slot as master. */
  masterOf(key: string): Promise<RedisNode>;
  /** Resolves once every live node reports `cluster_state:ok` and every slot has a live master. */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedRedisSentinel {
  readonly name: string;
  /** `REDIS_SENTINELS` for the services. */
  readonly sentinels: string;
  /** The data nodes, the first started as primary. */
  readonly servers: readonly RedisNode[];
  /** The data node the sentinels currently name primary. */
  primary(): Promise<RedisNode>;
  stop(): Promise<void>;
}

function nodeOf(server: EmbeddedRedis | (ManagedProcess & { port: number })): RedisNode {
  return {
    port: server.port,
    pid: server.child.pid ?? 0,
    address: `127.0.0.1:${server.port}`,
    async kill() {
      server.child.kill('SIGKILL');
      await server.stop();
    },
    stop: () => server.stop(),
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** Runs one command on one node over a short-lived connection. */
async function onNode<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

/** `CLUSTER SLOTS` as [first slot, last slot, [master host, master port]] per range. */
async function slotsOf(port: number): Promise<Array<[number, number, [string, number]]>> {
  const answer = await onNode(port, (c) => c.call('CLUSTER', 'SLOTS'));
  return answer as Array<[number, number, [string, number]]>;
}

/**
 * `masters` masters with `replicasPerMaster` replicas each, slots split evenly, built with the
 * CLUSTER commands (what `redis-cli --cluster create` sends) so nothing but redis-server is needed.
 */
export async function startRedisCluster(options: {
  dir: string;
  masters?: number;
  replicasPerMaster?: number;
}): Promise<EmbeddedRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const servers: EmbeddedRedis[] = [];
  const stopAll = () => Promise.all(servers.map((server) => server.stop())).then(() => undefined);
  try {
    for (let index = 0; index < masters * (1 + replicas); index += 1) {
      const dir = join(options.dir, `node-${index}`);
      servers.push(
        await startRedis({
          dir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            String(NODE_TIMEOUT_MS),
          ],
        }),
      );
    }
    const ids = await Promise.all(servers.map((server) => onNode(server.port, (c) => c.cluster('MYID'))));
    for (let master = 0; master < masters; master += 1) {
      const first = Math.floor((SLOTS * master) / masters);
      const last = Math.floor((SLOTS * (master + 1)) / masters) - 1;
      await onNode(servers[master]!.port, (c) => c.call('CLUSTER', 'ADDSLOTSRANGE', first, last));
    }
    const [head, ...rest] = servers;
    for (const server of rest) await onNode(head!.port, (c) => c.cluster('MEET', '127.0.0.1', server.port));
    await until('cluster nodes did not all meet', SETTLE_TIMEOUT_MS, async () => {
      const views = await Promise.all(servers.map((server) => onNode(server.port, (c) => c.call('CLUSTER', 'NODES'))));
      return views.every((view) => String(view).trim().split('\n').length === servers.length) ? true : null;
    });
    for (let index = masters; index < servers.length; index += 1) {
      const masterId = ids[(index - masters) % masters]!;
      await onNode(servers[index]!.port, (c) => c.cluster('REPLICATE', masterId));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const nodes = servers.map(nodeOf);
  const alive = new Set(nodes);
  const cluster: EmbeddedRedisCluster = {
    nodes: nodes.map((node) => ({
      ...node,
      async kill() {
        alive.delete(node);
        await node.kill();
      },
    })),
    seeds: nodes.map((node) => node.address).join(','),
    async masterOf(key) {
      const live = [...alive][0]!;
      const slot = await onNode(live.port, (c) => c.cluster('KEYSLOT', key));
      const shards = await slotsOf(live.port);
      const owner = shards.find(([first, last]) => slot >= first && slot <= last);
      const found = cluster.nodes.find((node) => node.port === owner?.[2][1]);
      if (!found) throw new Error(`no master serves slot ${slot}`);
      return found;
    },
    async settled(timeoutMs = SETTLE_TIMEOUT_MS) {
      await until('the cluster did not settle', timeoutMs, async () => {
        const live = [...alive];
        const infos = await Promise.all(live.map((node) => onNode(node.port, (c) => c.cluster('INFO'))));
        if (!infos.every((info) => info.includes('cluster_state:ok'))) return null;
        const shards = await slotsOf(live[0]!.port);
        const covered = shards.reduce((sum, [first, last]) => sum + last - first + 1, 0);
        const mastersAlive = shards.every(([, , [, port]]) => live.some((node) => node.port === port));
        return covered === SLOTS && mastersAlive ? true : null;
      });
    },
    stop: stopAll,
  };
  await cluster.settled();
  // Replicas report in asynchronously; a failover test needs each master to have one in sync.
  if (replicas > 0) {
    await until('replicas did not sync', SETTLE_TIMEOUT_MS, async () => {
      const roles = await Promise.all(
        servers.slice(masters).map((server) => onNode(server.port, (c) => c.info('replication'))),
      );
      return roles.every((info) => info.includes('master_link_status:up')) ? true : null;
    });
  }
  return cluster;
}

/**
 * One primary with `replicas` replicas, watched by `sentinels` Sentinels (quorum: a majority), all
 * on loopback. Sentinel rewrites its config file, so each gets its own in `dir`.
 */
export async function startRedisSentinel(options: {
  dir: string;
  replicas?: number;
  sentinels?: number;
  name?: string;
}): Promise<EmbeddedRedisSentinel> {
  const name = options.name ?? 'chat';
  const count = options.sentinels ?? 3;
  const quorum = Math.floor(count / 2) + 1;
  const servers: EmbeddedRedis[] = [];
  const watchers: Array<ManagedProcess & { port: number }> = [];
  const stopAll = async () => {
    await Promise.all(watchers.map((watcher) => watcher.stop()));
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const primary = await startRedis({ dir: join(options.dir, 'primary') });
    servers.push(primary);
    for (let index = 0; index < (options.replicas ?? 1); index += 1) {
      servers.push(
        await startRedis({
          dir: join(options.dir, `replica-${index}`),
          args: ['--replicaof', '127.0.0.1', String(primary.port)],
        }),
      );
    }
    for (let index = 0; index < count; index += 1) {
      const port = await freePort();
      const file = join(options.dir, `sentinel-${index}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${options.dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${quorum}`,
          `sentinel down-after-milliseconds ${name} ${NODE_TIMEOUT_MS}`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const watcher = spawnManaged('redis-server', [file, '--sentinel', '--loglevel', 'warning']);
      watchers.push({ ...watcher, port });
      await waitForPort(port, 10_000, watcher.child);
    }
    // Sentinels find each other through the primary's hello channel, a second or two.
    await until('sentinels did not reach quorum', SETTLE_TIMEOUT_MS, async () => {
      const checks = await Promise.all(
        watchers.map((watcher) => onNode(watcher.port, (c) => c.call('SENTINEL', 'CKQUORUM', name))),
      );
      const known = await Promise.all(
        watchers.map((watcher) => onNode(watcher.port, (c) => c.call('SENTINEL', 'SENTINELS', name))),
      );
      const allSeeAll = known.every((list) => Array.isArray(list) && list.length === count - 1);
      return checks.every((check) => String(check).startsWith('OK')) && allSeeAll ? true : null;
    });
    await until('replicas did not sync', SETTLE_TIMEOUT_MS, async () => {
      const infos = await Promise.all(
        servers.slice(1).map((server) => onNode(server.port, (c) => c.info('replication'))),
      );
      return infos.every((info) => info.includes('master_link_status:up')) ? true : null;
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const nodes = servers.map(nodeOf);
  return {
    name,
    sentinels: watchers.map((watcher) => `127.0.0.1:${watcher.port}`).join(','),
    servers: nodes,
    async primary() {
      for (const watcher of watchers) {
        const answer = await onNode(watcher.port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)).catch(
          () => null,
        );
        const port = Array.isArray(answer) ? Number(answer[1]) : NaN;
        const node = nodes.find((candidate) => candidate.port === port);
        if (node) return node;
      }
      throw new Error('no sentinel names a primary');
    },
    stop: stopAll,
  };
}
