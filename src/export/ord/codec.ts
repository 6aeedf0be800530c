/** ORD Datasets as bytes: binary protobuf (gzipped, as the ORD distributes datasets, or not) or the protobuf JSON mapping. */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ordTypes } from './schema.js';

export const ORD_FORMATS = ['pb.gz', 'pb', 'json'] as const;
export type OrdFormat = (typeof ORD_FORMATS)[number];

export function encodeOrd(dataset: Record<string, unknown>, format: OrdFormat): Uint8Array {
  const { Dataset } = ordTypes();
  const message = Dataset.fromObject(dataset);
  if (format === 'json') return new TextEncoder().encode(`${JSON.stringify(Dataset.toObject(message, { enums: String, longs: String, json: true }), null, 2)}\n`);
  const bytes = Dataset.encode(message).finish();
  return format === 'pb' ? bytes : new Uint8Array(gzipSync(bytes));
}

/** Reads an export back (any of the formats) into the JSON shape, enum values by name. */
export function decodeOrd(bytes: Uint8Array, format: OrdFormat): Record<string, unknown> {
  const { Dataset } = ordTypes();
  if (format === 'json') return Dataset.toObject(Dataset.fromObject(JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>), { enums: String, longs: String, json: true });
  const raw = format === 'pb.gz' ? gunzipSync(bytes) : bytes;
  return Dataset.toObject(Dataset.decode(raw), { enums: String, longs: String, json: true });
}
