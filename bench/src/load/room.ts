/**
 * A room of clients on one case (or on several, `openCases`), some of them typing. Every edit
 * inserts a few characters into the notes and, in the same transaction, records its send time
 * under a key of its own in the `app` map (the case document's place for an application's own
 * fields); every other client, on receiving it, takes now - sent. `now()` is the wall clock
 * (`performance.timeOrigin + performance.now()`), which the processes of one machine share, so a
 * receipt in another load process than the writer's is timed on the same clock.
 */
import type { ClientKind } from '../targets.js';
import { notesOf, now, openMany, sleep, type BenchClient, type Endpoint } from './clients.js';

/** BENCH_TRACE=1: print, per 500 ms of sending, the worst latency, to see when delays happen. */
const trace = process.env.BENCH_TRACE === '1';

function printTrace(samples: number[], sentTimes: number[]): void {
  const start = Math.min(...sentTimes);
  const worst = new Map<number, number>();
  samples.forEach((latency, i) => {
    const bucket = Math.floor((sentTimes[i]! - start) / 500);
    worst.set(bucket, Math.max(worst.get(bucket) ?? 0, latency));
  });
  const line = [...worst.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, ms]) => `${(bucket / 2).toFixed(1)}s:${ms.toFixed(0)}`);
  console.error(`worst latency per 500 ms: ${line.join(' ')}`);
}

export class LoadRoom {
  /** latencies (ms) of receipts while recording */
  private samples: number[] = [];
  /** send times of the samples, for BENCH_TRACE */
  private sentTimes: number[] = [];
  private recording = false;
  /** receipts of edits sent before this are not counted */
  private recordingSince = 0;
  private sequence = 0;
  /** receipts counted while recording */
  received = 0;

  private constructor(readonly clients: BenchClient[]) {
    for (const client of clients) {
      const marks = client.doc.getMap<number>('app');
      marks.observe((event, transaction) => {
        if (transaction.local || !this.recording) return;
        const at = now();
        for (const key of event.keysChanged) {
          const sentAt = marks.get(key);
          // Late receipts of an earlier window's edits are not this window's.
          if (sentAt === undefined || sentAt < this.recordingSince) continue;
          this.samples.push(at - sentAt);
          if (trace) this.sentTimes.push(sentAt);
          this.received++;
        }
      });
    }
  }

  static async open(kind: ClientKind, endpoint: Endpoint, caseId: string, size: number): Promise<LoadRoom> {
    const clients = await openMany(
      kind,
      endpoint,
      size,
      () => caseId,
      (index) => `agent-${index}`,
      10,
    );
    return new LoadRoom(clients);
  }

  /**
   * Clients on several cases at once, `perCase` on each, case after case: client `i` is on
   * `caseIds[floor(i / perCase)]`. Receipts are counted over all of them.
   */
  static async openCases(
    kind: ClientKind,
    endpoint: Endpoint,
    caseIds: string[],
    perCase: number,
    userOf: (index: number) => string,
  ): Promise<LoadRoom> {
    const clients = await openMany(kind, endpoint, caseIds.length * perCase, (i) => caseIds[Math.floor(i / perCase)]!, userOf, 25);
    return new LoadRoom(clients);
  }

  /** One edit by client `writer`: a few characters of notes plus its send time. */
  type(writer: number): void {
    const doc = this.clients[writer]!.doc;
    const seq = ++this.sequence;
    doc.transact(() => {
      const notes = notesOf(doc);
      notes.insert(notes.length, String.fromCharCode(97 + (seq % 26)).repeat(3));
      doc.getMap<number>('app').set(`${writer}:${seq}`, now());
    });
  }

  /** Counts receipts from now on, of edits sent from `since` on (a wall-clock time, by default now). */
  startRecording(since = now()): void {
    this.recordingSince = since;
    this.samples = [];
    this.sentTimes = [];
    this.received = 0;
    this.recording = true;
  }

  stopRecording(): number[] {
    this.recording = false;
    if (trace) printTrace(this.samples, this.sentTimes);
    this.sentTimes = [];
    return this.samples;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}

/**
 * Has `writers` (client indexes) type at `ratePerWriter` edits per second each for `seconds`,
 * spread evenly; returns how many edits were sent. Late ticks catch up, so the offered rate holds
 * even when the event loop is busy.
 */
export async function typeAtRate(room: LoadRoom, writers: number[], ratePerWriter: number, seconds: number): Promise<number> {
  const started = performance.now();
  const total = editsPerWriter(ratePerWriter, seconds);
  const sent = writers.map(() => 0);
  // Each writer starts at its own phase, so the writers do not all type in the same tick.
  const phase = writers.map((_, i) => (i / writers.length) * (1000 / ratePerWriter));
  return new Promise((done) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      let remaining = 0;
      writers.forEach((writer, i) => {
        const due = Math.min(total, Math.floor(((elapsed - phase[i]!) * ratePerWriter) / 1000) + 1);
        while (sent[i]! < due) {
          room.type(writer);
          sent[i]!++;
        }
        remaining += total - sent[i]!;
      });
      if (remaining === 0) done(sent.reduce((a, b) => a + b, 0));
      else setTimeout(tick, 1);
    };
    tick();
  });
}

/** How many edits each writer sends in `typeAtRate`: every one of them, however late. */
export function editsPerWriter(ratePerWriter: number, seconds: number): number {
  return Math.round(ratePerWriter * seconds);
}

/** Waits until `room.received` reaches `expected`, or `quietMs` pass without a receipt. */
export async function drain(room: LoadRoom, expected: number, quietMs: number): Promise<void> {
  let last = -1;
  let quietSince = performance.now();
  while (room.received < expected) {
    if (room.received !== last) {
      last = room.received;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > quietMs) return;
    await sleep(20);
  }
}
