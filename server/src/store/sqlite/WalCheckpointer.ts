/**
 * Checkpoints the SQLite write-ahead log from a worker thread of its own.
 *
 * SQLite's automatic checkpoint runs inside whichever commit pushes the log past its threshold,
 * which here is a commit on the event loop: copying the log into the database file and syncing it
 * stalls every room on the node, 10–20 ms each time on our test machines. The store turns the
 * automatic checkpoint off and this worker checkpoints on its own connection instead, every
 * `intervalMs`, in PASSIVE mode: it never waits for the writer and never blocks it. Durability is
 * unchanged: a committed transaction is in the log either way.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker's code. It runs as a CommonJS script and is handed the path of better-sqlite3. */
const workerScript = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopping = false;

  /** `onFailure` runs if the worker dies: the store then checkpoints on its own again. */
  constructor(file: string, intervalMs: number, onFailure: (err: unknown) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(workerScript, { eval: true, workerData: { file, intervalMs, driver } });
    this.worker.once('error', (err) => {
      this.stopping = true;
      onFailure(err);
    });
    this.exited = new Promise((done) => {
      this.worker.once('exit', (code) => {
        if (!this.stopping) onFailure(new Error(`the checkpoint worker exited with code ${code}`));
        done();
      });
    });
    // The hub's own handles decide when the process may exit, not this thread.
    this.worker.unref();
  }

  /** Closes the worker's connection and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Held while it closes: nothing else may be keeping the process alive by then.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
