import type { mongo } from 'mongoose';

/**
 * The `migrations` collection: one record per start-up migration that has completed, so later
 * start-ups skip its scan. Migrations are idempotent, so processes starting together may both
 * run one; the first to finish records it.
 */
function records(db: mongo.Db): mongo.Collection<{ _id: string; completedAt: Date }> {
  return db.collection<{ _id: string; completedAt: Date }>('migrations');
}

export async function migrationDone(db: mongo.Db, name: string): Promise<boolean> {
  return (await records(db).findOne({ _id: name })) !== null;
}

export async function recordMigrationDone(db: mongo.Db, name: string): Promise<void> {
  try {
    await records(db).insertOne({ _id: name, completedAt: new Date() });
  } catch (error) {
    // A process that started beside this one recorded it first (MongoDB answers 11000; FerretDB
    // may answer otherwise for the same refusal): done either way, if the record is there.
    if (!(await migrationDone(db, name))) throw error;
  }
}
