import { ChatError } from '../errors';
import type { ConversationId, UserId } from '../ids';
import { encodeUserCursor, MAX_CURSOR_CONVERSATIONS, type UserCursor } from './user-cursor';
import type { EventCheckpointRepository, PositionVector } from './user-events.types';
import type { TimelinePosition } from './timeline.types';

/** Checkpoints kept per user (older ones are deleted as new ones are written). @default 50 */
export const CHECKPOINTS_KEPT_PER_USER = 50;

/**
 * One reader's place in a user's stream: a checkpoint's vector plus the conversations that moved
 * since. When more than MAX_CURSOR_CONVERSATIONS have moved, the whole vector is written as a new
 * checkpoint, so every cursor handed out stays short and exact (no clock is involved: a position
 * is a conversation's own `seq` and change `seq`, which are dense).
 */
export class UserPositions {
  private readonly moved = new Map<ConversationId, TimelinePosition>();

  private constructor(
    private readonly checkpoints: EventCheckpointRepository,
    private readonly userId: UserId,
    private checkpointId: string,
    private base: PositionVector,
  ) {}

  /** A new checkpoint at `vector` (what a client that just loaded has seen). */
  static async start(
    checkpoints: EventCheckpointRepository,
    userId: UserId,
    vector: PositionVector,
  ): Promise<UserPositions> {
    const id = await checkpoints.insert(userId, vector);
    void checkpoints.pruneFor(userId, CHECKPOINTS_KEPT_PER_USER).catch(() => undefined);
    return new UserPositions(checkpoints, userId, id, vector);
  }

  /** Where `cursor` stands; RESYNC_REQUIRED when its checkpoint is no longer kept. */
  static async resume(
    checkpoints: EventCheckpointRepository,
    userId: UserId,
    cursor: UserCursor,
  ): Promise<UserPositions> {
    const checkpoint = await checkpoints.find(userId, cursor.checkpointId);
    if (!checkpoint) {
      throw new ChatError(
        'RESYNC_REQUIRED',
        'This cursor is no longer kept (or is not yours): reload and start from me.eventCursor',
        { field: 'after' },
      );
    }
    const positions = new UserPositions(checkpoints, userId, checkpoint.id, checkpoint.positions);
    for (const [id, position] of cursor.moved) positions.moved.set(id, position);
    return positions;
  }

  /** Where the reader is in a conversation; null when the vector does not know it (new to the user). */
  positionOf(conversationId: ConversationId): TimelinePosition | null {
    return this.moved.get(conversationId) ?? this.base.get(conversationId) ?? null;
  }

  /** Moves the reader to `position` in a conversation (never backwards). */
  async advance(conversationId: ConversationId, position: TimelinePosition): Promise<void> {
    const current = this.positionOf(conversationId);
    const next = {
      seq: Math.max(current?.seq ?? 0, position.seq),
      eventSeq: Math.max(current?.eventSeq ?? 0, position.eventSeq),
    };
    if (current && next.seq === current.seq && next.eventSeq === current.eventSeq) return;
    if (!this.moved.has(conversationId) && this.moved.size >= MAX_CURSOR_CONVERSATIONS) await this.checkpoint();
    this.moved.set(conversationId, next);
  }

  cursor(): string {
    return encodeUserCursor({ checkpointId: this.checkpointId, moved: this.moved });
  }

  /** Writes the whole vector as a new checkpoint; from then on cursors name it. */
  private async checkpoint(): Promise<void> {
    const vector = new Map(this.base);
    for (const [id, position] of this.moved) vector.set(id, position);
    this.checkpointId = await this.checkpoints.insert(this.userId, vector);
    void this.checkpoints.pruneFor(this.userId, CHECKPOINTS_KEPT_PER_USER).catch(() => undefined);
    this.base = vector;
    this.moved.clear();
  }
}
