/**
 * The Pareto front drawn for the panel, with the helpers and classes of plots.ts: two targets as
 * one scatter (the non-dominated results highlighted and joined by the staircase that bounds what
 * they dominate, dominated results faded, results breaking a constraint hollow), three or more as
 * the scatter of every pair of targets (small multiples). Each axis says which way is better.
 */
import { axes, escapeXml, type Frame, formatTick, niceTicks, svgOpen } from './plots.js';

export interface ScatterAxis {
  name: string;
  unit: string | null;
  direction: 'maximize' | 'minimize';
}

export interface ScatterPoint {
  experiment: number;
  x: number;
  y: number;
  status: 'front' | 'dominated' | 'infeasible';
}

export interface ParetoScatter {
  id: string;
  x: ScatterAxis;
  y: ScatterAxis;
  points: ScatterPoint[];
  /** Join the front points by their staircase: only for two targets (a projection of a larger front is no staircase). */
  staircase: boolean;
  /** The reference point in these two targets, marked with a cross. */
  reference?: { x: number; y: number };
  /** A smaller frame for the small multiples. */
  compact?: boolean;
}

const axisTitle = (a: ScatterAxis) => `${a.name}${a.unit ? ` (${a.unit})` : ''}`;

/** Worse of two values along an axis: the staircase's corners sit at the worse of each pair. */
const worse = (a: number, b: number, direction: ScatterAxis['direction']) => (direction === 'maximize' ? Math.min(a, b) : Math.max(a, b));

export function paretoScatterSvg(plot: ParetoScatter): string {
  const frame: Frame = plot.compact
    ? { width: 320, height: 280, pad: { left: 52, right: 12, top: 22, bottom: 40 } }
    : { width: 640, height: 380, pad: { left: 56, right: 16, top: 22, bottom: 42 } };
  const { pad } = frame;
  const w = frame.width - pad.left - pad.right;
  const h = frame.height - pad.top - pad.bottom;
  const xs = [...plot.points.map((p) => p.x), ...(plot.reference ? [plot.reference.x] : [])];
  const ys = [...plot.points.map((p) => p.y), ...(plot.reference ? [plot.reference.y] : [])];
  const range = (values: number[]) => {
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const margin = hi > lo ? 0.04 * (hi - lo) : Math.max(Math.abs(hi) * 0.1, 1);
    const ticks = niceTicks(lo - margin, hi + margin, plot.compact ? 4 : 6);
    return { ticks, lo: Math.min(lo - margin, ...ticks), hi: Math.max(hi + margin, ...ticks) };
  };
  const rx = range(xs);
  const ry = range(ys);
  const x = (v: number) => pad.left + (w * (v - rx.lo)) / (rx.hi - rx.lo || 1);
  const y = (v: number) => pad.top + h - (h * (v - ry.lo)) / (ry.hi - ry.lo || 1);
  const at = (px: number, py: number) => `${x(px).toFixed(1)} ${y(py).toFixed(1)}`;

  const front = plot.points.filter((p) => p.status === 'front').sort((a, b) => a.x - b.x || a.y - b.y);
  let staircase = '';
  if (plot.staircase && front.length > 1) {
    let d = `M${at(front[0]!.x, front[0]!.y)}`;
    for (let i = 1; i < front.length; i++) {
      const a = front[i - 1]!;
      const b = front[i]!;
      d += ` L${at(worse(a.x, b.x, plot.x.direction), worse(a.y, b.y, plot.y.direction))} L${at(b.x, b.y)}`;
    }
    staircase = `<path class="pareto-staircase" d="${d}"/>`;
  }
  const dot = (p: ScatterPoint) => {
    const what = p.status === 'front' ? 'on the Pareto front' : p.status === 'dominated' ? 'dominated' : 'breaks a constraint';
    const r = p.status === 'front' ? 5 : 3.5;
    return `<circle class="pt pt-${p.status}" data-experiment="${p.experiment}" cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="${r}"><title>experiment ${p.experiment}, ${what}: ${escapeXml(plot.x.name)} ${formatTick(p.x)}, ${escapeXml(plot.y.name)} ${formatTick(p.y)}</title></circle>`;
  };
  // dominated and infeasible first, so the front is drawn on top of them
  const order = { infeasible: 0, dominated: 1, front: 2 } as const;
  const dots = [...plot.points].sort((a, b) => order[a.status] - order[b.status]).map(dot).join('');
  const reference = plot.reference
    ? `<g class="pareto-reference"><title>reference point of the hypervolume: ${escapeXml(plot.x.name)} ${formatTick(plot.reference.x)}, ${escapeXml(plot.y.name)} ${formatTick(plot.reference.y)}</title><path d="M${x(plot.reference.x) - 4} ${y(plot.reference.y) - 4} l8 8 m0 -8 l-8 8"/></g>`
    : '';
  // orientation: which end of each axis is better
  const bottom = frame.height - pad.bottom;
  const betterX =
    plot.x.direction === 'maximize'
      ? `<text class="better" x="${pad.left + w}" y="${bottom + 30}" text-anchor="end">better →</text>`
      : `<text class="better" x="${pad.left}" y="${bottom + 30}" text-anchor="start">← better</text>`;
  // above the plot either way, clear of the points: the arrow says which way along the axis
  const betterY = `<text class="better" x="${pad.left + 4}" y="${pad.top - 8}" text-anchor="start">${plot.y.direction === 'maximize' ? '↑ better' : '↓ better'}</text>`;
  const counts = (s: ScatterPoint['status']) => plot.points.filter((p) => p.status === s).length;
  const description = plot.points.length
    ? `${plot.points.length} results with both targets: ${counts('front')} on the Pareto front, ${counts('dominated')} dominated${counts('infeasible') ? `, ${counts('infeasible')} breaking a constraint` : ''}. ` +
      `${plot.x.name} is better ${plot.x.direction === 'maximize' ? 'higher' : 'lower'}, ${plot.y.name} ${plot.y.direction === 'maximize' ? 'higher' : 'lower'}.`
    : 'No result has both targets yet.';
  return [
    svgOpen(frame, plot.id, `${plot.y.name} against ${plot.x.name}: the Pareto front`, description, 'pareto'),
    axes(frame, x, y, rx.ticks, ry.ticks, axisTitle(plot.x), axisTitle(plot.y)),
    betterX,
    betterY,
    reference,
    staircase,
    plot.points.length ? dots : `<text class="empty" x="${pad.left + w / 2}" y="${pad.top + h / 2}" text-anchor="middle">no complete results yet</text>`,
    '</svg>',
  ].join('\n');
}
