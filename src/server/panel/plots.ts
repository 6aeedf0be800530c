/**
 * Server-drawn SVG plots for the panel. They use classes styled by panel.css (no inline styles, so
 * the page's content security policy stays strict), scale with their container, and carry a title
 * and a text description for screen readers.
 */
import type { Landscape, PredictedPoint } from '../insights.js';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface Frame {
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
}

export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toFixed(10)));
  return ticks;
}

export function formatTick(value: number): string {
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  return Number(value.toPrecision(3)).toString();
}

export function svgOpen(frame: Frame, id: string, title: string, description: string, extraClass = '', naturalSize = false): string {
  const size = naturalSize ? ` width="${frame.width}" height="${frame.height}"` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${frame.width} ${frame.height}"${size} class="plot ${extraClass}" role="img" aria-labelledby="${id}-title ${id}-desc">
<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(description)}</desc>`;
}

export function axes(frame: Frame, x: (v: number) => number, y: (v: number) => number, xTicks: number[], yTicks: number[], xLabel: string, yLabel: string): string {
  const { pad, width, height } = frame;
  const bottom = height - pad.bottom;
  const right = width - pad.right;
  return [
    ...yTicks.map((t) => `<line class="grid" x1="${pad.left}" x2="${right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="tick" x="${pad.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`),
    ...xTicks.map((t) => `<text class="tick" x="${x(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`),
    `<line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${bottom}"/>`,
    `<line class="axis" x1="${pad.left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>`,
    `<text class="label" x="${(pad.left + right) / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="label" x="14" y="${(pad.top + bottom) / 2}" transform="rotate(-90 14 ${(pad.top + bottom) / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

export interface BestSoFarPlot {
  /** Best value after each result, in experiment order. */
  values: (number | null)[];
  budget: number;
  target: string;
  unit: string | null;
  /** Expected best of random search after n experiments (n = 1 …). */
  random?: number[];
  /** A horizontal reference line, e.g. the dataset's top-1 % threshold. */
  reference?: { value: number; label: string };
  /**
   * What the curve is, when not the best value of the target: the hypervolume plot of a Pareto
   * campaign draws the same step curve with these (element id, title, axis label, the value's name
   * in the description).
   */
  id?: string;
  title?: string;
  yLabel?: string;
  valueName?: string;
}

export function bestSoFarSvg(plot: BestSoFarPlot): string {
  const frame: Frame = { width: 640, height: 280, pad: { left: 52, right: 16, top: 14, bottom: 40 } };
  const { pad } = frame;
  const w = frame.width - pad.left - pad.right;
  const h = frame.height - pad.top - pad.bottom;
  const numbers = [...plot.values.filter((v): v is number => v !== null), ...(plot.random ?? []), ...(plot.reference ? [plot.reference.value] : [])];
  const lo = numbers.length ? Math.min(...numbers) : 0;
  const hi = numbers.length ? Math.max(...numbers) : 1;
  const yTicks = niceTicks(Math.min(0, lo), hi === lo ? hi + 1 : hi);
  const yMin = Math.min(...yTicks, lo);
  const yMax = Math.max(...yTicks, hi);
  const xMax = Math.max(1, plot.budget);
  const x = (n: number) => pad.left + (w * n) / xMax;
  const y = (v: number) => pad.top + h - (h * (v - yMin)) / (yMax - yMin || 1);
  const unit = plot.unit ? ` (${plot.unit})` : '';
  const step = (values: (number | null)[]) => {
    let d = '';
    values.forEach((v, i) => {
      if (v === null) return;
      d += d ? ` H${x(i + 1).toFixed(1)} V${y(v).toFixed(1)}` : `M${x(i + 1).toFixed(1)} ${y(v).toFixed(1)}`;
    });
    return d;
  };
  const random = plot.random?.slice(0, xMax) ?? [];
  const randomPath = random.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i + 1).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
  const last = [...plot.values].reverse().find((v): v is number => v !== null);
  const description =
    plot.values.length === 0
      ? 'No results yet.'
      : `After ${plot.values.length} results the ${plot.valueName ?? `best ${plot.target}`} is ${last?.toFixed(2)}${plot.unit ?? ''}.` +
        (random.length >= plot.values.length && random[plot.values.length - 1] !== undefined
          ? ` Random search would expect ${random[plot.values.length - 1]!.toFixed(2)} after as many.`
          : '');
  return [
    svgOpen(frame, plot.id ?? 'best-so-far', plot.title ?? `Best ${plot.target} so far against experiments`, description),
    axes(frame, x, y, niceTicks(0, xMax, 6).filter((t) => Number.isInteger(t)), yTicks, 'experiments with a result', plot.yLabel ?? `best ${plot.target}${unit}`),
    plot.reference ? `<line class="series-ref" x1="${pad.left}" x2="${pad.left + w}" y1="${y(plot.reference.value).toFixed(1)}" y2="${y(plot.reference.value).toFixed(1)}"/>` : '',
    randomPath ? `<path class="series-random" d="${randomPath}"/>` : '',
    plot.values.length ? `<path class="series-best" d="${step(plot.values)}"/>` : `<text class="empty" x="${pad.left + w / 2}" y="${pad.top + h / 2}" text-anchor="middle">no results yet</text>`,
    '</svg>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

export function predictedVsObservedSvg(points: PredictedPoint[], target: string, unit: string | null, bounds?: [number, number]): string {
  const frame: Frame = { width: 360, height: 340, pad: { left: 52, right: 14, top: 14, bottom: 40 } };
  const { pad } = frame;
  const w = frame.width - pad.left - pad.right;
  const h = frame.height - pad.top - pad.bottom;
  // a yield is never below 0 % nor above 100 %: predictions and their bars are held to the objective's bounds
  const hold = (v: number) => (bounds ? Math.min(bounds[1], Math.max(bounds[0], v)) : v);
  points = points.map((p) => ({ ...p, mean: hold(p.mean), lower: hold(p.mean - p.sigma), upper: hold(p.mean + p.sigma) }));
  const lowerOf = (p: PredictedPoint) => (p as PredictedPoint & { lower?: number }).lower ?? p.mean - p.sigma;
  const upperOf = (p: PredictedPoint) => (p as PredictedPoint & { upper?: number }).upper ?? p.mean + p.sigma;
  const values = points.flatMap((p) => [p.observed, lowerOf(p), upperOf(p)]);
  const ticks = niceTicks(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1);
  const lo = Math.min(...ticks, ...values);
  const hi = Math.max(...ticks, ...values);
  const x = (v: number) => pad.left + (w * (v - lo)) / (hi - lo || 1);
  const y = (v: number) => pad.top + h - (h * (v - lo)) / (hi - lo || 1);
  const u = unit ? ` (${unit})` : '';
  const bars = points
    .map(
      (p) =>
        `<g class="point"><title>${p.seq === undefined ? 'a result' : `experiment ${p.seq}`}: observed ${p.observed.toFixed(2)}, predicted without it ${p.mean.toFixed(2)} ± ${p.sigma.toFixed(2)}</title>` +
        `<line class="errorbar" x1="${x(p.observed).toFixed(1)}" x2="${x(p.observed).toFixed(1)}" y1="${y(lowerOf(p)).toFixed(1)}" y2="${y(upperOf(p)).toFixed(1)}"/>` +
        `<circle class="dot" cx="${x(p.observed).toFixed(1)}" cy="${y(p.mean).toFixed(1)}" r="3.5"/></g>`,
    )
    .join('');
  const inside = points.filter((p) => Math.abs(p.mean - p.observed) <= p.sigma).length;
  const description = points.length
    ? `${points.length} observed experiments; ${inside} of them (${Math.round((100 * inside) / points.length)} %) lie within one σ of the prediction (about 68 % would, if σ is calibrated).`
    : 'No observations to compare yet.';
  return [
    svgOpen(frame, 'pred-obs', `Held-out predicted against observed ${target}, with ±1σ bars`, description),
    axes(frame, x, y, ticks, ticks, `observed ${target}${u}`, `predicted without it ${target}${u}`),
    `<line class="diagonal" x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}"/>`,
    bars,
    '</svg>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

/** A perceptually even ramp (viridis stops), t in [0, 1]. */
const RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function rampColor(t: number, reversed = false): string {
  const u = Math.min(1, Math.max(0, reversed ? 1 - t : t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  const channel = (k: number) => Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f);
  return `#${[1, 3, 5].map((k) => channel(k).toString(16).padStart(2, '0')).join('')}`;
}

function shorten(label: string, max = 24): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

export function landscapeSvg(map: Landscape, unit: string | null, show: 'sigma' | 'mean' = 'sigma'): string {
  const cols = map.x.labels.length;
  const rows = map.y.labels.length;
  const cell = Math.max(14, Math.min(44, Math.floor(520 / Math.max(cols, 1))));
  const rowH = Math.max(14, Math.min(30, cell));
  const pad = { left: 170, top: 12, bottom: 150, right: 12 };
  // Room on the right for the last rotated label and for the colour legend's text.
  const width = Math.max(pad.left + cols * cell + 90, pad.left + 330);
  const height = pad.top + rows * rowH + pad.bottom;
  const metric = (c: Landscape['cells'][number]) => (map.mode === 'model' ? (show === 'mean' ? c.mean : c.sigma) : (c.best ?? undefined));
  const id = map.mode === 'model' && show === 'mean' ? 'landscape-mean' : 'landscape';
  const values = map.cells.map(metric).filter((v): v is number => v !== undefined);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const u = unit ? ` ${unit}` : '';
  const rects = map.cells
    .map((c) => {
      const v = metric(c);
      const fill = v === undefined ? '#e8eaed' : rampColor(hi > lo ? (v - lo) / (hi - lo) : 0.5);
      const title =
        `${map.x.name} ${map.x.labels[c.x]}${map.y.name ? `, ${map.y.name} ${map.y.labels[c.y]}` : ''}: ` +
        (map.mode === 'model'
          ? map.searched
            ? `σ ${c.sigma?.toFixed(2)}${u}, prediction ${c.mean?.toFixed(2)}${u} at the cell's centre`
            : `mean σ ${c.sigma?.toFixed(2)}${u}, mean prediction ${c.mean?.toFixed(2)}${u}`
          : c.best === null
            ? 'no result yet'
            : `best ${c.best.toFixed(2)}${u}`) +
        (map.searched ? ` (${c.tried} experiment${c.tried === 1 ? '' : 's'} in this cell)` : ` (${c.tried} of ${c.candidates} candidates tried)`);
      const x = pad.left + c.x * cell;
      const y = pad.top + c.y * rowH;
      return `<g><title>${escapeXml(title)}</title><rect class="cell${c.tried > 0 ? ' tried' : ''}" x="${x}" y="${y}" width="${cell - 1}" height="${rowH - 1}" fill="${fill}"/>${
        c.tried > 0 ? `<circle class="tried-mark" cx="${x + cell / 2 - 0.5}" cy="${y + rowH / 2 - 0.5}" r="${Math.min(3.5, cell / 6)}"/>` : ''
      }</g>`;
    })
    .join('');
  const yLabels = map.y.labels
    .map((l, j) => `<text class="tick" x="${pad.left - 6}" y="${pad.top + j * rowH + rowH / 2 + 4}" text-anchor="end">${escapeXml(shorten(l))}</text>`)
    .join('');
  const xLabels = map.x.labels
    .map((l, i) => {
      const cx = pad.left + i * cell + cell / 2;
      const cy = pad.top + rows * rowH + 8;
      return `<text class="tick" x="${cx}" y="${cy}" transform="rotate(45 ${cx} ${cy})" text-anchor="start">${escapeXml(shorten(l))}</text>`;
    })
    .join('');
  const what = map.mode === 'model' ? (show === 'mean' ? `mean predicted ${map.target}` : `mean σ of the predicted ${map.target}`) : `best observed ${map.target}`;
  const description =
    `${what} over ${map.x.name}${map.y.name ? ` × ${map.y.name}` : ''}; ` +
    (values.length ? `from ${lo.toFixed(2)} to ${hi.toFixed(2)}${u}. ` : 'nothing to show yet. ') +
    'Dots mark cells where experiments ran.';
  const legendY = height - 22;
  const legend =
    `<defs><linearGradient id="${id}-ramp" x1="0" x2="1">${RAMP.map((c, i) => `<stop offset="${(i / (RAMP.length - 1)).toFixed(2)}" stop-color="${c}"/>`).join('')}</linearGradient></defs>` +
    `<rect x="${pad.left}" y="${legendY}" width="160" height="10" fill="url(#${id}-ramp)"/>` +
    `<text class="tick" x="${pad.left - 6}" y="${legendY + 9}" text-anchor="end">${values.length ? lo.toFixed(1) : ''}</text>` +
    `<text class="tick" x="${pad.left + 166}" y="${legendY + 9}">${values.length ? hi.toFixed(1) : ''}${u} ${escapeXml(what)}</text>`;
  const axisTitles =
    `<text class="label" x="${pad.left + (cols * cell) / 2}" y="${height - 40}" text-anchor="middle">${escapeXml(map.x.name)}</text>` +
    (map.y.name ? `<text class="label" x="14" y="${pad.top + (rows * rowH) / 2}" transform="rotate(-90 14 ${pad.top + (rows * rowH) / 2})" text-anchor="middle">${escapeXml(map.y.name)}</text>` : '');
  return [svgOpen({ width, height, pad }, id, `Landscape: ${what}`, description, 'heatmap', true), rects, yLabels, xLabels, axisTitles, legend, '</svg>'].join('\n');
}

// ---------------------------------------------------------------------------------------------

/**
 * Okabe & Ito's colour-blind-safe palette, each with its own dash pattern too, so curves are told
 * apart in grey print and by people who do not see every colour.
 */
const OVERLAY_STYLES = [
  { stroke: '#0072b2', dash: '' },
  { stroke: '#d55e00', dash: '8 4' },
  { stroke: '#009e73', dash: '2 3' },
  { stroke: '#cc79a7', dash: '10 3 2 3' },
  { stroke: '#e69f00', dash: '5 5' },
  { stroke: '#56b4e9', dash: '1 2' },
  { stroke: '#000000', dash: '12 4' },
  { stroke: '#8c6d31', dash: '6 2 2 2 2 2' },
];

export function overlayStyle(index: number): { stroke: string; dash: string } {
  return OVERLAY_STYLES[index % OVERLAY_STYLES.length]!;
}

export interface OverlayPlot {
  target: string;
  unit: string | null;
  series: { name: string; values: (number | null)[] }[];
}

/** Several campaigns' best-so-far curves on one pair of axes, with a legend naming each. */
export function overlaySvg(plot: OverlayPlot): string {
  const legendRowH = 18;
  const legendTop = 300;
  const frame: Frame = { width: 680, height: legendTop + 12 + legendRowH * plot.series.length, pad: { left: 56, right: 16, top: 14, bottom: 0 } };
  const { pad } = frame;
  const plotBottom = legendTop - 56; // room for ticks and the x axis title under the plot
  const w = frame.width - pad.left - pad.right;
  const h = plotBottom - pad.top;
  const numbers = plot.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const lo = numbers.length ? Math.min(...numbers) : 0;
  const hi = numbers.length ? Math.max(...numbers) : 1;
  const yTicks = niceTicks(Math.min(0, lo), hi === lo ? hi + 1 : hi);
  const yMin = Math.min(...yTicks, lo);
  const yMax = Math.max(...yTicks, hi);
  const xMax = Math.max(1, ...plot.series.map((s) => s.values.length));
  const x = (n: number) => pad.left + (w * n) / xMax;
  const y = (v: number) => pad.top + h - (h * (v - yMin)) / (yMax - yMin || 1);
  const unit = plot.unit ? ` (${plot.unit})` : '';
  // axes() puts the x title at the frame's foot: draw them in a frame that ends under the plot
  const axisFrame: Frame = { width: frame.width, height: plotBottom + 46, pad: { ...pad, bottom: 46 } };
  const step = (values: (number | null)[]) => {
    let d = '';
    values.forEach((v, i) => {
      if (v === null) return;
      d += d ? ` H${x(i + 1).toFixed(1)} V${y(v).toFixed(1)}` : `M${x(i + 1).toFixed(1)} ${y(v).toFixed(1)}`;
    });
    return d;
  };
  const curves = plot.series.map((s, i) => {
    const style = overlayStyle(i);
    const last = [...s.values].reverse().find((v): v is number => v !== null);
    const title = last === undefined ? `${s.name}: no results yet` : `${s.name}: best ${formatTick(last)}${plot.unit ? ` ${plot.unit}` : ''} after ${s.values.length} results`;
    return s.values.some((v) => v !== null)
      ? `<path class="series-overlay" data-series="${i}" d="${step(s.values)}" stroke="${style.stroke}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}><title>${escapeXml(title)}</title></path>`
      : '';
  });
  const legend = plot.series.map((s, i) => {
    const style = overlayStyle(i);
    const rowY = legendTop + i * legendRowH;
    return `<g class="legend-entry" data-series="${i}"><line x1="${pad.left}" x2="${pad.left + 36}" y1="${rowY}" y2="${rowY}" stroke="${style.stroke}" stroke-width="3"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/><text x="${pad.left + 44}" y="${rowY + 4}">${escapeXml(shorten(s.name, 80))}</text></g>`;
  });
  const description = plot.series
    .map((s) => {
      const last = [...s.values].reverse().find((v): v is number => v !== null);
      return last === undefined ? `${s.name}: no results yet.` : `${s.name}: best ${plot.target} ${formatTick(last)}${plot.unit ?? ''} after ${s.values.length} results.`;
    })
    .join(' ');
  return [
    svgOpen(frame, 'overlay', `Best ${plot.target} so far against experiments, ${plot.series.length} campaigns`, description || 'No campaigns chosen.'),
    axes(axisFrame, x, y, niceTicks(0, xMax, 6).filter((t) => Number.isInteger(t)), yTicks, 'experiments with a result', `best ${plot.target} so far${unit}`),
    numbers.length ? curves.join('\n') : `<text class="empty" x="${pad.left + w / 2}" y="${pad.top + h / 2}" text-anchor="middle">no results yet</text>`,
    `<g class="legend">${legend.join('')}</g>`,
    '</svg>',
  ].join('\n');
}
