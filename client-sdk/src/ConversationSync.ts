/**
 * Keeps a session's conversation whole and current: everything the hub says about the
 * conversation goes into the mirror, and whenever the mirror lacks messages the hub has (a
 * message from another node overtook an earlier one, or the session was away), one
 * `conversation:history` request at a time fills the gap. Composing marks whose time has passed
 * are dropped here, on one timer for the first of them.
 */
import {
  CaseroomError,
  maxHistoryPage,
  type Composing,
  type ConversationState,
  type Delivery,
  type Floor,
  type Message,
} from '@caseroom/shared';
import type { ConversationMirror } from './ConversationMirror.js';
import { request, type ClientSocket } from './request.js';
import type { TokenRefresh } from './TokenRefresh.js';

/** The most messages one catch-up request asks for; a longer gap takes several. */
const catchUpPage = maxHistoryPage;

export class ConversationSync {
  private catchingUp = false;
  private lapseTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly caseId: string,
    private readonly socket: ClientSocket,
    private readonly tokens: TokenRefresh,
    private readonly mirror: ConversationMirror,
    private readonly inCase: () => boolean,
    /** a catch-up the hub refused for another reason than the connection */
    private readonly refused: (error: CaseroomError) => void,
  ) {}

  joined(state: ConversationState, waitingSince: string | null): void {
    this.mirror.joined(state, waitingSince);
    this.settle();
  }

  message(message: Message): void {
    this.mirror.messageArrived(message);
    this.settle();
  }

  history(page: { messages: readonly Message[]; lastSeq: number }): void {
    this.mirror.historyArrived(page);
    this.settle();
  }

  delivery(seq: number, delivery: Delivery): void {
    this.mirror.deliveryArrived(seq, delivery);
  }

  composing(mark: Composing): void {
    this.mirror.composingArrived(mark);
    this.settle();
  }

  floor(floor: Floor): void {
    this.mirror.floorChanged(floor);
  }

  /** No more requests or timers (the session closed). */
  stop(): void {
    this.stopped = true;
    if (this.lapseTimer) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
  }

  private settle(): void {
    if (this.stopped) return;
    this.catchUp();
    this.scheduleLapse();
  }

  /** Asks for what follows the last message of the thread while the hub has more; one request at a time. */
  private catchUp(): void {
    const after = this.mirror.gap;
    if (after === null || this.catchingUp || !this.inCase()) return;
    this.catchingUp = true;
    request(this.socket, 'conversation:history', { caseId: this.caseId, after, limit: catchUpPage }, () => this.tokens.refresh()).then(
      (page) => {
        this.catchingUp = false;
        if (this.stopped) return;
        this.mirror.historyArrived(page);
        // A page that brought nothing new ends the catch-up until the hub says more.
        if (this.mirror.conversation.lastSeq > after) this.settle();
      },
      (err: unknown) => {
        this.catchingUp = false;
        // Offline: the next join catches up.
        if (err instanceof CaseroomError && err.code !== 'not_connected') this.refused(err);
      },
    );
  }

  private scheduleLapse(): void {
    if (this.lapseTimer) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
    const lapse = this.mirror.nextLapse;
    if (lapse === null) return;
    this.lapseTimer = setTimeout(
      () => {
        this.lapseTimer = null;
        this.mirror.lapseComposing(Date.now());
        this.scheduleLapse();
      },
      Math.max(0, lapse - Date.now()),
    );
  }
}
