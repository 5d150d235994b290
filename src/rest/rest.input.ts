import type { Request } from 'express';
import type { ConversationTarget } from '../domain/conversation/conversation.access';
import { ChatError } from '../domain/errors';

/**
 * Query strings must be flat `name=value` pairs. `?targetUserId[$ne]=x` or a repeated parameter
 * is refused outright rather than interpreted, so no input can become a query operator.
 */
export function flatQuery(request: Request, allowed: readonly string[]): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.query)) {
    if (!allowed.includes(key))
      throw ChatError.badInput(`Unknown query parameter "${key.slice(0, 40)}"`, key.slice(0, 40));
    if (typeof value !== 'string')
      throw ChatError.badInput(`Query parameter ${key} must be given once, as plain text`, key);
    result[key] = value;
  }
  return result;
}

/** Refuses JSON bodies with `$`-prefixed or dotted keys anywhere (operator injection). */
export function assertNoOperatorKeys(value: unknown, path = 'body'): void {
  if (Array.isArray(value)) return value.forEach((item, index) => assertNoOperatorKeys(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('$') || key.includes('.'))
      throw ChatError.badInput(`Key "${key.slice(0, 40)}" is not allowed in ${path}`, path);
    assertNoOperatorKeys(inner, `${path}.${key}`);
  }
}

/** Parses an optional integer query parameter; non-numeric text is a 400, not NaN. */
export function integerParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw ChatError.badInput(`${name} must be an integer`, name);
  return Number(value);
}

/**
 * A path or query value that names a conversation the seed's way (the other user's id) or by
 * conversation id (a group's `g_<hex>`, or a pair's `<a>_<b>`): REST routes take either.
 */
export function targetOf(value: string | undefined): ConversationTarget {
  const trimmed = value?.trim().toLowerCase() ?? '';
  return trimmed.includes('_') ? { conversationId: trimmed } : { targetUserId: value };
}

/** A JSON object body, or 400 naming what to send. */
export function objectBody(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ChatError.badInput(`Send a JSON object: ${expected}`);
  return body as Record<string, unknown>;
}
