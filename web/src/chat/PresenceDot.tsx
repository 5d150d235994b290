export function PresenceDot({ userId, online }: { userId: string; online: boolean | undefined }) {
  return (
    <span
      className={`presence ${online ? 'online' : 'offline'}`}
      data-testid={`presence-${userId}`}
      data-online={online ? 'true' : 'false'}
      title={online ? 'online' : 'offline'}
      aria-label={online ? 'online' : 'offline'}
    />
  );
}
