import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from './processes';

/** Where scripts/build-ferretdb.sh puts the pinned build (git-ignored). */
export const FERRETDB_BIN = resolve(__dirname, '../../.tools/bin/ferretdb');

export interface EmbeddedFerretDb extends ManagedProcess {
  readonly port: number;
  /** Base URI without a database name. */
  readonly url: string;
}

/**
 * Starts FerretDB with its embedded SQLite backend on loopback, data under `dir`, telemetry off.
 * `port` defaults to a free one.
 */
export async function startFerretDb(options: {
  dir: string;
  port?: number;
  preferredPort?: number;
  detached?: boolean;
}): Promise<EmbeddedFerretDb> {
  if (!existsSync(FERRETDB_BIN)) {
    throw new Error(
      `FerretDB is not built: run 'bash scripts/build-ferretdb.sh' (npm start and npm test do it for you)`,
    );
  }
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort(options.preferredPort));
  const process = spawnManaged(
    FERRETDB_BIN,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--state-dir=${dir}`,
      '--log-level=warn',
    ],
    {
      env: { ...globalThis.process.env, FERRETDB_TELEMETRY: 'disable', DO_NOT_TRACK: '1' },
      detached: options.detached,
    },
  );
  try {
    await waitForPort(port, 20_000, process.child);
  } catch (error) {
    await process.stop();
    throw new Error(`FerretDB did not start: ${(error as Error).message}\n${process.output()}`);
  }
  return { ...process, port, url: `mongodb://127.0.0.1:${port}` };
}
