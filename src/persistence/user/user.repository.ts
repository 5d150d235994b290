import { Types, type Connection, type Model } from 'mongoose';
import type { UserId } from '../../domain/ids';
import { escapeRegex } from '../../domain/regex';
import { SCALAR_FIELDS } from '../pushdown';
import type { User, UserRepository } from '../../domain/user/user.types';
import { UserModelName, type UserDocument } from './user.model';

function toUser(doc: Pick<UserDocument, '_id' | 'name' | 'email'>): User {
  return { id: doc._id.toHexString() as UserId, name: doc.name ?? null, email: doc.email ?? null };
}

/** Up to this many ids are looked up by `_id` equality each; more in one `$in` (see findByIds). */
const FEW_IDS = 4;

/** Leading characters of a directory search whose case spellings bound the index ranges. @default 3 */
const CASE_BOUNDED_CHARACTERS = 3;

/** Directory range queries sent side by side: a search must not take a process's whole pool. @default 4 */
const DIRECTORY_QUERIES_AT_ONCE = 4;

/** MongoDB's order for `sort({ name: 1, _id: 1 })`: a missing name first, then by code unit. */
function byNameThenId(a: UserDocument, b: UserDocument): number {
  const [x, y] = [a.name ?? null, b.name ?? null];
  if (x !== y) {
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return a._id.toHexString() < b._id.toHexString() ? -1 : a._id.equals(b._id) ? 0 : 1;
}

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
   * Case-insensitive prefix search through the `name` and `email` indexes, on every store. A regex
   * with the `i` flag cannot bound an index scan, so every upper/lower-case spelling of the prefix's
   * first characters ("ali" → "ALI".."ali", at most 8) is a range of its own, one query per range
   * and field (at most 16, a few at a time; SCALAR_FIELDS, so the patched FerretDB searches its
   * index too), the regex checking the whole prefix. The answers are merged by name.
   */
  async searchByPrefix(prefix: string, limit: number, excluding: UserId): Promise<User[]> {
    const pattern = new RegExp(`^${escapeRegex(prefix)}`, 'i');
    const excluded = new Types.ObjectId(excluding);
    const ranges = (['name', 'email'] as const).flatMap((field) =>
      caseSpellings(prefix.slice(0, CASE_BOUNDED_CHARACTERS)).map((start) => ({ field, start })),
    );
    const found = new Map<string, UserDocument>();
    for (let i = 0; i < ranges.length; i += DIRECTORY_QUERIES_AT_ONCE) {
      const batches = await Promise.all(
        ranges.slice(i, i + DIRECTORY_QUERIES_AT_ONCE).map(({ field, start }) => {
          const end = successorOf(start);
          return this.model
            .find(
              {
                ...SCALAR_FIELDS,
                [field]: end === null ? { $gte: start } : { $gte: start, $lt: end },
                $and: [{ [field]: pattern }],
                _id: { $ne: excluded },
              },
              { name: 1, email: 1 },
            )
            .sort({ name: 1, _id: 1 })
            .limit(limit)
            .lean<UserDocument[]>();
        }),
      );
      for (const doc of batches.flat()) found.set(doc._id.toHexString(), doc);
    }
    return [...found.values()].sort(byNameThenId).slice(0, limit).map(toUser);
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
