import { mongo } from 'mongoose';
import { DUPLICATE_KEY } from './errors';

/**
 * Inserts documents keyed by `_id`, leaving alone those that exist already (a retry, a racing
 * writer, a backfill run twice). Returns how many were new; any other failure is thrown.
 */
export async function insertMissing<T extends { _id: string }>(
  collection: mongo.Collection<T>,
  docs: readonly T[],
): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    return (await collection.insertMany([...docs] as mongo.OptionalUnlessRequiredId<T>[], { ordered: false }))
      .insertedCount;
  } catch (error) {
    if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
    const failures = ([] as mongo.WriteError[]).concat(error.writeErrors);
    if (failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
    return docs.length - failures.length;
  }
}
