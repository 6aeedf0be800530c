/**
 * A robot on an MQTT broker (docs/lab-protocols.md). Commands (dispatch, status, cancel) are
 * request/reply over JSON at QoS 1; results arrive on the campaign's results topic and are
 * acknowledged on its acks topic once stored — the robot republishes what is not acknowledged, so
 * a result survives either side restarting, and duplicates collapse on the experiment id in
 * storage. MQTT.js reconnects by itself; subscriptions are renewed on every connect, and the
 * session is persistent (clean: false) so the broker keeps results published while we are away.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  LabAuthError,
  RefusedResultError,
  TransientLabError,
  PermanentLabError,
  type DispatchReceipt,
  type ExperimentOrder,
  type LabAdapter,
  type LabExperimentStatus,
  type LabHealth,
  type ResultHandler,
  type ResultSinks,
} from '../contract.js';
import { describeError, labLogger, type Logger } from '../log.js';
import { orderToBody } from '../order-payload.js';
import { parseResultPayload, type ResultExpectations } from '../result-payload.js';
import { untrustedCertificate } from '../tls-errors.js';
import { openSignedMessage } from './signed-message.js';
import { presenceSchema, replySchema, topicsFor, type Ack, type CommandVerb, type Reply } from './topics.js';

export interface MqttRobotOptions {
  name?: string;
  /** The campaign id: results and acks travel on topics named by it. */
  labId: string;
  brokerUrl: string;
  topicPrefix: string;
  capacity: number;
  username?: string;
  password?: string;
  /** mqtts:// or wss:// to a broker whose certificate a private CA signed (lab.tls): the roots to
   * trust (PEM) and the name the certificate must carry when it is not the broker URL's host. */
  tls?: { ca?: string | Buffer; serverName?: string };
  /** Stable across restarts, so the broker keeps our session; default athanor-<labId>. */
  clientId?: string;
  requestTimeoutMs?: number;
  /** How soon MQTT.js tries again after losing the broker. */
  reconnectMs?: number;
  /**
   * A command not taken this long after it was sent is stale (default 60 s): it carries expiresAt,
   * and the MQTT 5 message expiry interval lets the broker drop it for a robot that is offline.
   */
  commandExpiryMs?: number;
  expectations?: ResultExpectations;
  /**
   * The lab's HMAC key: results must then be signed (./signed-message.ts); an unsigned or badly
   * signed one is refused, quarantined with its raw message, and not acknowledged (an ack would let
   * a forger silence the robot's real result). Without it any client of the broker is believed.
   */
  resultSecret?: string;
  log?: Logger;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class MqttRobotAdapter implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  readonly clientId: string;
  private readonly topics: ReturnType<typeof topicsFor>;
  private readonly log: Logger;
  private client?: MqttClient;
  private handler?: ResultHandler;
  private sinks: ResultSinks = {};
  private readonly pending = new Map<string, Pending>();
  private presence?: { online: boolean; detail?: string };
  private lastError?: string;
  /** The broker refused our credentials (CONNACK 4/5, or 134/135 in MQTT 5): set until a connect succeeds. */
  private authRefused?: string;
  private incoming: Promise<void> = Promise.resolve();

  constructor(private readonly options: MqttRobotOptions) {
    this.name = options.name ?? `mqtt-robot ${options.topicPrefix}`;
    this.capacity = options.capacity;
    this.clientId = options.clientId ?? `athanor-${options.labId}`.slice(0, 64);
    this.topics = topicsFor(options.topicPrefix);
    this.log = options.log ?? labLogger(this.name);
  }

  async start(handler: ResultHandler, sinks?: ResultSinks): Promise<void> {
    this.handler = handler;
    this.sinks = sinks ?? {};
    this.connect();
  }

  async stop(): Promise<void> {
    this.handler = undefined; // results still arriving stay unacknowledged: the robot sends them again
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransientLabError('the MQTT connection was closed'));
      this.pending.delete(id);
    }
    await this.incoming; // the result being stored gets its ack before we disconnect
    const client = this.client;
    this.client = undefined;
    await client?.endAsync();
  }

  async dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    const reply = await this.request('dispatch', { order: orderToBody(order) }, `dispatch of ${order.id}`);
    return { duplicate: reply.ok === true && reply.duplicate === true };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    const reply = await this.request('status', { experimentId }, `status of ${experimentId}`);
    if (reply.ok !== true || reply.status === undefined) throw new TransientLabError(`status of ${experimentId}: the robot's reply has no status`);
    return reply.status;
  }

  async cancel(experimentId: string): Promise<boolean> {
    const reply = await this.request('cancel', { experimentId }, `cancel of ${experimentId}`);
    return reply.ok === true && reply.cancelled === true;
  }

  async health(): Promise<LabHealth> {
    if (!this.client?.connected) return { ok: false, detail: `not connected to ${this.options.brokerUrl}${this.lastError ? `: ${this.lastError}` : ''}` };
    if (!this.presence) return { ok: false, detail: `connected to ${this.options.brokerUrl}; no presence from the robot on ${this.topics.presence} yet` };
    if (!this.presence.online) return { ok: false, detail: `the robot is offline (${this.topics.presence}${this.presence.detail ? `: ${this.presence.detail}` : ''})` };
    return { ok: true, detail: `connected to ${this.options.brokerUrl}; the robot is online` };
  }

  private connect(): MqttClient {
    if (this.client) return this.client;
    const options: IClientOptions = {
      clientId: this.clientId,
      // MQTT 5 for the message expiry of commands; the session outlives disconnects as with clean: false in 3.1.1
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff },
      clean: false,
      reconnectPeriod: this.options.reconnectMs ?? 1000,
      connectTimeout: 5000,
      resubscribe: false, // done on every connect below, the same way for fresh and resumed sessions
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      ...(this.options.tls?.ca !== undefined ? { ca: this.options.tls.ca } : {}),
      ...(this.options.tls?.serverName !== undefined ? { servername: this.options.tls.serverName } : {}),
      rejectUnauthorized: true,
    };
    const client = mqtt.connect(this.options.brokerUrl, options);
    this.client = client;
    const replies = this.topics.replies(this.clientId);
    const results = this.topics.results(this.options.labId);
    client.on('connect', () => {
      if (this.lastError) this.log.warn({ broker: this.options.brokerUrl }, 'connected to the broker again');
      this.lastError = undefined;
      this.authRefused = undefined;
      client.subscribe({ [replies]: { qos: 1 }, [results]: { qos: 1 }, [this.topics.presence]: { qos: 1 } }, (error) => {
        if (error) this.log.error({ error: describeError(error) }, 'could not subscribe');
      });
    });
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (code === 4 || code === 5 || code === 134 || code === 135) this.authRefused = `refused our credentials (${describeError(error)}); check lab.username and lab.password_env`;
      // waiting will not make the broker's certificate trusted either: the campaign pauses at once
      const certificate = untrustedCertificate(error);
      if (certificate) this.authRefused = `presented a certificate we do not trust (${certificate}); check lab.tls (ca_file, server_name)`;
      if (this.lastError === undefined) this.log.warn({ broker: this.options.brokerUrl, error: describeError(error) }, 'MQTT connection problem; reconnecting');
      this.lastError = describeError(error);
    });
    client.on('offline', () => {
      this.lastError ??= 'offline';
    });
    client.on('message', (topic, payload) => {
      if (topic === replies) this.onReply(payload);
      else if (topic === this.topics.presence) this.onPresence(payload);
      else if (topic === results) this.incoming = this.incoming.then(() => this.onResult(payload));
    });
    return client;
  }

  private async request(verb: CommandVerb, body: Record<string, unknown>, what: string): Promise<Reply> {
    const client = this.connect();
    if (!client.connected && this.authRefused) {
      throw new LabAuthError(`${what}: the broker at ${this.options.brokerUrl} ${this.authRefused}`);
    }
    if (!client.connected) {
      throw new TransientLabError(`${what}: not connected to the broker at ${this.options.brokerUrl}${this.lastError ? ` (${this.lastError})` : ''}`);
    }
    if (this.presence?.online === false) throw new TransientLabError(`${what}: the robot is offline (its presence on ${this.topics.presence})`);
    const requestId = randomUUID();
    const timeoutMs = this.options.requestTimeoutMs ?? 5000;
    const topic = this.topics.command(verb);
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TransientLabError(`${what}: no answer from the robot on ${topic} within ${timeoutMs} ms (is it running?)`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
    const expiryMs = this.options.commandExpiryMs ?? 60_000;
    const message = JSON.stringify({ requestId, replyTo: this.topics.replies(this.clientId), expiresAt: Date.now() + expiryMs, ...body });
    client.publish(topic, message, { qos: 1, properties: { messageExpiryInterval: Math.max(1, Math.ceil(expiryMs / 1000)) } }, (error) => {
      const p = this.pending.get(requestId);
      if (!error || !p) return;
      clearTimeout(p.timer);
      this.pending.delete(requestId);
      p.reject(new TransientLabError(`${what}: could not publish to ${topic}: ${describeError(error)}`));
    });
    const answer = await reply;
    if (answer.ok === false) {
      const message = `${what}: the robot refused (${answer.error.code}: ${answer.error.message})`;
      const retryAfterMs = answer.error.retryAfterS !== undefined ? answer.error.retryAfterS * 1000 : undefined;
      throw answer.error.transient ? new TransientLabError(message, retryAfterMs) : new PermanentLabError(message);
    }
    return answer;
  }

  private onReply(payload: Buffer): void {
    const parsed = replySchema.safeParse(safeJson(payload));
    if (!parsed.success) {
      this.log.warn({ topic: this.topics.replies(this.clientId) }, 'ignored a reply that does not follow the protocol');
      return;
    }
    const p = this.pending.get(parsed.data.requestId);
    if (!p) return; // a late or duplicated reply: the request already ended
    clearTimeout(p.timer);
    this.pending.delete(parsed.data.requestId);
    p.resolve(parsed.data);
  }

  private onPresence(payload: Buffer): void {
    const parsed = presenceSchema.safeParse(safeJson(payload));
    if (parsed.success) this.presence = { online: parsed.data.online, ...(parsed.data.detail ? { detail: parsed.data.detail } : {}) };
  }

  private async onResult(payload: Buffer): Promise<void> {
    const handler = this.handler;
    if (!handler) return;
    let data = safeJson(payload);
    if (this.options.resultSecret !== undefined && !(await this.trusted(data, payload))) return;
    if (this.options.resultSecret !== undefined) data = safeJson(Buffer.from((data as { payload: string }).payload, 'utf8'));
    const id = typeof (data as { experimentId?: unknown })?.experimentId === 'string' ? (data as { experimentId: string }).experimentId : undefined;
    try {
      if (data === undefined) throw new RefusedResultError('invalid_json', 'the message is not JSON');
      const result = parseResultPayload(data, this.options.expectations);
      const outcome = await handler(result);
      this.acknowledge({ experimentId: result.experimentId, accepted: true, ...(outcome ? { outcome } : {}) });
    } catch (error) {
      if (error instanceof RefusedResultError) {
        this.log.warn({ experimentId: id, code: error.code, field: error.field }, `result refused: ${error.message}`);
        if (id !== undefined) this.acknowledge({ experimentId: id, accepted: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
      } else {
        // not stored and not acknowledged: the robot publishes it again
        this.log.warn({ experimentId: id, error: describeError(error) }, 'could not take a result; the robot will send it again');
      }
    }
  }

  /** Whether a result message carries a valid signature; one that does not is logged and quarantined, never acknowledged. */
  private async trusted(message: unknown, payload: Buffer): Promise<boolean> {
    try {
      openSignedMessage(this.options.resultSecret ?? '', message);
      return true;
    } catch (error) {
      if (!(error instanceof RefusedResultError)) throw error;
      const inner = typeof (message as { payload?: unknown })?.payload === 'string' ? safeJson(Buffer.from((message as { payload: string }).payload, 'utf8')) : message;
      const named = (inner as { experimentId?: unknown } | undefined)?.experimentId;
      const experimentId = typeof named === 'string' && named !== '' ? named.slice(0, 200) : '(none)';
      this.log.warn({ experimentId, code: error.code }, `result refused: ${error.message}`);
      const raw = message === undefined ? { text: payload.toString('utf8').slice(0, 4000) } : message;
      try {
        await this.sinks.quarantine?.({ experimentId, reason: `refused, not authenticated (${error.code}): ${error.message}`, raw });
      } catch (sinkError) {
        this.log.warn({ experimentId, error: describeError(sinkError) }, 'could not quarantine an unauthenticated result');
      }
      return false;
    }
  }

  private acknowledge(ack: Ack): void {
    this.client?.publish(this.topics.acks(this.options.labId), JSON.stringify(ack), { qos: 1 });
  }
}

function safeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
