/** How many receipts each load process of a spread workload waits for (bench/src/loadFleet.ts). */
import { describe, expect, it } from 'vitest';
import type { RoomsTask } from '../../bench/src/load/tasks.js';
import { expectedReceipts } from '../../bench/src/loadFleet.js';

const endpoint = { httpUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1' };

function share(caseIds: string[], clientsPerCase: number, writersPerCase: number): RoomsTask {
  return { kind: 'rooms', target: 'hocuspocus', endpoint, caseIds, clientsPerCase, writersPerCase, userPrefix: 'u' };
}

describe('the receipts a load process expects', () => {
  it('counts every edit once per other client of its room, when each room lives in one process', () => {
    // 2 rooms of 5, one writer each, 20 edits each: 4 receivers per edit.
    const tasks = [share(['a', 'b'], 5, 1), share(['c'], 5, 1)];
    expect(expectedReceipts(tasks[0]!, tasks, 20)).toBe(2 * 20 * 4);
    expect(expectedReceipts(tasks[1]!, tasks, 20)).toBe(20 * 4);
  });

  it('counts the edits of writers in another process when a room is split over processes', () => {
    // One room: 4 writers in one process, 3 receivers in each of two others; 10 edits per writer.
    const tasks = [share(['room'], 4, 4), share(['room'], 3, 0), share(['room'], 3, 0)];
    // Each writer receives the other three writers' edits; each receiver all 40.
    expect(expectedReceipts(tasks[0]!, tasks, 10)).toBe(4 * 3 * 10);
    expect(expectedReceipts(tasks[1]!, tasks, 10)).toBe(3 * 40);
    expect(tasks.reduce((sum, task) => sum + expectedReceipts(task, tasks, 10), 0)).toBe(40 * 9);
  });
});
