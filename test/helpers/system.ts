import { startApiServer, type ApiServer } from '../../src/api/api.server';
import { loadConfig, type Config } from '../../src/config/config';
import { createLogger } from '../../src/logging/logger';
import { openRuntime, type Runtime } from '../../src/runtime/runtime';
import { startWsServer, type WsServer } from '../../src/ws/ws.server';
import type { TestDatastores } from './datastores';

export const TEST_JWT_SECRET = 'test-secret-for-the-suite-only';

/** A running system: one API instance and N WS instances, each with its own datastore connections. */
export interface TestSystem {
  readonly config: Config;
  readonly api: ApiServer;
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
    ...overrides,
  });
}

/** Starts real servers on free ports; every instance opens its own MongoDB and Redis connections. */
export async function startSystem(stores: TestDatastores, options: { wsInstances?: number } = {}): Promise<TestSystem> {
  const config = testConfig(stores);
  const logger = createLogger(config.logLevel, 'test');
  const runtimes: Runtime[] = [];
  const open = async () => {
    const runtime = await openRuntime(config, logger, { dbName: stores.dbName });
    runtimes.push(runtime);
    return runtime;
  };
  const api = await startApiServer(config, await open(), logger);
  const ws: WsServer[] = [];
  for (let i = 0; i < (options.wsInstances ?? 1); i += 1) ws.push(await startWsServer(config, await open(), logger));
  return {
    config,
    api,
    ws,
    runtimes,
    async stop() {
      await Promise.all([api.close(), ...ws.map((server) => server.close())]);
      await Promise.all(runtimes.map((runtime) => runtime.close()));
    },
  };
}
