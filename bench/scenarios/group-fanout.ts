import { Redis } from 'ioredis';
import { CpuMeter } from '../measure/proc';
import { percentiles } from '../measure/stats';
import type { BenchUser, Device, SystemUnderTest } from '../systems/system';
import type { Log } from './scenarios';
import { inBatches, waitForQuiet } from './traffic';

export interface GroupSizes {
  /** Members of the group. */
  readonly members: number;
  /** Members connected (one device each), alternating between the two socket instances. */
  readonly connected: number;
  readonly rate: number;
  readonly seconds: number;
}

/** Redis PUBLISH and SPUBLISH calls so far (INFO commandstats). */
async function publishCalls(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const stats = await redis.info('commandstats');
    let calls = 0;
    for (const match of stats.matchAll(/^cmdstat_s?publish:calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  } finally {
    redis.disconnect();
  }
}

/**
 * G: one group of `members`, `connected` of them online (one device each, spread over both
 * instances), messages from the connected members at `rate` for `seconds`. Every message must
 * reach every connected device exactly once (the sender's too, as in the 1:1 scenarios).
 * Reports delivery latency over all of them, Redis publishes per message (from Redis' own
 * command counters, so whatever the system publishes counts) and server CPU per delivery.
 */
export async function groupFanOut(
  system: SystemUnderTest,
  users: readonly BenchUser[],
  sizes: GroupSizes,
  redisUrl: string,
  log: Log,
): Promise<Record<string, number>> {
  const groups = system.groups;
  if (!groups) throw new Error(`${system.key} has no groups`);
  const members = users.slice(0, sizes.members);
  const groupId = await groups.create(members[0]!, members.slice(1));
  const pending = new Map<number, { sentAt: number; remaining: Set<string> }>();
  const latencies: number[] = [];
  let duplicates = 0;
  let delivered = 0;
  const onText = (device: Device, text: string) => {
    const id = Number(text.split('|')[1]);
    const entry = pending.get(id);
    if (!entry || !entry.remaining.delete(device.user.id)) {
      if (text.startsWith('g|')) duplicates += 1;
      return;
    }
    latencies.push(performance.now() - entry.sentAt);
    delivered += 1;
    if (entry.remaining.size === 0) pending.delete(id);
  };
  const devices: Device[] = [];
  await inBatches(
    members.slice(0, sizes.connected).map((user, i) => async () => {
      const device = await system.connect(user, { subscriptions: 1, instance: i, onText });
      await groups.join(device, groupId);
      devices.push(device);
    }),
    25,
  );
  log(`group of ${members.length}, ${devices.length} members connected`);
  await waitForQuiet(system);
  let nextId = 0;
  let sendErrors = 0;
  const sendOne = (from: Device) => {
    const id = (nextId += 1);
    pending.set(id, { sentAt: performance.now(), remaining: new Set(devices.map((device) => device.user.id)) });
    return groups.send(from, groupId, `g|${id}|${'x'.repeat(40)}`).catch((error: unknown) => {
      sendErrors += 1;
      pending.delete(id);
      if (sendErrors <= 3) process.stderr.write(`group send error: ${String(error).slice(0, 300)}\n`);
    });
  };
  const drain = async (ms: number) => {
    const until = performance.now() + ms;
    while (pending.size > 0 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  // Warm-up: a few messages, all delivered, before anything is measured.
  for (let i = 0; i < 3; i += 1) await sendOne(devices[i % devices.length]!);
  await drain(10_000);
  const warmUpLost = [...pending.values()].reduce((sum, entry) => sum + entry.remaining.size, 0);
  if (warmUpLost > 0) log(`${system.key}: warm-up lost ${warmUpLost} deliveries`);
  pending.clear();
  latencies.length = 0;
  delivered = 0;
  duplicates = 0;

  const publishesBefore = await publishCalls(redisUrl);
  const cpu = new CpuMeter(system.pids());
  const total = Math.round(sizes.rate * sizes.seconds);
  const sends: Array<Promise<void>> = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * sizes.rate));
      while (sends.length < due) sends.push(sendOne(devices[sends.length % devices.length]!));
      if (sends.length >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(sends);
  await drain(10_000);
  const serverCpuSeconds = cpu.used();
  const byProcess = cpu.usedByProcess();
  const publishes = (await publishCalls(redisUrl)) - publishesBefore;
  const expected = (total - sendErrors) * devices.length;
  await inBatches(
    devices.map((device) => () => device.close()),
    100,
  );
  const [p50, p99] = percentiles(latencies, [50, 99]);
  const row = {
    p50Ms: p50!,
    p99Ms: p99!,
    delivered,
    lost: expected - delivered,
    duplicates,
    sendErrors,
    redisPublishesPerMessage: publishes / total,
    serverCpuMsPerDelivery: (serverCpuSeconds * 1000) / Math.max(1, delivered),
    deliveredPerServerCpuSecond: delivered / serverCpuSeconds,
  };
  log(
    `p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, lost ${row.lost}, ` +
      `${row.redisPublishesPerMessage.toFixed(2)} publishes/message, ${row.serverCpuMsPerDelivery.toFixed(3)} ms CPU/delivery ` +
      `(CPU s by process: ${byProcess.map((seconds) => seconds.toFixed(2)).join(', ')})`,
  );
  return row;
}
