import { QueueOverflowError } from '../domain/errors';

export { QueueOverflowError };

/**
 * A push-to-pull bridge: producers `push`, one consumer iterates. Bounded, so a client that stops
 * reading ends its subscription with an error instead of growing the heap without limit.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private failure: Error | null = null;
  private done = false;

  /** @param capacity events buffered before overflow. @param onClose runs once when iteration ends. */
  constructor(
    private readonly capacity: number,
    private readonly onClose: () => void,
  ) {}

  push(value: T): void {
    if (this.done || this.failure) return;
    const waiter = this.waiting.shift();
    if (waiter) return waiter({ value, done: false });
    if (this.buffer.length >= this.capacity) {
      this.failure = new QueueOverflowError(`Subscriber fell more than ${this.capacity} events behind`);
      this.buffer.length = 0;
      return;
    }
    this.buffer.push(value);
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return { value: this.buffer.shift() as T, done: false };
    if (this.done) return { value: undefined, done: true };
    if (this.failure) {
      this.close();
      throw this.failure;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async return(): Promise<IteratorResult<T>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.buffer.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    this.onClose();
  }
}
