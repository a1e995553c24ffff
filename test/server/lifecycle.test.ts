import { describe, expect, it } from 'vitest';
import { Lifecycle, type LifecycleStep } from '../../server/src/assembly/Lifecycle.js';
import { capturedLogs } from '../helpers/logs.js';

/** Steps that write down when they start and stop. */
function steps(names: string[], done: string[], fail: { start?: string; stop?: string } = {}): LifecycleStep[] {
  return names.map((name) => ({
    name,
    start: async () => {
      if (fail.start === name) throw new Error(`${name} cannot start`);
      done.push(`start ${name}`);
    },
    stop: async () => {
      done.push(`stop ${name}`);
      if (fail.stop === name) throw new Error(`${name} cannot stop`);
    },
  }));
}

describe('the hub lifecycle', () => {
  it('starts its steps in order and stops them in the reverse order, once however often it is asked', async () => {
    const lifecycle = new Lifecycle(capturedLogs().log);
    const done: string[] = [];
    await lifecycle.start(steps(['store', 'rooms', 'transports'], done));
    expect(lifecycle.running).toBe(true);
    const stopping = lifecycle.stop();
    expect(lifecycle.running).toBe(false);
    expect(lifecycle.stop()).toBe(stopping);
    await stopping;
    expect(done).toEqual(['start store', 'start rooms', 'start transports', 'stop transports', 'stop rooms', 'stop store']);
  });

  it('stops what had started when a step fails to start, and rejects with its error', async () => {
    const lifecycle = new Lifecycle(capturedLogs().log);
    const done: string[] = [];
    await expect(lifecycle.start(steps(['store', 'rooms', 'transports', 'webhooks'], done, { start: 'transports' }))).rejects.toThrow(
      'transports cannot start',
    );
    expect(lifecycle.running).toBe(false);
    expect(done).toEqual(['start store', 'start rooms', 'stop rooms', 'stop store']);
  });

  it('goes on stopping after a step fails to stop, then rejects with that failure', async () => {
    const logs = capturedLogs();
    const lifecycle = new Lifecycle(logs.log);
    const done: string[] = [];
    await lifecycle.start(steps(['store', 'rooms', 'transports'], done, { stop: 'rooms' }));
    await expect(lifecycle.stop()).rejects.toThrow('rooms cannot stop');
    expect(done.slice(3)).toEqual(['stop transports', 'stop rooms', 'stop store']);
    expect(logs.since().some((entry) => entry.msg === 'stopping a part of the hub failed' && entry.step === 'rooms')).toBe(true);
  });

  it('takes steps that only start or only stop', async () => {
    const lifecycle = new Lifecycle(capturedLogs().log);
    const done: string[] = [];
    await lifecycle.start([
      { name: 'store', stop: () => void done.push('close store') },
      { name: 'expiry', start: () => void done.push('start expiry') },
    ]);
    await lifecycle.stop();
    expect(done).toEqual(['start expiry', 'close store']);
  });
});
