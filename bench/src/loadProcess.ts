/** Starts a load process (`load/worker.ts`) for one task and collects its answer. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { benchRoot, repoRoot } from './servers.js';
import type { HarnessWord, LoadMessage, LoadTask, WindowCommand, WindowReport } from './load/tasks.js';

export interface LoadProcess<T> {
  /** resolves when the process says it is ready (tasks that hold clients open) */
  ready: Promise<void>;
  result: Promise<T>;
  /** tells a task that holds clients open to close them */
  release(): void;
  /** a `rooms` task: runs one typing window and resolves with what the process counted */
  runWindow(command: WindowCommand): Promise<WindowReport>;
  /** tells a `people` task, which the harness paces, to move on: `go`, `record`, `stop` */
  tell(word: HarnessWord): void;
  /** resolves when the process says its last edit went out (`people`, after `stop`) */
  typed: Promise<void>;
  child: ChildProcess;
}

/** BENCH_LOAD_PROFILE=<dir>: CPU profiles of the load processes, to see where the load spends its time. */
function loadProfileArgs(): string[] {
  const dir = process.env.BENCH_LOAD_PROFILE;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

export function startLoad<T>(task: LoadTask): LoadProcess<T> {
  const child = fork(join(benchRoot, 'src/load/worker.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096', ...loadProfileArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onReady!: () => void;
  const ready = new Promise<void>((done) => (onReady = done));
  /** windows asked for and not yet reported, in the order asked */
  const windows: Array<{ done: (report: WindowReport) => void; fail: (err: Error) => void }> = [];
  let onTyped!: () => void;
  const typed = new Promise<void>((done) => (onTyped = done));
  const result = new Promise<T>((done, fail) => {
    let answered = false;
    child.on('message', (message: LoadMessage) => {
      if ('ready' in message) onReady();
      else if ('window' in message) windows.shift()?.done(message.window);
      else if ('typed' in message) onTyped();
      else if ('result' in message) {
        answered = true;
        done(message.result as T);
      } else if ('error' in message) {
        answered = true;
        fail(new Error(`load process failed: ${message.error}`));
      }
    });
    child.once('exit', (code) => {
      if (!answered) fail(new Error(`load process exited with ${code} without an answer`));
    });
  });
  // A failure before `ready` (or `typed`), or during a window, must not leave the harness waiting.
  result.then(
    () => windows.splice(0).forEach((w) => w.fail(new Error('the load process finished during a window'))),
    (err: Error) => {
      onReady();
      onTyped();
      windows.splice(0).forEach((w) => w.fail(err));
    },
  );
  child.send(task);
  return {
    ready,
    typed,
    result,
    release: () => child.connected && child.send('close'),
    tell: (word) => child.connected && child.send(word),
    runWindow: (command) =>
      new Promise<WindowReport>((done, fail) => {
        windows.push({ done, fail });
        child.send({ window: command });
      }),
    child,
  };
}

export function runLoad<T>(task: LoadTask): Promise<T> {
  return startLoad<T>(task).result;
}
