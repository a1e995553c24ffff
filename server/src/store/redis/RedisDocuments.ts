/**
 * Case documents on Redis: each case's update log is a stream whose ids are `0-<seq>`, so Redis
 * numbers the updates itself (XADD `0-*`) and trimming "everything up to seq N" is XTRIM MINID.
 * The latest snapshot and the seq it covers live in a hash beside it. Bytes go in and come out
 * untouched.
 */
import { storedDocument, type DocumentStore, type StoredDocument } from '../DocumentStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import type { RedisKeys } from './RedisKeys.js';

/** KEYS: snapshot, updates. One script, so a compaction cannot land between the two reads. */
const loadScript = new LuaScript(`
local snapshot = redis.call('HMGET', KEYS[1], 'data', 'throughSeq')
local from = '-'
if snapshot[2] then from = '(0-' .. snapshot[2] end
return {snapshot[1], snapshot[2], redis.call('XRANGE', KEYS[2], from, '+')}`);

/**
 * KEYS: snapshot, updates. ARGV: snapshot, throughSeq. Two nodes may compact the same case; a
 * snapshot never replaces one that covers more, or the updates between them would be lost.
 */
const compactScript = new LuaScript(`
local stored = tonumber(redis.call('HGET', KEYS[1], 'throughSeq') or '0')
local through = tonumber(ARGV[2])
if through <= stored then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'throughSeq', ARGV[2])
redis.call('XTRIM', KEYS[2], 'MINID', '0-' .. string.format('%d', through + 1))
return 1`);

type LoadReply = [Buffer | null, Buffer | null, Array<[Buffer, Buffer[]]>];

const bytesOf = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const seqOf = (id: string): number => Number(id.slice(id.indexOf('-') + 1));

export class RedisDocuments implements DocumentStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Resolves once Redis has stored the update. Appends issued in the same turn of the event loop
   * leave in one write on the connection (node-redis pipelines them) and Redis applies them in
   * order, which is the group commit the SQLite store does with a transaction.
   */
  async append(caseId: string, update: Uint8Array): Promise<number> {
    return seqOf(await guarded(this.redis.xAdd(this.keys.updates(caseId), '0-*', { u: bytesOf(update) })));
  }

  async load(caseId: string): Promise<StoredDocument> {
    const keys = [this.keys.snapshot(caseId), this.keys.updates(caseId)];
    const [snapshot, snapshotSeq, entries] = (await guarded(loadScript.run(this.redis, keys, [], true))) as LoadReply;
    return storedDocument(
      snapshot && snapshotSeq ? { data: snapshot, throughSeq: Number(snapshotSeq.toString()) } : null,
      entries.map(([id, fields]) => ({ seq: seqOf(id.toString()), data: fields[1]! })),
    );
  }

  async compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    const keys = [this.keys.snapshot(caseId), this.keys.updates(caseId)];
    await guarded(compactScript.run(this.redis, keys, [bytesOf(snapshot), String(throughSeq)]));
  }
}
