import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

/**
 * graphql-ws serialises every `next` message itself, once per socket. For a result several
 * sockets receive (ws/shared-execution.ts), `onNext` stages the JSON serialised once and hands
 * graphql-ws this stand-in payload instead; the socket's `send` puts the staged JSON in its place.
 * Only the envelope (`{"id":…,"type":"next","payload":` and the closing brace) is written per
 * socket, as the graphql-transport-ws protocol requires each subscription's own id.
 */
const STAND_IN = { __shared: 1 } as const;
/** How graphql-ws' JSON.stringify ends a `next` message carrying the stand-in (keys in its order). */
const STAND_IN_TAIL = ',"type":"next","payload":{"__shared":1}}';
const HEAD = '{"id":';

const staged = new WeakMap<WebSocket, Map<string, string>>();

/**
 * Stages `json` as the payload of subscription `id`'s next message on `socket`; returns the
 * stand-in for graphql-ws to send. graphql-ws sends each subscription's messages one at a time,
 * right after `onNext`, so one slot per subscription id is enough.
 */
export function stageSharedPayload(socket: WebSocket, id: string, json: string): ExecutionResult {
  let slots = staged.get(socket);
  if (!slots) {
    slots = new Map();
    staged.set(socket, slots);
  }
  slots.set(id, json);
  // Typed as a result for graphql-ws' onNext; it is only ever serialised, then replaced.
  return STAND_IN as unknown as ExecutionResult;
}

/** Makes `socket.send` put staged payloads in place of their stand-ins. Call once per socket. */
export function sendSharedPayloads(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  const patched = (data: unknown, ...rest: unknown[]): void => {
    if (typeof data === 'string' && data.endsWith(STAND_IN_TAIL) && data.startsWith(HEAD)) {
      const idJson = data.slice(HEAD.length, data.length - STAND_IN_TAIL.length);
      const id = JSON.parse(idJson) as unknown;
      const slots = staged.get(socket);
      const json = typeof id === 'string' ? slots?.get(id) : undefined;
      if (json !== undefined) {
        slots!.delete(id as string);
        send(`${HEAD}${idJson},"type":"next","payload":${json}}`, ...rest);
        return;
      }
    }
    send(data, ...rest);
  };
  socket.send = patched as WebSocket['send'];
}
