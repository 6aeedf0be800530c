/**
 * Per-experiment timeouts for any adapter: an experiment without a result `timeoutMs` after it was
 * dispatched (or, after a restart, after the lab confirmed it still holds it) fails with that
 * reason, and the lab is asked to cancel it. A result that arrives later still reaches the handler,
 * where storage quarantines it (the experiment has failed): late, but not lost.
 */
import type { DispatchReceipt, ExperimentOrder, LabAdapter, LabExperimentStatus, LabHealth, LabResult, ResultHandler, ResultSinks } from './contract.js';
import { RefusedResultError } from './contract.js';
import { describeError, labLogger, type Logger } from './log.js';

export class WithExperimentTimeouts implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private handler?: ResultHandler;
  private readonly log: Logger;

  constructor(
    private readonly inner: LabAdapter,
    private readonly timeoutMs: number,
    log?: Logger,
  ) {
    this.name = inner.name;
    this.capacity = inner.capacity;
    this.log = log ?? labLogger(inner.name);
  }

  async start(handler: ResultHandler, sinks?: ResultSinks): Promise<void> {
    this.handler = handler;
    await this.inner.start(async (result) => {
      this.disarm(result.experimentId);
      return handler(result);
    }, sinks);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.inner.stop();
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    const receipt = await this.inner.dispatch(order);
    this.arm(order.id);
    return receipt;
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const status = await this.inner.status(experimentId);
    // after a restart the runner asks about every experiment in the lab: the clock starts again there
    if (status === 'queued' || status === 'running') this.arm(experimentId);
    return status;
  }

  async cancel(experimentId: string): Promise<boolean> {
    this.disarm(experimentId);
    return this.inner.cancel(experimentId);
  }

  health(): Promise<LabHealth> {
    return this.inner.health();
  }

  private arm(experimentId: string): void {
    if (this.timers.has(experimentId)) return;
    const timer = setTimeout(() => void this.expire(experimentId), this.timeoutMs);
    timer.unref();
    this.timers.set(experimentId, timer);
  }

  private disarm(experimentId: string): void {
    clearTimeout(this.timers.get(experimentId));
    this.timers.delete(experimentId);
  }

  private async expire(experimentId: string): Promise<void> {
    this.timers.delete(experimentId);
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    const reason = `no result within ${seconds} s of dispatch (experiment timeout)`;
    this.log.warn({ experimentId }, reason);
    await this.inner.cancel(experimentId).catch((error: unknown) => this.log.warn({ experimentId, error: describeError(error) }, 'could not cancel a timed-out experiment'));
    const result: LabResult = { experimentId, status: 'failed', reason, raw: { timeout_s: seconds } };
    for (let attempt = 0; this.handler; attempt++) {
      try {
        await this.handler(result);
        return;
      } catch (error) {
        if (error instanceof RefusedResultError || attempt >= 20) {
          this.log.error({ experimentId, error: describeError(error) }, 'could not record a timed-out experiment');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)).unref());
      }
    }
  }
}
