import type { RedisClient } from '../redis';

/** QUIT, or a hard disconnect when Redis is unreachable; nothing when it is closed already. */
export async function closeConnection(conn: RedisClient): Promise<void> {
  if (conn.status === 'end') return;
  try {
    await conn.quit();
  } catch {
    conn.disconnect();
  }
}
