/**
 * The campaign page's experiment table as a chemist uses it: sorted by any column, filtered by
 * status, by each parameter and by result, a page at a time. Everything is in the page's query
 * (?sort=yield&dir=desc&status=completed&p.ligand=XPhos&min=50&page=2), so a view can be linked to,
 * survives the live refresh and works without the script.
 */
import type { ParameterInfo } from '../../campaign/index.js';
import type { ExperimentRecord } from '../campaign-records.js';

export const PAGE_SIZE = 25;

export interface TableQuery {
  /** 'seq', 'status', 'result', 'predicted' or a parameter's name. */
  sort: string;
  dir: 'asc' | 'desc';
  status?: string;
  /** Parameter → the one value shown. */
  filters: Record<string, string>;
  min?: number;
  max?: number;
  page: number;
}

const numberOr = (text: string | null): number | undefined => {
  if (text === null || text.trim() === '') return undefined;
  const n = Number(text.replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
};

export function tableQueryOf(search: URLSearchParams): TableQuery {
  const filters: Record<string, string> = {};
  for (const [key, value] of search) if (key.startsWith('p.') && value !== '') filters[key.slice(2)] = value;
  const page = Number(search.get('page'));
  const min = numberOr(search.get('min'));
  const max = numberOr(search.get('max'));
  return {
    sort: search.get('sort') || 'seq',
    dir: search.get('dir') === 'asc' ? 'asc' : search.get('dir') === 'desc' ? 'desc' : search.get('sort') ? 'asc' : 'desc',
    ...(search.get('status') ? { status: search.get('status')! } : {}),
    filters,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

export interface TablePage {
  rows: ExperimentRecord[];
  /** Experiments that pass the filters. */
  matching: number;
  page: number;
  pages: number;
}

function sortKey(record: ExperimentRecord, sort: string, target: string, parameters: readonly ParameterInfo[]): string | number | undefined {
  switch (sort) {
    case 'seq':
      return record.seq;
    case 'status':
      return record.status;
    case 'result':
      return record.values[target];
    case 'predicted':
      return record.predicted ?? undefined;
  }
  const p = parameters.find((x) => x.name === sort);
  if (!p) return record.seq;
  const value = record.parameters[p.name];
  // choices sort in the campaign file's order, numbers by value
  if (p.kind === 'numeric') return typeof value === 'number' ? value : Number(value);
  const index = (p.choices as string[]).indexOf(String(value));
  return index < 0 ? String(value ?? '') : index;
}

export function applyTable(records: readonly ExperimentRecord[], query: TableQuery, target: string, parameters: readonly ParameterInfo[]): TablePage {
  const statuses = query.status?.split(',');
  const kept = records.filter((r) => {
    if (statuses && !statuses.includes(r.status)) return false;
    for (const [name, wanted] of Object.entries(query.filters)) if (String(r.parameters[name] ?? '') !== wanted) return false;
    const value = r.values[target];
    if (query.min !== undefined && !(value !== undefined && value >= query.min)) return false;
    if (query.max !== undefined && !(value !== undefined && value <= query.max)) return false;
    return true;
  });
  const sign = query.dir === 'asc' ? 1 : -1;
  const keyed = kept.map((r) => ({ r, k: sortKey(r, query.sort, target, parameters) }));
  keyed.sort((a, b) => {
    // missing values (no result yet) always last, whichever the direction
    if (a.k === undefined || (typeof a.k === 'number' && Number.isNaN(a.k))) return b.k === undefined ? a.r.seq - b.r.seq : 1;
    if (b.k === undefined || (typeof b.k === 'number' && Number.isNaN(b.k))) return -1;
    const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
    return sign * c || sign * (a.r.seq - b.r.seq);
  });
  const pages = Math.max(1, Math.ceil(keyed.length / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  return { rows: keyed.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((x) => x.r), matching: keyed.length, page, pages };
}

/**
 * The page's query with some keys changed (undefined removes one); a new sort or filter goes back
 * to page 1. `anchor`: the section the link returns to (the trade-off table's sort links use it).
 */
export function withQuery(search: URLSearchParams, changes: Record<string, string | undefined>, anchor = 'experiments'): string {
  const next = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) next.delete(k);
    else next.set(k, v);
  }
  const text = next.toString();
  return text ? `?${text}#${anchor}` : `?#${anchor}`;
}
