/**
 * The registry of live case rooms on this node. A room is loaded when the first connection joins
 * and unloaded a grace period after the last one leaves, so a page reload does not reload the
 * document. Loading waits for a previous unload of the same case to finish its writes.
 */
import { EventEmitter } from 'node:events';
import { awarenessTimeoutMs } from './AwarenessStates.js';
import { CaseRoom, type CaseRoomOptions } from './CaseRoom.js';
import type { PeerRelay, RoomConnection, RoomRelay } from './RoomConnection.js';

export interface CaseRoomsOptions extends Omit<CaseRoomOptions, 'relays' | 'peers'> {
  /** how long a room nobody is in stays loaded */
  graceMs: number;
}

interface RoomEvents {
  loaded: [caseId: string];
  unloaded: [caseId: string];
  /** a room is about to be destroyed; its document is still readable */
  unloading: [room: CaseRoom];
  /** a connection entered a case room (emitted before `join` resolves) */
  entered: [caseId: string, connection: RoomConnection];
  /** a connection left a case room */
  left: [caseId: string, connection: RoomConnection];
}

export class CaseRooms extends EventEmitter<RoomEvents> {
  private readonly rooms = new Map<string, CaseRoom>();
  private readonly loading = new Map<string, Promise<CaseRoom>>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  /** case id -> how many `use` calls are under way on its room (it stays loaded meanwhile) */
  private readonly users = new Map<string, number>();
  private readonly relays: RoomRelay[] = [];
  private readonly peers: PeerRelay[] = [];
  private readonly options: CaseRoomsOptions;
  /** One options object for every room: a copy per room would cost each its own hidden class. */
  private readonly roomOptions: CaseRoomOptions;
  /** One timer for every room's awareness, not one per room: drops states nobody renews. */
  private readonly awarenessSweep: NodeJS.Timeout;

  constructor(options: CaseRoomsOptions) {
    super();
    this.options = options;
    this.roomOptions = { ...options, relays: this.relays, peers: this.peers };
    this.awarenessSweep = setInterval(() => {
      const now = Date.now();
      for (const room of this.rooms.values()) room.expireAwareness(now);
    }, awarenessTimeoutMs / 10);
    this.awarenessSweep.unref();
  }

  /** Registers a transport that delivers room output to its own connections. */
  addRelay(relay: RoomRelay): void {
    this.relays.push(relay);
  }

  /** Registers the link to the other hub nodes: it gets every change made on this node, as it is made. */
  addPeerRelay(relay: PeerRelay): void {
    this.peers.push(relay);
  }

  /** The live room of a case, if it is loaded on this node. */
  get(caseId: string): CaseRoom | undefined {
    return this.rooms.get(caseId);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Adds a connection to a case's room, loading the room when needed. */
  async join(caseId: string, connection: RoomConnection): Promise<CaseRoom> {
    const room = await this.open(caseId);
    this.cancelUnload(caseId);
    if (!room.hasConnection(connection)) {
      room.addConnection(connection);
      this.emit('entered', caseId, connection);
    }
    return room;
  }

  /**
   * Runs `work` on a case's room without anyone joining it (the HTTP API reading or repairing a
   * document), loading the room when needed; a room nobody is in is unloaded after the grace period.
   */
  async use<T>(caseId: string, work: (room: CaseRoom) => T | Promise<T>): Promise<T> {
    const room = await this.open(caseId);
    this.cancelUnload(caseId);
    this.users.set(caseId, (this.users.get(caseId) ?? 0) + 1);
    try {
      return await work(room);
    } finally {
      const left = this.users.get(caseId)! - 1;
      if (left > 0) this.users.set(caseId, left);
      else this.users.delete(caseId);
      if (this.idle(room)) this.scheduleUnload(room);
    }
  }

  /** Nobody is in the room and no `use` of it is under way. */
  private idle(room: CaseRoom): boolean {
    return room.connectionCount === 0 && !this.users.has(room.caseId) && this.rooms.get(room.caseId) === room;
  }

  /** Removes a connection; an empty room is unloaded after the grace period. */
  leave(room: CaseRoom, connection: RoomConnection): void {
    if (!room.hasConnection(connection)) return;
    room.removeConnection(connection);
    this.emit('left', room.caseId, connection);
    if (this.idle(room)) this.scheduleUnload(room);
  }

  /** Brings every open room up to date with the store (after the cluster bus lost messages). */
  catchUpAll(): void {
    for (const room of this.rooms.values()) {
      room.catchUp().catch((err: unknown) => this.options.log.warn({ err, caseId: room.caseId }, 'catching up with the store failed'));
    }
  }

  /** Waits for every pending write and unloads every room (used on shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.awarenessSweep);
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    await Promise.allSettled([...this.loading.values()]);
    await Promise.all([...this.rooms.values()].map((room) => this.unload(room)));
    await Promise.all([...this.unloading.values()]);
  }

  private async open(caseId: string): Promise<CaseRoom> {
    const live = this.rooms.get(caseId);
    if (live) return live;
    let loading = this.loading.get(caseId);
    if (!loading) {
      loading = this.load(caseId).finally(() => this.loading.delete(caseId));
      this.loading.set(caseId, loading);
    }
    return loading;
  }

  private async load(caseId: string): Promise<CaseRoom> {
    await this.unloading.get(caseId);
    const started = performance.now();
    const room = await CaseRoom.load(caseId, this.roomOptions);
    this.rooms.set(caseId, room);
    // In a cluster, peers' updates stored while we were reading were not relayed to a room that
    // did not exist yet: read once more now that it does.
    if (this.options.catchUpAfterLoad) await room.catchUp();
    this.options.log.debug({ caseId, loadMs: Math.round(performance.now() - started) }, 'case room loaded');
    this.emit('loaded', caseId);
    return room;
  }

  private scheduleUnload(room: CaseRoom): void {
    this.cancelUnload(room.caseId);
    const timer = setTimeout(() => {
      this.unloadTimers.delete(room.caseId);
      if (this.idle(room)) void this.unload(room);
    }, this.options.graceMs);
    timer.unref();
    this.unloadTimers.set(room.caseId, timer);
  }

  private cancelUnload(caseId: string): void {
    const timer = this.unloadTimers.get(caseId);
    if (timer) clearTimeout(timer);
    this.unloadTimers.delete(caseId);
  }

  private unload(room: CaseRoom): Promise<void> {
    this.rooms.delete(room.caseId);
    // Folding the log on the way out makes the next load a single read, answerable as it is.
    const done = room
      .flushed()
      .then(() => room.compactIfLogged())
      .catch(() => undefined)
      .then(() => {
        this.emit('unloading', room);
        room.destroy();
        this.unloading.delete(room.caseId);
        this.options.log.debug({ caseId: room.caseId }, 'case room unloaded');
        this.emit('unloaded', room.caseId);
      });
    this.unloading.set(room.caseId, done);
    return done;
  }
}
