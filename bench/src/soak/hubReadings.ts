/**
 * What the soak reads from the hub process each interval. Event-loop lag from its `/metrics`
 * (prom-client's default metrics, which the hub registers under the `caseroom_` prefix):
 * prom-client resets its lag histogram on every scrape, so with nothing else scraping, each p99
 * covers the interval since the previous sample. Then RSS and the heap in use after a full
 * collection (the bench's preload, `memoryAfterGc`): the heap that `/metrics` reports moves by
 * half its size between collections, more than any leak moves it in an hour, while the heap after
 * a collection is what the hub holds. The collection comes after the scrape, and one pause in ten
 * seconds does not move a p99 over a thousand lag samples. Open handles from /proc.
 */
import { readdirSync } from 'node:fs';
import type { ServerProcess } from '../servers.js';

export interface HubReading {
  /** after a full collection, bytes */
  rss: number;
  heapUsed: number;
  /** the heap in use as `/metrics` reported it just before the collection, bytes */
  heapScraped: number;
  handles: number;
  /** ms */
  lagP99: number;
}

/** The metrics read, by name: a hub that stops exporting one fails the soak loudly, not with a flat line. */
const heapMetric = 'caseroom_nodejs_heap_size_used_bytes';
const lagMetric = 'caseroom_nodejs_eventloop_lag_p99_seconds';

/** Open file descriptors of a process (sockets, files, pipes, the event loop's own). */
export function openHandles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The value of an unlabelled metric in Prometheus' text format. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  const value = line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  if (!Number.isFinite(value)) throw new Error(`the hub's /metrics has no ${name}`);
  return value;
}

export async function readHub(hub: ServerProcess): Promise<HubReading> {
  const res = await fetch(`${hub.httpUrl}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const { rss, heapUsed } = await hub.memoryAfterGc();
  return {
    rss,
    heapUsed,
    heapScraped: metricValue(text, heapMetric),
    handles: openHandles(hub.pid),
    lagP99: metricValue(text, lagMetric) * 1000,
  };
}
