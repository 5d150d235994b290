import { resolve } from 'node:path';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from '../../src/launcher/processes';

/** A user of the benchmark: id, name and a token every system accepts (same JWT secret). */
export interface BenchUser {
  readonly id: string;
  readonly token: string;
}

/** One connected device; `onText` receives the text of every message delivered to it. */
export interface Device {
  readonly user: BenchUser;
  close(): Promise<void>;
}

export interface Datastores {
  readonly redisUrl: string;
  /** Seed nodes of a Redis Cluster (BENCH_REDIS_CLUSTER=1), for the project's cluster variant. */
  readonly redisClusterNodes?: string;
  /** The MongoDB URI for one database (each system gets its own). */
  mongoUrl(db: string): string;
  readonly jwtSecret: string;
}

export interface ConnectOptions {
  /** Subscriptions per device for the GraphQL systems (1: newMessage; 3: + typing, userStatus). */
  readonly subscriptions: 1 | 3;
  /** Which of the system's socket-serving instances (round robin). */
  readonly instance: number;
  readonly onText: (device: Device, text: string) => void;
}

/** A system under test, started as its own processes on loopback. */
export interface SystemUnderTest {
  readonly key: 'project' | 'project-cluster' | 'project-ws' | 'project-stream' | 'limit' | 'socketio' | 'textbook';
  readonly label: string;
  /** Its database; emptied (users kept) before every run so runs start equal. */
  readonly database: string;
  start(stores: Datastores): Promise<void>;
  stop(): Promise<void>;
  /** Every process of the system (CPU is summed over these). */
  pids(): number[];
  /** The processes that hold client sockets (memory per connection is measured on these). */
  socketPids(): number[];
  /** The last output of its processes (for a failed run's report). */
  output(): string;
  /** Heap bytes in use, summed over socketPids. */
  heapBytes(): Promise<number>;
  connect(user: BenchUser, options: ConnectOptions): Promise<Device>;
  /** Sends through the system's own send path; resolves when the system confirmed it. */
  send(from: Device, to: BenchUser, text: string): Promise<void>;
  /** Subscribe and complete `count` times on one device (only the GraphQL systems). */
  churn?(device: Device, count: number): Promise<void>;
  /** Groups (scenario G), on the systems that have them. */
  readonly groups?: GroupSupport;
}

/** What scenario G needs of a system: a group, its members' devices in it, and sends to it. */
export interface GroupSupport {
  /** Creates the group; returns its id. */
  create(owner: BenchUser, members: readonly BenchUser[]): Promise<string>;
  /** Makes a connected member's device receive the group's messages (where that takes a step). */
  join(device: Device, groupId: string): Promise<void>;
  /** Sends through the system's own send path; resolves when the system confirmed it. */
  send(from: Device, groupId: string, text: string): Promise<void>;
}

/** .bench-build/ (this file is .bench-build/bench/systems/system.js once compiled). */
export const BENCH_BUILD = resolve(__dirname, '../..');
/** The project's own build, which `npm run bench` refreshes: the services run from there. */
export const PROJECT_DIST = resolve(__dirname, '../../../dist');

export interface Spawned {
  readonly process: ManagedProcess & { output(): string };
  readonly port: number;
}

/** Spawns a Node program on a free port given as `portVariable`, and waits until it listens. */
export async function spawnNode(
  entry: string,
  portVariable: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): Promise<Spawned> {
  const port = await freePort();
  const child = spawnManaged(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, ...env, [portVariable]: String(port) },
  });
  try {
    await waitForPort(port, 20_000, child.child);
  } catch (error) {
    await child.stop();
    throw new Error(`${entry} did not start: ${(error as Error).message}\n${child.output().slice(-2000)}`);
  }
  return { process: child, port };
}

export async function heapFrom(url: string): Promise<number> {
  const response = await fetch(url);
  return ((await response.json()) as { heapUsed: number }).heapUsed;
}
