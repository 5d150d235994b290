import { mkdirSync } from 'node:fs';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from './processes';

export interface EmbeddedRedis extends ManagedProcess {
  readonly port: number;
  readonly url: string;
}

/**
 * Starts Debian's `redis-server` on loopback with no persistence (Redis holds only ephemeral
 * state here: pub/sub, presence, rate limits). `port` defaults to a free one.
 */
export async function startRedis(options: {
  dir: string;
  port?: number;
  preferredPort?: number;
  detached?: boolean;
  /** More `redis-server` arguments (cluster mode, `--replicaof`, ...). */
  args?: readonly string[];
}): Promise<EmbeddedRedis> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort(options.preferredPort));
  const process = spawnManaged(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      options.dir,
      '--loglevel',
      'warning',
      ...(options.args ?? []),
    ],
    { detached: options.detached },
  );
  try {
    await waitForPort(port, 10_000, process.child);
  } catch (error) {
    await process.stop();
    throw new Error(`redis-server did not start: ${(error as Error).message}\n${process.output()}`);
  }
  return { ...process, port, url: `redis://127.0.0.1:${port}` };
}
