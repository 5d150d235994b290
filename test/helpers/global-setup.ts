import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type EmbeddedFerretDb } from '../../src/launcher/embedded-ferretdb';

declare global {
  var __FERRETDB__: EmbeddedFerretDb | undefined;
}

/**
 * Starts one FerretDB for the run on a free port in a temporary folder, unless TEST_DATABASE_URL
 * points at a MongoDB. Never reads DATABASE_URL, so a test run cannot touch real data.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.CHAT_TEST_MONGO_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-ferretdb-'));
  const ferret = await startFerretDb({ dir });
  globalThis.__FERRETDB__ = ferret;
  process.env.CHAT_TEST_MONGO_URL = ferret.url;
  process.env.CHAT_TEST_FERRETDB_DIR = dir;
}
