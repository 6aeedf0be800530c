/**
 * The reference robot speaking the MQTT protocol (docs/lab-protocols.md): answers commands on
 * <prefix>/commands/+, publishes results on <prefix>/results/<campaign> until they are
 * acknowledged on <prefix>/acks/<campaign>, and keeps a retained presence with a last will.
 */
import mqtt from 'mqtt';
import { TransientLabError } from '../contract.js';
import { describeError } from '../log.js';
import { ackSchema, commandExpired, dispatchCommandSchema, experimentCommandSchema, topicsFor } from '../mqtt/topics.js';
import { signResultMessage } from '../mqtt/signed-message.js';
import { bodyToOrder } from '../order-payload.js';
import { startRobotParts, type RobotOptions, type RobotParts } from './robot-parts.js';

export interface MqttRobotOptions extends RobotOptions {
  brokerUrl: string;
  topicPrefix: string;
  username?: string;
  password?: string;
  /** Unacknowledged results are published again this often. */
  redeliverMs?: number;
  /** The lab's HMAC key: results are published signed (../mqtt/signed-message.ts). */
  secret?: string;
  clientId?: string;
  /** The retryAfterS of a busy reply (a full deck): when Athanor should send the command again. Default 1. */
  busyRetryAfterS?: number;
}

export interface MqttReferenceRobot extends RobotParts {
  address: string;
  /** Resolves once connected and subscribed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function startMqttRobot(options: MqttRobotOptions): Promise<MqttReferenceRobot> {
  const parts = await startRobotParts('lab-sim mqtt', options);
  const { lab, outbox, log } = parts;
  const topics = topicsFor(options.topicPrefix);
  const client = mqtt.connect(options.brokerUrl, {
    clientId: options.clientId ?? `lab-sim-${options.topicPrefix.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64),
    clean: false, // commands published while the robot reconnects wait for it at the broker
    reconnectPeriod: 1000,
    will: { topic: topics.presence, payload: Buffer.from(JSON.stringify({ online: false, detail: 'connection lost' })), qos: 1, retain: true },
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  });

  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  client.on('connect', () => {
    client.subscribe({ [topics.allCommands]: { qos: 1 }, [topics.allAcks]: { qos: 1 } }, (error) => {
      if (error) return log.error({ error: describeError(error) }, 'could not subscribe');
      client.publish(topics.presence, JSON.stringify({ online: true }), { qos: 1, retain: true }, () => markReady());
    });
  });
  client.on('error', (error) => log.warn({ error: describeError(error) }, 'MQTT connection problem'));

  const reply = (replyTo: string, body: Record<string, unknown>) => client.publish(replyTo, JSON.stringify(body), { qos: 1 });

  client.on('message', (topic, payload) => {
    void (async () => {
      const data = safeJson(payload);
      if (topic.startsWith(`${options.topicPrefix}/acks/`)) {
        const ack = ackSchema.safeParse(data);
        if (!ack.success) return log.warn({ topic }, 'ignored an ack that does not follow the protocol');
        if (!ack.data.accepted) log.warn({ experimentId: ack.data.experimentId, ...ack.data.error }, 'Athanor refused a result');
        outbox.ack(ack.data.experimentId, ack.data.accepted ? undefined : ack.data.error.message, ack.data.accepted ? ack.data.outcome : undefined);
        return;
      }
      const verb = topic.slice(`${options.topicPrefix}/commands/`.length);
      const base = experimentCommandSchema.pick({ requestId: true, replyTo: true }).safeParse(data);
      if (!base.success) return log.warn({ topic }, 'ignored a command without requestId and replyTo');
      const { requestId, replyTo } = base.data;
      const refuse = (code: string, message: string, transient = false, retryAfterS?: number) =>
        reply(replyTo, { requestId, ok: false, error: { code, message, transient, ...(retryAfterS !== undefined ? { retryAfterS } : {}) } });
      // a command queued while we were away, older than its expiry: Athanor has given up on it, so it is not run
      if (commandExpired(data)) {
        log.warn({ topic, requestId }, 'ignored an expired command');
        return refuse('expired', 'the command expired before the robot took it; nothing was done');
      }
      try {
        if (verb === 'dispatch') {
          const command = dispatchCommandSchema.safeParse(data);
          if (!command.success) return refuse('invalid_order', command.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
          const order = bodyToOrder(command.data.order);
          const receipt = await lab.dispatch(order);
          return reply(replyTo, { requestId, ok: true, duplicate: receipt.duplicate, status: await lab.status(order.id) });
        }
        const command = experimentCommandSchema.safeParse(data);
        if (!command.success) return refuse('invalid_command', 'expected { requestId, replyTo, experimentId }');
        if (verb === 'status') return reply(replyTo, { requestId, ok: true, status: await lab.status(command.data.experimentId) });
        if (verb === 'cancel') return reply(replyTo, { requestId, ok: true, cancelled: await lab.cancel(command.data.experimentId) });
        return refuse('unknown_command', `no command "${verb}"`);
      } catch (error) {
        if (error instanceof TransientLabError) return refuse('busy', error.message, true, options.busyRetryAfterS ?? 1);
        log.error({ error: describeError(error) }, 'command failed');
        return refuse('internal', 'the robot failed; see its log', true);
      }
    })();
  });

  // Results go out when due and again every redeliverMs until acknowledged.
  const publisher = setInterval(() => {
    if (!client.connected) return;
    for (const report of outbox.due()) {
      const message = options.secret !== undefined ? signResultMessage(options.secret, report.payload) : JSON.stringify(report.payload);
      client.publish(topics.results(report.campaignId), message, { qos: 1 });
      outbox.later(report.id, options.redeliverMs ?? 2000);
    }
  }, 50);

  return {
    ...parts,
    address: `${options.brokerUrl} ${options.topicPrefix}`,
    ready,
    close: async () => {
      clearInterval(publisher);
      await lab.stop();
      if (client.connected) await client.publishAsync(topics.presence, JSON.stringify({ online: false, detail: 'stopped' }), { qos: 1, retain: true });
      await client.endAsync();
    },
  };
}

function safeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
