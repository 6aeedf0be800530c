/**
 * The Open Reaction Database's message types, loaded with protobufjs from the published .proto
 * files vendored in vendor/ord-schema (no npm package of them exists). Loaded once per process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('../../../vendor/ord-schema/proto/', import.meta.url));

export interface OrdTypes {
  Dataset: protobuf.Type;
  Reaction: protobuf.Type;
}

let loaded: OrdTypes | undefined;

export function ordTypes(): OrdTypes {
  if (!loaded) {
    const root = new protobuf.Root();
    // dataset.proto imports "ord-schema/proto/reaction.proto", a path inside the ORD repository
    root.resolvePath = (origin, target) => (target.startsWith('ord-schema/proto/') ? path.join(PROTO_DIR, path.basename(target)) : protobuf.util.path.resolve(origin, target));
    root.loadSync(path.join(PROTO_DIR, 'dataset.proto'));
    root.resolveAll();
    loaded = { Dataset: root.lookupType('ord.Dataset'), Reaction: root.lookupType('ord.Reaction') };
  }
  return loaded;
}

/** The enum value's number, by name, of an enum inside a message type (e.g. 'ord.Temperature', 'TemperatureUnit', 'CELSIUS'). */
export function ordEnumValue(typeName: string, enumName: string, value: string): number {
  const type = ordTypes().Dataset.root.lookupType(typeName);
  const e = type.lookupEnum(enumName);
  const n = e.values[value];
  if (n === undefined) throw new Error(`${typeName}.${enumName} has no value ${value}`);
  return n;
}
