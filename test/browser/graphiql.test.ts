import type { Browser, Page } from 'playwright-core';
import { signToken } from '../../src/auth/jwt';
import { SendMessageDocument } from '../../src/client/graphql';
import { launchChromium, openPage, withScreenshots } from '../helpers/browser';
import { graphqlOk, waitForSubscriptions } from '../helpers/clients';
import { freePort } from '../../src/launcher/processes';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { startSystem, TEST_JWT_SECRET, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

jest.setTimeout(60_000);

/** Replaces a GraphiQL editor's text as a paste would (typing would fight autocomplete and bracket closing). */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

/** The result pane's JSON, read from its CodeMirror (its rendered text has fold markers). */
async function result(page: Page): Promise<unknown> {
  const text = await page
    .locator('.result-window .CodeMirror')
    .evaluate((host) => (host as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
  return JSON.parse(text);
}

/** GraphiQL at /graphiql in Chromium: a query over HTTP and a live subscription over graphql-ws. */
describe('GraphiQL in Chromium', () => {
  // GraphiQL connects to WEBSOCKET_PORT, so the system runs on a known port rather than port 0.
  const env = {} as { stores: TestDatastores; system: TestSystem };
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    env.stores = await startTestDatastores();
    env.system = await startSystem(env.stores, { env: { WEBSOCKET_PORT: String(await freePort()) } });
    [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    browser = await launchChromium();
    page = await openPage(browser, `${env.system.api.url}/graphiql`);
  });
  afterAll(async () => {
    await browser?.close();
    await env.system?.stop();
    await env.stores?.dispose();
  });

  it(
    'runs a query with the token pasted into the headers editor',
    withScreenshots(
      () => ({ page }),
      async () => {
        await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${alice.token}` }));
        await setEditor(page, '.graphiql-query-editor .CodeMirror', 'query { me { id name } }');
        await page.locator('.graphiql-execute-button').click();
        await page.locator('.result-window', { hasText: '"name": "Alice"' }).waitFor();
        expect(await result(page)).toEqual({ data: { me: { id: alice.id, name: 'Alice' } } });
      },
    ),
  );

  it(
    'runs the NewMessage example tab as a subscription over the WS service and shows events as they arrive',
    withScreenshots(
      () => ({ page }),
      async () => {
        // The example tabs come from schema/operations; GraphiQL keeps headers per tab. The token
        // in the headers becomes the graphql-ws connection_init payload.
        await page.getByRole('tab', { name: 'NewMessage' }).click();
        await page.locator('.graphiql-query-editor', { hasText: 'subscription NewMessage' }).waitFor();
        await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${alice.token}` }));
        const before = env.system.ws[0]!.stats.snapshot().activeSubscriptions;
        await page.locator('.graphiql-execute-button').click();
        // The button turns into "stop" while the subscription runs; the send waits until the
        // server's subscription is live in Redis (a publish before it would reach nobody).
        await page.locator('.graphiql-execute-button[aria-label^="Stop"]').waitFor();
        await waitForSubscriptions(env.system.ws[0]!, before + 1, 10_000);
        await graphqlOk(
          env.system.api,
          SendMessageDocument,
          { input: { targetUserId: alice.id, message: 'Hello from Bob to GraphiQL' } },
          signToken(bob.id, TEST_JWT_SECRET),
        );
        await page.locator('.result-window', { hasText: 'Hello from Bob to GraphiQL' }).waitFor();
        expect(await result(page)).toEqual({
          data: {
            newMessage: expect.objectContaining({
              message: 'Hello from Bob to GraphiQL',
              senderId: bob.id,
              receiverId: alice.id,
              sender: { id: bob.id, name: 'Bob' },
            }),
          },
        });
      },
    ),
  );
});
