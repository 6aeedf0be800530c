/** Small formatting helpers for panel pages. */

export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toFixed(digits);
}

export function withUnit(value: number | null | undefined, unit: string | null, digits = 2): string {
  const text = fmt(value, digits);
  if (text === '—' || !unit) return text;
  return unit === '%' ? `${text} %` : `${text} ${unit}`;
}

/** "12 s ago", "5 min ago" …: for activity lists, relative to the page's rendering time. */
export function ago(at: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return at.toISOString().slice(0, 10);
}

/** A plain sentence for an event, for the activity list. */
export function describeEvent(type: string, payload: Record<string, unknown>): string {
  const seq = payload.seq !== undefined ? ` ${String(payload.seq)}` : '';
  switch (type) {
    case 'campaign.created':
      return 'campaign created';
    case 'batch.planned': {
      const n = Array.isArray(payload.experiments) ? payload.experiments.length : 0;
      return `batch ${String(payload.batch ?? '')} planned (${n} experiment${n === 1 ? '' : 's'})`;
    }
    case 'experiment.dispatched':
      return `experiment${seq} sent to the lab${payload.duplicate ? ' (again)' : ''}`;
    case 'result.stored': {
      const values = payload.values as Record<string, number> | undefined;
      const shown = values ? Object.entries(values).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') : '';
      return `result for experiment${seq}${shown ? `: ${shown}` : ''}`;
    }
    case 'result.quarantined':
      return `result quarantined: ${String(payload.reason ?? '')}`;
    case 'quarantine.assigned':
      return `quarantined report stored as the result of experiment${seq}${payload.reason ? `: ${String(payload.reason)}` : ''}`;
    case 'quarantine.discarded':
      return `quarantined report discarded: ${String(payload.reason ?? '')}`;
    case 'result.excluded':
      return `result of experiment${seq} excluded: ${String(payload.reason ?? '')}`;
    case 'result.included':
      return `result of experiment${seq} included again`;
    case 'experiment.failed':
      return `experiment${seq} failed: ${String(payload.reason ?? '')}`;
    case 'experiment.held':
      return `experiment${seq} held (a lab fault, not the experiment's; sent again when the lab is healthy): ${String(payload.reason ?? '')}`;
    case 'lab.outage':
      return `lab outage: ${String(payload.reason ?? '')}`;
    case 'campaign.paused':
      return payload.reason ? `campaign paused: ${String(payload.reason)}` : 'campaign paused';
    case 'experiment.cancelled':
      return `experiment${seq} cancelled: ${String(payload.reason ?? '')}`;
    case 'campaign.settings-changed':
      return `settings changed: ${Object.keys(payload).join(', ')}`;
    case 'campaign.stop-requested':
      return 'stop requested';
    default:
      return type.replace(/^campaign\./, 'campaign ').replace(/[.-]/g, ' ');
  }
}
