import { Cluster, Redis } from 'ioredis';
import { CpuMeter } from '../measure/proc';
import type { Log } from './scenarios';

export interface RedisCostSizes {
  /** Subscriber connections, each on its own channel (a user topic on a WS instance). */
  readonly channels: number;
  readonly messages: number;
  /** Payload size: about what a MESSAGE_CREATED event with profiles weighs. */
  readonly bytes: number;
}

export type RedisTarget =
  | { readonly kind: 'single'; readonly port: number; readonly pids: readonly number[] }
  | {
      readonly kind: 'cluster';
      readonly seeds: readonly { host: string; port: number }[];
      readonly pids: readonly number[];
    };

/**
 * R: what Redis itself spends on one event: `messages` publishes (PUBLISH on one server, SPUBLISH on
 * a cluster) spread over `channels` channels, each with one subscriber, pipelined as fast as Redis
 * takes them, until every delivery has arrived. Reports Redis CPU (summed over its processes,
 * replicas included) per publish-and-delivery, and the rate reached: the capacity model's Redis
 * figures (README, "Scaling") derive from these.
 */
export async function redisPubSubCost(target: RedisTarget, sizes: RedisCostSizes, log: Log) {
  const sharded = target.kind === 'cluster';
  const connect = (forSubscribing: boolean) =>
    target.kind === 'single'
      ? new Redis(target.port, '127.0.0.1', { enableAutoPipelining: true })
      : new Cluster([...target.seeds], { shardedSubscribers: forSubscribing, enableAutoPipelining: true });
  const channel = (i: number) => `bench:user:${i}:messages`;
  // Subscribers: one connection for every 100 channels (a WS instance multiplexes many users).
  const subscribers: Array<Redis | Cluster> = [];
  let delivered = 0;
  let allDelivered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  const onMessage = () => {
    delivered += 1;
    if (delivered === sizes.messages) allDelivered();
  };
  for (let first = 0; first < sizes.channels; first += 100) {
    const subscriber = connect(true);
    subscriber.on(sharded ? 'smessage' : 'message', onMessage);
    const channels = Array.from({ length: Math.min(100, sizes.channels - first) }, (_, i) => channel(first + i));
    // On a cluster each SSUBSCRIBE names channels of one slot: one call per channel.
    await Promise.all(channels.map((name) => (sharded ? subscriber.ssubscribe(name) : subscriber.subscribe(name))));
    subscribers.push(subscriber);
  }
  const publisher = connect(false);
  const payload = 'x'.repeat(sizes.bytes);
  const meter = new CpuMeter(target.pids);
  const started = performance.now();
  for (let sent = 0; sent < sizes.messages; sent += 500) {
    const batch = Array.from({ length: Math.min(500, sizes.messages - sent) }, (_, i) => {
      const name = channel((sent + i) % sizes.channels);
      return sharded ? publisher.spublish(name, payload) : publisher.publish(name, payload);
    });
    await Promise.all(batch);
  }
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter.used();
  publisher.disconnect();
  for (const subscriber of subscribers) subscriber.disconnect();
  const row = {
    publishesPerSecond: sizes.messages / seconds,
    redisCpuMicrosPerEvent: (cpu / sizes.messages) * 1e6,
    redisCpuShare: cpu / seconds,
    lost: sizes.messages - delivered,
  };
  log(
    `${target.kind}: ${Math.round(row.publishesPerSecond)} publishes/s, Redis CPU ${row.redisCpuMicrosPerEvent.toFixed(1)} µs per event, ${row.lost} lost`,
  );
  return row;
}
