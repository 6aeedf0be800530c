import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import { CampaignSpecError, type CampaignIssue, type PathSegment } from './errors.js';

export type SourceFormat = 'yaml' | 'json';

/** The plain data of a campaign file plus a way back from a field path to the line it came
 * from, so that checks running on plain objects can still point at the file. */
export interface ParsedSource {
  data: unknown;
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** The extension wins; without one, a leading '{' means JSON (what an HTTP client or a script
 * would send), anything else is YAML. */
export function detectFormat(text: string, fileName?: string): SourceFormat {
  const lower = fileName?.toLowerCase() ?? '';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** Deeper than this, a campaign file is an attack, not a description of an experiment. */
export const MAX_NESTING = 64;

export function parseSource(text: string, format: SourceFormat, fileName?: string): ParsedSource {
  const tooDeep = nestingBeyond(text, MAX_NESTING, format);
  if (tooDeep !== undefined) {
    throw new CampaignSpecError([{ path: '', line: tooDeep, message: `nested more than ${MAX_NESTING} levels deep` }], fileName);
  }
  return format === 'json' ? parseJson(text, fileName) : parseYaml(text, fileName);
}

/**
 * The line where brackets ([ and {) outside quoted strings first nest deeper than `limit`, or
 * undefined. Counted on the text before any parser runs, so that 200,000 nested brackets cost one
 * pass instead of a parse that recurses (and a line lookup per level). YAML comments are skipped;
 * block nesting needs indentation and so stays shallow within the body limit. Written by hand:
 * neither JSON.parse nor the yaml package takes a depth limit.
 */
function nestingBeyond(text: string, limit: number, format: SourceFormat): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (quote !== undefined) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    // in YAML a quote opens a string only where a scalar starts (a plain scalar may contain one)
    if ((ch === '"' || (ch === "'" && format === 'yaml')) && (format === 'json' || /[\s[{,:]/.test(text[i - 1] ?? ' '))) quote = ch;
    else if (ch === '#' && format === 'yaml' && /\s/.test(text[i - 1] ?? ' ')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (ch === '[' || ch === '{') {
      if (++depth > limit) return line;
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return undefined;
}

function parseYaml(text: string, fileName?: string): ParsedSource {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages span several lines (with a code excerpt), and ours are one
  // issue per line; the line number is computed from the offset instead. Unique keys are checked
  // below: the yaml package compares each key with every earlier one (quadratic in a map's size).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const errors: CampaignIssue[] = doc.errors.map((e) => ({ path: '', line: lineAt(e.pos[0]), message: `invalid YAML: ${firstLine(e.message)}` }));
  if (errors.length === 0) errors.push(...duplicateKeys(doc, lineAt));
  if (errors.length > 0) throw new CampaignSpecError(errors.slice(0, MAX_SYNTAX_ERRORS), fileName);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new CampaignSpecError([{ path: '', message: `invalid YAML: ${firstLine(String(e))}` }], fileName);
  }
  return { data, lineOf: (path) => lineInDocument(doc, lineAt, path) };
}

function parseJson(text: string, fileName?: string): ParsedSource {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const issue: CampaignIssue = { path: '', message: `invalid JSON: ${firstLine(message)}` };
    // Node reports a character offset ("at position 42"); turn it into a line like YAML errors.
    const pos = /position (\d+)/.exec(message);
    if (pos?.[1] !== undefined) issue.line = lineOfOffset(text, Number(pos[1]));
    throw new CampaignSpecError([issue], fileName);
  }
  // JSON is (nearly) YAML 1.2 flow syntax, so the YAML parser gives line numbers for free; when it
  // disagrees with JSON.parse on some corner case, the issues just go without lines.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) return { data, lineOf: () => undefined };
  return { data, lineOf: (path) => lineInDocument(doc, (o) => lineCounter.linePos(o).line, path) };
}

/** Reported at most; a file with more has bigger problems than the ones listed. */
const MAX_SYNTAX_ERRORS = 50;

/** Keys repeated within one map, each with its line, in linear time (one set per map). */
function duplicateKeys(doc: Document, lineAt: (offset: number) => number): CampaignIssue[] {
  const issues: CampaignIssue[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        // only scalar keys compare by value; a complex key is its own thing
        if (!isScalar(pair.key)) continue;
        const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (seen.has(key)) {
          const start = rangeStart(pair.key);
          issues.push({ path: '', ...(start !== undefined ? { line: lineAt(start) } : {}), message: 'invalid YAML: Map keys must be unique' });
        }
        seen.add(key);
      }
    },
  });
  return issues;
}

/** Each map's pairs by key text, built on first use: a path lookup per issue must not scan a map of 20,000 keys each time. */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items as Pair[]) {
      const text = keyText(pair.key);
      if (!index.has(text)) index.set(text, pair);
    }
    pairIndexes.set(map, index);
  }
  return index.get(key);
}

/** Walks the YAML tree along `path` and returns the line of the deepest node found: the key's
 * line for a map entry (where the reader looks), the item's line in a list. A path that leaves
 * the tree (a missing field, a default) stops at its nearest existing ancestor. */
function lineInDocument(
  doc: Document,
  lineAt: (offset: number) => number,
  path: readonly PathSegment[],
): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairOf(node as YAMLMap, String(segment));
      if (pair === undefined) break;
      const anchor = pair.key ?? pair.value;
      const start = rangeStart(anchor);
      if (start !== undefined) line = lineAt(start);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      const start = rangeStart(item);
      if (start !== undefined) line = lineAt(start);
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range?.[0];
  }
  return undefined;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
