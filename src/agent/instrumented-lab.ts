/**
 * A lab adapter that counts what its calls come to, for the service's metrics, and otherwise
 * passes everything through unchanged (same name, capacity and idempotency).
 */
import { PermanentLabError, RefusedResultError, TransientLabError, type LabAdapter, type ResultHandler, type ResultSinks } from '../lab-adapters/contract.js';

export interface LabCounters {
  error(operation: string, kind: 'transient' | 'permanent' | 'refused' | 'other'): void;
  dispatched(): void;
}

function kindOf(error: unknown): 'transient' | 'permanent' | 'refused' | 'other' {
  if (error instanceof TransientLabError) return 'transient';
  if (error instanceof PermanentLabError) return 'permanent';
  if (error instanceof RefusedResultError) return 'refused';
  return 'other';
}

export class InstrumentedLab implements LabAdapter {
  constructor(
    readonly inner: LabAdapter,
    private readonly counters: LabCounters,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get capacity(): number {
    return this.inner.capacity;
  }

  private async counted<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.counters.error(operation, kindOf(error));
      throw error;
    }
  }

  start(handler: ResultHandler, sinks?: ResultSinks): Promise<void> {
    return this.counted('start', () => this.inner.start(handler, sinks));
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  dispatch(order: Parameters<LabAdapter['dispatch']>[0]) {
    return this.counted('dispatch', async () => {
      const receipt = await this.inner.dispatch(order);
      this.counters.dispatched();
      return receipt;
    });
  }

  status(experimentId: string) {
    return this.counted('status', () => this.inner.status(experimentId));
  }

  cancel(experimentId: string) {
    return this.counted('cancel', () => this.inner.cancel(experimentId));
  }

  health() {
    return this.counted('health', () => this.inner.health());
  }
}
