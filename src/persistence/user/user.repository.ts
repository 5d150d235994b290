import { Types, type Connection, type Model } from 'mongoose';
import type { UserId } from '../../domain/ids';
import { escapeRegex } from '../../domain/regex';
import type { User, UserRepository } from '../../domain/user/user.types';
import { UserModelName, type UserDocument } from './user.model';

function toUser(doc: Pick<UserDocument, '_id' | 'name' | 'email'>): User {
  return { id: doc._id.toHexString() as UserId, name: doc.name ?? null, email: doc.email ?? null };
}

/** Up to this many ids are looked up by `_id` equality each; more in one `$in` (see findByIds). */
const FEW_IDS = 4;

/** Leading characters of a directory search whose case spellings bound the index ranges. @default 3 */
const CASE_BOUNDED_CHARACTERS = 3;

/** Every upper/lower-case spelling of `text` ("a1b" → "A1B", "A1b", "a1B", "a1b"), deduplicated. */
export function caseSpellings(text: string): string[] {
  let spellings = [''];
  for (const character of text) {
    const variants = [...new Set([character.toUpperCase(), character.toLowerCase()])].filter(
      (variant) => [...variant].length === 1, // 'ß'.toUpperCase() is 'SS': not a spelling of one character
    );
    spellings = spellings.flatMap((start) => variants.map((variant) => start + variant));
  }
  return [...new Set(spellings)].sort();
}

/**
 * The smallest string above every string that starts with `prefix` (by code unit, as MongoDB
 * compares); null when there is none (the prefix is all U+FFFF, the highest code unit).
 */
export function successorOf(prefix: string): string | null {
  const trimmed = prefix.replace(/\uffff+$/, '');
  if (trimmed === '') return null;
  return trimmed.slice(0, -1) + String.fromCharCode(trimmed.charCodeAt(trimmed.length - 1) + 1);
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
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    // A handful of ids (a send's sender and receiver) are looked up one by one, side by side:
    // FerretDB v1 answers `_id` equality from its primary key but scans the whole collection for
    // `$in` (3,000 users: 0.9 ms against 69 ms), and `users` is the main app's, often the largest;
    // in the full benchmark those scans kept FerretDB above a core at 20 msg/s. Lists (a page of
    // conversations' people) stay one `$in` query, as DESIGN.md asks of list views; on MongoDB
    // both forms use the `_id` index.
    if (unique.length <= FEW_IDS) {
      const docs = await Promise.all(
        unique.map((id) => this.model.findById(new Types.ObjectId(id), { name: 1, email: 1 }).lean<UserDocument>()),
      );
      return docs.flatMap((doc) => (doc ? [toUser(doc)] : []));
    }
    const docs = await this.model
      .find({ _id: { $in: unique.map((id) => new Types.ObjectId(id)) } }, { name: 1, email: 1 })
      .lean<UserDocument[]>();
    return docs.map(toUser);
  }

  /**
   * Case-insensitive prefix search that MongoDB answers from the `name` and `email` indexes:
   * a regex with the `i` flag cannot bound an index scan, so the filter also lists, per field,
   * the ranges of every upper/lower-case spelling of the prefix's first characters (at most 8:
   * "ali" → "ALI".."ali"), which can; the regex then checks the whole prefix. One query on every
   * store (FerretDB scans, as it does for any query not by `_id`).
   */
  async searchByPrefix(prefix: string, limit: number, excluding: UserId): Promise<User[]> {
    const lead = caseSpellings(prefix.slice(0, CASE_BOUNDED_CHARACTERS));
    const ranges = ['name', 'email'].flatMap((field) =>
      lead.map((start) => {
        const end = successorOf(start);
        return { [field]: end === null ? { $gte: start } : { $gte: start, $lt: end } };
      }),
    );
    const pattern = new RegExp(`^${escapeRegex(prefix)}`, 'i');
    const docs = await this.model
      .find(
        {
          $or: ranges,
          $and: [{ $or: [{ name: pattern }, { email: pattern }] }],
          _id: { $ne: new Types.ObjectId(excluding) },
        },
        { name: 1, email: 1 },
      )
      .sort({ name: 1, _id: 1 })
      .limit(limit)
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
