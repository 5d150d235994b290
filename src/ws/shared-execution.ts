import {
  createSourceEventStream,
  execute,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { randomBytes } from 'node:crypto';
import { originOf } from '../domain/event-origin';
import type { ChatContext } from '../graphql/context';

/**
 * What a shared execution resolves `cursor` to, where each subscriber has its own: random per
 * process, so no message text can contain it, and replaced in each subscriber's JSON.
 */
const CURSOR_STAND_IN = `cursor-${randomBytes(12).toString('hex')}`;
const CURSOR_STAND_IN_JSON = JSON.stringify(CURSOR_STAND_IN);

/** One execution of an operation for one live event, and what became of it. */
interface SharedRun {
  readonly result: ExecutionResult;
  /** Resolvers read who the viewer is: other subscribers execute for themselves. */
  readonly viewerDependent: boolean;
}

export interface SharedExecutionHooks {
  /** An event executed for a subscription (shared or not). */
  executed(): void;
  /** Waits before each event of a subscription whose user should yield to others (SlowLane); null: none. */
  waitFor(context: ChatContext): (() => Promise<void>) | null;
}

/**
 * Subscriptions executed once per live event and distinct operation on this process, rather than
 * once per subscriber: a group message reaching 500 members, or one user's 5 devices, is resolved
 * and serialised once when their operations are the same ({@link sharedPayload} hands graphql-ws
 * the serialised result, ws/shared-frames.ts writes it to every socket).
 *
 * Two subscriptions share a result when their payload comes from the same event object (every
 * subscriber of one Redis topic on a process gets the same one: domain/event-origin.ts), their
 * documents are the same text, and the variables used below the root field are equal. The root
 * field's own arguments choose which events arrive (and what is replayed), never how one is
 * shown: every subscription resolver returns its root unchanged, so they are left out of the key,
 * and clients that resumed from different cursors still share.
 *
 * What depends on the viewer (`senderBlocked`, `reactions.viewerHasReacted` once a message has
 * reactions, a conversation's unread counts) is found at run time, not listed by hand: an event's
 * first execution of an operation runs with a context that notices any read of the caller's
 * identity. If none happened, every subscriber of that operation gets that result; if one did,
 * it went to its own subscriber, and the others get one execution per viewer (shared by that
 * viewer's devices). A new message has no reactions yet, so the operations clients use for
 * messages are shared across viewers for every message event.
 */
export class SharedExecution {
  private readonly runs = new WeakMap<object, Map<string, Promise<SharedRun>>>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 1;
  /** Results that may go to several sockets: their JSON once serialised, or how a copy's is made. */
  private readonly serialised = new WeakMap<
    ExecutionResult,
    { json: string | null; from?: (format: (result: ExecutionResult) => unknown) => string }
  >();

  constructor(private readonly hooks: SharedExecutionHooks) {}

  /** graphql-ws' `subscribe`: graphql-js' own, with each event's execution shared where it can be. */
  readonly subscribe = async (
    args: ExecutionArgs,
  ): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in Object(source))) return source as ExecutionResult;
    const key = this.operationKey(args);
    const wait = this.hooks.waitFor(args.contextValue as ChatContext);
    return mapEvents(source as AsyncIterable<unknown>, async (payload) => {
      if (wait) await wait();
      return this.resultFor(args, key, payload);
    });
  };

  /**
   * The serialised result when it may be shared (graphql-ws would otherwise stringify it for every
   * socket), formatted once with `format`; null for a result of one subscriber.
   */
  sharedPayload(result: ExecutionResult, format: (result: ExecutionResult) => unknown): string | null {
    const entry = this.serialised.get(result);
    if (!entry) return null;
    return entry.from ? entry.from(format) : this.sharedJson(result, format);
  }

  private sharedJson(result: ExecutionResult, format: (result: ExecutionResult) => unknown): string {
    const entry = this.serialised.get(result)!;
    entry.json ??= JSON.stringify(format(result));
    return entry.json;
  }

  private async resultFor(args: ExecutionArgs, key: string | null, payload: unknown): Promise<ExecutionResult> {
    const origin = originOf(payload);
    if (!origin || key === null) return this.run(args, payload);
    // A subscriber's own cursor is left out of the shared execution and written into its copy.
    const cursor = origin.ownCursor ? (payload as { cursor: string }).cursor : null;
    const root = cursor === null ? payload : { ...(payload as object), cursor: CURSOR_STAND_IN };
    let byOperation = this.runs.get(origin.event);
    if (!byOperation) {
      byOperation = new Map();
      this.runs.set(origin.event, byOperation);
    }
    // Under the operation's key, and under this viewer's: were it to depend on the viewer, it is
    // still what this viewer's other devices are shown.
    const viewerKey = `${key}\u0000${(args.contextValue as ChatContext).userId ?? ''}`;
    let shared = byOperation.get(key);
    if (!shared) {
      shared = this.runWatchingViewer(args, root);
      byOperation.set(key, shared);
      byOperation.set(viewerKey, shared);
    }
    let run = await shared;
    if (run.viewerDependent) {
      // Shown differently to each viewer: shared among one viewer's subscriptions only.
      let mine = byOperation.get(viewerKey);
      if (!mine) {
        mine = this.run(args, root).then((result) => {
          this.serialised.set(result, { json: null });
          return { result, viewerDependent: true };
        });
        byOperation.set(viewerKey, mine);
      }
      run = await mine;
    }
    return cursor === null ? run.result : this.withCursor(run.result, cursor);
  }

  /** A subscriber's copy of a shared result: its JSON with the subscriber's cursor written in. */
  private withCursor(shared: ExecutionResult, cursor: string): ExecutionResult {
    const own: ExecutionResult = { ...shared };
    this.serialised.set(own, {
      json: null,
      from: (format) => this.sharedJson(shared, format).replaceAll(CURSOR_STAND_IN_JSON, JSON.stringify(cursor)),
    });
    return own;
  }

  private async run(args: ExecutionArgs, payload: unknown): Promise<ExecutionResult> {
    this.hooks.executed();
    return execute({ ...args, rootValue: payload }) as Promise<ExecutionResult>;
  }

  private async runWatchingViewer(args: ExecutionArgs, payload: unknown): Promise<SharedRun> {
    let viewerRead = false;
    const contextValue = watchViewer(args.contextValue as ChatContext, () => {
      viewerRead = true;
    });
    this.hooks.executed();
    const result = (await execute({ ...args, rootValue: payload, contextValue })) as ExecutionResult;
    this.serialised.set(result, { json: null });
    return { result, viewerDependent: viewerRead };
  }

  /**
   * The document (by identity: graphql-ws.options.ts hands every subscription of one text the same
   * parsed document), the operation name, and the variables used below the root field. Null for
   * a document with several root fields (rare; executed per subscriber).
   */
  private operationKey(args: ExecutionArgs): string | null {
    const operation = args.document.definitions.find(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === Kind.OPERATION_DEFINITION &&
        (args.operationName == null || definition.name?.value === args.operationName),
    );
    const root = operation?.selectionSet.selections;
    if (!operation || root?.length !== 1 || root[0]!.kind !== Kind.FIELD) return null;
    let documentId = this.documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = this.nextDocumentId++;
      this.documentIds.set(args.document, documentId);
    }
    const used = new Set<string>();
    const below = root[0]!.selectionSet;
    if (below) visit(below, { Variable: (node) => void used.add(node.name.value) });
    // Fragments may use variables too; they are part of the document, so visit them as well.
    for (const definition of args.document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        visit(definition, { Variable: (node) => void used.add(node.name.value) });
    const variables = args.variableValues ?? {};
    const values = [...used].sort().map((name) => [name, variables[name] ?? null]);
    return `${documentId}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(values)}`;
  }
}

/** A context that reports every read of who the caller is (their id, or loaders scoped to them). */
function watchViewer(context: ChatContext, onRead: () => void): ChatContext {
  const loaders = Object.create(context.loaders, {
    mentionCount: {
      get() {
        onRead();
        return context.loaders.mentionCount;
      },
    },
  }) as ChatContext['loaders'];
  return Object.create(context, {
    userId: {
      get() {
        onRead();
        return context.userId;
      },
    },
    loaders: { value: loaders },
  }) as ChatContext;
}

/**
 * Each event of `source` mapped through `map`, in order; `return()` closes the source at once (a
 * generator suspended on it could not be returned until its next event).
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (payload: unknown) => Promise<ExecutionResult>,
): AsyncGenerator<ExecutionResult, void, void> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncGenerator<ExecutionResult, void, void> = {
    async next() {
      const result = await iterator.next();
      if (result.done) return { value: undefined, done: true };
      return { value: await map(result.value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
