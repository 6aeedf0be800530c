/**
 * A whole mechanism as one picture: each step's arrow-pushing drawing (arrow-pictures.ts) stacked
 * top to bottom under a title line, so a proposal can show how its product forms with one image.
 * Each step drawing is kept as a nested <svg> at its offset (valid SVG, drawn by every browser).
 */
import type { MechanismView } from './prediction-view.js';

const TITLE_HEIGHT = 28;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The best mechanism of a view, its step pictures one under another; a note when there is none. */
export function chainSvg(view: MechanismView, width = 420, stepHeight = 300): string {
  const [best] = view.mechanisms;
  const steps = best?.steps.filter((s) => s.svg) ?? [];
  const title = best
    ? `${steps.length} step${steps.length === 1 ? '' : 's'} → ${best.products.join(' + ')} (${(100 * best.probability).toFixed(0)} % of the chains found${view.lowConfidence ? '; low confidence' : ''})`
    : 'no elementary step the mechanism library knows applies';
  const height = TITLE_HEIGHT + steps.length * stepHeight;
  const body = steps
    .map((step, k) => step.svg!.replace(/<\?xml[^>]*\?>\s*/, '').replace(/<svg\b/, `<svg x="0" y="${TITLE_HEIGHT + k * stepHeight}"`))
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="mechanism-chain">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-family="sans-serif" font-size="12" fill="#333">${escapeXml(title)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}
