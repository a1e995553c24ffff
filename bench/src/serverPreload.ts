/**
 * Loaded with `--import` into every server under test (started with --expose-gc). On the
 * harness's request it runs a full garbage collection, so that RSS read afterwards from
 * /proc/<pid>/status counts live memory rather than garbage the collector has not reached yet,
 * and answers with the JavaScript heap in use after it (the main thread's; RSS also holds
 * buffers, native memory and the code).
 */
process.on('message', (message) => {
  if (message !== 'gc') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // A second pass collects what the first one's finalizers released.
  setImmediate(() => {
    gc?.();
    process.send?.({ gcDone: true, collected: gc !== undefined, heapUsed: process.memoryUsage().heapUsed });
  });
});
