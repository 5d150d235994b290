import { MongoServerError, MongoWriteConcernError } from 'mongodb';
import { ChatError } from '../../src/domain/errors';
import { isDatastoreUnavailable, translateDatastoreErrors } from '../../src/persistence/errors';
import { concernsFor, namesReplicaSet } from '../../src/persistence/mongo.connection';

const serverError = (code: number, labels: string[] = []) => {
  const error = new MongoServerError({ message: `server error ${code}`, code });
  for (const label of labels) error.addErrorLabel(label);
  return error;
};

describe('datastore errors', () => {
  it.each([
    ['NotWritablePrimary (election in progress)', serverError(10107)],
    ['PrimarySteppedDown', serverError(189)],
    ['InterruptedDueToReplStateChange', serverError(11602)],
    ['ShutdownInProgress', serverError(91)],
    ['any error the driver labels RetryableWriteError', serverError(12345, ['RetryableWriteError'])],
    [
      'a write concern that timed out',
      new MongoWriteConcernError({
        writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
      } as never),
    ],
  ])('treats %s as retryable SERVICE_UNAVAILABLE', async (_what, error) => {
    expect(isDatastoreUnavailable(error)).toBe(true);
    const repository = translateDatastoreErrors({ find: () => Promise.reject(error) });
    await expect(repository.find()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(repository.find()).rejects.toBeInstanceOf(ChatError);
  });

  it('passes through errors that retrying would not fix', async () => {
    for (const error of [serverError(11000), serverError(2), new Error('a bug')]) {
      expect(isDatastoreUnavailable(error)).toBe(false);
      const repository = translateDatastoreErrors({ find: () => Promise.reject(error) });
      await expect(repository.find()).rejects.toBe(error);
    }
  });
});

describe('read and write concerns', () => {
  it('waits for a majority and retries writes once only where the URI names a replica set', () => {
    for (const url of ['mongodb://a:27017,b:27017/chat?replicaSet=rs0', 'mongodb+srv://cluster.example.net/chat']) {
      expect(namesReplicaSet(url)).toBe(true);
      expect(concernsFor(url)).toEqual({
        retryWrites: true,
        writeConcern: { w: 'majority', journal: true, wtimeoutMS: 5_000 },
      });
    }
    for (const url of ['mongodb://127.0.0.1:27017/chat', 'mongodb://h/chat?replicaSetX=1']) {
      expect(namesReplicaSet(url)).toBe(false);
      expect(concernsFor(url)).toEqual({ retryWrites: false });
    }
  });
});
