import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__FERRETDB__?.stop();
  const dir = process.env.CHAT_TEST_FERRETDB_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
