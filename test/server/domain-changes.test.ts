import { describe, expect, it } from 'vitest';
import { DomainChanges, type DomainChange } from '../../server/src/DomainChanges.js';
import { capturedLogs, errorLevel } from '../helpers/logs.js';

const stored: DomainChange = { kind: 'events', source: 'local' };
const revoked: DomainChange = { kind: 'revoked', userId: 'ann', at: 1_000, source: 'peer' };

describe('domain changes', () => {
  it('reach the listeners of their kind only, in the order they subscribed', () => {
    const changes = new DomainChanges(capturedLogs().log);
    const heard: string[] = [];
    changes.on('events', (change) => heard.push(`first ${change.source}`));
    changes.on('revoked', (change) => heard.push(`revoked ${change.userId} at ${change.at}`));
    changes.on('events', (change) => heard.push(`second ${change.source}`));
    changes.announce(stored);
    changes.announce(revoked);
    expect(heard).toEqual(['first local', 'second local', 'revoked ann at 1000']);
  });

  it('stop reaching a listener once it unsubscribes', () => {
    const changes = new DomainChanges(capturedLogs().log);
    let heard = 0;
    const stop = changes.on('events', () => heard++);
    changes.announce(stored);
    stop();
    changes.announce(stored);
    expect(heard).toBe(1);
  });

  it('log a listener that throws, and still reach the others and return to the announcer', () => {
    const logs = capturedLogs();
    const changes = new DomainChanges(logs.log);
    const heard: string[] = [];
    changes.on('events', () => {
      throw new Error('a listener fails');
    });
    changes.on('events', () => heard.push('after the failure'));
    expect(() => changes.announce(stored)).not.toThrow();
    expect(heard).toEqual(['after the failure']);
    expect(logs.since()).toEqual([
      expect.objectContaining({ level: errorLevel, change: 'events', err: expect.objectContaining({ message: 'a listener fails' }) }),
    ]);
  });

  it('reach a listener that announces another change while one is announced', () => {
    const changes = new DomainChanges(capturedLogs().log);
    const heard: string[] = [];
    changes.on('revoked', () => changes.announce(stored));
    changes.on('events', () => heard.push('events'));
    changes.announce(revoked);
    expect(heard).toEqual(['events']);
  });
});
