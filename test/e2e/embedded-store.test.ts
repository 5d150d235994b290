import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient, ObjectId, type Collection, type Db } from 'mongodb';
import { FERRETDB_BIN } from '../../src/launcher/embedded-ferretdb';
import { SCALAR_FIELDS } from '../../src/persistence/pushdown';
import { startTestDatastores } from '../helpers/datastores';
import { indexUsed, isPatchedFerretDb } from '../helpers/query-plan';
import { spawnServiceProcess } from '../helpers/system';

const embedded = !process.env.TEST_DATABASE_URL;

/**
 * The store the project runs on answers through its indexes. On the embedded FerretDB that takes
 * the project's patches (tools/ferretdb/patches); the same queries on MongoDB use the same indexes.
 * The plans are the store's own (`explain`), and every pushed-down query is checked to return
 * exactly what the filter means, arrays and look-alike values included.
 */
describe('the embedded store answers through indexes', () => {
  let client: MongoClient;
  let db: Db;
  let messages: Collection;

  beforeAll(async () => {
    client = new MongoClient(process.env.CHAT_TEST_MONGO_URL!);
    await client.connect();
    db = client.db(`chat_store_${new ObjectId().toHexString()}`);
    messages = db.collection('messages');
    await messages.createIndex({ conversationId: 1, seq: 1 }, { unique: true });
    const docs = [];
    for (let seq = 1; seq <= 300; seq += 1) {
      for (const conversationId of ['a_b', 'a_c', 'b_c']) docs.push({ _id: new ObjectId(), conversationId, seq });
    }
    await messages.insertMany(docs);
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('runs the build of the current patches', async () => {
    expect(await isPatchedFerretDb(db)).toBe(embedded);
    if (!embedded) return;
    const dir = join(__dirname, '../../tools/ferretdb/patches');
    const patches = readdirSync(dir)
      .filter((name) => name.endsWith('.patch'))
      .sort();
    expect(patches.length).toBeGreaterThan(0);
    const hash = createHash('sha256');
    for (const name of patches) hash.update(readFileSync(join(dir, name)));
    const version = execFileSync(FERRETDB_BIN, ['--version'], { encoding: 'utf8' });
    expect(version).toContain(`version: v1.24.2-chat.${hash.digest('hex').slice(0, 12)}`);
  });

  it('looks documents up by _id through the _id index, alone or beside other conditions', async () => {
    const [one] = await messages.find({ conversationId: 'a_c', seq: 7 }).toArray();
    const id = one!['_id'] as ObjectId;
    const find = (filter: object) => ({ find: 'messages', filter });
    expect(await indexUsed(db, find({ _id: id }))).toBe('_id_');
    expect(await indexUsed(db, find({ _id: { $in: [id, new ObjectId()] } }))).toBe('_id_');
    expect(await indexUsed(db, find({ _id: id, conversationId: 'a_c', seq: { $gt: 1 } }))).toBe('_id_');
  });

  it('answers equality and $in on scalar fields through a compound index', async () => {
    const page = { ...SCALAR_FIELDS, conversationId: 'a_b', seq: { $in: [300, 299, 298] } };
    expect(await indexUsed(db, { find: 'messages', filter: page })).toBe('conversationId_1_seq_1');
    expect(
      await indexUsed(db, {
        aggregate: 'messages',
        pipeline: [{ $match: page }, { $group: { _id: null, n: { $sum: 1 } } }],
        cursor: {},
      }),
    ).toBe('conversationId_1_seq_1');
    const found = await messages.find(page).sort({ seq: -1 }).toArray();
    expect(found.map((doc) => [doc['conversationId'], doc['seq']])).toEqual([
      ['a_b', 300],
      ['a_b', 299],
      ['a_b', 298],
    ]);
  });

  it('answers a string range on a scalar field through its index, whatever the values around it', async () => {
    const people = db.collection('people');
    await people.createIndex({ name: 1 });
    const names = ['Alice', 'Ali"<x', 'Ali', 'Alj', 'Al', 'alice', 'Alh\uffff', 5, null];
    await people.insertMany([...names.map((name) => ({ name })), {}]);
    const range = { ...SCALAR_FIELDS, name: { $gte: 'Ali', $lt: 'Alj' } };
    expect(await indexUsed(db, { find: 'people', filter: range })).toBe('name_1');
    const found = await people.find(range).sort({ name: 1 }).toArray();
    expect(found.map((doc) => doc['name'])).toEqual(['Ali', 'Ali"<x', 'Alice']);
    // Bounds that share no plain prefix are left to the handler, and still answered exactly.
    const wide = await people.find({ ...SCALAR_FIELDS, name: { $gt: '"', $lte: 'Al' } }).toArray();
    expect(wide.map((doc) => doc['name'])).toEqual(['Al']);
  });

  it('returns exactly what each filter means, pushed down or not', async () => {
    const odd = db.collection('odd');
    const hexId = new ObjectId();
    await odd.insertMany([
      { _id: 'u1|a' as unknown as ObjectId, tag: 'x', n: 5 },
      { _id: 'u1|<&>"\\' as unknown as ObjectId, tag: ['x', 'y'], n: 5.0 },
      { _id: 'u1|\u2028\u00e9' as unknown as ObjectId, tag: hexId.toHexString(), n: 6 },
      { _id: 'u1}' as unknown as ObjectId, tag: hexId, n: -0.0 },
      { _id: 'u2|a' as unknown as ObjectId, tag: 'x', n: 0 },
      { _id: hexId, tag: true },
    ]);
    const ids = async (filter: object) => (await odd.find(filter).toArray()).map((doc) => String(doc['_id'])).sort();
    // A user's range of string keys, whatever characters follow the prefix.
    expect(await ids({ _id: { $gte: 'u1|', $lt: 'u1|\uffff' } })).toEqual(
      ['u1|a', 'u1|<&>"\\', 'u1|\u2028\u00e9'].sort(),
    );
    expect(await ids({ _id: { $gt: 'u1|<', $lte: 'u1|b' } })).toEqual(['u1|a', 'u1|<&>"\\'].sort());
    // Without the statement that fields are scalars, an array holding the value still matches.
    expect(await ids({ tag: 'x' })).toEqual(['u1|<&>"\\', 'u1|a', 'u2|a'].sort());
    // With it, scalars match exactly: a string is not its look-alike ObjectId, 5 is 5.0, 0 is -0.
    expect(await ids({ ...SCALAR_FIELDS, tag: hexId.toHexString() })).toEqual(['u1|\u2028\u00e9']);
    expect(await ids({ ...SCALAR_FIELDS, tag: { $in: [hexId, true] } })).toEqual([hexId.toHexString(), 'u1}'].sort());
    expect(await ids({ ...SCALAR_FIELDS, _id: { $in: ['u1|a', 'u2|a'] }, n: 5 })).toEqual(['u1|a']);
    expect(await ids({ ...SCALAR_FIELDS, n: { $in: [5, 6] } })).toEqual(
      ['u1|<&>"\\', 'u1|\u2028\u00e9', 'u1|a'].sort(),
    );
    expect(await ids({ ...SCALAR_FIELDS, n: 0 })).toEqual(['u1}', 'u2|a']);
  });

  it('starts one API and three WS processes at once on an empty database, eight times over: every one comes up', async () => {
    const stores = await startTestDatastores();
    try {
      for (let round = 1; round <= 8; round += 1) {
        const dbName = `chat_start_${round}_${new ObjectId().toHexString()}`;
        // Each opens the same start-up path at the same moment: indexes, migrations, backfills.
        const started = await Promise.allSettled(
          (['api', 'ws', 'ws', 'ws'] as const).map((service) => spawnServiceProcess({ ...stores, dbName }, service)),
        );
        const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
        await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.kill() : null)));
        await client.db(dbName).dropDatabase();
        expect({ round, failures }).toEqual({ round, failures: [] });
      }
    } finally {
      await stores.dispose();
    }
  }, 180_000);
});
