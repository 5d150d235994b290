import { rmSync } from 'node:fs';

/** Stops the shared FerretDB once the last project that uses it is done. */
export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.__FERRETDB__;
  if (!shared) return;
  shared.projects -= 1;
  if (shared.projects > 0) return;
  globalThis.__FERRETDB__ = undefined;
  await shared.ferret?.stop();
  if (shared.dir) rmSync(shared.dir, { recursive: true, force: true });
}
