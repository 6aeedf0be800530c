/**
 * A SiLA 2 lab (docs/lab-protocols.md, "SiLA 2"): each experiment runs as one execution of the
 * ReactionStation feature's observable command RunExperiment. Dispatch starts the command and keeps
 * its execution UUID in a journal (the experiment's reference at the lab), so a restarted Athanor
 * subscribes to the executions it has instead of dispatching again; the station is also asked
 * (LookUpExperiment) before a command is started, for an experiment dispatched by a process that
 * died before it could write the UUID down. Each execution's ExecutionInfo stream is followed until
 * it finishes; then its result is read and handed over, and only once the handler has stored it is
 * it marked delivered: a crash in between leads to reading it again, never to losing it.
 *
 * Errors are the standard's: the station's DefinedExecutionError ExperimentFailed is the
 * experiment's failure; an unreachable server, a lock held by another client or a full station are
 * lab faults (TransientLabError: the experiment held, retried), a refused or missing access token
 * one that waiting will not mend (LabAuthError: the campaign pauses until someone fixes it).
 */
import * as grpc from '@grpc/grpc-js';
import {
  LabAuthError,
  PermanentLabError,
  RefusedResultError,
  TransientLabError,
  type DispatchReceipt,
  type ExperimentOrder,
  type LabAdapter,
  type LabExperimentStatus,
  type LabHealth,
  type LabResult,
  type ResultHandler,
} from '../contract.js';
import { Journal } from '../journal.js';
import { describeError, labLogger, type Logger } from '../log.js';
import { parseResultPayload, type ResultExpectations } from '../result-payload.js';
import { ERRORS, SERVICES, clientMetadata, describeSilaError, fromServiceError, sila, type SilaError } from './sila-protocol.js';

export interface Sila2AdapterOptions {
  name?: string;
  /** The campaign id: the lock identifier is derived from it, so a restart keeps its own lock. */
  labId: string;
  /** host:port of the SiLA 2 server. */
  address: string;
  capacity: number;
  /** Sent as the AuthorizationService AccessToken metadata with every call. */
  accessToken?: string;
  /** TLS with these trusted roots (PEM); `true`: the system's roots; absent: plaintext. */
  tls?: { ca?: Buffer; serverName?: string } | true;
  /** Lock the server for this adapter's session (LockController); default true. */
  lock?: boolean;
  /** Seconds without a call after which the server lets our lock lapse; default 60. */
  lockTimeoutS?: number;
  /** Deadline of each unary call; default 10 s. */
  requestTimeoutMs?: number;
  /** First wait before following an execution again after its stream broke; doubles up to 30 s. */
  resubscribeMs?: number;
  /** Where execution UUIDs are remembered across restarts. */
  journalPath?: string;
  expectations?: ResultExpectations;
  log?: Logger;
}

type Entry = { t: 'execution'; id: string; uuid: string } | { t: 'done'; id: string; how: 'delivered' | 'refused' | 'cancelled' | 'forgotten' };

interface Execution {
  uuid: string;
  done?: Extract<Entry, { t: 'done' }>['how'];
}

/* proto-loader's objects are plain JSON shaped like the .proto messages. */
type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Client = grpc.Client & Record<string, (...args: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMMAND_STATUS: Record<string, LabExperimentStatus> = { waiting: 'queued', running: 'running', finishedSuccessfully: 'completed' };

export class Sila2Adapter implements LabAdapter {
  readonly name: string;
  readonly capacity: number;
  readonly lockIdentifier: string;
  private readonly log: Logger;
  private readonly journal: Journal<Entry>;
  private readonly executions = new Map<string, Execution>();
  private readonly following = new Map<string, { call?: grpc.ClientReadableStream<Msg>; timer?: NodeJS.Timeout; backoffMs: number }>();
  private readonly dispatching = new Map<string, Promise<DispatchReceipt>>();
  private readonly station: Client;
  private readonly silaService: Client;
  private readonly lockController: Client;
  private readonly cancelController: Client;
  private handler?: ResultHandler;
  private running = false;
  /** Our LockServer went through (or found the server locked, perhaps by us before a restart). */
  private locked = false;
  private keepAlive?: NodeJS.Timeout;
  private delivering: Promise<void> = Promise.resolve();

  constructor(private readonly options: Sila2AdapterOptions) {
    this.name = options.name ?? `sila2 ${options.address}`;
    this.capacity = options.capacity;
    this.lockIdentifier = `athanor-${options.labId}`;
    this.log = options.log ?? labLogger(this.name);
    this.journal = new Journal<Entry>(options.journalPath);
    for (const entry of this.journal.read()) {
      if (entry.t === 'execution') this.executions.set(entry.id, { uuid: entry.uuid });
      else {
        const execution = this.executions.get(entry.id);
        if (execution) execution.done = entry.how;
      }
    }
    const credentials =
      options.tls === undefined
        ? grpc.credentials.createInsecure()
        : options.tls === true
          ? grpc.credentials.createSsl()
          : grpc.credentials.createSsl(options.tls.ca ?? null);
    const channelOptions: grpc.ChannelOptions = {
      ...(options.tls !== undefined && options.tls !== true && options.tls.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
      // reconnect quickly after an outage: the backoff otherwise grows to two minutes
      'grpc.max_reconnect_backoff_ms': 5000,
    };
    const make = (ctor: grpc.ServiceClientConstructor) => new ctor(options.address, credentials, channelOptions) as unknown as Client;
    this.station = make(SERVICES.reactionStation());
    this.silaService = make(SERVICES.silaService());
    this.lockController = make(SERVICES.lockController());
    this.cancelController = make(SERVICES.cancelController());
  }

  async start(handler: ResultHandler): Promise<void> {
    this.handler = handler;
    this.running = true;
    if (this.options.lock !== false) {
      await this.takeLock().catch((error: unknown) => this.log.warn({ error: describeError(error) }, 'could not lock the SiLA server yet; trying again before each call'));
      const every = Math.max(1000, ((this.options.lockTimeoutS ?? 60) * 1000) / 3);
      this.keepAlive = setInterval(() => void this.touch(), every);
      this.keepAlive.unref();
    }
    for (const [id, execution] of this.executions) if (!execution.done) this.follow(id);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.handler = undefined;
    clearInterval(this.keepAlive);
    for (const f of this.following.values()) {
      clearTimeout(f.timer);
      f.call?.cancel();
    }
    this.following.clear();
    await this.delivering;
    if (this.options.lock !== false) {
      await this.unary(this.lockController, 'UnlockServer', { LockIdentifier: sila.string(this.lockIdentifier) }, 'unlock', false).catch(() => undefined);
    }
    for (const client of [this.station, this.silaService, this.lockController, this.cancelController]) client.close();
  }

  dispatch(order: ExperimentOrder): Promise<DispatchReceipt> {
    // one dispatch of an id at a time: two at once would both find it new
    const pending = this.dispatching.get(order.id);
    if (pending) return pending.then(() => ({ duplicate: true }));
    const attempt = this.dispatchOnce(order).finally(() => this.dispatching.delete(order.id));
    this.dispatching.set(order.id, attempt);
    return attempt;
  }

  private async dispatchOnce(order: ExperimentOrder): Promise<DispatchReceipt> {
    if (this.executions.has(order.id) && this.executions.get(order.id)?.done !== 'forgotten') return { duplicate: true };
    // the station was down when we started: lock it before the first experiment, not at the next keep-alive
    if (this.options.lock !== false && !this.locked) await this.takeLock();
    const known = await this.lookUp(order.id);
    if (known) {
      this.remember(order.id, known);
      return { duplicate: true };
    }
    const confirmation = await this.unary(this.station, 'RunExperiment', runParameters(order), `dispatch of ${order.id}`);
    const uuid = String(confirmation.commandExecutionUUID?.value ?? '');
    if (!uuid) throw new TransientLabError(`dispatch of ${order.id}: the SiLA server's CommandConfirmation has no execution UUID`);
    this.remember(order.id, uuid);
    return { duplicate: false };
  }

  async status(experimentId: string): Promise<LabExperimentStatus> {
    let execution = this.executions.get(experimentId);
    if (!execution || execution.done === 'forgotten') {
      const uuid = await this.lookUp(experimentId);
      if (!uuid) return 'unknown';
      execution = this.remember(experimentId, uuid);
    }
    if (execution.done === 'cancelled') return 'cancelled';
    const info = await this.firstInfo(execution.uuid, `status of ${experimentId}`);
    if (info === undefined) return 'unknown';
    const status = COMMAND_STATUS[String(info.commandStatus)];
    if (status) return status;
    // finished with an error: cancelled or failed, as the result says
    const outcome = await this.result(execution.uuid, experimentId);
    return outcome.kind === 'cancelled' ? 'cancelled' : 'failed';
  }

  async cancel(experimentId: string): Promise<boolean> {
    let uuid = this.executions.get(experimentId)?.uuid;
    uuid ??= await this.lookUp(experimentId);
    if (!uuid) return false;
    const status = await this.status(experimentId);
    if (status !== 'queued' && status !== 'running') return false;
    try {
      await this.unary(this.cancelController, 'CancelCommand', { CommandExecutionUUID: sila.string(uuid) }, `cancel of ${experimentId}`);
      return true;
    } catch (error) {
      if (error instanceof PermanentLabError) return false; // finished meanwhile, or unknown to the server
      throw error;
    }
  }

  async health(): Promise<LabHealth> {
    try {
      const name = await this.unary(this.silaService, 'Get_ServerName', {}, 'health', false);
      if (this.options.lock !== false) await this.takeLock();
      // an authenticated call under our lock: proves the token and the lock, not only the socket
      await this.lookUp('athanor-health-probe');
      return { ok: true, detail: `SiLA 2 server "${String(name.ServerName?.value ?? '')}" at ${this.options.address}${this.options.lock !== false ? ', locked for this campaign' : ''}` };
    } catch (error) {
      return { ok: false, detail: describeError(error) };
    }
  }

  /** Locks the server; a lock already held (ours from before a restart, or another client's) is
   * found out by the next call that carries our identifier. */
  private async takeLock(): Promise<void> {
    try {
      await this.unary(this.lockController, 'LockServer', { LockIdentifier: sila.string(this.lockIdentifier), Timeout: sila.integer(this.options.lockTimeoutS ?? 60) }, 'lock', false);
      if (!this.locked) this.log.info({ address: this.options.address }, 'locked the SiLA server for this campaign');
      this.locked = true;
    } catch (error) {
      if (error instanceof PermanentLabError && /ServerAlreadyLocked/.test(error.message)) {
        this.locked = true;
        return;
      }
      throw error;
    }
  }

  /** Keeps our lock from lapsing, and takes it again after the server forgot it (a restart). */
  private async touch(): Promise<void> {
    try {
      await this.takeLock();
      await this.lookUp('athanor-keep-alive');
    } catch (error) {
      this.log.warn({ error: describeError(error) }, 'SiLA server lock keep-alive failed');
    }
  }

  private async lookUp(experimentId: string): Promise<string | undefined> {
    const answer = await this.unary(this.station, 'LookUpExperiment', { ExperimentId: sila.string(experimentId) }, `look-up of ${experimentId}`);
    const uuid = String(answer.CommandExecutionUUID?.value ?? '');
    return uuid || undefined;
  }

  private remember(experimentId: string, uuid: string): Execution {
    const execution: Execution = { uuid };
    this.journal.append({ t: 'execution', id: experimentId, uuid });
    this.executions.set(experimentId, execution);
    if (this.running) this.follow(experimentId);
    return execution;
  }

  private settle(experimentId: string, how: NonNullable<Execution['done']>): void {
    const execution = this.executions.get(experimentId);
    if (!execution || execution.done) return;
    execution.done = how;
    this.journal.append({ t: 'done', id: experimentId, how });
    const f = this.following.get(experimentId);
    clearTimeout(f?.timer);
    f?.call?.cancel();
    this.following.delete(experimentId);
  }

  /** Follows the execution's ExecutionInfo until it finishes, resubscribing after a broken stream. */
  private follow(experimentId: string): void {
    const execution = this.executions.get(experimentId);
    if (!this.running || !execution || execution.done) return;
    const existing = this.following.get(experimentId);
    if (existing?.call) return;
    const state = existing ?? { backoffMs: this.options.resubscribeMs ?? 500 };
    this.following.set(experimentId, state);
    const call = this.station.RunExperiment_Info!({ value: execution.uuid }, this.metadata(false)) as grpc.ClientReadableStream<Msg>;
    state.call = call;
    let finished = false;
    call.on('data', (info: Msg) => {
      state.backoffMs = this.options.resubscribeMs ?? 500;
      const status = String(info.commandStatus);
      if (status === 'finishedSuccessfully' || status === 'finishedWithError') {
        finished = true;
        this.delivering = this.delivering.then(() => this.deliver(experimentId, execution.uuid));
      }
    });
    const again = (why: string) => {
      if (state.call !== call) return;
      state.call = undefined;
      if (!this.running || finished || this.executions.get(experimentId)?.done) return;
      this.log.debug({ experimentId, why }, 'following the execution again shortly');
      state.timer = setTimeout(() => this.follow(experimentId), state.backoffMs);
      state.timer.unref();
      state.backoffMs = Math.min(30_000, state.backoffMs * 2);
    };
    call.on('error', (error: grpc.ServiceError) => {
      if (error.code === grpc.status.CANCELLED && !this.running) return;
      const silaError = fromServiceError(error);
      if (silaError?.kind === 'framework' && silaError.errorType === 'INVALID_COMMAND_EXECUTION_UUID') {
        // the server has no such execution any more (it lost its memory): the experiment is not at the lab
        this.log.warn({ experimentId, uuid: execution.uuid }, 'the SiLA server no longer knows this execution');
        this.settle(experimentId, 'forgotten');
        return;
      }
      again(silaError ? describeSilaError(silaError) : describeError(error));
    });
    call.on('end', () => again('stream ended before the execution finished'));
  }

  /** Reads the finished execution's result and hands it over; on a fault, tries again later. */
  private async deliver(experimentId: string, uuid: string): Promise<void> {
    const handler = this.handler;
    if (!handler || this.executions.get(experimentId)?.done) return;
    let result: LabResult | undefined;
    try {
      const outcome = await this.result(uuid, experimentId);
      if (outcome.kind === 'cancelled') return this.settle(experimentId, 'cancelled');
      result = outcome.result;
      await handler(result);
      this.settle(experimentId, 'delivered');
    } catch (error) {
      if (error instanceof RefusedResultError) {
        this.log.warn({ experimentId, code: error.code, field: error.field }, `result refused: ${error.message}`);
        this.settle(experimentId, 'refused');
        return;
      }
      this.log.warn({ experimentId, error: describeError(error) }, 'could not take a result; reading it again shortly');
      const state = this.following.get(experimentId);
      if (state && this.running) {
        state.timer = setTimeout(() => {
          this.delivering = this.delivering.then(() => this.deliver(experimentId, uuid));
        }, state.backoffMs);
        state.timer.unref();
        state.backoffMs = Math.min(30_000, state.backoffMs * 2);
      }
    }
  }

  /** The finished execution's outcome as a LabResult (checked like every protocol's), or cancelled. */
  private async result(uuid: string, experimentId: string): Promise<{ kind: 'result'; result: LabResult } | { kind: 'cancelled' }> {
    try {
      const response = await this.unary(this.station, 'RunExperiment_Result', { value: uuid }, `result of ${experimentId}`, false, true);
      const values: Record<string, number> = {};
      for (const m of (response.Measurements ?? []) as Msg[]) values[String(m.Quantity?.value ?? '')] = Number(m.Value?.value);
      const raw = parseRawData(String(response.RawData?.value ?? ''));
      const reportedId = String(response.ExperimentId?.value ?? '') || experimentId;
      if (reportedId !== experimentId) this.log.warn({ experimentId, reportedId, uuid }, 'the execution reports a different experiment id; passed on as reported');
      return { kind: 'result', result: parseResultPayload({ ...raw, experimentId: reportedId, status: 'completed', values, executionUUID: uuid }, this.options.expectations) };
    } catch (error) {
      const silaError = (error as { silaError?: SilaError }).silaError;
      if (silaError?.kind === 'definedExecution' && silaError.errorIdentifier === ERRORS.experimentCancelled) return { kind: 'cancelled' };
      if (silaError?.kind === 'definedExecution' && silaError.errorIdentifier === ERRORS.experimentFailed) {
        return { kind: 'result', result: parseResultPayload({ experimentId, status: 'failed', reason: silaError.message || 'the station reports the experiment failed', executionUUID: uuid, error: silaError }) };
      }
      if (silaError?.kind === 'undefinedExecution') {
        // the station's own report on this execution, though not one it foresaw: still its verdict
        return { kind: 'result', result: parseResultPayload({ experimentId, status: 'failed', reason: `the station reports an undefined execution error: ${silaError.message || '(no message)'}`, executionUUID: uuid, error: silaError }) };
      }
      throw error;
    }
  }

  /** The first ExecutionInfo of an execution; undefined when the server does not know it. */
  private firstInfo(uuid: string, what: string): Promise<Msg | undefined> {
    return new Promise((resolve, reject) => {
      const call = this.station.RunExperiment_Info!({ value: uuid }, this.metadata(false), { deadline: Date.now() + (this.options.requestTimeoutMs ?? 10_000) }) as grpc.ClientReadableStream<Msg>;
      let settled = false;
      call.on('data', (info: Msg) => {
        if (settled) return;
        settled = true;
        resolve(info);
        call.cancel();
      });
      call.on('error', (error: grpc.ServiceError) => {
        if (settled) return;
        settled = true;
        const silaError = fromServiceError(error);
        if (silaError?.kind === 'framework' && silaError.errorType === 'INVALID_COMMAND_EXECUTION_UUID') resolve(undefined);
        else reject(this.labError(error, what));
      });
      call.on('end', () => {
        if (!settled) reject(new TransientLabError(`${what}: the SiLA server ended ExecutionInfo without a message`));
      });
    });
  }

  private metadata(withLock: boolean): grpc.Metadata {
    return clientMetadata({ accessToken: this.options.accessToken, lockIdentifier: withLock && this.options.lock !== false ? this.lockIdentifier : undefined });
  }

  /** A unary call with our metadata and a deadline; failures become lab errors (`raw`: the SiLA error is attached instead). */
  private unary(client: Client, method: string, request: Msg, what: string, withLock = true, raw = false): Promise<Msg> {
    const metadata = client === this.silaService ? new grpc.Metadata() : this.metadata(withLock);
    return new Promise((resolve, reject) => {
      client[method]!(request, metadata, { deadline: Date.now() + (this.options.requestTimeoutMs ?? 10_000) }, (error: grpc.ServiceError | null, response: Msg) => {
        if (!error) return resolve(response);
        const labError = this.labError(error, what);
        reject(raw ? Object.assign(labError, { silaError: fromServiceError(error) }) : labError);
      });
    });
  }

  /** The standard's errors, sorted into lab faults (transient: the experiment is held) and refusals. */
  private labError(error: grpc.ServiceError, what: string): Error {
    const silaError = fromServiceError(error);
    const at = `the SiLA server at ${this.options.address}`;
    if (!silaError) {
      const unreachable = [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL, grpc.status.UNKNOWN].includes(error.code);
      return new TransientLabError(`${what}: ${at} is ${unreachable ? 'unreachable' : 'not answering as SiLA 2'} (${grpc.status[error.code]}: ${error.details})`);
    }
    const message = `${what}: ${at} answered ${describeSilaError(silaError)}`;
    if (silaError.kind === 'framework' && silaError.errorType === 'INVALID_METADATA') {
      // without a token of ours the missing metadata is the token; with one, the lock identifier
      return this.options.accessToken === undefined
        ? new LabAuthError(`${message} (the server wants an access token: set lab.access_token_env or lab.access_token_secret)`)
        : new TransientLabError(`${message} (is the server locked by another client?)`);
    }
    if (silaError.kind === 'definedExecution') {
      switch (silaError.errorIdentifier) {
        case ERRORS.invalidAccessToken:
          return new LabAuthError(`${what}: ${at} refused the access token (AuthorizationService InvalidAccessToken); check lab.access_token_env or lab.access_token_secret`);
        case ERRORS.invalidLockIdentifier:
          return new TransientLabError(`${what}: ${at} is locked by another client (LockController InvalidLockIdentifier)`);
        case ERRORS.stationFull:
          return new TransientLabError(`${what}: the station is full (${silaError.message})`);
        default:
          return new PermanentLabError(message);
      }
    }
    if (silaError.kind === 'validation') return new PermanentLabError(message);
    return new TransientLabError(message);
  }
}

function runParameters(order: ExperimentOrder): Msg {
  return {
    ExperimentId: sila.string(order.id),
    CampaignId: sila.string(order.campaignId),
    Sequence: sila.integer(order.seq),
    CandidateKey: sila.string(order.candidateKey),
    // numbers travel as their shortest decimal form, which reads back as the same double
    Parameters: Object.entries(order.parameters).map(([name, value]) => ({ Name: sila.string(name), Value: sila.string(String(value)), IsNumeric: sila.boolean(typeof value === 'number') })),
    Substances: Object.entries(order.substances).map(([role, smiles]) => ({ Role: sila.string(role), Smiles: sila.string(smiles) })),
  };
}

/** The station's RawData: a JSON object, kept with the result; anything else is kept as text. */
function parseRawData(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { rawData: text };
  } catch {
    return { rawData: text };
  }
}
