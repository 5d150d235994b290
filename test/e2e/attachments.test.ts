import {
  CreateGroupDocument,
  DeleteMessageDocument,
  NewMessageDocument,
  RemoveMemberDocument,
  SendMessageDocument,
} from '../../src/client/graphql';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { OpenApiValidator } from '../helpers/openapi-validator';
import { useTestSystem } from '../helpers/system';
import { download, png, upload, uploadStreamed } from '../helpers/uploads';
import { createUsers, type TestUser } from '../helpers/users';

const MAX_BYTES = 256 * 1024;

describe('attachments', () => {
  const env = useTestSystem({ env: { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) } });
  let ann: TestUser;
  let ben: TestUser;
  let cat: TestUser;
  beforeAll(async () => {
    [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
  });

  /** What the store holds: records, GridFS files and chunks. */
  const stored = async () => {
    const db = env.stores.mongo.connection;
    return {
      records: await db.collection('attachments').countDocuments(),
      files: await db.collection('attachmentfiles.files').countDocuments(),
      chunks: await db.collection('attachmentfiles.chunks').countDocuments(),
    };
  };
  const sendWith = async (from: TestUser, target: { targetUserId?: string; conversationId?: string }, ids: string[]) =>
    graphqlHttp(
      env.system.api,
      SendMessageDocument,
      { input: { ...target, message: '', attachmentIds: ids } },
      from.token,
    );

  it('stores an image as it streams in, types it from its bytes, and lets both people of the conversation read it', async () => {
    const image = png(3, 2);
    const uploaded = await upload(env.system.api, ann.token, image, 'holiday.png', 'text/html');
    expect(uploaded.status).toBe(201);
    const data = uploaded.body.data!;
    expect(data).toEqual({
      attachmentId: expect.stringMatching(/^[0-9a-f]{24}$/),
      url: `/api/chat/attachments/${data.attachmentId}`,
      fileName: 'holiday.png',
      contentType: 'image/png', // from the bytes, not the claimed text/html
      size: image.length,
      width: 3,
      height: 2,
    });
    // Before it is sent it is the uploader's alone.
    expect((await download(env.system.api, data.url, ann.token)).status).toBe(200);
    expect((await download(env.system.api, data.url, ben.token)).status).toBe(404);

    const socket = wsClient(env.system.ws[0]!, { token: ben.token });
    const live = new SubscriptionProbe(socket, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);
    const sent = await sendWith(ann, { targetUserId: ben.id }, [data.attachmentId]);
    expect(sent.body.errors).toBeUndefined();
    const message = sent.body.data!.sendMessage;
    expect(message).toMatchObject({
      message: '',
      messageType: 'IMAGE',
      attachmentUrl: data.url,
      attachments: [{ id: data.attachmentId, url: data.url, fileName: 'holiday.png', size: image.length, width: 3 }],
    });
    const delivered = (await live.next()).data as { newMessage: typeof message };
    expect(delivered.newMessage.attachments).toEqual(message.attachments);
    await socket.dispose();

    const whole = await download(env.system.api, data.url, ben.token);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(image)).toBe(true);
    expect(Object.fromEntries(whole.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(image.length),
      'content-disposition': 'inline; filename="holiday.png"',
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      etag: `"${data.attachmentId}"`,
      'cache-control': 'private, max-age=3600',
    });
    const slice = await download(env.system.api, data.url, ben.token, { range: 'bytes=8-23' });
    expect(slice.status).toBe(206);
    expect(slice.headers.get('content-range')).toBe(`bytes 8-23/${image.length}`);
    expect(Buffer.from(await slice.arrayBuffer()).equals(image.subarray(8, 24))).toBe(true);
    const tail = await download(env.system.api, data.url, ben.token, { range: 'bytes=-5' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(image.subarray(image.length - 5))).toBe(true);
    const beyond = await download(env.system.api, data.url, ben.token, { range: `bytes=${image.length + 10}-` });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${image.length}`]);
    const cached = await download(env.system.api, data.url, ben.token, { 'if-none-match': `"${data.attachmentId}"` });
    expect(cached.status).toBe(304);

    // A stranger, nobody, and a made-up or malformed id all look alike.
    for (const [token, url, status] of [
      [cat.token, data.url, 404],
      [null, data.url, 401],
      [ben.token, '/api/chat/attachments/0123456789abcdef01234567', 404],
      [ben.token, '/api/chat/attachments/..%2F..%2Fetc%2Fpasswd', 404],
    ] as const) {
      const response = await download(env.system.api, url, token);
      expect([url, token === null, response.status]).toEqual([url, token === null, status]);
      expect(await response.json()).toMatchObject({ success: false });
    }
    // Sent once, it cannot be claimed by another send (nor by someone else at all).
    expect(
      (await sendWith(ann, { targetUserId: cat.id }, [data.attachmentId])).body.errors?.[0]?.extensions?.['code'],
    ).toBe('BAD_USER_INPUT');

    // Deleting the message makes the file unreachable for everyone, and its bytes go.
    const before = await stored();
    await graphqlOk(env.system.api, DeleteMessageDocument, { messageId: message.id }, ann.token);
    for (const user of [ann, ben]) expect((await download(env.system.api, data.url, user.token)).status).toBe(404);
    expect(await stored()).toEqual({ records: before.records - 1, files: before.files - 1, chunks: before.chunks - 1 });
  });

  it('answers in the shapes the OpenAPI document describes, and lists the files in REST history', async () => {
    const validator = new OpenApiValidator(await (await fetch(`${env.system.api.url}/api/openapi.json`)).json());
    const answers: Array<[string, string, number, unknown]> = [];
    const uploaded = await upload(env.system.api, ann.token, png(2, 2), 'p.png');
    answers.push(['POST', '/api/chat/attachments', uploaded.status, uploaded.body]);
    const refused = await upload(env.system.api, ann.token, Buffer.alloc(MAX_BYTES + 1), 'big.bin');
    answers.push(['POST', '/api/chat/attachments', refused.status, refused.body]);
    const anonymous = await upload(env.system.api, null, png(1, 1), 'p.png');
    answers.push(['POST', '/api/chat/attachments', anonymous.status, anonymous.body]);
    const missing = await download(env.system.api, '/api/chat/attachments/0123456789abcdef01234567', ann.token);
    answers.push(['GET', '/api/chat/attachments/x', missing.status, await missing.json()]);
    const sent = await sendWith(ann, { targetUserId: cat.id }, [uploaded.body.data!.attachmentId]);
    expect(sent.body.errors).toBeUndefined();
    const historyUrl = `/api/chat/history/${cat.id}`;
    const history = await download(env.system.api, historyUrl, ann.token);
    const body = (await history.json()) as { data: Array<{ attachments?: unknown[]; attachmentUrl?: string }> };
    answers.push(['GET', historyUrl, history.status, body]);
    expect(body.data[0]).toMatchObject({
      attachmentUrl: uploaded.body.data!.url,
      attachments: [{ attachmentId: uploaded.body.data!.attachmentId, fileName: 'p.png', width: 2 }],
    });
    expect(answers.map(([, , status]) => status)).toEqual([201, 413, 401, 404, 200]);
    expect(answers.flatMap((answer) => validator.problems(...answer))).toEqual([]);
  });

  it('refuses an upload over ATTACHMENT_MAX_BYTES with 413 and keeps nothing of it, with or without a declared length', async () => {
    const before = await stored();
    const tooBig = Buffer.alloc(MAX_BYTES + 1, 7);
    const declared = await upload(env.system.api, ann.token, tooBig, 'big.bin');
    expect([declared.status, declared.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const streamed = await uploadStreamed(env.system.api, ann.token, Buffer.alloc(MAX_BYTES * 3, 7), 'big.bin');
    expect([streamed.status, streamed.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await stored()).toEqual(before);
    // Exactly at the limit is fine, and the service kept serving.
    const atLimit = await uploadStreamed(env.system.api, ann.token, Buffer.alloc(MAX_BYTES, 7), 'exact.bin');
    expect([atLimit.status, atLimit.body.data?.size]).toEqual([201, MAX_BYTES]);
    expect((await stored()).chunks).toBeGreaterThan(before.chunks);
  });

  it('stores markup and programs as opaque downloads with a clean name, and refuses bad uploads clearly', async () => {
    const cases = [
      ['<!DOCTYPE html><script>alert(1)</script>', '../../etc/<evil>"page".html'],
      ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'logo.svg'],
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), 'run'],
    ] as const;
    for (const [content, name] of cases) {
      const answer = await upload(env.system.api, ann.token, Buffer.from(content), name, 'image/png');
      expect([name, answer.status, answer.body.error]).toEqual([name, 201, undefined]);
      expect(answer.body.data!.contentType).toBe('application/octet-stream');
      const response = await download(env.system.api, answer.body.data!.url, ann.token);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const html = await upload(env.system.api, ann.token, Buffer.from('<html>'), '../../etc/<evil>"page".html');
    expect(html.body.data!.fileName).toBe('evilpage.html');
    const text = await upload(env.system.api, ann.token, Buffer.from('plain notes, ünïcode'), 'notes.txt');
    expect(text.body.data!.contentType).toBe('text/plain');

    const api = env.system.api;
    const raw = (body: string | FormData, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/api/chat/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.token}`, ...headers },
        body,
      });
    expect((await upload(api, null, png(1, 1), 'a.png')).status).toBe(401);
    expect((await upload(api, ann.token, Buffer.alloc(0), 'empty.txt')).body.error?.code).toBe('BAD_USER_INPUT');
    const json = await raw(JSON.stringify({ file: 'x' }), { 'content-type': 'application/json' });
    expect([json.status, ((await json.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    const noFile = new FormData();
    noFile.append('other', 'x');
    expect((await raw(noFile)).status).toBe(400);
    const broken = await raw('--x\r\nnot a part', { 'content-type': 'multipart/form-data; boundary=x' });
    expect(broken.status).toBe(400);
    expect((await upload(api, ann.token, png(1, 1), 'still.png')).status).toBe(201);
  });

  it('lets group members read what was sent there, not a member removed later, and refuses others’ or too many uploads', async () => {
    const group = (
      await graphqlOk(
        env.system.api,
        CreateGroupDocument,
        { input: { title: 'G', memberIds: [ben.id, cat.id] } },
        ann.token,
      )
    ).createGroup.conversationId;
    const file = (await upload(env.system.api, ann.token, Buffer.from('%PDF-1.4 minutes'), 'minutes.pdf')).body.data!;
    expect(file.contentType).toBe('application/pdf');
    const input = {
      conversationId: group,
      message: 'minutes',
      attachmentIds: [file.attachmentId],
      clientMessageId: 'f-1',
    };
    const sent = (await graphqlOk(env.system.api, SendMessageDocument, { input }, ann.token)).sendMessage;
    expect(sent).toMatchObject({ messageType: 'FILE' });
    // A retry (same key) is the same message, though its upload is sent already; other text under the key is refused.
    const retried = (await graphqlOk(env.system.api, SendMessageDocument, { input }, ann.token)).sendMessage;
    expect(retried.id).toBe(sent.id);
    const reused = await graphqlHttp(
      env.system.api,
      SendMessageDocument,
      { input: { ...input, message: 'other' } },
      ann.token,
    );
    expect(reused.body.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    for (const user of [ben, cat]) expect((await download(env.system.api, file.url, user.token)).status).toBe(200);
    await graphqlOk(env.system.api, RemoveMemberDocument, { conversationId: group, userId: cat.id }, ann.token);
    expect((await download(env.system.api, file.url, cat.token)).status).toBe(404);
    expect((await download(env.system.api, file.url, ben.token)).status).toBe(200);

    const bens = (await upload(env.system.api, ben.token, png(1, 1), 'mine.png')).body.data!;
    const code = async (ids: string[]) =>
      (await sendWith(ann, { conversationId: group }, ids)).body.errors?.[0]?.extensions?.['code'] ?? 'OK';
    expect(await code([bens.attachmentId])).toBe('BAD_USER_INPUT');
    const eleven = Array.from({ length: 11 }, (_, index) => index.toString(16).padStart(24, '0'));
    expect(await code(eleven)).toBe('BAD_USER_INPUT');
    expect(await code(['{"$gt":""}'])).toBe('BAD_USER_INPUT');
  });
});

describe('attachments never sent', () => {
  const env = useTestSystem({ env: { ATTACHMENT_UNSENT_TTL_SECONDS: '2' } });

  it('are deleted after ATTACHMENT_UNSENT_TTL_SECONDS, bytes and all', async () => {
    const [dan] = (await createUsers(env.stores, 'Dan')) as [TestUser];
    const kept = (await upload(env.system.api, dan.token, png(2, 2), 'draft.png')).body.data!;
    expect((await download(env.system.api, kept.url, dan.token)).status).toBe(200);
    await eventually(async () => (await download(env.system.api, kept.url, dan.token)).status === 404, {
      timeout: 10_000,
      what: 'the unsent upload to be gone',
    });
    const db = env.stores.mongo.connection;
    expect(await db.collection('attachmentfiles.chunks').countDocuments()).toBe(0);
    expect(await db.collection('attachments').countDocuments()).toBe(0);
  });
});
