/**
 * The SiLA 2 wire as both sides of this project speak it (docs/lab-protocols.md, "SiLA 2"): the
 * gRPC services from the shipped .proto files, the standard's client metadata (binary headers
 * named after the metadata's fully qualified identifier) and its errors (gRPC status ABORTED whose
 * message is the base64 of a SiLAError). @grpc/proto-loader gives grpc-js its services;
 * protobufjs, which it is built on, encodes the messages grpc-js never sees (metadata, errors).
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const here = fileURLToPath(new URL('.', import.meta.url));
export const PROTO_DIR = join(here, 'protos');
export const FEATURE_DIR = join(here, 'features');
const PROTO_FILES = ['SiLAFramework.proto', 'SiLAService.proto', 'LockController.proto', 'AuthorizationService.proto', 'CancelController.proto', 'ReactionStation.proto'];

/** Fully qualified feature identifiers (originator/category/identifier/major version). */
export const FEATURES = {
  silaService: 'org.silastandard/core/SiLAService/v1',
  lockController: 'org.silastandard/core/LockController/v2',
  authorization: 'org.silastandard/core/AuthorizationService/v1',
  cancelController: 'org.silastandard/core.commands/CancelController/v1',
  reactionStation: 'org.athanor/reactions/ReactionStation/v1',
} as const;

export const ERRORS = {
  experimentFailed: `${FEATURES.reactionStation}/DefinedExecutionError/ExperimentFailed`,
  experimentCancelled: `${FEATURES.reactionStation}/DefinedExecutionError/ExperimentCancelled`,
  stationFull: `${FEATURES.reactionStation}/DefinedExecutionError/StationFull`,
  invalidAccessToken: `${FEATURES.authorization}/DefinedExecutionError/InvalidAccessToken`,
  serverAlreadyLocked: `${FEATURES.lockController}/DefinedExecutionError/ServerAlreadyLocked`,
  serverNotLocked: `${FEATURES.lockController}/DefinedExecutionError/ServerNotLocked`,
  invalidLockIdentifier: `${FEATURES.lockController}/DefinedExecutionError/InvalidLockIdentifier`,
  unimplementedFeature: `${FEATURES.silaService}/DefinedExecutionError/UnimplementedFeature`,
  invalidCommandExecutionUuid: `${FEATURES.cancelController}/DefinedExecutionError/InvalidCommandExecutionUUID`,
  operationNotSupported: `${FEATURES.cancelController}/DefinedExecutionError/OperationNotSupported`,
} as const;

/** The calls of the reaction station that need an access token and, while locked, the lock. */
export const STATION_CALLS = ['RunExperiment', 'LookUpExperiment'].map((c) => `${FEATURES.reactionStation}/Command/${c}`);
export const CANCEL_CALLS = [`${FEATURES.cancelController}/Command/CancelCommand`];

/** The standard's header for a metadata item: sila-<fqi, lower case, / → ->-bin. */
export function metadataKey(fullyQualifiedMetadata: string): string {
  return `sila-${fullyQualifiedMetadata.toLowerCase().replaceAll('/', '-')}-bin`;
}
export const ACCESS_TOKEN_KEY = metadataKey(`${FEATURES.authorization}/Metadata/AccessToken`);
export const LOCK_IDENTIFIER_KEY = metadataKey(`${FEATURES.lockController}/Metadata/LockIdentifier`);

const loaderOptions: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] };

let loaded: { grpcObject: grpc.GrpcObject; root: protobuf.Root } | undefined;

/** The services and message types, loaded once per process. */
export function silaDefinitions(): { grpcObject: grpc.GrpcObject; root: protobuf.Root } {
  if (!loaded) {
    const definition = protoLoader.loadSync(PROTO_FILES, loaderOptions);
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_DIR, target.replace(/^.*[\\/]/, ''));
    root.loadSync(PROTO_FILES.map((f) => join(PROTO_DIR, f)), { keepCase: true });
    loaded = { grpcObject: grpc.loadPackageDefinition(definition), root };
  }
  return loaded;
}

type ServiceConstructor = grpc.ServiceClientConstructor;

function lookup(path: string): ServiceConstructor {
  let node: unknown = silaDefinitions().grpcObject;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`no gRPC service ${path} in the SiLA protos`);
  return node as ServiceConstructor;
}

export const SERVICES = {
  silaService: () => lookup('sila2.org.silastandard.core.silaservice.v1.SiLAService'),
  lockController: () => lookup('sila2.org.silastandard.core.lockcontroller.v2.LockController'),
  authorization: () => lookup('sila2.org.silastandard.core.authorizationservice.v1.AuthorizationService'),
  cancelController: () => lookup('sila2.org.silastandard.core.commands.cancelcontroller.v1.CancelController'),
  reactionStation: () => lookup('sila2.org.athanor.reactions.reactionstation.v1.ReactionStation'),
};

function messageType(name: string): protobuf.Type {
  return silaDefinitions().root.lookupType(name);
}

/** A SiLA String-valued metadata item as its binary header value. */
function encodeStringMetadata(typeName: string, field: string, value: string): Buffer {
  const type = messageType(typeName);
  return Buffer.from(type.encode(type.fromObject({ [field]: { value } })).finish());
}

function decodeStringMetadata(typeName: string, field: string, bytes: Buffer): string | undefined {
  try {
    const decoded = messageType(typeName).decode(bytes) as unknown as Record<string, { value?: string } | undefined>;
    return decoded[field]?.value;
  } catch {
    return undefined;
  }
}

const ACCESS_TOKEN_TYPE = 'sila2.org.silastandard.core.authorizationservice.v1.Metadata_AccessToken';
const LOCK_TYPE = 'sila2.org.silastandard.core.lockcontroller.v2.Metadata_LockIdentifier';

/** Client metadata for a call: the access token and the lock identifier, when there are. */
export function clientMetadata(options: { accessToken?: string | undefined; lockIdentifier?: string | undefined }): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (options.accessToken !== undefined) metadata.set(ACCESS_TOKEN_KEY, encodeStringMetadata(ACCESS_TOKEN_TYPE, 'AccessToken', options.accessToken));
  if (options.lockIdentifier !== undefined) metadata.set(LOCK_IDENTIFIER_KEY, encodeStringMetadata(LOCK_TYPE, 'LockIdentifier', options.lockIdentifier));
  return metadata;
}

/** What a call carried: undefined when absent, null when present but not decodable. */
export function readMetadata(metadata: grpc.Metadata): { accessToken: string | undefined | null; lockIdentifier: string | undefined | null } {
  const read = (key: string, type: string, field: string): string | undefined | null => {
    const value = metadata.get(key)[0];
    if (value === undefined) return undefined;
    return (Buffer.isBuffer(value) ? decodeStringMetadata(type, field, value) : undefined) ?? null;
  };
  return { accessToken: read(ACCESS_TOKEN_KEY, ACCESS_TOKEN_TYPE, 'AccessToken'), lockIdentifier: read(LOCK_IDENTIFIER_KEY, LOCK_TYPE, 'LockIdentifier') };
}

export type FrameworkErrorType = 'COMMAND_EXECUTION_NOT_ACCEPTED' | 'INVALID_COMMAND_EXECUTION_UUID' | 'COMMAND_EXECUTION_NOT_FINISHED' | 'INVALID_METADATA' | 'NO_METADATA_ALLOWED';

/** A SiLA error as the standard defines its four kinds. */
export type SilaError =
  | { kind: 'validation'; parameter: string; message: string }
  | { kind: 'definedExecution'; errorIdentifier: string; message: string }
  | { kind: 'undefinedExecution'; message: string }
  | { kind: 'framework'; errorType: FrameworkErrorType; message: string };

const SILA_ERROR_TYPE = 'sila2.org.silastandard.SiLAError';

/** The gRPC error a server answers with: status ABORTED, message = base64(SiLAError). */
export function toServiceError(error: SilaError): grpc.ServiceError {
  const type = messageType(SILA_ERROR_TYPE);
  const body =
    error.kind === 'validation'
      ? { validationError: { parameter: error.parameter, message: error.message } }
      : error.kind === 'definedExecution'
        ? { definedExecutionError: { errorIdentifier: error.errorIdentifier, message: error.message } }
        : error.kind === 'undefinedExecution'
          ? { undefinedExecutionError: { message: error.message } }
          : { frameworkError: { errorType: error.errorType, message: error.message } };
  const details = Buffer.from(type.encode(type.fromObject(body)).finish()).toString('base64');
  return Object.assign(new Error(details), { code: grpc.status.ABORTED, details, metadata: new grpc.Metadata() });
}

/** The SiLA error a failed call carried, or undefined when it is a plain gRPC failure. */
export function fromServiceError(error: unknown): SilaError | undefined {
  const e = error as Partial<grpc.ServiceError>;
  if (e?.code !== grpc.status.ABORTED || typeof e.details !== 'string') return undefined;
  try {
    const decoded = messageType(SILA_ERROR_TYPE).toObject(messageType(SILA_ERROR_TYPE).decode(Buffer.from(e.details, 'base64')), { enums: String, oneofs: true }) as Record<string, Record<string, string> | undefined> & { error?: string };
    const v = decoded.validationError;
    if (v) return { kind: 'validation', parameter: v.parameter ?? '', message: v.message ?? '' };
    const d = decoded.definedExecutionError;
    if (d) return { kind: 'definedExecution', errorIdentifier: d.errorIdentifier ?? '', message: d.message ?? '' };
    const u = decoded.undefinedExecutionError;
    if (u) return { kind: 'undefinedExecution', message: u.message ?? '' };
    const f = decoded.frameworkError;
    if (f) return { kind: 'framework', errorType: (f.errorType ?? 'COMMAND_EXECUTION_NOT_ACCEPTED') as FrameworkErrorType, message: f.message ?? '' };
  } catch {
    // not a SiLA error after all: a plain ABORTED
  }
  return undefined;
}

/** For messages: "DefinedExecutionError ExperimentFailed: …", "FrameworkError INVALID_METADATA: …". */
export function describeSilaError(error: SilaError): string {
  switch (error.kind) {
    case 'validation':
      return `ValidationError (${error.parameter}): ${error.message}`;
    case 'definedExecution':
      return `DefinedExecutionError ${error.errorIdentifier.split('/').pop()}: ${error.message}`;
    case 'undefinedExecution':
      return `UndefinedExecutionError: ${error.message}`;
    case 'framework':
      return `FrameworkError ${error.errorType}: ${error.message}`;
  }
}

/** The feature definition (FDL) of an implemented feature by its fully qualified identifier. */
export function featureDefinition(fullyQualified: string): string | undefined {
  const known = Object.values(FEATURES) as string[];
  if (!known.includes(fullyQualified)) return undefined;
  const identifier = fullyQualified.split('/')[2] as string;
  return readFileSync(join(FEATURE_DIR, `${identifier}.sila.xml`), 'utf8');
}

/** SiLA String/Integer/Real/Boolean wrappers, as proto-loader objects. */
export const sila = {
  string: (value: string) => ({ value }),
  integer: (value: number) => ({ value }),
  real: (value: number) => ({ value }),
  boolean: (value: boolean) => ({ value }),
};
