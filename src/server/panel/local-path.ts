/**
 * Where the panel may send a person after signing in: only a path on this site. Browsers forgive a
 * great deal in a Location header — they drop tabs and line breaks, read `\` as `/`, and treat
 * `//host` as another origin — so `/%09/evil.example` would leave the site. Anything that is not
 * plainly a local path, before and after percent-decoding, becomes `/`.
 */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** Controls, every kind of whitespace and the backslash: none belongs in a path we link to. */
const UNSAFE_IN_PATH = /[\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200F\u2028-\u202F\u205F\u3000\uFEFF\\]/;
const BASE = 'http://athanor.invalid';

/** The path (before ? or #) starts with exactly one slash and holds nothing a browser would rewrite. */
function plainlyLocal(target: string): boolean {
  const path = target.split(/[?#]/, 1)[0]!;
  return path.startsWith('/') && !path.includes('//') && !UNSAFE_IN_PATH.test(path) && !CONTROL.test(target);
}

export function localPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > 2_000 || !plainlyLocal(next) || /\s/.test(next)) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return fallback; // a malformed escape: not something our own pages produce
  }
  if (!plainlyLocal(decoded)) return fallback;
  // Last guard: resolved against any origin, it must stay on that origin.
  return new URL(next, BASE).origin === BASE ? next : fallback;
}
