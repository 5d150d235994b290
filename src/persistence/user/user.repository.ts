import { Types, type Connection, type Model } from 'mongoose';
import type { UserId } from '../../domain/ids';
import type { User, UserRepository } from '../../domain/user/user.types';
import { UserModelName, type UserDocument } from './user.model';

function toUser(doc: Pick<UserDocument, '_id' | 'name' | 'email'>): User {
  return { id: doc._id.toHexString() as UserId, name: doc.name ?? null, email: doc.email ?? null };
}

export class MongoUserRepository implements UserRepository {
  private readonly model: Model<UserDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<UserDocument>(UserModelName);
  }

  async findById(id: UserId): Promise<User | null> {
    const doc = await this.model.findById(new Types.ObjectId(id), { name: 1, email: 1 }).lean<UserDocument>();
    return doc ? toUser(doc) : null;
  }

  async findByIds(ids: readonly UserId[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const docs = await this.model
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { name: 1, email: 1 })
      .lean<UserDocument[]>();
    return docs.map(toUser);
  }

  /** Creates or renames users by id; used by the seed script and tests. */
  async upsertMany(users: readonly User[]): Promise<void> {
    await this.model.bulkWrite(
      users.map((user) => ({
        updateOne: {
          filter: { _id: new Types.ObjectId(user.id) },
          update: { $set: { name: user.name, email: user.email } },
          upsert: true,
        },
      })),
    );
  }
}
