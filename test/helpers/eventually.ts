/**
 * Waits until `check` passes: it returns a value other than false/null/undefined, or stops
 * throwing. For state the test cannot be told about (another process, a datastore coming back);
 * where the system emits an event, await the event instead. Bounded: after `timeout` it fails
 * with the last failure, naming what was awaited.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; what?: string } = {},
): Promise<Exclude<T, false | null | undefined>> {
  const { timeout = 5_000, interval = 50, what = 'condition' } = options;
  const deadline = Date.now() + timeout;
  let lastFailure: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined)
        return value as Exclude<T, false | null | undefined>;
      lastFailure = null;
    } catch (error) {
      lastFailure = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastFailure instanceof Error ? `: ${lastFailure.message}` : '';
      throw new Error(`${what} not met within ${timeout} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
