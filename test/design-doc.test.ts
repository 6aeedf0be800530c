/* Every design reference the code makes must resolve in the repository's own docs/design.md. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

const design = readFileSync(join(ROOT, 'docs', 'design.md'), 'utf8');
const headings = new Set([...design.matchAll(/^#{2,3} (.+)$/gm)].map((m) => (m[1] as string).trim()));
const invariants = new Set([...design.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));

describe('docs/design.md', () => {
  const files = sources(join(ROOT, 'src'));

  it('is what the code cites, never a design document a clone does not have', () => {
    const bare = files.filter((f) => /\bDESIGN\b/.test(readFileSync(f, 'utf8')));
    expect(bare).toEqual([]);
  });

  it('has every section and invariant the code cites', () => {
    const citations = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/docs\/design\.md, (?:invariant (\d+)|"([^"]+)"|([A-Z][A-Za-z ]+?)[),])/g)].map((m) => ({ file: f, invariant: m[1], section: m[2] ?? m[3] })),
    );
    expect(citations.length).toBeGreaterThan(4);
    for (const c of citations) {
      if (c.invariant !== undefined) expect(invariants.has(Number(c.invariant)), `${c.file}: invariant ${c.invariant}`).toBe(true);
      else expect(headings.has(c.section as string), `${c.file}: section ${c.section}`).toBe(true);
    }
  });
});
