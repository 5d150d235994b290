import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type EmbeddedFerretDb } from '../../src/launcher/embedded-ferretdb';
import { startRedis, type EmbeddedRedis } from '../../src/launcher/embedded-redis';
import { connectMongo, type MongoHandle } from '../../src/persistence/mongo.connection';

/** The datastores one test file uses: its own database and, unless TEST_REDIS_URL is set, its own Redis. */
export interface TestDatastores {
  readonly mongoUrl: string;
  readonly dbName: string;
  readonly redisUrl: string;
  /** Stops this file's own redis-server (fault tests; needs `ownRedis`). */
  stopRedis(): Promise<void>;
  /** Starts it again on the same port. */
  restartRedis(): Promise<void>;
  /** A direct connection for asserting what is stored. */
  readonly mongo: MongoHandle;
  dispose(): Promise<void>;
}

export async function startTestDatastores(options: { ownRedis?: boolean } = {}): Promise<TestDatastores> {
  const mongoUrl = process.env.CHAT_TEST_MONGO_URL;
  if (!mongoUrl) throw new Error('CHAT_TEST_MONGO_URL is unset: run tests through jest (global setup starts FerretDB)');
  const dbName = `chat_test_${randomBytes(6).toString('hex')}`;
  let redis: EmbeddedRedis | null = null;
  let redisDir: string | null = null;
  let redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl || options.ownRedis) {
    redisDir = mkdtempSync(join(tmpdir(), 'chat-test-redis-'));
    redis = await startRedis({ dir: redisDir });
    redisUrl = redis.url;
  }
  let mongo: MongoHandle;
  try {
    mongo = await connectMongo(mongoUrl, { dbName });
  } catch (error) {
    await redis?.stop();
    throw error;
  }
  return {
    mongoUrl,
    dbName,
    redisUrl,
    mongo,
    async stopRedis() {
      if (!redis) throw new Error('this test file did not start its own Redis (pass ownRedis: true)');
      await redis.stop();
    },
    async restartRedis() {
      if (!redis || !redisDir) throw new Error('this test file did not start its own Redis (pass ownRedis: true)');
      redis = await startRedis({ dir: redisDir, port: redis.port });
    },
    async dispose() {
      await mongo.connection.dropDatabase().catch(() => undefined);
      await mongo.close();
      await redis?.stop();
      if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    },
  };
}

/**
 * A FerretDB of the calling test file's own, for tests that stop or stall the database so other
 * files (sharing the global one) are not disturbed. Points CHAT_TEST_MONGO_URL at it until disposed.
 */
export async function startOwnFerretDb(): Promise<{
  ferret: EmbeddedFerretDb;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-own-ferretdb-'));
  const previousUrl = process.env.CHAT_TEST_MONGO_URL;
  let ferret = await startFerretDb({ dir });
  process.env.CHAT_TEST_MONGO_URL = ferret.url;
  return {
    get ferret() {
      return ferret;
    },
    async restart() {
      ferret = await startFerretDb({ dir, port: ferret.port });
    },
    async dispose() {
      process.env.CHAT_TEST_MONGO_URL = previousUrl;
      ferret.child.kill('SIGCONT'); // in case a test left it stopped
      await ferret.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
