import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import mongoose, { Schema } from 'mongoose';
import { Server } from 'socket.io';
import { conversationIdOf, httpServerWithHeap, onShutdown, settings, userIdFromToken } from './common';

/**
 * The seed's design: Socket.io 4 with @socket.io/redis-adapter, its ChatMessage schema and three
 * indexes in mongoose, and `send_message` → persist → `io.to(room).emit('new_message')`. Rooms
 * are per user (`user:<id>`); the sender's own sockets get the message too, as in the project.
 */
const chatMessageSchema = new Schema(
  {
    conversationId: { type: String, required: true, index: true },
    senderId: { type: Schema.Types.ObjectId, required: true },
    receiverId: { type: Schema.Types.ObjectId, required: true },
    message: { type: String, required: true },
    messageType: { type: String, default: 'text' },
    isRead: { type: Boolean, default: false },
  },
  { timestamps: true },
);
chatMessageSchema.index({ conversationId: 1, createdAt: -1 });
chatMessageSchema.index({ senderId: 1, receiverId: 1 });
chatMessageSchema.index({ receiverId: 1, isRead: 1 });

async function main(): Promise<void> {
  await mongoose.connect(settings.databaseUrl);
  const ChatMessage = mongoose.model('ChatMessage', chatMessageSchema);
  await ChatMessage.init();
  const publisher = new Redis(settings.redisUrl);
  const subscriber = publisher.duplicate();
  const http = httpServerWithHeap();
  const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(publisher, subscriber) });

  io.use((socket, next) => {
    try {
      socket.data.userId = userIdFromToken(socket.handshake.auth.token);
      next();
    } catch {
      next(new Error('Forbidden'));
    }
  });
  io.on('connection', (socket) => {
    const userId = socket.data.userId as string;
    void socket.join(`user:${userId}`);
    socket.on('send_message', async (data: { targetUserId: string; message: string }, ack?: (r: unknown) => void) => {
      const doc = await ChatMessage.create({
        conversationId: conversationIdOf(userId, data.targetUserId),
        senderId: userId,
        receiverId: data.targetUserId,
        message: data.message,
      });
      const message = doc.toJSON();
      io.to(`user:${data.targetUserId}`).to(`user:${userId}`).emit('new_message', message);
      ack?.({ success: true, id: String(doc._id) });
    });
    // Groups, the way a Socket.io app adds them (scenario G): a room per group, one emit per
    // message through the adapter. Membership is not checked: the seed has none to check.
    socket.on('join_group', async (data: { groupId: string }, ack?: (r: unknown) => void) => {
      await socket.join(`group:${data.groupId}`);
      ack?.({ success: true });
    });
    socket.on('send_group_message', async (data: { groupId: string; message: string }, ack?: (r: unknown) => void) => {
      const doc = await ChatMessage.create({
        conversationId: data.groupId,
        senderId: userId,
        receiverId: userId,
        message: data.message,
      });
      io.to(`group:${data.groupId}`).emit('new_message', doc.toJSON());
      ack?.({ success: true, id: String(doc._id) });
    });
  });
  await new Promise<void>((resolve) => http.listen(settings.port, '127.0.0.1', resolve));
  onShutdown(async () => {
    await io.close();
    publisher.disconnect();
    subscriber.disconnect();
    await mongoose.disconnect();
  });
}

void main();
