import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type EmbeddedFerretDb } from '../../src/launcher/embedded-ferretdb';
import { ensureFreshBuild } from './fresh-build';

declare global {
  var __FERRETDB__: { ferret: EmbeddedFerretDb | null; dir: string | null; projects: number } | undefined;
}

/**
 * Runs once per project that needs datastores (e2e, browser); they share one FerretDB on a free
 * port in a temporary folder, unless TEST_DATABASE_URL points at a MongoDB. Never reads
 * DATABASE_URL, so a test run cannot touch real data. Also rebuilds dist/ when src/ is newer,
 * because some tests run the services as processes from it.
 */
export default async function globalSetup(): Promise<void> {
  ensureFreshBuild();
  if (globalThis.__FERRETDB__) {
    globalThis.__FERRETDB__.projects += 1;
    return;
  }
  globalThis.__FERRETDB__ = { ferret: null, dir: null, projects: 1 };
  if (process.env.TEST_DATABASE_URL) {
    process.env.CHAT_TEST_MONGO_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-ferretdb-'));
  const ferret = await startFerretDb({ dir });
  globalThis.__FERRETDB__ = { ferret, dir, projects: 1 };
  process.env.CHAT_TEST_MONGO_URL = ferret.url;
}
