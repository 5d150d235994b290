import { parentPort, workerData } from 'node:worker_threads';
import { connectGraphqlDevice } from '../systems/graphql-clients';
import type { BenchUser, Device } from '../systems/system';

/** What scenario F hands the greedy account's worker. */
export interface GreedyClientData {
  readonly url: string;
  readonly user: BenchUser;
  readonly sockets: number;
  readonly subscriptions: number;
}

/**
 * Scenario F's greedy account, in a worker thread of its own: parsing its ~10,000 deliveries of
 * 8 KB would otherwise hold up the event loop that timestamps the measured pair's deliveries,
 * and the pair would look slow for the load generator's sake. Messages to the parent: 'ready',
 * then { delivered } whenever asked ('count'); 'close' ends it.
 */
async function run(data: GreedyClientData): Promise<void> {
  let delivered = 0;
  const perSocket = Math.ceil(data.subscriptions / data.sockets);
  const devices: Device[] = [];
  for (let socket = 0; socket < data.sockets; socket += 1) {
    // Each operation different (an alias per subscription): nothing to share, each executed alone.
    const operations = Array.from(
      { length: Math.min(perSocket, data.subscriptions - socket * perSocket) },
      (_, i) => `subscription { newMessage { id message copy${socket}_${i}: message senderId } }`,
    );
    devices.push(
      await connectGraphqlDevice(data.url, data.user, operations, {
        subscriptions: operations.length as 1,
        instance: 0,
        onText: () => (delivered += 1),
      }),
    );
  }
  parentPort!.on('message', async (message: string) => {
    if (message === 'count') parentPort!.postMessage({ delivered });
    if (message === 'close') {
      await Promise.all(devices.map((device) => device.close()));
      process.exit(0);
    }
  });
  parentPort!.postMessage('ready');
}

if (parentPort) void run(workerData as GreedyClientData);
