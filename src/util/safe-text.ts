/**
 * What text Athanor will store. PostgreSQL (and PGlite) cannot hold a NUL byte in text or jsonb,
 * nor an unpaired UTF-16 surrogate in jsonb; header values cannot hold a line break. Text that
 * would fail there is refused where it comes in, naming the field, instead of failing as a 500
 * when it reaches the database. One module, so the API's schemas, the campaign-file schema and
 * the raw-body checks agree on what "safe" means.
 */
import { z } from 'zod';

const NUL = /\0/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINE_BREAK = /[\r\n\u2028\u2029]/;
/** C0 controls other than tab, LF and CR, DEL, and C1 controls: never meant in a name or a reason. */
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export interface TextRules {
  /** Allow line breaks (a reason, a note); names and single-line values must not have them. */
  multiline?: boolean;
  /** Also refuse other control characters (default true: only NUL and surrogates are checked when false). */
  controls?: boolean;
}

/** Why this text cannot be stored, or undefined when it can. */
export function textProblem(text: string, rules: TextRules = {}): string | undefined {
  if (NUL.test(text)) return 'contains a NUL byte (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'contains invalid Unicode (an unpaired surrogate)';
  if (!rules.multiline && LINE_BREAK.test(text)) return 'must be a single line (no line breaks)';
  if ((rules.controls ?? true) && CONTROL.test(text)) return 'contains a control character';
  return undefined;
}

/** A zod string with a length limit that refuses what textProblem refuses. */
export function safeText(options: TextRules & { max: number }) {
  return z
    .string()
    .max(options.max, `must be at most ${options.max} characters`)
    .superRefine((text, ctx) => {
      const problem = textProblem(text, options);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

export interface TextIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Every string and object key in a parsed document (JSON, YAML) that cannot be stored: NUL bytes
 * and unpaired surrogates, which jsonb refuses wherever they are. Walks with an explicit stack, so a
 * document nested 100,000 deep costs time but never the call stack; stops after `limit` issues.
 */
export function findUnsafeText(value: unknown, limit = 20): TextIssue[] {
  // Each entry links to its parent, so the path is only spelled out for an issue: copying it for
  // every node would make deep nesting quadratic.
  interface Node {
    value: unknown;
    key?: string | number;
    parent?: Node;
  }
  const pathOf = (node: Node): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.push(n.key);
    return path.reverse();
  };
  const issues: TextIssue[] = [];
  const stack: Node[] = [{ value }];
  const check = (text: string, node: Node) => {
    const problem = textProblem(text, { multiline: true, controls: false });
    if (problem) issues.push({ path: pathOf(node), message: problem });
  };
  while (stack.length > 0 && issues.length < limit) {
    const node = stack.pop()!;
    const here = node.value;
    if (typeof here === 'string') check(here, node);
    else if (Array.isArray(here)) for (let i = here.length - 1; i >= 0; i--) stack.push({ value: here[i], key: i, parent: node });
    else if (here !== null && typeof here === 'object') {
      const entries = Object.entries(here);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const childNode: Node = { value: child, key, parent: node };
        check(key, childNode);
        stack.push(childNode);
      }
    }
  }
  return issues.slice(0, limit);
}

/**
 * NUL bytes and unpaired surrogates in a raw text body (a campaign file, a CSV), by line: the text
 * itself is stored (a campaign file as written) or its cells are, so neither may hold them.
 */
export function findUnsafeLines(text: string, limit = 20): { line: number; message: string }[] {
  if (!NUL.test(text) && !LONE_SURROGATE.test(text)) return [];
  const found: { line: number; message: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && found.length < limit; i++) {
    const problem = textProblem(lines[i]!, { multiline: true, controls: false });
    if (problem) found.push({ line: i + 1, message: `line ${i + 1} ${problem}` });
  }
  return found;
}
