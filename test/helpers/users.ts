import { Types } from 'mongoose';
import { signToken } from '../../src/auth/jwt';
import type { UserId } from '../../src/domain/ids';
import { DEMO_USERS } from '../../src/domain/user/demo-users';
import { MongoUserRepository } from '../../src/persistence/user/user.repository';
import type { TestDatastores } from './datastores';
import { TEST_JWT_SECRET } from './system';

export interface TestUser {
  readonly id: UserId;
  readonly name: string;
  readonly token: string;
}

/** Creates users with fresh ids in the file's database and signs a token for each. */
export async function createUsers(stores: TestDatastores, ...names: string[]): Promise<TestUser[]> {
  const users = names.map((name) => ({
    id: new Types.ObjectId().toHexString() as UserId,
    name,
    email: `${name.toLowerCase()}@example.test`,
  }));
  await new MongoUserRepository(stores.mongo.connection).upsertMany(users);
  return users.map((user) => ({ id: user.id, name: user.name, token: signToken(user.id, TEST_JWT_SECRET) }));
}

/** The users `npm run seed` writes, which the web client's picker offers. */
export async function seedDemoUsers(stores: TestDatastores): Promise<void> {
  await new MongoUserRepository(stores.mongo.connection).upsertMany(DEMO_USERS);
}
