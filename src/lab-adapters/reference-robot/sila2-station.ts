/**
 * The reference robot speaking SiLA 2 (docs/lab-protocols.md, "SiLA 2"): a simulated reactor
 * station, a gRPC server with the standard's SiLAService, LockController, AuthorizationService
 * (access token metadata) and CancelController features and the project's ReactionStation feature,
 * whose observable command RunExperiment runs an experiment on the shared deck (RobotLab, answering
 * from a dataset). Execution UUIDs are kept in a journal with the deck's, so a station restarted
 * with a state folder still answers for the executions it had.
 */
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TransientLabError, type ExperimentOrder, type LabExperimentStatus } from '../contract.js';
import { Journal } from '../journal.js';
import { describeError } from '../log.js';
import {
  CANCEL_CALLS,
  ERRORS,
  FEATURES,
  SERVICES,
  STATION_CALLS,
  featureDefinition,
  readMetadata,
  sila,
  toServiceError,
  type SilaError,
} from '../sila2/sila-protocol.js';
import { startRobotParts, type RobotOptions, type RobotParts } from './robot-parts.js';

export interface Sila2StationOptions extends RobotOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Calls of the station and cancel features must carry this token (AuthorizationService); none: open. */
  accessToken?: string;
  /** PEM key and certificate chain: serve over TLS instead of plaintext. */
  tls?: { key: Buffer; cert: Buffer };
  serverName?: string;
  /** How often open ExecutionInfo subscriptions look for a change. */
  tickMs?: number;
}

export interface Sila2ReferenceStation extends RobotParts {
  /** host:port the server listens on. */
  address: string;
  serverUuid: string;
  /** The lock as the station holds it now (tests). */
  lockHolder(): string | undefined;
  close(): Promise<void>;
}

type ExecutionEntry = { t: 'execution'; uuid: string; experimentId: string };

interface Watcher {
  uuid: string;
  last?: string;
  write(status: LabExperimentStatus): void;
  end(): void;
}

/* Untyped on purpose: proto-loader's objects are plain JSON shaped like the .proto messages. */
type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function startSila2Station(options: Sila2StationOptions): Promise<Sila2ReferenceStation> {
  const parts = await startRobotParts('lab-sim sila2', options);
  const { lab, log } = parts;
  const journal = new Journal<ExecutionEntry>(options.stateDir ? join(options.stateDir, 'sila2-executions.jsonl') : undefined);
  const byUuid = new Map<string, string>();
  const byExperiment = new Map<string, string>();
  for (const entry of journal.read()) {
    byUuid.set(entry.uuid, entry.experimentId);
    byExperiment.set(entry.experimentId, entry.uuid);
  }
  // stable across restarts of the same station state (the standard asks for a fixed server UUID)
  const serverUuid = options.stateDir ? uuidFrom(options.stateDir) : randomUUID();
  let serverName = options.serverName ?? 'Athanor reference reactor station';
  let lock: { id: string; timeoutMs: number; lastUsed: number } | undefined;
  const lockHolder = () => {
    if (lock && Date.now() - lock.lastUsed > lock.timeoutMs) lock = undefined; // lapsed
    return lock?.id;
  };

  /* Every call of the station and cancel features passes here: access token, then the lock. */
  function admit(call: { metadata: grpc.Metadata }, fqi: string, needsLock = true): SilaError | undefined {
    const { accessToken, lockIdentifier } = readMetadata(call.metadata);
    if (options.accessToken !== undefined) {
      if (accessToken === undefined) return { kind: 'framework', errorType: 'INVALID_METADATA', message: `${fqi} needs the AccessToken metadata of ${FEATURES.authorization}` };
      if (accessToken === null || !sameSecret(accessToken, options.accessToken)) return { kind: 'definedExecution', errorIdentifier: ERRORS.invalidAccessToken, message: 'the access token is not valid' };
    }
    if (!needsLock || lockHolder() === undefined) return undefined;
    if (lockIdentifier === undefined) return { kind: 'framework', errorType: 'INVALID_METADATA', message: `the server is locked: ${fqi} needs the LockIdentifier metadata of ${FEATURES.lockController}` };
    if (lockIdentifier !== lock?.id) return { kind: 'definedExecution', errorIdentifier: ERRORS.invalidLockIdentifier, message: 'the server is locked by another client' };
    lock.lastUsed = Date.now();
    return undefined;
  }

  const fail = (callback: grpc.sendUnaryData<Msg>, error: SilaError) => callback(toServiceError(error), null);
  const unary = (fn: (call: grpc.ServerUnaryCall<Msg, Msg>) => Promise<Msg | SilaError>) => (call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => {
    fn(call).then(
      (answer) => ('kind' in answer && typeof answer.kind === 'string' && 'message' in answer ? fail(callback, answer as SilaError) : callback(null, answer)),
      (error: unknown) => {
        log.error({ error: describeError(error) }, 'call failed');
        fail(callback, { kind: 'undefinedExecution', message: 'the station failed; see its log' });
      },
    );
  };

  const implemented = Object.values(FEATURES);
  const silaService: grpc.UntypedServiceImplementation = {
    GetFeatureDefinition: unary(async (call) => {
      const id = String(call.request.FeatureIdentifier?.value ?? '');
      const xml = featureDefinition(id);
      return xml === undefined ? { kind: 'definedExecution', errorIdentifier: ERRORS.unimplementedFeature, message: `this server does not implement ${id}` } : { FeatureDefinition: sila.string(xml) };
    }),
    SetServerName: unary(async (call) => {
      const name = String(call.request.ServerName?.value ?? '');
      if (name.length === 0 || name.length > 255) return { kind: 'validation', parameter: `${FEATURES.silaService}/Command/SetServerName/Parameter/ServerName`, message: 'must be 1 to 255 characters' };
      serverName = name;
      return {};
    }),
    Get_ServerName: unary(async () => ({ ServerName: sila.string(serverName) })),
    Get_ServerType: unary(async () => ({ ServerType: sila.string('ReactionStation') })),
    Get_ServerUUID: unary(async () => ({ ServerUUID: sila.string(serverUuid) })),
    Get_ServerDescription: unary(async () => ({ ServerDescription: sila.string(`A simulated reactor station answering from ${options.source}`) })),
    Get_ServerVersion: unary(async () => ({ ServerVersion: sila.string('1.0') })),
    Get_ServerVendorURL: unary(async () => ({ ServerVendorURL: sila.string('https://github.com/athanor') })),
    Get_ImplementedFeatures: unary(async () => ({ ImplementedFeatures: implemented.map(sila.string) })),
  };

  const lockCalls = [...STATION_CALLS, ...CANCEL_CALLS];
  const lockController: grpc.UntypedServiceImplementation = {
    LockServer: unary(async (call) => {
      const refused = admit(call, `${FEATURES.lockController}/Command/LockServer`, false);
      if (refused) return refused;
      const id = String(call.request.LockIdentifier?.value ?? '');
      const timeout = Number(call.request.Timeout?.value ?? 0);
      if (!id) return { kind: 'validation', parameter: `${FEATURES.lockController}/Command/LockServer/Parameter/LockIdentifier`, message: 'must not be empty' };
      if (!(timeout > 0)) return { kind: 'validation', parameter: `${FEATURES.lockController}/Command/LockServer/Parameter/Timeout`, message: 'must be a positive number of seconds' };
      if (lockHolder() !== undefined) return { kind: 'definedExecution', errorIdentifier: ERRORS.serverAlreadyLocked, message: 'the server is locked already' };
      lock = { id, timeoutMs: timeout * 1000, lastUsed: Date.now() };
      log.info({ timeoutS: timeout }, 'locked');
      return {};
    }),
    UnlockServer: unary(async (call) => {
      const refused = admit(call, `${FEATURES.lockController}/Command/UnlockServer`, false);
      if (refused) return refused;
      const id = String(call.request.LockIdentifier?.value ?? '');
      const holder = lockHolder();
      if (holder === undefined) return { kind: 'definedExecution', errorIdentifier: ERRORS.serverNotLocked, message: 'the server is not locked' };
      if (holder !== id) return { kind: 'definedExecution', errorIdentifier: ERRORS.invalidLockIdentifier, message: 'not the identifier the server is locked with' };
      lock = undefined;
      log.info('unlocked');
      return {};
    }),
    Subscribe_IsLocked: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      let last: boolean | undefined;
      const send = () => {
        const now = lockHolder() !== undefined;
        if (now !== last) call.write({ IsLocked: sila.boolean(now) });
        last = now;
      };
      send();
      const timer = setInterval(send, options.tickMs ?? 50);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
    Get_FCPAffectedByMetadata_LockIdentifier: unary(async () => ({ AffectedCalls: lockCalls.map(sila.string) })),
  };

  const authorization: grpc.UntypedServiceImplementation = {
    Get_FCPAffectedByMetadata_AccessToken: unary(async () => ({
      AffectedCalls: (options.accessToken === undefined ? [] : [...lockCalls, `${FEATURES.lockController}/Command/LockServer`, `${FEATURES.lockController}/Command/UnlockServer`]).map(sila.string),
    })),
  };

  const invalidUuid = (uuid: string): SilaError => ({ kind: 'framework', errorType: 'INVALID_COMMAND_EXECUTION_UUID', message: `no command execution ${uuid}` });

  const cancelController: grpc.UntypedServiceImplementation = {
    CancelCommand: unary(async (call) => {
      const refused = admit(call, CANCEL_CALLS[0] as string);
      if (refused) return refused;
      const uuid = String(call.request.CommandExecutionUUID?.value ?? '');
      const experimentId = byUuid.get(uuid);
      if (experimentId === undefined) return { kind: 'definedExecution', errorIdentifier: ERRORS.invalidCommandExecutionUuid, message: `no command execution ${uuid}` };
      if (!(await lab.cancel(experimentId))) return { kind: 'definedExecution', errorIdentifier: ERRORS.operationNotSupported, message: `execution ${uuid} has finished; it cannot be cancelled` };
      return {};
    }),
  };

  /* Each open RunExperiment_Info or _Intermediate stream is looked at every tick; it gets a
   * message whenever its experiment's state changes and ends once the experiment has finished. */
  const watchers = new Set<Watcher>();
  const ticker = setInterval(() => {
    for (const watcher of watchers) {
      const experimentId = byUuid.get(watcher.uuid);
      if (experimentId === undefined) continue;
      void lab.status(experimentId).then((status) => {
        if (!watchers.has(watcher) || status === watcher.last) return;
        watcher.last = status;
        watcher.write(status);
        if (!['queued', 'running', 'unknown'].includes(status)) {
          watchers.delete(watcher);
          watcher.end();
        }
      });
    }
  }, options.tickMs ?? 50);

  const finished = (status: LabExperimentStatus) => !['queued', 'running', 'unknown'].includes(status);
  const executionInfo = (status: LabExperimentStatus): Msg => ({
    commandStatus: status === 'queued' ? 'waiting' : status === 'running' ? 'running' : status === 'completed' ? 'finishedSuccessfully' : 'finishedWithError',
    progressInfo: sila.real(status === 'queued' ? 0 : status === 'running' ? 0.5 : 1),
  });
  const phaseOf = (status: LabExperimentStatus) => ({ Phase: sila.string(status === 'queued' ? 'queued' : status === 'running' ? 'running' : 'finished') });

  function stream(call: grpc.ServerWritableStream<Msg, Msg>, toMessage: (status: LabExperimentStatus) => Msg): void {
    const refused = admit(call, `${FEATURES.reactionStation}/Command/RunExperiment`, false);
    if (refused) return void call.emit('error', toServiceError(refused));
    const uuid = String(call.request.value ?? '');
    if (!byUuid.has(uuid)) return void call.emit('error', toServiceError(invalidUuid(uuid)));
    const watcher: Watcher = { uuid, write: (status) => call.write(toMessage(status)), end: () => call.end() };
    watchers.add(watcher);
    const forget = () => watchers.delete(watcher);
    call.on('cancelled', forget);
    call.on('close', forget);
  }

  const reactionStation: grpc.UntypedServiceImplementation = {
    RunExperiment: unary(async (call) => {
      const refused = admit(call, STATION_CALLS[0] as string);
      if (refused) return refused;
      const order = orderOf(call.request);
      if (typeof order === 'string') return { kind: 'validation', parameter: `${FEATURES.reactionStation}/Command/RunExperiment/Parameter/${order}`, message: 'must not be empty' };
      let uuid = byExperiment.get(order.id);
      if (uuid === undefined) {
        try {
          await lab.dispatch(order);
        } catch (error) {
          if (error instanceof TransientLabError) return { kind: 'definedExecution', errorIdentifier: ERRORS.stationFull, message: error.message };
          throw error;
        }
        uuid = randomUUID();
        journal.append({ t: 'execution', uuid, experimentId: order.id });
        byUuid.set(uuid, order.id);
        byExperiment.set(order.id, uuid);
      }
      return { commandExecutionUUID: { value: uuid } };
    }),
    RunExperiment_Info: (call: grpc.ServerWritableStream<Msg, Msg>) => stream(call, executionInfo),
    RunExperiment_Intermediate: (call: grpc.ServerWritableStream<Msg, Msg>) => stream(call, phaseOf),
    RunExperiment_Result: unary(async (call) => {
      const refused = admit(call, `${FEATURES.reactionStation}/Command/RunExperiment`, false);
      if (refused) return refused;
      const uuid = String(call.request.value ?? '');
      const experimentId = byUuid.get(uuid);
      if (experimentId === undefined) return invalidUuid(uuid);
      const status = await lab.status(experimentId);
      if (!finished(status)) return { kind: 'framework', errorType: 'COMMAND_EXECUTION_NOT_FINISHED', message: `execution ${uuid} is ${status}` };
      if (status === 'cancelled') return { kind: 'definedExecution', errorIdentifier: ERRORS.experimentCancelled, message: `experiment ${experimentId} was cancelled` };
      const result = lab.resultOf(experimentId);
      if (!result) return { kind: 'undefinedExecution', message: `experiment ${experimentId} has no result in the station's journal` };
      if (result.status === 'failed') return { kind: 'definedExecution', errorIdentifier: ERRORS.experimentFailed, message: result.reason };
      const { values: _values, ...extra } = (result.raw ?? {}) as Record<string, unknown>;
      return {
        ExperimentId: sila.string(result.experimentId),
        Measurements: Object.entries(result.values).map(([quantity, value]) => ({ Quantity: sila.string(quantity), Value: sila.real(value) })),
        RawData: sila.string(JSON.stringify(extra)),
      };
    }),
    LookUpExperiment: unary(async (call) => {
      const refused = admit(call, STATION_CALLS[1] as string);
      if (refused) return refused;
      return { CommandExecutionUUID: sila.string(byExperiment.get(String(call.request.ExperimentId?.value ?? '')) ?? '') };
    }),
    Get_Capacity: unary(async (call) => {
      const refused = admit(call, `${FEATURES.reactionStation}/Property/Capacity`, false);
      return refused ?? { Capacity: sila.integer(lab.capacity) };
    }),
  };

  const server = new grpc.Server();
  server.addService(SERVICES.silaService().service, silaService);
  server.addService(SERVICES.lockController().service, lockController);
  server.addService(SERVICES.authorization().service, authorization);
  server.addService(SERVICES.cancelController().service, cancelController);
  server.addService(SERVICES.reactionStation().service, reactionStation);
  const credentials = options.tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }], false) : grpc.ServerCredentials.createInsecure();
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ address, tls: Boolean(options.tls), auth: options.accessToken !== undefined }, 'SiLA 2 reactor station listening');

  return {
    ...parts,
    address,
    serverUuid,
    lockHolder,
    close: async () => {
      clearInterval(ticker);
      for (const watcher of watchers) watcher.end();
      watchers.clear();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      await lab.stop();
    },
  };
}

/** The order in RunExperiment's parameters, or the name of the first missing one. */
function orderOf(request: Msg): ExperimentOrder | string {
  const id = String(request.ExperimentId?.value ?? '').trim();
  if (!id) return 'ExperimentId';
  const campaignId = String(request.CampaignId?.value ?? '');
  if (!campaignId) return 'CampaignId';
  const parameters: Record<string, string | number> = {};
  for (const p of (request.Parameters ?? []) as Msg[]) {
    const value = String(p.Value?.value ?? '');
    parameters[String(p.Name?.value ?? '')] = p.IsNumeric?.value ? Number(value) : value;
  }
  const substances: Record<string, string> = {};
  for (const s of (request.Substances ?? []) as Msg[]) substances[String(s.Role?.value ?? '')] = String(s.Smiles?.value ?? '');
  return { id, campaignId, seq: Number(request.Sequence?.value ?? 0), candidateKey: String(request.CandidateKey?.value ?? ''), parameters, substances };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A UUID derived from the state folder's path: the same station keeps its identity. */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(`athanor-sila2-station:${text}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
