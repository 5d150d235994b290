import type { ApiServer } from '../../src/api/api.server';
import {
  BlockUserDocument,
  CancelScheduledMessageDocument,
  CreateGroupDocument,
  MessagesDocument,
  NewMessageDocument,
  ScheduleMessageDocument,
  ScheduledMessagesDocument,
  SendMessageDocument,
  type ScheduledMessageFieldsFragment,
} from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { spawnServiceProcess, useTestSystem } from '../helpers/system';
import { download, png, upload } from '../helpers/uploads';
import { createUsers, type TestUser } from '../helpers/users';

/** Lets a test schedule a second ahead and have it looked at five times a second. */
const SCHEDULING = { SCHEDULE_MIN_LEAD_SECONDS: '1', SCHEDULER_POLL_MS: '200' };

describe('scheduled messages', () => {
  const env = useTestSystem({ apiInstances: 2, env: SCHEDULING });
  const api = (): ApiServer => env.system.api;
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

  const codeOf: ReturnType<typeof chatActions>['codeOf'] = (...request) => chatActions(api()).codeOf(...request);
  const schedule = async (from: TestUser, to: TestUser, message: string, sendAt: string, via: ApiServer = api()) =>
    (await graphqlOk(via, ScheduleMessageDocument, { input: { targetUserId: to.id, message }, sendAt }, from.token))
      .scheduleMessage;
  const scheduledOf = async (user: TestUser) =>
    (await graphqlOk(api(), ScheduledMessagesDocument, {}, user.token)).scheduledMessages;
  /** Waits until the scheduled message leaves PENDING and returns it. */
  const settled = (user: TestUser, id: string, timeout = 10_000) =>
    eventually(
      async () => {
        const found = (await scheduledOf(user)).find((scheduled) => scheduled.id === id);
        return found && found.status !== 'PENDING' ? found : null;
      },
      { timeout, what: `scheduled message ${id} to settle` },
    ) as Promise<ScheduledMessageFieldsFragment>;
  const history = async (user: TestUser, other: TestUser) =>
    (await graphqlOk(api(), MessagesDocument, { targetUserId: other.id, first: 100 }, user.token)).messages.nodes;

  it('is sent once, at its time, by another instance when the one that accepted it was killed', async () => {
    const [ann, ben] = (await createUsers(env.stores, 'Ann', 'Ben')) as [TestUser, TestUser];
    const accepting = await spawnServiceProcess(env.stores, 'api', SCHEDULING);
    const socket = wsClient(env.system.ws[0]!, { token: ben.token });
    try {
      const live = new SubscriptionProbe(socket, NewMessageDocument, {});
      await waitForSubscriptions(env.system.ws[0]!, 1);
      const via = { url: accepting.url.replace(/\/graphql$/, '') } as ApiServer;
      const scheduled = await schedule(ann, ben, 'see you at noon', inSeconds(2), via);
      expect(scheduled).toMatchObject({ status: 'PENDING', message: 'see you at noon', sentMessage: null });
      await accepting.kill();

      const { newMessage } = (await live.next(10_000)).data!;
      expect(newMessage).toMatchObject({ message: 'see you at noon', clientMessageId: `scheduled-${scheduled.id}` });
      expect(Date.parse(newMessage.createdAt)).toBeGreaterThanOrEqual(Date.parse(scheduled.sendAt));
      expect(await settled(ann, scheduled.id)).toMatchObject({ status: 'SENT', sentMessage: { id: newMessage.id } });
      // Settled, and still once: the next message Ben hears is a marker sent afterwards (delivery is in order).
      await graphqlOk(api(), SendMessageDocument, { input: { targetUserId: ben.id, message: 'marker' } }, ann.token);
      expect((await live.next()).data!.newMessage.message).toBe('marker');
      expect((await history(ben, ann)).map((message) => message.message)).toEqual(['see you at noon', 'marker']);
    } finally {
      await socket.dispose();
      await accepting.kill().catch(() => undefined);
    }
  });

  it('sends each of many due at the same moment exactly once with two instances looking', async () => {
    const [cat, dan] = (await createUsers(env.stores, 'Cat', 'Dan')) as [TestUser, TestUser];
    const sendAt = inSeconds(2);
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => (await schedule(cat, dan, `batch ${n}`, sendAt)).id),
    );
    await eventually(async () => (await scheduledOf(cat)).every((scheduled) => scheduled.status === 'SENT'), {
      timeout: 15_000,
      what: 'all 20 to be sent',
    });
    const received = await history(dan, cat);
    expect(received.map((message) => message.clientMessageId).sort()).toEqual(
      ids.map((id) => `scheduled-${id}`).sort(),
    );
  });

  it('is never sent once cancelled, fails when a block stands at its time, and refuses bad requests', async () => {
    const [eve, fay, gus] = (await createUsers(env.stores, 'Eve', 'Fay', 'Gus')) as [TestUser, TestUser, TestUser];
    const cancelled = await schedule(eve, fay, 'never mind', inSeconds(1.5));
    const blocked = await schedule(eve, fay, 'are you there?', inSeconds(1.5));
    expect(await graphqlOk(api(), CancelScheduledMessageDocument, { id: cancelled.id }, eve.token)).toEqual({
      cancelScheduledMessage: true,
    });
    expect(await codeOf(CancelScheduledMessageDocument, { id: cancelled.id }, eve)).toBe('OK'); // again: fine
    expect(await codeOf(CancelScheduledMessageDocument, { id: blocked.id }, fay)).toBe('NOT_FOUND'); // not hers
    await graphqlOk(api(), BlockUserDocument, { userId: eve.id }, fay.token);

    expect(await settled(eve, blocked.id)).toMatchObject({ status: 'FAILED', failureCode: 'BLOCKED' });
    expect((await scheduledOf(eve)).find((scheduled) => scheduled.id === cancelled.id)?.status).toBe('CANCELLED');
    expect(await history(eve, fay)).toEqual([]);
    expect(await codeOf(CancelScheduledMessageDocument, { id: blocked.id }, eve)).toBe('CONFLICT');
    // While the block stands, scheduling is refused at once.
    expect(
      await codeOf(
        ScheduleMessageDocument,
        { input: { targetUserId: fay.id, message: 'x' }, sendAt: inSeconds(60) },
        eve,
      ),
    ).toBe('BLOCKED');

    const input = { targetUserId: gus.id, message: 'hi' };
    for (const [sendAt, extra] of [
      [inSeconds(-5), {}],
      [inSeconds(0.2), {}],
      [inSeconds(121 * 24 * 3600), {}],
      [inSeconds(60), { clientMessageId: 'mine' }],
      [inSeconds(60), { message: '' }],
    ] as const) {
      expect(await codeOf(ScheduleMessageDocument, { input: { ...input, ...extra }, sendAt }, eve)).toBe(
        'BAD_USER_INPUT',
      );
    }
    const group = (
      await graphqlOk(api(), CreateGroupDocument, { input: { title: 'Not Eve', memberIds: [gus.id] } }, fay.token)
    ).createGroup.conversationId;
    expect(
      await codeOf(
        ScheduleMessageDocument,
        { input: { conversationId: group, message: 'x' }, sendAt: inSeconds(60) },
        eve,
      ),
    ).toBe('FORBIDDEN');
    expect(await codeOf(CancelScheduledMessageDocument, { id: 'nope' }, eve)).toBe('NOT_FOUND');
  });

  it('keeps at most 100 pending per user, and carries attachments to their time', async () => {
    const [hal, ida] = (await createUsers(env.stores, 'Hal', 'Ida')) as [TestUser, TestUser];
    const image = png(2, 2);
    const file = (await upload(api(), hal.token, image, 'later.png')).body.data!;
    const withFile = (
      await graphqlOk(
        api(),
        ScheduleMessageDocument,
        { input: { targetUserId: ida.id, message: '', attachmentIds: [file.attachmentId] }, sendAt: inSeconds(1.5) },
        hal.token,
      )
    ).scheduleMessage;
    expect(withFile).toMatchObject({ messageType: 'IMAGE', attachmentIds: [file.attachmentId] });
    expect(await settled(hal, withFile.id)).toMatchObject({ status: 'SENT' });
    const received = await download(api(), file.url, ida.token);
    expect(Buffer.from(await received.arrayBuffer()).equals(image)).toBe(true);

    for (let n = 0; n < 100; n += 1) await schedule(hal, ida, `far ${n}`, inSeconds(3600));
    expect(
      await codeOf(
        ScheduleMessageDocument,
        { input: { targetUserId: ida.id, message: 'one more' }, sendAt: inSeconds(3600) },
        hal,
      ),
    ).toBe('CONFLICT');
    const pending = (await scheduledOf(hal)).filter((scheduled) => scheduled.status === 'PENDING');
    expect(pending).toHaveLength(100);
    await graphqlOk(api(), CancelScheduledMessageDocument, { id: pending[0]!.id }, hal.token);
    expect((await schedule(hal, ida, 'now there is room', inSeconds(3600))).status).toBe('PENDING');
  });
});
