import 'reflect-metadata';
import { resolve } from 'node:path';
import { Socket } from 'node:net';
import { signToken } from '../auth/jwt';
import { ConfigError, loadConfig } from '../config/config';
import { DEMO_USERS } from '../domain/user/demo-users';
import { startFerretDb, type EmbeddedFerretDb } from '../launcher/embedded-ferretdb';
import { connectMongo } from '../persistence/mongo.connection';
import { MongoUserRepository } from '../persistence/user/user.repository';

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.once('connect', () => done(socket.destroy() !== undefined));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * `npm run seed`: creates the demo users and prints a token for each. With DATABASE_URL unset it
 * writes to the embedded FerretDB of `npm start` (starting it briefly if it is not running).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedFerretDb | null = null;
  let databaseUrl = config.databaseUrl;
  if (!process.env.DATABASE_URL && !(await isListening(27017))) {
    embedded = await startFerretDb({ dir: resolve(__dirname, '../../.data/ferretdb'), port: 27017 });
    databaseUrl = `${embedded.url}/chat`;
  }
  const mongo = await connectMongo(databaseUrl);
  try {
    await new MongoUserRepository(mongo.connection).upsertMany(DEMO_USERS);
  } finally {
    await mongo.close();
    await embedded?.stop();
  }
  process.stdout.write(`Seeded ${DEMO_USERS.length} demo users into ${databaseUrl}\n\n`);
  for (const user of DEMO_USERS) {
    process.stdout.write(`${user.name?.padEnd(6)} ${user.id}  ${signToken(user.id, config.jwtSecret)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `seed: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
