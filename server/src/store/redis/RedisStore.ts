/**
 * The cluster store: everything the hub keeps durably, in one Redis shared by every hub node.
 * Writes that must be atomic (a change with its events, compare-and-set) are Lua scripts (see
 * scripts.ts); reads are plain commands. Keys, all under the configured prefix:
 *
 *   case:{id}                      JSON case record
 *   cases:all | cases:team:{t} | cases:status:{s} | cases:team:{t}:status:{s}
 *                                  sorted sets (score 0) of "createdAt|id", read by lex range for paging
 *   doc:{id}:seq, doc:{id}:log     update counter; sorted set score=seq, member "seq:"+update bytes
 *   doc:{id}:snapshot(_seq)        the latest snapshot and the seq it covers
 *   own:{id}                       hash epoch, state (JSON); own:{id}:history list of JSON lines
 *   approval:{id}                  hash version, record (JSON)
 *   approvals:all | approvals:case:{c} | approvals:team:{t}   "requestedAt|id" lex indexes
 *   approvals:pending              sorted set score=expiry ms, member id
 *   events, events:team:{t}, events:case:{c}   streams of case events with one shared id
 *   events:case:{c}:ids            hash seq -> event id; case:{c}:eventseq the per-case counter
 *   people                         hash userId -> identity JSON
 *   webhook… keys                  see RedisWebhookStore
 *
 * Commands fail fast while Redis is unreachable (no offline queue): the hub answers
 * `store_unavailable`, /readyz turns 503, and the client reconnects by itself.
 */
import {
  CaseroomError,
  unowned,
  type Approval,
  type CaseEvent,
  type CaseEventType,
  type CaseRecord,
  type CaseStatus,
  type Identity,
  type Ownership,
  type OwnershipRecord,
  type Page,
} from '@caseroom/shared';
import { createClient, RESP_TYPES } from 'redis';
import type { Logger } from '../../logger.js';
import type { ApprovalQuery, CaseQuery, CaseStore, EventQuery, NewCaseEvent, StoredDocument } from '../CaseStore.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { RedisWebhookStore } from './RedisWebhookStore.js';
import * as scripts from './scripts.js';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisStoreOptions {
  url: string;
  prefix: string;
  log: Logger;
}

const scanBatch = 200;

/** Event arguments for the scripts: (caseId, team, JSON without seq) per event. */
function eventArgs(events: NewCaseEvent[]): string[] {
  return events.flatMap((e) => [
    e.caseId,
    e.team,
    JSON.stringify({ caseId: e.caseId, team: e.team, type: e.type, at: e.at, actor: e.actor, data: e.data }),
  ]);
}

function toEvent(entry: { id: string; message: Record<string, string> }): CaseEvent & { team: string } {
  const stored = JSON.parse(entry.message.e!) as Omit<CaseEvent, 'id'> & { team: string };
  return { id: entry.id, ...stored };
}

const lexMember = (time: string, id: string): string => `${time}|${id}`;

export class RedisStore implements CaseStore {
  readonly kind = 'redis';
  readonly webhooks: RedisWebhookStore;
  private readonly bin;

  private constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisStoreOptions,
  ) {
    this.bin = redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    this.webhooks = new RedisWebhookStore(redis, options.prefix, () => this.lastEventId());
  }

  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const redis: RedisClient = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 3_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
    }) as unknown as RedisClient;
    redis.on('error', (err: unknown) => options.log.warn({ err }, 'store: redis error'));
    await redis.connect();
    return new RedisStore(redis, options);
  }

  private key(suffix: string): string {
    return `${this.options.prefix}${suffix}`;
  }

  private async script(source: string, args: string[]): Promise<number> {
    return Number(await this.redis.eval(source, { arguments: [this.options.prefix, ...args] }));
  }

  // cases

  async createCase(record: CaseRecord, events: NewCaseEvent[]): Promise<void> {
    const member = lexMember(record.createdAt, record.id);
    const args = [record.id, record.team, record.status, member, JSON.stringify(record), ...eventArgs(events)];
    if ((await this.script(scripts.createCaseScript, args)) === 0) throw new CaseroomError('case_exists');
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    const json = await this.redis.get(this.key(`case:${id}`));
    return json ? (JSON.parse(json) as CaseRecord) : null;
  }

  async listCases(query: CaseQuery): Promise<Page<CaseRecord>> {
    const index =
      query.team !== undefined && query.status !== undefined
        ? `cases:team:${query.team}:status:${query.status}`
        : query.team !== undefined
          ? `cases:team:${query.team}`
          : query.status !== undefined
            ? `cases:status:${query.status}`
            : 'cases:all';
    const max = query.cursor === undefined ? '+' : `(${lexMember(...(decodeCursor(query.cursor, 2) as [string, string]))}`;
    const members = await this.redis.zRange(this.key(index), max, '-', {
      BY: 'LEX',
      REV: true,
      LIMIT: { offset: 0, count: query.limit + 1 },
    });
    const records = await this.records<CaseRecord>(members.map((m) => this.key(`case:${m.slice(m.indexOf('|') + 1)}`)));
    return pageOf(records, query.limit, (c) => [c.createdAt, c.id]);
  }

  async setCaseStatus(id: string, status: CaseStatus, at: string, events: NewCaseEvent[]): Promise<CaseRecord | null> {
    const current = await this.getCase(id);
    if (!current) return null;
    const record: CaseRecord = { ...current, status, updatedAt: at };
    const member = lexMember(current.createdAt, id);
    const args = [id, current.team, current.status, status, member, JSON.stringify(record), ...eventArgs(events)];
    return (await this.script(scripts.setStatusScript, args)) === 1 ? record : null;
  }

  // documents

  async appendUpdate(caseId: string, update: Uint8Array): Promise<number> {
    // Concurrent calls share one round trip: node-redis pipelines commands issued together.
    const seq = await this.redis.eval(scripts.appendUpdateScript, {
      keys: [this.key(`doc:${caseId}:seq`), this.key(`doc:${caseId}:log`)],
      arguments: [Buffer.from(update.buffer, update.byteOffset, update.byteLength)],
    });
    return Number(seq);
  }

  async loadDocument(caseId: string): Promise<StoredDocument> {
    const [snapshot, snapshotSeq, log] = await Promise.all([
      this.bin.get(this.key(`doc:${caseId}:snapshot`)),
      this.redis.get(this.key(`doc:${caseId}:snapshot_seq`)),
      this.bin.zRangeWithScores(this.key(`doc:${caseId}:log`), 0, -1),
    ]);
    const updates = log.map(({ value }) => {
      const bytes = value as unknown as Buffer;
      const body = bytes.subarray(bytes.indexOf(0x3a) + 1);
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    });
    const lastSeq = log.at(-1)?.score ?? 0;
    return {
      snapshot: snapshot ? new Uint8Array(snapshot as unknown as Buffer) : null,
      updates,
      throughSeq: Math.max(lastSeq, Number(snapshotSeq ?? 0)),
    };
  }

  async compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    await this.redis.eval(scripts.compactScript, {
      keys: [this.key(`doc:${caseId}:snapshot`), this.key(`doc:${caseId}:snapshot_seq`), this.key(`doc:${caseId}:log`)],
      arguments: [Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength), String(throughSeq)],
    });
  }

  // ownership

  async getOwnership(caseId: string): Promise<Ownership> {
    const state = await this.redis.hGet(this.key(`own:${caseId}`), 'state');
    return state ? (JSON.parse(state) as Ownership) : unowned;
  }

  async saveOwnership(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: NewCaseEvent[],
  ): Promise<boolean> {
    const args = [
      caseId,
      String(expectedEpoch),
      String(next.epoch),
      JSON.stringify(next),
      record ? JSON.stringify(record) : '',
      ...eventArgs(events),
    ];
    return (await this.script(scripts.saveOwnershipScript, args)) === 1;
  }

  async ownershipHistory(caseId: string): Promise<OwnershipRecord[]> {
    return (await this.redis.lRange(this.key(`own:${caseId}:history`), 0, -1)).map((line) => JSON.parse(line) as OwnershipRecord);
  }

  // approvals

  async createApproval(approval: Approval, events: NewCaseEvent[]): Promise<void> {
    const member = lexMember(approval.requestedAt, approval.id);
    const args = [
      approval.id,
      approval.caseId,
      approval.team,
      member,
      String(Date.parse(approval.expiresAt)),
      JSON.stringify(approval),
      ...eventArgs(events),
    ];
    await this.script(scripts.createApprovalScript, args);
  }

  async getApproval(id: string): Promise<Approval | null> {
    const json = await this.redis.hGet(this.key(`approval:${id}`), 'record');
    return json ? (JSON.parse(json) as Approval) : null;
  }

  async saveApproval(next: Approval, expectedVersion: number, events: NewCaseEvent[]): Promise<boolean> {
    const args = [
      next.id,
      String(expectedVersion),
      String(next.version),
      next.status === 'pending' ? '1' : '0',
      JSON.stringify(next),
      ...eventArgs(events),
    ];
    return (await this.script(scripts.saveApprovalScript, args)) === 1;
  }

  async listApprovals(query: ApprovalQuery): Promise<Page<Approval>> {
    const index =
      query.caseId !== undefined
        ? `approvals:case:${query.caseId}`
        : query.team !== undefined
          ? `approvals:team:${query.team}`
          : 'approvals:all';
    const matches = (a: Approval): boolean =>
      (query.caseId === undefined || a.caseId === query.caseId) &&
      (query.team === undefined || a.team === query.team) &&
      (query.statuses === undefined || query.statuses.includes(a.status)) &&
      (query.reviewed === undefined || (a.review !== null) === query.reviewed);
    let min = query.cursor === undefined ? '-' : `(${lexMember(...(decodeCursor(query.cursor, 2) as [string, string]))}`;
    const found: Approval[] = [];
    // Filters other than the index are applied here, so read on until the page is full.
    while (found.length <= query.limit) {
      const members = await this.redis.zRange(this.key(index), min, '+', { BY: 'LEX', LIMIT: { offset: 0, count: scanBatch } });
      if (members.length === 0) break;
      const approvals = await this.records<Approval>(
        members.map((m) => this.key(`approval:${m.slice(m.indexOf('|') + 1)}`)),
        'record',
      );
      found.push(...approvals.filter(matches));
      min = `(${members.at(-1)!}`;
      if (members.length < scanBatch) break;
    }
    return pageOf(found, query.limit, (a) => [a.requestedAt, a.id]);
  }

  async dueApprovals(now: string, limit: number): Promise<Approval[]> {
    const ids = await this.redis.zRange(this.key('approvals:pending'), '-inf', Date.parse(now), {
      BY: 'SCORE',
      LIMIT: { offset: 0, count: limit },
    });
    return this.records<Approval>(
      ids.map((id) => this.key(`approval:${id}`)),
      'record',
    );
  }

  async nextApprovalExpiry(): Promise<string | null> {
    const [first] = await this.redis.zRangeWithScores(this.key('approvals:pending'), 0, 0);
    return first ? new Date(first.score).toISOString() : null;
  }

  // events

  async appendEvents(events: NewCaseEvent[]): Promise<CaseEvent[]> {
    if (events.length === 0) return [];
    const before = await this.lastEventId();
    await this.script(scripts.appendEventsScript, eventArgs(events));
    // Read back what was just written, for the caller's convenience (ids come from Redis).
    const written = await this.readEvents({ after: before, caseIds: [...new Set(events.map((e) => e.caseId))], limit: events.length * 4 });
    return written.slice(-events.length);
  }

  async readEvents(query: EventQuery): Promise<CaseEvent[]> {
    const stream =
      query.caseIds?.length === 1 ? `events:case:${query.caseIds[0]}` : query.team !== undefined ? `events:team:${query.team}` : 'events';
    const wanted = (e: CaseEvent & { team: string }): boolean =>
      (query.team === undefined || e.team === query.team) &&
      (query.caseIds === undefined || query.caseIds.includes(e.caseId)) &&
      (query.types === undefined || query.types.includes(e.type as CaseEventType));
    const out: CaseEvent[] = [];
    let start = query.after === undefined ? '-' : `(${query.after}`;
    const count = Math.max(query.limit, 100);
    while (out.length < query.limit) {
      const entries = (await this.redis.xRange(this.key(stream), start, '+', { COUNT: count })) as Array<{
        id: string;
        message: Record<string, string>;
      }>;
      for (const entry of entries) {
        const { team: _team, ...event } = toEvent(entry);
        if (wanted(toEvent(entry))) out.push(event);
        if (out.length === query.limit) break;
      }
      if (entries.length < count) break;
      start = `(${entries.at(-1)!.id}`;
    }
    return out;
  }

  async caseEvents(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    const after = afterSeq > 0 ? await this.redis.hGet(this.key(`events:case:${caseId}:ids`), String(afterSeq)) : null;
    const events = await this.readEvents({
      after: after ?? undefined,
      caseIds: [caseId],
      limit: after || afterSeq === 0 ? limit : limit + afterSeq,
    });
    return events.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  async lastEventId(): Promise<string> {
    const [last] = (await this.redis.xRevRange(this.key('events'), '+', '-', { COUNT: 1 })) as Array<{ id: string }>;
    return last?.id ?? '0-0';
  }

  compareEventIds(a: string, b: string): number | null {
    const parse = (id: string): [bigint, bigint] | null => {
      // "0" reads from the beginning in either store.
      const match = /^(\d{1,20})-(\d{1,20})$/.exec(id === '0' ? '0-0' : id);
      return match ? [BigInt(match[1]!), BigInt(match[2]!)] : null;
    };
    const x = parse(a);
    const y = parse(b);
    if (!x || !y) return null;
    if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1;
  }

  // people

  async rememberPerson(who: Identity): Promise<void> {
    await this.redis.hSet(this.key('people'), who.userId, JSON.stringify(who));
  }

  async getPerson(userId: string): Promise<Identity | null> {
    const json = await this.redis.hGet(this.key('people'), userId);
    return json ? (JSON.parse(json) as Identity) : null;
  }

  // the store itself

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.close().catch(() => this.redis.destroy());
  }

  /** JSON records at `keys` (a hash field when given), in order, skipping missing ones. */
  private async records<T>(keys: string[], field?: string): Promise<T[]> {
    if (keys.length === 0) return [];
    const values = field ? await Promise.all(keys.map((k) => this.redis.hGet(k, field))) : await this.redis.mGet(keys);
    return values.filter((v): v is string => typeof v === 'string').map((v) => JSON.parse(v) as T);
  }
}
