/**
 * Curved arrows: one electron-pair move from a source to a sink, named by atom-map numbers as
 * MechFinder writes them (Chen et al., Sci. Data 2024; the labels of ../shared/data/uspto15k-mech):
 *
 *   n        an atom: its lone pair as a source, the atom itself as a sink
 *   n.1      a hydrogen on atom n (hydrogens are counts on their heavy atom until an arrow names one)
 *   [a, b]   as a source: the pair of bond a–b, leaving a (a ends one bond poorer, +1)
 *            as a sink: bond a–b made or raised by one (b ends −1 if nothing else gives it back)
 */

/** An atom by map number, or one hydrogen on it (`n.1`). */
export interface AtomRef {
  map: number;
  hydrogen: boolean;
}

export type ElectronSource = { kind: 'lone-pair'; atom: AtomRef } | { kind: 'bond'; from: AtomRef; to: AtomRef };
export type ElectronSink = { kind: 'atom'; atom: AtomRef } | { kind: 'bond'; a: AtomRef; b: AtomRef };

export interface Arrow {
  source: ElectronSource;
  sink: ElectronSink;
}

/** MechFinder's JSON form of an arrow: [source, sink], each a number or a pair of numbers. */
export type RawArrow = [number | [number, number], number | [number, number]];

export class ArrowError extends Error {}

function atomRef(value: unknown, where: string): AtomRef {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ArrowError(`${where}: ${JSON.stringify(value)} is not an atom-map number`);
  const map = Math.floor(value);
  const fraction = Math.round((value - map) * 10);
  if (fraction !== 0 && fraction !== 1) throw new ArrowError(`${where}: ${value} is neither an atom (n) nor a hydrogen on one (n.1)`);
  return { map, hydrogen: fraction === 1 };
}

function pair(value: unknown, where: string): [AtomRef, AtomRef] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.length !== 2) throw new ArrowError(`${where}: a bond is a pair of atoms, got ${JSON.stringify(value)}`);
  return [atomRef(value[0], `${where}[0]`), atomRef(value[1], `${where}[1]`)];
}

export function parseArrow(raw: unknown, where = 'arrow'): Arrow {
  if (!Array.isArray(raw) || raw.length !== 2) throw new ArrowError(`${where}: an arrow is [source, sink], got ${JSON.stringify(raw)}`);
  const sourceBond = pair(raw[0], `${where} source`);
  const sinkBond = pair(raw[1], `${where} sink`);
  const source: ElectronSource = sourceBond ? { kind: 'bond', from: sourceBond[0], to: sourceBond[1] } : { kind: 'lone-pair', atom: atomRef(raw[0], `${where} source`) };
  const sink: ElectronSink = sinkBond ? { kind: 'bond', a: sinkBond[0], b: sinkBond[1] } : { kind: 'atom', atom: atomRef(raw[1], `${where} sink`) };
  return { source, sink };
}

const refText = (r: AtomRef) => (r.hydrogen ? `${r.map}.1` : String(r.map));

/** The arrow in MechFinder's notation again, e.g. "8 → 21" or "[21,22] → 22". */
export function arrowText(arrow: Arrow): string {
  const s = arrow.source.kind === 'lone-pair' ? refText(arrow.source.atom) : `[${refText(arrow.source.from)},${refText(arrow.source.to)}]`;
  const t = arrow.sink.kind === 'atom' ? refText(arrow.sink.atom) : `[${refText(arrow.sink.a)},${refText(arrow.sink.b)}]`;
  return `${s} → ${t}`;
}
