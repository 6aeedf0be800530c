/**
 * The service's Prometheus metrics (prom-client, its one home): what the supervisor and its
 * campaigns count as they go, gauges read when Prometheus scrapes, and Node's own (event-loop
 * lag, heap, GC). One registry per process; each `serve` process is scraped on its own.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What can become of a lab's report (the runner's 'result' events), each counted from process start. */
export const LAB_RESULT_OUTCOMES = ['stored', 'duplicate', 'quarantined', 'failed', 'refused', 'error'] as const;

/** What the gauges read at scrape time. */
export interface MetricsSource {
  /** Campaigns running in this process, by machine state ('running.awaiting', 'paused' …). */
  campaignStates(): Map<string, number>;
  leasesHeld(): number;
  /** Experiments in the lab across this process's campaigns (a database count). */
  experimentsInFlight(): Promise<number>;
  /** Fits waiting for a training worker. */
  trainingQueue(): number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly retrainSeconds: Histogram<'mode' | 'where' | 'trigger'>;
  readonly retrainFailures: Counter;
  readonly labErrors: Counter<'operation' | 'kind'>;
  readonly labResults: Counter<'outcome'>;
  readonly dispatches: Counter;
  readonly leaseLosses: Counter;
  readonly campaignStartFailures: Counter;
  readonly operatorCommands: Counter<'command' | 'ok'>;
  private source?: MetricsSource;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.retrainSeconds = new Histogram({
      name: 'athanor_retrain_duration_seconds',
      help: 'Wall time of a surrogate retrain as the agent saw it (waiting for a worker included)',
      labelNames: ['mode', 'where', 'trigger'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.retrainFailures = new Counter({ name: 'athanor_retrain_failures_total', help: 'Retrains that failed (the campaign kept its previous model)', registers });
    this.labErrors = new Counter({
      name: 'athanor_lab_errors_total',
      help: 'Calls to labs that failed, by operation and kind (transient, permanent, refused result, other)',
      labelNames: ['operation', 'kind'],
      registers,
    });
    this.labResults = new Counter({
      name: 'athanor_lab_results_total',
      help: `Reports from labs by what became of them (${LAB_RESULT_OUTCOMES.join(', ')})`,
      labelNames: ['outcome'],
      registers,
    });
    // a series exists from the start, at 0: a process that took over campaigns whose results were
    // all stored before it started still reports the counter, and rate() sees the first increment
    for (const outcome of LAB_RESULT_OUTCOMES) this.labResults.inc({ outcome }, 0);
    this.dispatches = new Counter({ name: 'athanor_dispatches_total', help: 'Experiments handed to a lab (repeats after a crash included)', registers });
    this.leaseLosses = new Counter({ name: 'athanor_lease_losses_total', help: 'Campaign leases this process lost (not renewed in time, or taken over)', registers });
    this.campaignStartFailures = new Counter({ name: 'athanor_campaign_start_failures_total', help: 'Campaigns that could not be started here', registers });
    this.operatorCommands = new Counter({
      name: 'athanor_operator_commands_total',
      help: 'Operator requests from other processes applied here, by command and whether they could be',
      labelNames: ['command', 'ok'],
      registers,
    });

    const metrics = this;
    new Gauge({
      name: 'athanor_campaigns',
      help: 'Campaigns running in this process, by state of their machine',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of metrics.source?.campaignStates() ?? []) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'athanor_campaign_leases',
      help: 'Campaign leases this process holds',
      registers,
      collect() {
        this.set(metrics.source?.leasesHeld() ?? 0);
      },
    });
    new Gauge({
      name: 'athanor_experiments_in_flight',
      help: "Experiments in the lab (dispatched or running) across this process's campaigns",
      registers,
      async collect() {
        this.set((await metrics.source?.experimentsInFlight().catch(() => Number.NaN)) ?? 0);
      },
    });
    new Gauge({
      name: 'athanor_training_queue',
      help: 'Surrogate fits waiting for a training worker',
      registers,
      collect() {
        this.set(metrics.source?.trainingQueue() ?? 0);
      },
    });
  }

  /** Where the gauges read from (the supervisor, once it exists). */
  observe(source: MetricsSource): void {
    this.source = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
