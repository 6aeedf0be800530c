/**
 * The bytes of SavedModel.weights: a self-describing container, so that a model version can be
 * restored by another process (or another release that still knows the kind).
 *
 *   "ATHM" | u32 format version | u32 header length | header (UTF-8 JSON) | zero padding to 8 |
 *   tensor data (each little-endian, 8-byte aligned)
 *
 * The header holds the kind, the configuration and every scalar; the tensors are raw float32 /
 * float64 / int32 arrays, so weights come back bit for bit.
 */
const MAGIC = [0x41, 0x54, 0x48, 0x4d]; // ATHM
const FORMAT_VERSION = 1;

/** uint8: opaque bytes, e.g. the weights of a model nested in another */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint8Array;

interface TensorEntry {
  name: string;
  dtype: 'float32' | 'float64' | 'int32' | 'uint8';
  offset: number;
  length: number;
}

export interface Container<H> {
  header: H;
  tensors: Map<string, TensorData>;
}

const TYPED = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

function dtypeOf(t: TensorData): TensorEntry['dtype'] {
  return t instanceof Float32Array ? 'float32' : t instanceof Float64Array ? 'float64' : t instanceof Int32Array ? 'int32' : 'uint8';
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

export function encodeContainer<H>(header: H, tensors: Map<string, TensorData>): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, data] of tensors) {
    entries.push({ name, dtype: dtypeOf(data), offset, length: data.length });
    offset = align8(offset + data.byteLength);
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ header, tensors: entries }));
  const dataStart = align8(12 + headerBytes.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  entries.forEach((entry, i) => {
    const data = [...tensors.values()][i]!;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart + entry.offset);
  });
  return out;
}

export function decodeContainer<H>(bytes: Uint8Array): Container<H> {
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not an Athanor model (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw new Error(`unsupported model format version ${version}`);
  const headerLength = view.getUint32(8, true);
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as { header: H; tensors: TensorEntry[] };
  const dataStart = align8(12 + headerLength);
  const tensors = new Map<string, TensorData>();
  for (const entry of parsed.tensors) {
    const start = dataStart + entry.offset;
    const typed = TYPED[entry.dtype];
    // copy into a fresh, aligned buffer: `bytes` may be a view at any offset (e.g. from a driver)
    // (Uint8Array's slice copies; a Node Buffer's (e.g. from gunzipSync) would return a view)
    const copy = Uint8Array.prototype.slice.call(bytes, start, start + entry.length * typed.BYTES_PER_ELEMENT).buffer;
    tensors.set(entry.name, new typed(copy));
  }
  return { header: parsed.header, tensors };
}
