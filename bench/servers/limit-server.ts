import { Redis } from 'ioredis';
import { MongoClient, ObjectId } from 'mongodb';
import { WebSocketServer, type WebSocket } from 'ws';
import { conversationIdOf, httpServerWithHeap, onShutdown, settings, userIdFromToken } from './common';

/**
 * The practical ceiling: raw `ws` + ioredis. One Redis channel per user; a send is stored with one
 * insert, serialised once, published to both users' channels, and each instance writes the same
 * string to every socket of that user. No GraphQL, no validation beyond the token, no seq.
 */
async function main(): Promise<void> {
  const mongo = await new MongoClient(settings.databaseUrl).connect();
  const messages = mongo.db().collection('chatmessages');
  const publisher = new Redis(settings.redisUrl);
  const subscriber = new Redis(settings.redisUrl);
  const sockets = new Map<string, Set<WebSocket>>();
  const channel = (userId: string) => `limit:user:${userId}`;

  subscriber.on('message', (name: string, payload: string) => {
    for (const socket of sockets.get(name.slice('limit:user:'.length)) ?? []) socket.send(payload);
  });

  const http = httpServerWithHeap();
  const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024 });
  wss.on('connection', (socket, request) => {
    let userId: string;
    try {
      userId = userIdFromToken(new URL(request.url ?? '/', 'http://x').searchParams.get('token'));
    } catch {
      socket.close(4403, 'Forbidden');
      return;
    }
    let mine = sockets.get(userId);
    if (!mine) {
      mine = new Set();
      sockets.set(userId, mine);
      void subscriber.subscribe(channel(userId));
    }
    mine.add(socket);
    socket.on('message', async (data) => {
      const frame = JSON.parse(String(data)) as { id: string; to: string; text: string };
      const createdAt = new Date();
      const result = await messages.insertOne({
        conversationId: conversationIdOf(userId, frame.to),
        senderId: new ObjectId(userId),
        receiverId: new ObjectId(frame.to),
        message: frame.text,
        createdAt,
      });
      const payload = JSON.stringify({
        t: 'msg',
        id: result.insertedId.toHexString(),
        senderId: userId,
        receiverId: frame.to,
        message: frame.text,
        createdAt: createdAt.toISOString(),
      });
      await Promise.all([publisher.publish(channel(frame.to), payload), publisher.publish(channel(userId), payload)]);
      socket.send(JSON.stringify({ t: 'ack', id: frame.id }));
    });
    socket.on('close', () => {
      mine.delete(socket);
      if (mine.size === 0) {
        sockets.delete(userId);
        void subscriber.unsubscribe(channel(userId));
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(settings.port, '127.0.0.1', resolve));
  onShutdown(async () => {
    wss.close();
    http.close();
    publisher.disconnect();
    subscriber.disconnect();
    await mongo.close();
  });
}

void main();
