/**
 * The store contract for case documents, on SQLite and on Redis alike: an update log per case,
 * folded into snapshots, bytes kept exactly, and no compaction that loses an update.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testStore } from '../helpers/hub.js';
import { freshStore } from '../helpers/store.js';

describe(`the ${testStore} store keeps the contract for documents`, () => {
  it('keeps a document’s updates in order, and a compaction keeps every one of them', async () => {
    const store = await freshStore();
    const seqs = [await store.documents.append('c1', Uint8Array.of(1)), await store.documents.append('c1', Uint8Array.of(2))];
    expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
    expect(await store.documents.load('c1')).toEqual({
      snapshot: null,
      updates: [Uint8Array.of(1), Uint8Array.of(2)],
      throughSeq: seqs[1],
    });
    await store.documents.compact('c1', Uint8Array.of(9), seqs[0]!);
    expect(await store.documents.load('c1')).toEqual({ snapshot: Uint8Array.of(9), updates: [Uint8Array.of(2)], throughSeq: seqs[1] });
    await store.documents.compact('c1', Uint8Array.of(9, 9), seqs[1]!);
    expect(await store.documents.load('c1')).toEqual({ snapshot: Uint8Array.of(9, 9), updates: [], throughSeq: seqs[1] });
  });

  it('keeps the bytes exactly, a view into a larger buffer included, each case apart', async () => {
    const store = await freshStore();
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
    const large = new Uint8Array(randomBytes(64 * 1024));
    const view = new Uint8Array(randomBytes(64)).subarray(8, 40);
    const seqs = await Promise.all([everyByte, large, view].map((update) => store.documents.append('doc', update)));
    await store.documents.append('other-doc', Uint8Array.of(7));
    expect(await store.documents.load('doc')).toEqual({ snapshot: null, updates: [everyByte, large, view], throughSeq: seqs[2] });
    expect((await store.documents.load('other-doc')).updates).toEqual([Uint8Array.of(7)]);
    expect(await store.documents.load('never-written')).toEqual({ snapshot: null, updates: [], throughSeq: 0 });
  });

  it('never lets a snapshot replace one that covers more, nor store one that covers nothing', async () => {
    const store = await freshStore();
    await store.documents.compact('c1', Uint8Array.of(0), 0);
    expect(await store.documents.load('c1')).toEqual({ snapshot: null, updates: [], throughSeq: 0 });
    const seqs: number[] = [];
    for (let n = 1; n <= 4; n++) seqs.push(await store.documents.append('c1', Uint8Array.of(n)));
    await store.documents.compact('c1', Uint8Array.of(3, 3), seqs[2]!);
    // A compaction that finishes late, covering less, changes nothing.
    await store.documents.compact('c1', Uint8Array.of(1, 1), seqs[0]!);
    await store.documents.compact('c1', Uint8Array.of(3, 0), seqs[2]!);
    expect(await store.documents.load('c1')).toEqual({ snapshot: Uint8Array.of(3, 3), updates: [Uint8Array.of(4)], throughSeq: seqs[3] });
  });
});
