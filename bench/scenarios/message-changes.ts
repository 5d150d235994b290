import { CpuMeter } from '../measure/proc';
import { percentiles } from '../measure/stats';
import type { BenchUser } from '../systems/system';
import type { ProjectSystem } from '../systems/project';
import type { Log } from './scenarios';

export interface ChangeSizes {
  /** Members of the group, each acting at once. */
  readonly users: number;
  /** Operations per member, one after the other. */
  readonly perUser: number;
}

const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';
const ADD = 'mutation Add($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { id } }';
const REMOVE = 'mutation Remove($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { id } }';

/**
 * Every member at once, each `perUser` operations one after the other; each operation timed from
 * request to answer. A refused one (SERVICE_UNAVAILABLE: the conversation stayed busy) counts as
 * an error and is not retried.
 */
async function closedLoop(
  system: ProjectSystem,
  members: readonly BenchUser[],
  perUser: number,
  operation: (user: BenchUser, index: number) => Promise<unknown>,
) {
  const latencies: number[] = [];
  let errors = 0;
  const cpu = new CpuMeter(system.pids());
  const started = performance.now();
  await Promise.all(
    members.map(async (user) => {
      for (let i = 0; i < perUser; i += 1) {
        const at = performance.now();
        try {
          await operation(user, i);
          latencies.push(performance.now() - at);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const [p50, p99] = percentiles(latencies, [50, 99]);
  return {
    perSecond: latencies.length / seconds,
    p50: p50!,
    p99: p99!,
    errors,
    cpuMs: (cpu.used() * 1000) / latencies.length,
  };
}

/**
 * E: changes to one message against sends to its conversation, in the same run. `users` members
 * of one group act at once: first each sends `perUser` messages to the group (the baseline: sends
 * to one conversation ride the writer's batches), then each adds and removes a reaction to one
 * message `perUser` times. Every change is decided under the conversation's lease and takes its
 * own position in the conversation's event stream, so changes to one conversation are
 * serialized; this measures what that costs next to sends.
 */
export async function messageChanges(
  system: ProjectSystem,
  users: readonly BenchUser[],
  sizes: ChangeSizes,
  log: Log,
): Promise<Record<string, number>> {
  const members = users.slice(0, sizes.users);
  const groupId = await system.groups.create(members[0]!, members.slice(1));
  const request = (user: BenchUser, query: string, variables: object) => system.graphql(user.token, query, variables);
  const target = (
    (await request(members[0]!, SEND, { input: { conversationId: groupId, message: 'react to me' } }))[
      'sendMessage'
    ] as { id: string }
  ).id;
  // Warm-up: each member once, both kinds, not measured.
  await Promise.all(
    members.map(async (user) => {
      await request(user, SEND, { input: { conversationId: groupId, message: 'warm-up' } });
      await request(user, ADD, { id: target, emoji: '🔥' });
    }),
  );

  const sends = await closedLoop(system, members, sizes.perUser, (user, i) =>
    request(user, SEND, { input: { conversationId: groupId, message: `e|${i}` } }),
  );
  log(
    `sends to one conversation: ${Math.round(sends.perSecond)}/s, p99 ${sends.p99.toFixed(1)} ms, ${sends.errors} errors`,
  );
  const changes = await closedLoop(system, members, sizes.perUser, (user, i) =>
    request(user, i % 2 === 0 ? ADD : REMOVE, { id: target, emoji: '👍' }),
  );
  log(
    `reactions to one message: ${Math.round(changes.perSecond)}/s, p99 ${changes.p99.toFixed(1)} ms, ${changes.errors} errors`,
  );
  return {
    sendsPerSecond: sends.perSecond,
    sendP50Ms: sends.p50,
    sendP99Ms: sends.p99,
    sendErrors: sends.errors,
    serverCpuMsPerSend: sends.cpuMs,
    changesPerSecond: changes.perSecond,
    changeP50Ms: changes.p50,
    changeP99Ms: changes.p99,
    changeErrors: changes.errors,
    serverCpuMsPerChange: changes.cpuMs,
  };
}
