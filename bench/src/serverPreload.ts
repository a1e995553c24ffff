/**
 * Loaded with `--import` into every server under test (started with --expose-gc). On the
 * harness's request it runs a full garbage collection, so that RSS read afterwards from
 * /proc/<pid>/status counts live memory rather than garbage the collector has not reached yet.
 * It answers with the V8 heap in use after the collection (`heapUsed`), which RSS cannot tell
 * apart from buffers, SQLite's cache and the allocator's free pages.
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
