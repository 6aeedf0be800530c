/**
 * Random and adversarial values for the fuzz test (fuzz.test.ts), drawn from a seeded generator so
 * a failure can be replayed. Each kind of field (string, number, path, URL, …) gets the values
 * that broke services like this one before: NUL and lone surrogates, CRLF, numbers JSON and YAML
 * read differently (1e308, -0, .nan, 0x10), deep nesting, long strings, paths that leave the data
 * folder (traversal, absolute, through a symlink), spreadsheet formulas, wrong types, empty values.
 * Hand-written: no library generates adversarial values for a zod schema.
 */
import type { Rng } from '../../src/util/random.js';

/** A YAML scalar written as is (unquoted) into a campaign file: `.nan`, `0x10`, `1e999`. */
export class RawYaml {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

export type FuzzValue = unknown;

/** Where the fuzzer may point paths, URLs and secrets (see fuzz-target.ts). */
export interface FuzzPlaces {
  /** The service's data folder (campaign paths resolve here). */
  dataDir: string;
  /** A folder outside every data folder whose files must stay untouched and unread. */
  sentinelDir: string;
  /** A loopback HTTP sink that records what it receives (exfiltration check). */
  sinkUrl: string;
  /** Environment variable the service holds and must never send anywhere. */
  secretEnv: string;
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** JSON nested `depth` deep, as text (JSON.stringify would recurse as deep itself). */
export const deepJsonText = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

/** ~130 heavy atoms: the size of molecule that hung forward prediction (issue 15, finding 5). */
export const LARGE_SMILES = 'CC(C)(C)c1ccc(cc1)' + 'C(=O)NCCOCCOCC'.repeat(10) + 'c1ccc2ccccc2c1';

const STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  'name\r\nX-Injected: 1',
  '\r\n\r\n',
  'x'.repeat(70_000),
  '%00',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '=cmd|\' /C calc\'!A0',
  '+HYPERLINK("http://evil.example/","click")',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1+1)*cmd',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; drop table campaigns; --",
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '1e308',
  'null',
  'true',
  '\u202egnp.exe',
  '🧪'.repeat(50),
  'C'.repeat(300),
  LARGE_SMILES,
  'c1ccccc1'.repeat(40),
];

const NUMBERS: readonly FuzzValue[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  1e308,
  -1e308,
  1e15,
  2 ** 53 + 2,
  5e-324,
  123456789012,
  -2147483649,
  new RawYaml('-0'),
  new RawYaml('.nan'),
  new RawYaml('.inf'),
  new RawYaml('-.inf'),
  new RawYaml('0x10'),
  new RawYaml('1e999'),
  new RawYaml('0o777'),
  'NaN',
  '0x10',
  '1e308',
  '-0',
  '12abc',
];

const WRONG_TYPES: readonly FuzzValue[] = [
  null,
  true,
  false,
  [],
  {},
  [[[]]],
  { '': { '': {} } },
  42,
  'text',
  deepObject(300),
  new RawYaml(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
  Array.from({ length: 20_000 }, (_, i) => i),
  new RawYaml('&a [x, *a]'),
  new RawYaml('!!binary aGVsbG8='),
  new RawYaml('!!js/function "function(){}"'),
];

/** Paths that must never be read or written: outside the data folder, directly or indirectly. */
export function pathValues(places: FuzzPlaces): string[] {
  const s = places.sentinelDir;
  return [
    `${s}/secret.csv`,
    `${s}/secret.txt`,
    `${s}/inbox`,
    s,
    `${s}/new-folder`,
    '../sentinel/secret.csv',
    'data/../../sentinel/secret.csv',
    '../../etc/passwd',
    '../../../../../../../../etc/passwd',
    '/etc/passwd',
    '/etc/shadow',
    '/proc/self/environ',
    'data/secret-link.csv',
    'linked-dir/secret.csv',
    'linked-dir',
    'linked-dir/new-folder',
    `file://${s}/secret.csv`,
    `${s}/secret.csv\u0000.csv`,
    '~/.ssh/id_rsa',
    'C:\\Windows\\win.ini',
    '\\\\127.0.0.1\\share\\x',
    '',
    '.',
    '..',
    'data',
    'data/does-not-exist.csv',
  ];
}

export function urlValues(places: FuzzPlaces): string[] {
  return [
    places.sinkUrl,
    `${places.sinkUrl}/../../x?y=\r\nX-Injected: 1`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:1/',
    'http://127.0.0.1:0/',
    'file:///etc/passwd',
    'gopher://127.0.0.1:25/',
    'javascript:alert(1)',
    `mqtt://127.0.0.1:1883/${'x'.repeat(5000)}`,
    'ws://127.0.0.1:1/',
    'http://user:pass@127.0.0.1:1/',
    'not a url',
  ];
}

const ENV_NAMES = (places: FuzzPlaces) => [places.secretEnv, 'HOME', 'PATH', 'DATABASE_URL', 'ATHANOR_LAB_SECRET', '', 'A'.repeat(5000), 'x-y', '1A'];
const HOST_PORTS = ['0.0.0.0:0', '0.0.0.0:7412', '[::]:0', '127.0.0.1:0', '127.0.0.1:99999', '127.0.0.1:22', 'localhost:-1', 'example.com:80', ''];
const SMILES = ['C', 'CCO', 'c1ccccc1', 'C1CC', 'not smiles', '[Xx]', 'C'.repeat(2_000), LARGE_SMILES, 'C.C.C.C.C.C.C.C.C.C', '[13CH4:1]>>C', '*', ''];

/** What kind of value a field holds, judged by its schema and its name. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'literal' | 'object' | 'record' | 'array' | 'tuple' | 'union' | 'unknown';

function hintOf(name: string): 'path' | 'url' | 'env' | 'listen' | 'smiles' | undefined {
  if (/(^|_)(file|dataset|folder|forward_model|path)$/i.test(name)) return 'path';
  if (/(url|broker)$/i.test(name)) return 'url';
  if (/_env$/i.test(name)) return 'env';
  if (/listen$/i.test(name)) return 'listen';
  if (/smiles|reactants|inventory|target$/i.test(name)) return 'smiles';
  return undefined;
}

/**
 * Adversarial values for a field named `name` of kind `kind`: mostly of its own kind, some of the
 * wrong type, some from the special lists its name calls for.
 */
export function valuesFor(kind: FieldKind, name: string, places: FuzzPlaces): readonly FuzzValue[] {
  const hint = hintOf(name);
  const own: FuzzValue[] =
    hint === 'path'
      ? pathValues(places)
      : hint === 'url'
        ? urlValues(places)
        : hint === 'env'
          ? ENV_NAMES(places)
          : hint === 'listen'
            ? HOST_PORTS
            : hint === 'smiles'
              ? [...SMILES, ...STRINGS.slice(0, 8)]
              : kind === 'number' || kind === 'integer'
                ? [...NUMBERS]
                : kind === 'boolean'
                  ? ['true', 'yes', 1, 0, new RawYaml('on')]
                  : kind === 'string' || kind === 'enum' || kind === 'literal'
                    ? [...STRINGS]
                    : [];
  // Wrong types for every field; the field's own kind weighs more.
  return [...own, ...own, ...WRONG_TYPES, ...STRINGS.slice(0, 6), ...NUMBERS.slice(5, 9)];
}

/** A random string of printable and awkward characters. */
export function randomString(rng: Rng, maxLength = 40): string {
  const alphabet = 'abcXYZ019 _-./\\:;,"\'`$%&*()[]{}<>|~^=+#@!?\t\r\n\u0000\u00e9\u4e2d\ud83e\udde0';
  const length = Math.floor(rng() * maxLength);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

/** A value for a field: adversarial most of the time, random otherwise. */
export function fuzzValue(rng: Rng, kind: FieldKind, name: string, places: FuzzPlaces): FuzzValue {
  if (rng() < 0.15) {
    if (kind === 'number' || kind === 'integer') return (rng() - 0.5) * 10 ** Math.floor(rng() * 20);
    return randomString(rng);
  }
  return pick(rng, valuesFor(kind, name, places));
}
