import type { Browser, Locator, Page } from 'playwright-core';
import { signToken } from '../../src/auth/jwt';
import { SendMessageDocument } from '../../src/client/graphql';
import { DEMO_USERS } from '../../src/domain/user/demo-users';
import { freePort } from '../../src/launcher/processes';
import { launchChromium, openPage, withScreenshots } from '../helpers/browser';
import { graphqlOk } from '../helpers/clients';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { spawnServiceProcess, startSystem, TEST_JWT_SECRET, type TestSystem, type WsProcess } from '../helpers/system';
import { eventually } from '../helpers/eventually';
import { png } from '../helpers/uploads';
import { seedDemoUsers } from '../helpers/users';

const [ALICE, BOB, CAROL] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];

jest.setTimeout(60_000);

/**
 * The reference web client (web/, served by the API service at `/`) in headless Chromium: Alice
 * and Bob in two browser contexts against an in-process API service and a WS service in its own
 * process (so it can be restarted under them). The tests run in order and share the conversation.
 */
describe('web client in Chromium: two people chatting', () => {
  let stores: TestDatastores;
  let system: TestSystem;
  let wsPort: number;
  let ws: WsProcess;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let carol: Page | undefined;
  const pages = () => ({ alice, bob, carol });

  beforeAll(async () => {
    stores = await startTestDatastores();
    await seedDemoUsers(stores);
    wsPort = await freePort();
    system = await startSystem(stores, {
      wsInstances: 0,
      // A message scheduled from the browser a few seconds ahead is sent within a fifth of a second of it.
      env: { WEBSOCKET_PORT: String(wsPort), SCHEDULE_MIN_LEAD_SECONDS: '1', SCHEDULER_POLL_MS: '200' },
    });
    ws = await spawnServiceProcess(stores, 'ws', {}, wsPort);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ws?.kill();
    await system?.stop();
    await stores?.dispose();
  });

  /** Sends as Alice from another device, over HTTP, like a phone would. */
  const sendFromAlicesPhone = (message: string) =>
    graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: BOB.id, message } },
      signToken(ALICE.id, TEST_JWT_SECRET),
    );

  const connection = (page: Page, state: string) =>
    page.locator(`[data-testid=connection-status][data-state=${state}]`).waitFor();
  const messages = (page: Page, text?: string): Locator =>
    text === undefined ? page.getByTestId('message') : page.getByTestId('message').filter({ hasText: text });
  const conversationWith = (page: Page, userId: string) => page.getByTestId(`conversation-${userId}`);
  const composer = (page: Page) => page.getByLabel('Message', { exact: true });

  async function signIn(page: Page, name: string): Promise<void> {
    await page.getByRole('button', { name, exact: true }).click();
    await page.getByTestId('me').filter({ hasText: name }).waitFor();
    await connection(page, 'connected');
  }

  async function send(page: Page, text: string): Promise<void> {
    await composer(page).fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
  }

  it(
    'signs in from the demo user picker and goes live',
    withScreenshots(pages, async () => {
      alice = await openPage(browser, system.api.url);
      bob = await openPage(browser, system.api.url);
      const offered = await alice.locator('.picker-users button').allTextContents();
      expect(offered).toEqual(DEMO_USERS.map((user) => user.name));
      await signIn(alice, 'Alice');
      await signIn(bob, 'Bob');
    }),
  );

  it(
    'shows a sent message at once as pending, then sent; the receiver gets it with an unread badge',
    withScreenshots(pages, async () => {
      // Found through the people directory by a prefix of the name, in another case.
      await alice.getByLabel('Start a chat: find people').fill('bo');
      await alice
        .getByTestId('people-results')
        .getByRole('button', { name: `Bob ${BOB.email}` })
        .click();
      await alice.getByRole('heading', { name: 'Bob' }).waitFor();

      // Hold the mutation at the network so the optimistic state is observable.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await alice.route('**/graphql', async (route) => {
        if (route.request().postData()?.includes('mutation SendMessage')) await held;
        await route.continue();
      });
      await send(alice, 'Hello Bob');
      await messages(alice, 'Hello Bob').and(alice.locator('[data-status=pending]')).waitFor();
      release();
      await messages(alice, 'Hello Bob').and(alice.locator('[data-status=sent]')).waitFor();
      await alice.unroute('**/graphql');
      expect(await messages(alice, 'Hello Bob').count()).toBe(1);

      const row = conversationWith(bob, ALICE.id);
      await row.filter({ hasText: 'Hello Bob' }).waitFor();
      expect(await row.getByTestId('unread-badge').textContent()).toBe('1');
    }),
  );

  it(
    'marks the conversation read when opened, and the sender sees read ticks',
    withScreenshots(pages, async () => {
      await conversationWith(bob, ALICE.id).click();
      await messages(bob, 'Hello Bob').waitFor();
      await conversationWith(bob, ALICE.id).getByTestId('unread-badge').waitFor({ state: 'detached' });
      await messages(alice, 'Hello Bob').and(alice.locator('[data-status=read]')).waitFor();
    }),
  );

  it(
    'shows the typing indicator while the other side types, and clears it when the message arrives',
    withScreenshots(pages, async () => {
      await composer(bob).fill('Hi Alice, nice to see you');
      await alice.getByTestId('typing-indicator').filter({ hasText: 'Bob is typing…' }).waitFor();
      await bob.getByRole('button', { name: 'Send', exact: true }).click();
      await messages(alice, 'Hi Alice, nice to see you').waitFor();
      await alice.getByText('Bob is typing…').waitFor({ state: 'detached' });
    }),
  );

  it(
    "shows the other person's presence and follows it when they sign out and back in",
    withScreenshots(pages, async () => {
      const dot = (state: 'true' | 'false') => alice.locator(`[data-testid=presence-${BOB.id}][data-online=${state}]`);
      await dot('true').first().waitFor();
      await bob.getByRole('button', { name: 'Sign out' }).click();
      await dot('false').first().waitFor();
      await signIn(bob, 'Bob');
      await dot('true').first().waitFor();
      await conversationWith(bob, ALICE.id).click();
    }),
  );

  it(
    'deletes a message for both sides',
    withScreenshots(pages, async () => {
      await send(alice, 'This one was a mistake');
      await messages(bob, 'This one was a mistake').waitFor();
      const mine = messages(alice, 'This one was a mistake').and(
        alice.locator('[data-status]:not([data-status=pending])'),
      );
      await mine.hover();
      await mine.getByRole('button', { name: 'Delete message' }).click();
      await messages(alice, 'This one was a mistake').waitFor({ state: 'detached' });
      await messages(bob, 'This one was a mistake').waitFor({ state: 'detached' });
    }),
  );

  it(
    'keeps a failed send with its text, and a retry stores it exactly once',
    withScreenshots(pages, async () => {
      await alice.route('**/graphql', (route) =>
        route.request().postData()?.includes('mutation SendMessage')
          ? route.abort('connectionreset')
          : route.continue(),
      );
      await send(alice, 'Sent on a flaky network');
      const failed = alice.getByTestId('failed-message').filter({ hasText: 'Sent on a flaky network' });
      await failed.waitFor();
      expect(await messages(alice, 'Sent on a flaky network').count()).toBe(0);
      await alice.unroute('**/graphql');
      await failed.getByRole('button', { name: 'Retry' }).click();
      await failed.waitFor({ state: 'detached' });
      await messages(bob, 'Sent on a flaky network').waitFor();
      expect(await messages(bob, 'Sent on a flaky network').count()).toBe(1);
      expect(await messages(alice, 'Sent on a flaky network').count()).toBe(1);
    }),
  );

  it(
    'scrolls back through history page by page, each message once and in order',
    withScreenshots(pages, async () => {
      for (let i = 1; i <= 70; i += 1) await sendFromAlicesPhone(`history ${String(i).padStart(2, '0')}`);
      await messages(bob, 'history 70').waitFor();
      // A fresh session starts from the newest page and has to scroll back for the rest.
      await bob.getByRole('button', { name: 'Sign out' }).click();
      await signIn(bob, 'Bob');
      await conversationWith(bob, ALICE.id).click();
      await messages(bob, 'history 70').waitFor();
      expect(await messages(bob).count()).toBe(30);

      const list = bob.getByTestId('message-list');
      const olderButton = bob.getByRole('button', { name: 'Load older messages' });
      for (let round = 0; round < 10 && (await olderButton.count()) > 0; round += 1) {
        const before = await messages(bob).count();
        await list.evaluate((element) => (element.scrollTop = 0));
        await messages(bob).nth(before).waitFor(); // at least one more than before
      }
      const texts = await messages(bob).locator('.message-text').allTextContents();
      const history = texts.filter((text) => text.startsWith('history '));
      expect(history).toEqual(Array.from({ length: 70 }, (_, i) => `history ${String(i + 1).padStart(2, '0')}`));
      expect(texts[0]).toBe('Hello Bob');
      expect(
        new Set(await messages(bob).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')))).size,
      ).toBe(texts.length);
    }),
  );

  it(
    'searches messages and opens the conversation at the hit, loading older pages to reach it',
    withScreenshots(pages, async () => {
      await alice.getByRole('button', { name: 'Sign out' }).click();
      await signIn(alice, 'Alice');
      await alice.getByLabel('Search messages').fill('nice to see');
      const hit = alice.getByTestId('search-results').getByRole('button', { name: /nice to see you/ });
      await hit.click();
      await alice.getByRole('heading', { name: 'Bob' }).waitFor();
      // The hit is older than the first page: the view loads back to it and scrolls it into view.
      await messages(alice, 'Hi Alice, nice to see you').and(alice.locator('.focused')).waitFor();
      expect(await messages(alice, 'Hi Alice, nice to see you').isVisible()).toBe(true);
    }),
  );

  it(
    'resumes after the WS service restarts: nothing missed, nothing doubled',
    withScreenshots(pages, async () => {
      expect(await ws.terminate()).toBe(0);
      await connection(alice, 'reconnecting');
      await connection(bob, 'reconnecting');

      // HTTP still works: one message from the page, three from another device.
      await send(alice, 'while the socket was down');
      await messages(alice, 'while the socket was down').and(alice.locator('[data-status=sent]')).waitFor();
      for (const n of [1, 2, 3]) await sendFromAlicesPhone(`missed ${n}`);
      expect(await messages(bob, 'missed').count()).toBe(0);

      ws = await spawnServiceProcess(stores, 'ws', {}, wsPort);
      await connection(alice, 'connected');
      await connection(bob, 'connected');
      for (const text of ['while the socket was down', 'missed 1', 'missed 2', 'missed 3']) {
        await messages(bob, text).waitFor();
      }
      await send(alice, 'live again');
      await messages(bob, 'live again').waitFor();
      for (const text of ['while the socket was down', 'missed 1', 'missed 2', 'missed 3', 'live again']) {
        expect({
          text,
          onBob: await messages(bob, text).count(),
          onAlice: await messages(alice, text).count(),
        }).toEqual({
          text,
          onBob: 1,
          onAlice: 1,
        });
      }
    }),
  );

  it(
    'creates a group with a third person, chats with sender names and "read by", then removes her: her chat closes',
    withScreenshots(pages, async () => {
      const carolPage = await openPage(browser, system.api.url);
      carol = carolPage;
      await signIn(carolPage, 'Carol');

      // Alice creates the group, picking both people through the directory.
      await alice.getByRole('button', { name: 'New group' }).click();
      await alice.getByLabel('Group title').fill('Weekend plans');
      for (const [prefix, person] of [
        ['bo', BOB],
        ['car', CAROL],
      ] as const) {
        await alice.getByLabel('Add people to the group').fill(prefix);
        await alice
          .getByTestId('people-results')
          .getByRole('button', { name: `${person.name} ${person.email}` })
          .click();
      }
      await alice.getByRole('button', { name: 'Create group' }).click();
      await alice.getByRole('heading', { name: 'Weekend plans' }).waitFor();
      await alice.getByTestId('system-message').filter({ hasText: 'You created the group “Weekend plans”' }).waitFor();

      // It appears for Bob and Carol live; Carol opens it and sees Alice's message with her name.
      await send(alice, 'Saturday hike?');
      const group = (page: Page) => page.locator('.conversation').filter({ hasText: 'Weekend plans' });
      await group(bob).getByTestId('unread-badge').waitFor();
      await group(carolPage).click();
      await messages(carolPage, 'Saturday hike?').locator('.sender').filter({ hasText: 'Alice' }).waitFor();
      // Carol read it: Alice sees "read by 1"; once Bob reads too, "read by 2".
      await messages(alice, 'Saturday hike?').getByTestId('read-by').filter({ hasText: 'read by 1' }).waitFor();
      await group(bob).click();
      await messages(alice, 'Saturday hike?').getByTestId('read-by').filter({ hasText: 'read by 2' }).waitFor();
      await send(bob, 'Count me in');
      await messages(carolPage, 'Count me in').waitFor();

      // Alice removes Carol: Carol's chat closes and she is told; the others see the change.
      await alice.getByRole('button', { name: '3 members' }).click();
      await alice.getByRole('button', { name: 'Remove Carol' }).click();
      await carolPage.getByTestId('no-chat').filter({ hasText: 'You were removed from Weekend plans.' }).waitFor();
      await group(carolPage).waitFor({ state: 'detached' });
      await bob.getByTestId('system-message').filter({ hasText: 'Alice removed Carol' }).waitFor();
      await send(bob, 'Just us two then');
      await messages(alice, 'Just us two then').waitFor();
      expect(await messages(carolPage, 'Just us two then').count()).toBe(0);
    }),
  );

  it(
    'edits, reacts, replies, mentions and pins between two people; an offline device catches up through the event stream',
    withScreenshots(pages, async () => {
      /**
       * Clicks one of a message's actions, which show while the message is hovered. Retried: a
       * live update can move the list under the pointer between the hover and the click.
       */
      const act = async (page: Page, text: string, name: string) => {
        const message = messages(page, text).first();
        for (let attempt = 1; ; attempt += 1) {
          await message.hover();
          try {
            await message.getByRole('button', { name, exact: true }).click({ timeout: 2_000 });
            return;
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
      };
      await conversationWith(alice, BOB.id).click();
      await conversationWith(bob, ALICE.id).click();
      // Bob's phone: a third device with the conversation open.
      const phone = await openPage(browser, system.api.url);
      await signIn(phone, 'Bob');
      await conversationWith(phone, ALICE.id).click();

      // Markdown renders its safe subset; raw HTML stays text.
      await send(alice, 'Lunch at *noon*? <b>bold?</b>');
      await messages(bob, 'Lunch at noon?').locator('em').filter({ hasText: 'noon' }).waitFor();
      expect(await messages(bob, 'Lunch at noon?').locator('b').count()).toBe(0);
      await messages(phone, 'Lunch at noon?').waitFor();

      // Bob reacts; Alice sees the count.
      await act(bob, 'Lunch at noon?', 'Add reaction');
      await bob.getByRole('menuitem', { name: 'React 👍' }).click();
      await messages(alice, 'Lunch at noon?')
        .locator('[data-testid=reaction][data-emoji="👍"]')
        .filter({ hasText: '1' })
        .waitFor();

      // Bob replies with a quote; Alice sees the quote, and the thread lists the reply.
      await act(bob, 'Lunch at noon?', 'Reply');
      await bob.getByTestId('replying').waitFor();
      await send(bob, 'Yes, see you there');
      await messages(alice, 'Yes, see you there').getByTestId('quote').filter({ hasText: 'Lunch at' }).waitFor();
      await act(alice, 'Lunch at noon?', 'Thread');
      await alice.getByTestId('thread-reply').filter({ hasText: 'Yes, see you there' }).waitFor();
      await alice.getByRole('button', { name: 'Close thread' }).click();

      // Alice mentions Bob through the autocomplete; his copy is marked as mentioning him.
      await composer(alice).fill('@Bo');
      await alice.getByRole('option', { name: '@Bob' }).click();
      await composer(alice).pressSequentially('bring the tickets');
      await alice.getByRole('button', { name: 'Send', exact: true }).click();
      await messages(bob, '@Bob bring the tickets').and(bob.locator('.mentions')).waitFor();

      // Alice pins Bob's reply; Bob sees the mark and the pinned list.
      await act(alice, 'Yes, see you there', 'Pin');
      await messages(bob, 'Yes, see you there').getByTestId('pinned').waitFor();
      await bob.getByRole('button', { name: '📌 Pinned' }).click();
      await bob.getByTestId('pinned-message').filter({ hasText: 'Yes, see you there' }).waitFor();

      // Alice edits; Bob sees the new text, the mark, and the earlier version on demand.
      await act(alice, 'Lunch at noon?', 'Edit');
      await alice.getByLabel('Edit message').fill('Lunch at *12:30*?');
      await alice.getByRole('button', { name: 'Save' }).click();
      await messages(bob, 'Lunch at 12:30?').getByTestId('edited').click();
      await bob.getByTestId('edit-history').filter({ hasText: 'Lunch at *noon*?' }).waitFor();

      // The phone goes offline (the WS service is down for everyone); changes go on over HTTP.
      // What the phone asks the API (operation name and whether it pages forward from a cursor).
      const asked: string[] = [];
      phone.on('request', (request) => {
        const body = request.url().endsWith('/graphql') ? request.postData() : null;
        if (!body) return;
        const { operationName, variables } = JSON.parse(body) as {
          operationName?: string;
          variables?: Record<string, unknown>;
        };
        if (operationName) asked.push(variables?.['after'] ? `${operationName}(after)` : operationName);
      });
      expect(await ws.terminate()).toBe(0);
      await connection(phone, 'reconnecting');
      await act(alice, 'Lunch at 12:30?', 'Edit');
      await alice.getByLabel('Edit message').fill('Lunch at one?');
      await alice.getByRole('button', { name: 'Save' }).click();
      await act(alice, 'Yes, see you there', 'Add reaction');
      await alice.getByRole('menuitem', { name: 'React 🎉' }).click();
      await act(alice, 'Yes, see you there', 'Unpin');
      await act(alice, '@Bob bring the tickets', 'Delete message');
      await messages(alice, 'Lunch at one?').getByTestId('edited').waitFor();
      expect(await messages(phone, 'Lunch at one?').count()).toBe(0);

      // Back online: the phone applies what it missed from the event stream, without reloading history.
      asked.length = 0;
      ws = await spawnServiceProcess(stores, 'ws', {}, wsPort);
      await connection(phone, 'connected');
      await messages(phone, 'Lunch at one?').getByTestId('edited').waitFor();
      await messages(phone, 'Yes, see you there').locator('[data-testid=reaction][data-emoji="🎉"]').waitFor();
      await messages(phone, 'Yes, see you there').getByTestId('pinned').waitFor({ state: 'detached' });
      await messages(phone, '@Bob bring the tickets').waitFor({ state: 'detached' });
      expect(asked).toContain('ConversationEvents(after)');
      // Messages only forward from the last one seen: no page of history is fetched again.
      expect(asked.filter((operation) => operation === 'Messages')).toEqual([]);
      await phone.close();
    }),
  );

  it(
    'sends an image with upload progress, schedules a message that arrives at its time, and blocks',
    withScreenshots(pages, async () => {
      await conversationWith(alice, BOB.id).click();
      await conversationWith(bob, ALICE.id).click();

      // Alice attaches a picture; the upload is held at the network so its progress bar shows.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await alice.route('**/api/chat/attachments', async (route) => {
        await held;
        await route.continue();
      });
      await alice
        .getByLabel('Attach files')
        .setInputFiles({ name: 'dunes.png', mimeType: 'image/png', buffer: png(40, 30) });
      await alice.getByTestId('draft-attachment').getByRole('progressbar', { name: 'Uploading dunes.png' }).waitFor();
      expect(await alice.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
      release();
      await eventually(
        async () =>
          (await alice.getByTestId('draft-attachment').getByRole('progressbar').getAttribute('value')) === '1',
        { what: 'the upload to complete' },
      );
      await alice.unroute('**/api/chat/attachments');
      await composer(alice).fill('The dunes');
      await alice.getByRole('button', { name: 'Send', exact: true }).click();
      // Bob sees the picture itself, decoded at its size, loaded with his own token.
      const picture = messages(bob, 'The dunes').getByTestId('attachment-image');
      await picture.waitFor();
      await eventually(
        async () => {
          const [complete, width, height] = await picture.evaluate((element) => {
            const image = element as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
            return [image.complete, image.naturalWidth, image.naturalHeight] as const;
          });
          return complete && width === 40 && height === 30;
        },
        { what: 'the picture to be decoded at 40 × 30' },
      );

      // Alice schedules a message three seconds ahead; it waits in her list, then reaches Bob.
      await composer(alice).fill('Sent while you were away');
      await alice.getByRole('button', { name: 'Send later' }).click();
      const sendAt = await alice.evaluate(() => {
        const at = new Date(Date.now() + 3_000);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
      });
      await alice.getByLabel('Send at').fill(sendAt);
      await alice.getByRole('button', { name: 'Schedule', exact: true }).click();
      await alice.getByTestId('scheduled-message').filter({ hasText: 'Sent while you were away' }).waitFor();
      expect(await messages(bob, 'Sent while you were away').count()).toBe(0);
      await messages(bob, 'Sent while you were away').waitFor({ timeout: 15_000 });
      await alice.getByTestId('scheduled-message').waitFor({ state: 'detached', timeout: 15_000 });

      // Bob blocks Alice: her next message is refused, with the reason on screen.
      bob.once('dialog', (dialog) => void dialog.accept());
      await bob.getByRole('button', { name: 'Block', exact: true }).click();
      await bob.getByTestId('blocked-banner').filter({ hasText: 'You blocked Alice' }).waitFor();
      await send(alice, 'Are you there?');
      await alice.getByTestId('failed-message').filter({ hasText: 'does not accept messages from you' }).waitFor();
      expect(await messages(bob, 'Are you there?').count()).toBe(0);
      // In the group they share, Alice still posts; Bob sees it collapsed until he asks for it.
      const group = (page: Page) => page.locator('.conversation').filter({ hasText: 'Weekend plans' });
      await group(alice).click();
      await send(alice, 'Group news');
      // Bob's view of the group already holds Alice's earlier messages collapsed: wait for this
      // message's own collapsed copy (by its stored id), never "the last" of a list still growing.
      const sent = messages(alice, 'Group news').and(alice.locator('[data-status]:not([data-status=pending])'));
      await sent.waitFor();
      const newsId = await sent.getAttribute('data-id');
      await group(bob).click();
      const hidden = bob.locator(`[data-testid=hidden-message][data-id="${newsId}"]`);
      await hidden.waitFor();
      await hidden.getByRole('button', { name: 'Show' }).click();
      await messages(bob, 'Group news').waitFor();
      await conversationWith(bob, ALICE.id).click();
      await bob.getByRole('button', { name: 'Unblock', exact: true }).click();
      await bob.getByRole('button', { name: 'Block', exact: true }).waitFor();
    }),
  );
});
