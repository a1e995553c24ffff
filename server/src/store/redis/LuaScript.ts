/**
 * A Lua script run atomically inside Redis: sent by its SHA1 (EVALSHA), and in full only when
 * Redis does not know it yet (after a restart or SCRIPT FLUSH). Every key a script touches is
 * passed in KEYS, as Redis asks of scripts.
 */
import { createHash } from 'node:crypto';
import { ErrorReply, RESP_TYPES, type RedisArgument } from 'redis';
import type { Redis } from './connection.js';

/** Bulk strings as Buffers: for replies holding document bytes. */
const binaryReplies = { [RESP_TYPES.BLOB_STRING]: Buffer };

export class LuaScript {
  private readonly sha1: string;

  constructor(private readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /** Resolves with the script's raw reply; bulk strings as Buffers when `binary`, else strings. */
  async run(redis: Redis, keys: readonly string[], args: readonly RedisArgument[], binary = false): Promise<unknown> {
    const call = (command: 'EVALSHA' | 'EVAL', body: string): Promise<unknown> =>
      redis.sendCommand([command, body, String(keys.length), ...keys, ...args], binary ? { typeMapping: binaryReplies } : undefined);
    try {
      return await call('EVALSHA', this.sha1);
    } catch (err) {
      if (!(err instanceof ErrorReply) || !err.message.startsWith('NOSCRIPT')) throw err;
      return call('EVAL', this.source);
    }
  }
}
