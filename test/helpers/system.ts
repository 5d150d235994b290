import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startApiServer, type ApiServer } from '../../src/api/api.server';
import { loadConfig, type Config } from '../../src/config/config';
import { freePort, spawnManaged, waitForPort } from '../../src/launcher/processes';
import { createLogger } from '../../src/logging/logger';
import { openRuntime, type Runtime } from '../../src/runtime/runtime';
import { startWsServer, type WsServer } from '../../src/ws/ws.server';
import { startOwnFerretDb, startTestDatastores, type TestDatastores } from './datastores';

export const TEST_JWT_SECRET = 'test-secret-for-the-suite-only';

/** A running system: API and WS instances, each with its own datastore connections. */
export interface TestSystem {
  readonly config: Config;
  /** The first API instance. */
  readonly api: ApiServer;
  readonly apis: readonly ApiServer[];
  readonly ws: readonly WsServer[];
  readonly runtimes: readonly Runtime[];
  stop(): Promise<void>;
}

export function testConfig(stores: TestDatastores, overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: stores.mongoUrl,
    REDIS_URL: stores.redisUrl,
    API_PORT: '0',
    WEBSOCKET_PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests of other behaviour send in bursts; the rate-limit tests turn limits back on.
    RATE_LIMITS: 'off',
    ...overrides,
  });
}

/** Starts real servers on free ports; every instance opens its own MongoDB and Redis connections. */
export async function startSystem(
  stores: TestDatastores,
  options: { wsInstances?: number; apiInstances?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TestSystem> {
  const config = testConfig(stores, options.env);
  const logger = createLogger(config.logLevel, 'test');
  const runtimes: Runtime[] = [];
  const open = async (service: 'api' | 'ws') => {
    const runtime = await openRuntime(config, logger, { dbName: stores.dbName, service });
    runtimes.push(runtime);
    return runtime;
  };
  const apis: ApiServer[] = [];
  for (let i = 0; i < (options.apiInstances ?? 1); i += 1)
    apis.push(await startApiServer(config, await open('api'), logger));
  const ws: WsServer[] = [];
  for (let i = 0; i < (options.wsInstances ?? 1); i += 1)
    ws.push(await startWsServer(config, await open('ws'), logger));
  return {
    config,
    api: apis[0]!,
    apis,
    ws,
    runtimes,
    async stop() {
      await Promise.all([...apis.map((server) => server.close()), ...ws.map((server) => server.close())]);
      await Promise.all(runtimes.map((runtime) => runtime.close()));
    },
  };
}

/** A WS service in its own OS process (built from dist/), so a test can kill it without a goodbye. */
export interface WsProcess {
  readonly url: string;
  /** SIGKILL: sockets are not closed by the service, presence is not cleaned up by it. */
  kill(): Promise<void>;
  /** SIGTERM, as an orchestrator would; resolves with the exit code once the process is gone. */
  terminate(): Promise<number | null>;
  /** SIGSTOP: the process freezes mid-work (a long GC pause, a descheduled VM) until {@link resume}. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
}

/** The same server URI pointing at another database (keeps credentials and options). */
function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`Cannot parse MongoDB URI ${uri}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

export async function spawnWsProcess(stores: TestDatastores, env: NodeJS.ProcessEnv = {}): Promise<WsProcess> {
  return spawnServiceProcess(stores, 'ws', env);
}

/** Either service in its own OS process; `url` is its GraphQL endpoint (ws:// or http://). */
export async function spawnServiceProcess(
  stores: TestDatastores,
  service: 'api' | 'ws',
  env: NodeJS.ProcessEnv = {},
  /** A fixed port (to restart a service where its clients expect it); a free one by default. */
  fixedPort?: number,
): Promise<WsProcess> {
  const port = fixedPort ?? (await freePort());
  const entry = resolve(__dirname, `../../dist/${service}/main.js`);
  if (!existsSync(entry)) throw new Error(`dist/${service}/main.js is missing: npm test builds it (pretest)`);
  const child = spawnManaged(process.execPath, [entry], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: withDatabase(stores.mongoUrl, stores.dbName),
      REDIS_URL: stores.redisUrl,
      [service === 'ws' ? 'WEBSOCKET_PORT' : 'API_PORT']: String(port),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
  });
  await waitForPort(port, 15_000, child.child);
  return {
    url: `${service === 'ws' ? 'ws' : 'http'}://127.0.0.1:${port}/graphql`,
    async kill() {
      child.child.kill('SIGKILL');
      await child.stop();
    },
    pause() {
      child.child.kill('SIGSTOP');
    },
    resume() {
      child.child.kill('SIGCONT');
    },
    async terminate() {
      const exited = new Promise<number | null>((resolve) => child.child.once('exit', (code) => resolve(code)));
      child.child.kill('SIGTERM');
      return exited;
    },
  };
}

/** What {@link useTestSystem} holds for a test file; filled in by its `beforeAll`. */
export interface TestEnvironment {
  readonly stores: TestDatastores;
  readonly system: TestSystem;
  /** Set when the file asked for a FerretDB of its own. */
  readonly ownFerretDb: Awaited<ReturnType<typeof startOwnFerretDb>> | undefined;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start datastores and a system for one test file and
 * tear them down, so files declare only what differs. Call it before the file's own hooks.
 */
export function useTestSystem(
  options: { ownRedis?: boolean; ownFerretDb?: boolean } & Parameters<typeof startSystem>[1] = {},
): TestEnvironment {
  const env: { -readonly [K in keyof TestEnvironment]?: TestEnvironment[K] } = {};
  beforeAll(async () => {
    if (options.ownFerretDb) env.ownFerretDb = await startOwnFerretDb();
    env.stores = await startTestDatastores({ ownRedis: options.ownRedis });
    env.system = await startSystem(env.stores, options);
  });
  afterAll(async () => {
    await env.system?.stop();
    // A test that stopped its own database may leave nothing to drop.
    await (options.ownFerretDb ? env.stores?.dispose().catch(() => undefined) : env.stores?.dispose());
    await env.ownFerretDb?.dispose();
  });
  return env as TestEnvironment;
}
