import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { startFerretDb } from './embedded-ferretdb';
import { startRedis } from './embedded-redis';
import type { ManagedProcess } from './processes';

/**
 * `npm start`: the whole system in one process tree. Starts FerretDB (data in `.data/ferretdb`,
 * kept across restarts) when DATABASE_URL is unset and redis-server when REDIS_URL is unset, then
 * the API and WS services as child processes. Ctrl-C stops the services, then the datastores.
 */
async function main(): Promise<void> {
  const root = resolve(__dirname, '../..');
  let config;
  try {
    config = loadConfig(); // fail on a bad variable before starting anything
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`start: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, 'launcher');
  const datastores: ManagedProcess[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };

  const stopDatastores = () => Promise.all(datastores.map((store) => store.stop()));
  process.once('exit', () => {
    for (const store of datastores) store.child.kill('SIGKILL'); // last resort if we die abruptly
  });

  try {
    await startDatastores();
  } catch (error) {
    await stopDatastores();
    throw error;
  }

  async function startDatastores(): Promise<void> {
    if (!process.env.DATABASE_URL) {
      const ferret = await startFerretDb({
        dir: resolve(root, '.data/ferretdb'),
        preferredPort: 27017,
        detached: true,
      });
      datastores.push(ferret);
      env.DATABASE_URL = `${ferret.url}/chat`;
      logger.info({ url: env.DATABASE_URL }, 'embedded FerretDB started');
    }
    if (!process.env.REDIS_URL) {
      const redis = await startRedis({
        dir: resolve(root, '.data/redis'),
        preferredPort: 6379,
        detached: true,
      });
      datastores.push(redis);
      env.REDIS_URL = redis.url;
      logger.info({ url: redis.url }, 'embedded redis-server started');
    }
  }

  const services = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await Promise.all(
      [...services.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    await stopDatastores();
    logger.info('all stopped');
    process.exit(exitCode);
  };

  for (const name of ['api', 'ws'] as const) {
    const child = spawn(process.execPath, [resolve(__dirname, `../${name}/main.js`)], { env, stdio: 'inherit' });
    services.set(name, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ child: name, code, signal }, 'service exited; stopping everything');
      void stopAll(code === 0 ? 1 : (code ?? 1));
    });
  }
  logger.info(
    {
      graphql: `http://127.0.0.1:${config.apiPort}/graphql`,
      subscriptions: `ws://127.0.0.1:${config.websocketPort}/graphql`,
    },
    'chat is starting; Ctrl-C to stop',
  );

  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

void main().catch((error: unknown) => {
  process.stderr.write(`start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
