import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
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

export function parseSource(text: string, format: SourceFormat, fileName?: string): ParsedSource {
  return format === 'json' ? parseJson(text, fileName) : parseYaml(text, fileName);
}

function parseYaml(text: string, fileName?: string): ParsedSource {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages span several lines (with a code excerpt), and ours are one
  // issue per line; the line number is computed from the offset instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new CampaignSpecError(
      doc.errors.map((e) => ({
        path: '',
        line: lineAt(e.pos[0]),
        message: `invalid YAML: ${firstLine(e.message)}`,
      })),
      fileName,
    );
  }
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
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
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
