/**
 * Dispatching to a lab that has a fault. A dispatch that meets a lab fault (unreachable, busy,
 * timed out) holds its experiment and waits here: a lab that named a time (HTTP Retry-After) is
 * tried again exactly then; otherwise the lab's health is probed after an exponential backoff
 * (0.5 s doubling to 30 s) until it answers healthy. Every dispatch of the campaign waits on the
 * same gate, so an outage costs one probe per backoff step, not one per held experiment. A lab
 * that stays unhealthy past `pauseAfterMs`, or refuses our credentials, is an outage the campaign
 * should not sit through silently: `ready` throws LabOutageError and the campaign pauses with it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LabAuthError, type LabAdapter, type TransientLabError } from '../lab-adapters/contract.js';

export class LabOutageError extends Error {
  override readonly name = 'LabOutageError';
}

export interface LabFaultGateOptions {
  /** How long the lab may stay unhealthy before the campaign pauses. */
  pauseAfterMs: number;
  baseMs?: number;
  maxMs?: number;
  now?: () => number;
}

export class LabFaultGate {
  private unhealthySince?: number;
  private lastFault?: TransientLabError;
  /** Nothing is sent (and nothing probed) before this time. */
  private openAt = 0;
  /** The lab named the time to come back: try again then without probing. */
  private toldWhen = false;
  private backoffStep = 0;
  private probing?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly lab: LabAdapter,
    private readonly options: LabFaultGateOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get healthy(): boolean {
    return this.unhealthySince === undefined;
  }

  /** What is wrong, for logs and events. */
  get fault(): string | undefined {
    return this.lastFault?.message;
  }

  /** A dispatch met a lab fault. */
  noteFault(error: TransientLabError): void {
    const now = this.now();
    this.unhealthySince ??= now;
    this.lastFault = error;
    if (error.retryAfterMs !== undefined) {
      this.openAt = Math.max(this.openAt, now + error.retryAfterMs);
      this.toldWhen = true;
    } else {
      this.openAt = Math.max(this.openAt, now + this.backoff());
      this.toldWhen = false;
    }
  }

  /** Start afresh (an operator resumed the campaign after an outage pause): the next dispatch tries at once. */
  reset(): void {
    this.noteSuccess();
    this.openAt = 0;
  }

  /** A dispatch went through: the lab is healthy. */
  noteSuccess(): void {
    this.unhealthySince = undefined;
    this.lastFault = undefined;
    this.backoffStep = 0;
    this.toldWhen = false;
  }

  /** The time to wait after the n-th consecutive fault: 0.5 s, 1 s, 2 s … at most 30 s. */
  private backoff(): number {
    const base = this.options.baseMs ?? 500;
    const delay = Math.min(this.options.maxMs ?? 30_000, base * 2 ** this.backoffStep);
    this.backoffStep++;
    return delay;
  }

  /**
   * Resolves when a dispatch may be tried; throws LabOutageError when the campaign should pause
   * instead, and AbortError when `signal` aborts (the campaign paused or stopped meanwhile).
   */
  async ready(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.unhealthySince === undefined) return;
      if (this.lastFault instanceof LabAuthError) throw new LabOutageError(`dispatching paused: ${this.lastFault.message}`);
      const down = this.now() - this.unhealthySince;
      if (down >= this.options.pauseAfterMs) {
        throw new LabOutageError(
          `dispatching paused: the lab ${this.lab.name} has been unhealthy for ${Math.round(down / 1000)} s (limit lab.pause_after_unhealthy_s = ${this.options.pauseAfterMs / 1000} s); last fault: ${this.lastFault?.message ?? 'unknown'}`,
        );
      }
      const wait = Math.min(this.openAt - this.now(), this.unhealthySince + this.options.pauseAfterMs - this.now());
      if (wait > 0) {
        await sleep(wait, undefined, signal ? { signal } : {});
        continue;
      }
      if (this.toldWhen) return; // the lab's own Retry-After has passed: try the dispatch itself
      this.probing ??= this.probe().finally(() => (this.probing = undefined));
      await this.probing;
      if (this.unhealthySince === undefined || this.openAt <= this.now()) return;
    }
  }

  /** Asks the lab whether it is healthy; a healthy answer opens the gate for a dispatch to try. */
  private async probe(): Promise<void> {
    const health = await this.lab.health().catch((error: unknown) => ({ ok: false, detail: (error as Error).message }));
    if (health.ok) {
      this.openAt = this.now(); // the next dispatch decides: its success closes the episode
      return;
    }
    this.openAt = this.now() + this.backoff();
  }
}
