/** Small server-drawn SVG plots, so the status page needs no script and no external assets. */

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface BestSoFarPlot {
  values: (number | null)[];
  budget: number;
  yLabel: string;
  /** A horizontal reference line (e.g. the dataset's top-1 % threshold). */
  reference?: { value: number; label: string };
  yMax?: number;
}

/** Best value so far against experiments, as a step line. */
export function bestSoFarSvg(plot: BestSoFarPlot, width = 560, height = 240): string {
  const pad = { left: 48, right: 12, top: 12, bottom: 36 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const numbers = plot.values.filter((v): v is number => v !== null);
  const yMax = plot.yMax ?? Math.max(1, ...numbers, plot.reference?.value ?? 0);
  const yMin = Math.min(0, ...numbers);
  const x = (i: number) => pad.left + (w * i) / Math.max(1, plot.budget);
  const y = (v: number) => pad.top + h - (h * (v - yMin)) / (yMax - yMin || 1);
  let path = '';
  plot.values.forEach((v, i) => {
    if (v === null) return;
    path += path ? ` H${x(i + 1).toFixed(1)} V${y(v).toFixed(1)}` : `M${x(i + 1).toFixed(1)} ${y(v).toFixed(1)}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => yMin + f * (yMax - yMin));
  const xticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * plot.budget));
  const ref = plot.reference
    ? `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(plot.reference.value)}" y2="${y(plot.reference.value)}" class="ref"/>` +
      `<text x="${pad.left + w - 4}" y="${y(plot.reference.value) - 4}" text-anchor="end" class="reflabel">${escapeXml(plot.reference.label)}</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="best ${escapeXml(plot.yLabel)} so far against experiments" class="plot">
<style>.axis{stroke:#888;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}.line{fill:none;stroke:#1f6feb;stroke-width:2}.ref{stroke:#d1242f;stroke-dasharray:4 3}.reflabel{fill:#d1242f;font:11px sans-serif}text{font:11px sans-serif;fill:#444}</style>
${ticks.map((t) => `<line class="grid" x1="${pad.left}" x2="${pad.left + w}" y1="${y(t)}" y2="${y(t)}"/><text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(0)}</text>`).join('')}
${xticks.map((t) => `<text x="${x(t)}" y="${pad.top + h + 16}" text-anchor="middle">${t}</text>`).join('')}
<line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + h}"/>
<line class="axis" x1="${pad.left}" x2="${pad.left + w}" y1="${pad.top + h}" y2="${pad.top + h}"/>
<text x="${pad.left + w / 2}" y="${height - 4}" text-anchor="middle">experiments</text>
<text x="12" y="${pad.top + h / 2}" transform="rotate(-90 12 ${pad.top + h / 2})" text-anchor="middle">best ${escapeXml(plot.yLabel)}</text>
${ref}
${path ? `<path class="line" d="${path}"/>` : ''}
</svg>`;
}

export { escapeXml };
