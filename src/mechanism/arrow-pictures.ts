/**
 * Arrow-pushing pictures: the species before a step drawn by RDKit, with the step's curved arrows
 * laid over it as a chemist draws them: each from the electron pair it moves (a lone pair beside
 * its atom, or the middle of a bond) to where the pair goes (beside the atom it attacks or takes
 * it as a lone pair, or the middle of the bond it makes). Hand-drawn SVG on top of RDKit's
 * drawing: RDKit.js draws molecules but no mechanism arrows.
 */
import { moleculeSvgWithPositions } from '../chem/depict.js';
import { bondKey } from '../chem/reaction/reaction-graph.js';
import type { Arrow, AtomRef } from './arrows.js';
import { speciesComponents, type Species } from './electron-moves.js';

type Point = [number, number];

const ARROW_COLOUR = '#B3261E';
/** The species as one SMILES without maps, and where each graph atom lands in RDKit's atom order. */
function drawingText(species: Species): { text: string; rdkitIndex: Map<number, number> } {
  const components = speciesComponents(species, false);
  const rdkitIndex = new Map<number, number>();
  let next = 0;
  for (const component of components) for (const atom of component.atoms) rdkitIndex.set(atom, next++);
  return { text: components.map((c) => c.text).join('.'), rdkitIndex };
}

const add = (a: Point, b: Point): Point => [a[0] + b[0], a[1] + b[1]];
const sub = (a: Point, b: Point): Point => [a[0] - b[0], a[1] - b[1]];
const scale = (a: Point, k: number): Point => [a[0] * k, a[1] * k];
const length = (a: Point) => Math.hypot(a[0], a[1]);
const unit = (a: Point): Point => (length(a) < 1e-9 ? [0, -1] : scale(a, 1 / length(a)));
const midpoint = (a: Point, b: Point): Point => scale(add(a, b), 0.5);
const fmt = (p: Point) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`;

export interface StepPictureOptions {
  width?: number;
  height?: number;
  /** a caption drawn in the top-left corner, e.g. "step 1" */
  caption?: string;
}

export interface StepPicture {
  svg: string;
  /** where each mapped atom is drawn */
  atomAt: Map<number, Point>;
  /** each arrow's tail and head, in the order of the step's arrows */
  arrows: { tail: Point; head: Point }[];
}

/** The species before a step, with the step's arrows drawn over them, as one SVG. */
export function stepSvg(species: Species, arrows: readonly Arrow[], options: StepPictureOptions = {}): string {
  return stepPicture(species, arrows, options).svg;
}

export function stepPicture(species: Species, arrows: readonly Arrow[], options: StepPictureOptions = {}): StepPicture {
  const width = options.width ?? 420;
  const height = options.height ?? 300;
  const { text, rdkitIndex } = drawingText(species);
  const { svg, positions } = moleculeSvgWithPositions(text, { width, height });
  const byMap = new Map(species.atoms.flatMap((atom, i) => (atom.mapNumber ? [[atom.mapNumber, i] as const] : [])));
  const centre: Point = positions.length > 0 ? scale(positions.reduce((s, p) => add(s, p), [0, 0] as Point), 1 / positions.length) : [width / 2, height / 2];
  const position = (ref: AtomRef): Point => {
    const index = byMap.get(ref.map);
    const p = index === undefined ? undefined : positions[rdkitIndex.get(index) ?? -1];
    if (!p) throw new Error(`atom ${ref.map} is not in the drawing`);
    // a hydrogen is drawn as part of its atom's label: point just outside the atom, away from the molecule
    return ref.hydrogen ? add(p, scale(unit(sub(p, centre)), 14)) : p;
  };
  const isBond = (a: AtomRef, b: AtomRef) => {
    const x = byMap.get(a.map);
    const y = byMap.get(b.map);
    return x !== undefined && y !== undefined && species.bonds.some((bond) => bondKey(bond.a, bond.b) === bondKey(x, y));
  };
  const ends: { tail: Point; head: Point }[] = [];
  const paths = arrows.map((arrow) => {
    const holder = arrow.source.kind === 'lone-pair' ? position(arrow.source.atom) : position(arrow.source.to);
    let tail: Point;
    if (arrow.source.kind === 'lone-pair') {
      const target = arrow.sink.kind === 'atom' ? position(arrow.sink.atom) : position(arrow.sink.b);
      tail = add(holder, scale(unit(sub(target, holder)), 11));
    } else tail = midpoint(position(arrow.source.from), holder);
    let head: Point;
    if (arrow.sink.kind === 'atom') {
      const sink = position(arrow.sink.atom);
      const holderIsSink = arrow.source.kind === 'bond' ? arrow.source.to.map === arrow.sink.atom.map && arrow.source.to.hydrogen === arrow.sink.atom.hydrogen : false;
      // a pair becoming a lone pair ends beside its atom; one making a bond ends short of the atom it attacks
      // (beside it: the bond's direction turned a right angle, away from the molecule's centre)
      const across = unit([-(sink[1] - tail[1]), sink[0] - tail[0]]);
      const outward = across[0] * (sink[0] - centre[0]) + across[1] * (sink[1] - centre[1]) >= 0 ? across : scale(across, -1);
      head = holderIsSink ? add(sink, scale(outward, 13)) : add(sink, scale(unit(sub(tail, sink)), 13));
    } else {
      const c = position(arrow.sink.a);
      const d = position(arrow.sink.b);
      head = isBond(arrow.sink.a, arrow.sink.b) ? midpoint(c, d) : add(c, scale(sub(d, c), 0.6));
    }
    ends.push({ tail, head });
    const chord = sub(head, tail);
    const span = Math.max(length(chord), 30);
    let normal: Point = [-chord[1], chord[0]];
    // bow away from the molecule's centre, where there is room to read the arrow
    if ((normal[0] * (midpoint(tail, head)[0] - centre[0]) + normal[1] * (midpoint(tail, head)[1] - centre[1])) < 0) normal = scale(normal, -1);
    const control = add(midpoint(tail, head), scale(unit(normal), 0.45 * span));
    return `<path class="mechanism-arrow" d="M ${fmt(tail)} Q ${fmt(control)} ${fmt(head)}" fill="none" stroke="${ARROW_COLOUR}" stroke-width="1.8" marker-end="url(#mechanism-arrowhead)"/>`;
  });
  const defs = `<defs><marker id="mechanism-arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${ARROW_COLOUR}"/></marker></defs>`;
  const caption = options.caption ? `<text x="8" y="18" font-family="sans-serif" font-size="14" fill="#333">${escapeXml(options.caption)}</text>` : '';
  const atomAt = new Map<number, Point>();
  for (const [map, index] of byMap) {
    const p = positions[rdkitIndex.get(index) ?? -1];
    if (p) atomAt.set(map, p);
  }
  return { svg: svg.replace(/<\/svg>\s*$/, `${defs}${paths.join('')}${caption}</svg>`), atomAt, arrows: ends };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
