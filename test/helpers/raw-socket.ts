import WebSocket, { type ClientOptions } from 'ws';

export interface ProtocolMessage {
  readonly type?: string;
  readonly id?: string;
  readonly payload?: unknown;
}

/**
 * A graphql-transport-ws socket driven frame by frame, for tests of what a well-behaved client
 * (graphql-ws' own) never sends: garbage, duplicates, a client that stops reading or answering.
 * Every wait is for a frame or the close, bounded by a timeout; none is for time alone.
 */
export class RawGraphqlSocket {
  readonly received: ProtocolMessage[] = [];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();
  private closeInfo: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      try {
        this.received.push(JSON.parse(String(data)) as ProtocolMessage);
      } catch {
        this.received.push({ type: 'unparseable' });
      }
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) };
        this.notify();
        resolve(this.closeInfo);
      }),
    );
  }

  /** Opens the socket (graphql-transport-ws subprotocol) and waits for it to be open. */
  static async open(url: string, options: ClientOptions = {}): Promise<RawGraphqlSocket> {
    const socket = new WebSocket(url, 'graphql-transport-ws', options);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawGraphqlSocket(socket);
  }

  send(frame: string | Buffer | object): void {
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** `connection_init` with a token, then waits for `connection_ack`. */
  async init(token: string): Promise<void> {
    this.send({ type: 'connection_init', payload: { token } });
    await this.waitFor((message) => message.type === 'connection_ack', 'connection_ack');
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  /** The first frame (already received or still to come) that matches. */
  waitFor(match: (message: ProtocolMessage) => boolean, what: string, timeoutMs = 5_000): Promise<ProtocolMessage> {
    return this.until(() => this.received.find(match), what, timeoutMs);
  }

  /** Waits for the close; fails if the socket is still open after `timeoutMs`. */
  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closeInfo ?? undefined, 'the socket to close', timeoutMs);
  }

  /** Proves the socket is open and served: a protocol `ping` is answered with `pong`. */
  async roundTrip(timeoutMs = 5_000): Promise<void> {
    const pongs = this.received.filter((message) => message.type === 'pong').length;
    this.send({ type: 'ping' });
    await this.until(
      () => this.received.filter((message) => message.type === 'pong').length > pongs || undefined,
      'pong',
      timeoutMs,
    );
  }

  /**
   * Stops reading from the TCP socket (the kernel buffers fill, then the server's queue). `ws`
   * resumes its socket by itself whenever its receiver drains, which undid a plain pause() at
   * random (CI saw every event delivered to a "paused" reader): its resume is held off until
   * resumeReading.
   */
  pauseReading(): void {
    const raw = this.rawSocket();
    if (!this.heldResume) {
      this.heldResume = raw.resume;
      raw.resume = () => raw;
    }
    raw.pause();
  }

  resumeReading(): void {
    const raw = this.rawSocket();
    if (this.heldResume) {
      raw.resume = this.heldResume;
      this.heldResume = null;
    }
    raw.resume();
  }

  private heldResume: (() => unknown) | null = null;

  private rawSocket(): { pause(): unknown; resume(): unknown } {
    return (this.socket as unknown as { _socket: { pause(): unknown; resume(): unknown } })._socket;
  }

  /** Drops the connection without a close frame, as a dead network would. */
  terminate(): void {
    this.socket.terminate();
  }

  private until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.closeInfo && what !== 'the socket to close') {
          done();
          reject(new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
