/**
 * Global setup of the `redis` project: the project is only there when Redis answered or under CI,
 * so a Redis that does not answer now is a broken CI machine. Fail the run at once with the reason,
 * rather than let every test file time out waiting for its hub to connect.
 */
import { createClient } from 'redis';

export default async function requireRedis(): Promise<void> {
  const url = process.env.CASEROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`The redis test project needs Redis at ${url} (set CASEROOM_TEST_REDIS_URL to use another): ${String(err)}`);
  } finally {
    if (redis.isOpen) await redis.close();
  }
}
