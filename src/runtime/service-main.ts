import { ConfigError, loadConfig, type Config } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';
import { openRuntime, type Runtime } from './runtime';

/** Grace period for draining on SIGTERM before the process exits anyway. @default 10000 ms */
const SHUTDOWN_TIMEOUT_MS = 10_000;

type ServerFactory = (config: Config, runtime: Runtime, logger: Logger) => Promise<{ close(): Promise<void> }>;

/**
 * The shared `main` of both services: config, logger, datastores, server, and shutdown in reverse
 * order on SIGTERM/SIGINT. A bad environment stops the process with one line naming the variable.
 */
export async function startService(name: 'api' | 'ws', startServer: ServerFactory): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, name);
  if (config.usingDevelopmentSecret) logger.warn('JWT_SECRET is not set: using the fixed development secret');

  let runtime: Runtime;
  let server: { close(): Promise<void> };
  try {
    runtime = await openRuntime(config, logger, { service: name });
    server = await startServer(config, runtime, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    void server
      .close()
      .then(() => runtime.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
