/** SVG plots for benchmark reports: median curves with inter-quartile bands, no plotting library needed. */
import { quantile } from './lib.js';

// Tableau 10: distinct hues that stay distinguishable for most colour-vision deficiencies.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface BandsPlot {
  title: string;
  /** Each curve: one array per run, value after experiment 1, 2, … */
  curves: { label: string; runs: number[][] }[];
  /** Curves known exactly rather than from runs (e.g. random search's order statistics), drawn dashed. */
  exact?: { label: string; median: number[]; q25: number[]; q75: number[] }[];
  budget: number;
  reference?: { value: number; label: string };
  yLabel?: string;
}

export function bandsSvg(plot: BandsPlot, width = 760, height = 420): string {
  const pad = { left: 56, right: 170, top: 36, bottom: 44 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const all = [...plot.curves.flatMap((c) => c.runs.flat()), ...(plot.exact ?? []).flatMap((c) => [...c.q25, ...c.q75])];
  const yMax = Math.max(plot.reference?.value ?? 0, ...all);
  const yMin = Math.min(0, ...all);
  const x = (i: number) => pad.left + (w * i) / plot.budget;
  const y = (v: number) => pad.top + h - (h * (v - yMin)) / (yMax - yMin || 1);
  const parts: string[] = [];
  const fromRuns = plot.curves.map((curve) => {
    const q25: number[] = [];
    const median: number[] = [];
    const q75: number[] = [];
    for (let i = 0; i < plot.budget; i++) {
      const column = curve.runs.map((r) => r[i]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
      q25.push(column.length ? quantile(column, 0.25) : Number.NaN);
      median.push(column.length ? quantile(column, 0.5) : Number.NaN);
      q75.push(column.length ? quantile(column, 0.75) : Number.NaN);
    }
    return { label: curve.label, q25, median, q75, dashed: false };
  });
  const drawn = [...fromRuns, ...(plot.exact ?? []).map((c) => ({ ...c, dashed: true }))];
  drawn.forEach((curve, k) => {
    const color = PALETTE[k % PALETTE.length] as string;
    const lo: string[] = [];
    const hi: string[] = [];
    const mid: string[] = [];
    for (let i = 0; i < plot.budget; i++) {
      if (Number.isNaN(curve.median[i] ?? Number.NaN)) continue;
      const px = x(i + 1).toFixed(1);
      lo.push(`${px},${y(curve.q25[i] as number).toFixed(1)}`);
      hi.push(`${px},${y(curve.q75[i] as number).toFixed(1)}`);
      mid.push(`${px},${y(curve.median[i] as number).toFixed(1)}`);
    }
    const dash = curve.dashed ? ' stroke-dasharray="6 3"' : '';
    parts.push(`<polygon points="${[...hi, ...lo.reverse()].join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
    parts.push(`<polyline points="${mid.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    const ly = pad.top + 14 + k * 18;
    parts.push(`<line x1="${width - pad.right + 12}" x2="${width - pad.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"${dash}/>`);
    parts.push(`<text x="${width - pad.right + 38}" y="${ly}">${escapeXml(curve.label)}</text>`);
  });
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => yMin + f * (yMax - yMin));
  const xTicks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => Math.round(f * plot.budget));
  const ref = plot.reference
    ? `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(plot.reference.value)}" y2="${y(plot.reference.value)}" stroke="#444" stroke-dasharray="5 4"/>` +
      `<text x="${pad.left + 4}" y="${y(plot.reference.value) - 5}">${escapeXml(plot.reference.label)} (${plot.reference.value.toFixed(2)})</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.left}" y="20" font-size="14" font-weight="600">${escapeXml(plot.title)}</text>
${yTicks.map((t) => `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(0)}</text>`).join('\n')}
${xTicks.map((t) => `<text x="${x(t)}" y="${pad.top + h + 16}" text-anchor="middle">${t}</text>`).join('\n')}
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + h}" stroke="#888"/>
<line x1="${pad.left}" x2="${pad.left + w}" y1="${pad.top + h}" y2="${pad.top + h}" stroke="#888"/>
<text x="${pad.left + w / 2}" y="${height - 8}" text-anchor="middle">experiments</text>
<text x="14" y="${pad.top + h / 2}" transform="rotate(-90 14 ${pad.top + h / 2})" text-anchor="middle">${escapeXml(plot.yLabel ?? 'best yield so far (%)')}</text>
${ref}
${parts.join('\n')}
</svg>
`;
}
