/**
 * A robot with an HTTP API (docs/lab-protocols.md). Athanor POSTs each experiment; results come
 * back either by polling the robot's GET /results (acknowledging each once stored), or by the
 * robot POSTing signed callbacks to Athanor — to the service's route when one serves this lab, or
 * to a loopback listener this adapter opens itself (an `athanor run` process has no web service).
 * In callback mode GET /results is still swept now and then: a callback URL given to the robot
 * before a restart may be dead, and the sweep collects what such callbacks could not deliver.
 */
import {
  RefusedResultError,
  TransientLabError,
  type DispatchReceipt,
  type ExperimentOrder,
  type LabAdapter,
  type LabExperimentStatus,
  type LabHealth,
  type ResultHandler,
} from '../contract.js';
import { describeError, labLogger, type Logger } from '../log.js';
import { orderToBody } from '../order-payload.js';
import { parseResultPayload, type ResultExpectations } from '../result-payload.js';
import { labCallbackRegistry, type LabCallbackRegistry } from './callback-endpoint.js';
import { startCallbackListener, type CallbackListener } from './loopback-listener.js';
import {
  cancelReplySchema,
  dispatchReplySchema,
  healthReplySchema,
  resultsReplySchema,
  statusReplySchema,
  type AckBody,
} from './protocol.js';
import { RobotClient } from './robot-client.js';

export interface HttpCallbackOptions {
  /** HMAC key the robot signs callbacks with. */
  secret: string;
  /** Athanor's base URL as the robot reaches it; unset: the loopback listener's own URL. */
  publicUrl?: string;
  /** Where to open the listener; default 127.0.0.1:0 when publicUrl is unset, none otherwise. */
  listen?: { host: string; port: number };
  registry?: LabCallbackRegistry;
}

export interface HttpRobotOptions {
  name?: string;
  /** Athanor's id for this lab in callback URLs (the campaign id). */
  labId: string;
  url: string;
  capacity: number;
  auth?: { header: string; value: string };
  /** HTTPS with a private CA (lab.tls): the roots to trust and the certificate's expected name. */
  tls?: { ca?: string | Buffer; serverName?: string };
  requestTimeoutMs?: number;
  /** Absent: poll. */
  callback?: HttpCallbackOptions;
  pollIntervalMs?: number;
  /** Callback mode: how often GET /results is still swept for what callbacks could not deliver
   * (e.g. posted to the listener of an earlier run); default max(5 s, 5 × pollIntervalMs). */
  sweepIntervalMs?: number;
  expectations?: ResultExpectations;
  log?: Logger;
}

export class HttpRobotAdapter implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  private readonly client: RobotClient;
  private readonly log: Logger;
  private handler?: ResultHandler;
  private callbackUrl?: string;
  private listener?: CallbackListener;
  private unregister?: () => void;
  private pollTimer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private running = false;
  private robotDown = false;

  constructor(private readonly options: HttpRobotOptions) {
    this.name = options.name ?? `http-robot ${new URL(options.url).host}`; // the host only: a URL may carry credentials
    this.capacity = options.capacity;
    this.log = options.log ?? labLogger(this.name);
    this.client = new RobotClient({
      baseUrl: options.url,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
  }

  /** Where robots post results for this lab (callback mode, once started). */
  get resultsUrl(): string | undefined {
    return this.callbackUrl;
  }

  async start(handler: ResultHandler): Promise<void> {
    this.handler = handler;
    this.running = true;
    const callback = this.options.callback;
    if (!callback) {
      this.schedulePoll(0);
      return;
    }
    this.schedulePoll(this.pollEvery());
    const registry = callback.registry ?? labCallbackRegistry;
    this.unregister = registry.register(this.options.labId, {
      secret: callback.secret,
      ...(this.options.expectations ? { expectations: this.options.expectations } : {}),
      accept: (result) => handler(result),
      log: this.log,
    });
    const listen = callback.listen ?? (callback.publicUrl ? undefined : { host: '127.0.0.1', port: 0 });
    if (listen) this.listener = await startCallbackListener(listen.host, listen.port, registry);
    const base = (callback.publicUrl ?? this.listener?.url ?? '').replace(/\/+$/, '');
    this.callbackUrl = `${base}/api/labs/${encodeURIComponent(this.options.labId)}/results`;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.pollTimer);
    await this.polling;
    this.unregister?.();
    this.unregister = undefined;
    await this.listener?.close();
    this.listener = undefined;
    await this.client.close();
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    if (this.options.callback && !this.callbackUrl) throw new TransientLabError(`${this.name} has not started: no callback URL to give the robot yet`);
    const reply = await this.client.call('POST', '/experiments', orderToBody(order, this.callbackUrl));
    const body = this.client.expect(reply, dispatchReplySchema, `dispatch of ${order.id}`);
    if (body.experimentId !== order.id) throw new TransientLabError(`dispatch of ${order.id}: the robot answered for ${body.experimentId}`);
    return { duplicate: reply.status === 200 || body.duplicate };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const reply = await this.client.call('GET', `/experiments/${encodeURIComponent(experimentId)}`);
    if (reply.status === 404) return 'unknown';
    return this.client.expect(reply, statusReplySchema, `status of ${experimentId}`).status;
  }

  async cancel(experimentId: string): Promise<boolean> {
    const reply = await this.client.call('POST', `/experiments/${encodeURIComponent(experimentId)}/cancel`, {});
    if (reply.status === 404) return false;
    return this.client.expect(reply, cancelReplySchema, `cancel of ${experimentId}`).cancelled;
  }

  async health(): Promise<LabHealth> {
    try {
      const body = this.client.expect(await this.client.call('GET', '/health'), healthReplySchema, 'health');
      return { ok: body.ok, detail: body.detail ?? (body.ok ? 'the robot is up' : 'the robot reports a fault') };
    } catch (error) {
      return { ok: false, detail: describeError(error) };
    }
  }

  private schedulePoll(delayMs: number): void {
    if (!this.running) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.pollOnce()
        .catch((error: unknown) => this.log.error({ error: describeError(error) }, 'taking results failed; will try again'))
        .finally(() => this.schedulePoll(this.pollEvery()));
    }, delayMs);
  }

  private pollEvery(): number {
    const poll = this.options.pollIntervalMs ?? 1000;
    return this.options.callback ? (this.options.sweepIntervalMs ?? Math.max(5000, 5 * poll)) : poll;
  }

  /** Takes what the robot holds, stores each result, and acknowledges it (or says why it is refused). */
  private async pollOnce(): Promise<void> {
    let items: unknown[];
    try {
      items = this.client.expect(await this.client.call('GET', '/results?limit=100'), resultsReplySchema, 'results').results;
      if (this.robotDown) this.log.warn('the robot answers again');
      this.robotDown = false;
    } catch (error) {
      if (!this.robotDown) this.log.warn({ error: describeError(error) }, 'cannot fetch results from the robot; will keep trying');
      this.robotDown = true;
      return;
    }
    for (const item of items) {
      if (!this.running || !this.handler) return;
      const id = typeof (item as { experimentId?: unknown })?.experimentId === 'string' ? (item as { experimentId: string }).experimentId : undefined;
      try {
        const result = parseResultPayload(item, this.options.expectations);
        const outcome = await this.handler(result);
        await this.acknowledge(result.experimentId, { accepted: true, ...(outcome ? { outcome } : {}) });
      } catch (error) {
        if (error instanceof RefusedResultError) {
          this.log.warn({ experimentId: id, code: error.code, field: error.field }, `result refused: ${error.message}`);
          if (id !== undefined) await this.acknowledge(id, { accepted: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
        } else {
          // not stored: left unacknowledged, so the robot offers it again at the next poll
          this.log.warn({ experimentId: id, error: describeError(error) }, 'could not take a result; it stays with the robot');
        }
      }
    }
  }

  private async acknowledge(experimentId: string, body: AckBody): Promise<void> {
    try {
      const reply = await this.client.call('POST', `/results/${encodeURIComponent(experimentId)}/ack`, body);
      if (reply.status >= 300 && reply.status !== 404) throw this.client.failure(reply, `ack of ${experimentId}`);
    } catch (error) {
      // harmless: the robot offers the result again and storage collapses the duplicate
      this.log.warn({ experimentId, error: describeError(error) }, 'could not acknowledge a result');
    }
  }
}
