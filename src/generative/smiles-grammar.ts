/**
 * Kekulé SMILES as the autoencoder reads and writes it: a token vocabulary learned from a corpus,
 * and a decoding state machine that allows, at every step, only the tokens that keep the string a
 * valid molecule: branches and ring closures balanced, no bond to an atom with no valence left,
 * no ring closure onto the same atom or an atom it is already bonded to, no end while a ring or a
 * branch is open. Decoding under this mask always gives a molecule RDKit sanitises (kekulé form, so
 * no aromaticity to fail; valences bounded by what each atom token carries in the corpus), which
 * is the grammar-constrained decoding the issue prefers over filtering invalid output.
 *
 * Written by hand: no maintained JavaScript SMILES/SELFIES grammar exists (selfies-js 0.3.6 loses
 * charges and ring bonds on USPTO molecules: 7,469 of 21,526 round trips wrong).
 */

/** A token's role in the grammar. */
export type TokenKind =
  | { kind: 'atom'; capacity: number }
  | { kind: 'bond'; order: number }
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'ring'; label: number }
  | { kind: 'end' }
  | { kind: 'pad' }
  | { kind: 'start' };

const TOKEN_PATTERN = /\[[^\]]+\]|Br|Cl|%\d\d|[BCNOPSFI]|[()=#\-]|\d|./g;

export const PAD = 0;
export const START = 1;
export const END = 2;

/** Tokens of a kekulé SMILES; throws on what the grammar does not speak (aromatic atoms, stereo, dots). */
export function tokenizeSmiles(smiles: string): string[] {
  const tokens = smiles.match(TOKEN_PATTERN) ?? [];
  for (const token of tokens) {
    if (!classify(token)) throw new Error(`the SMILES grammar has no token '${token}' (in ${smiles})`);
  }
  return tokens;
}

const BOND_ORDER: Record<string, number> = { '-': 1, '=': 2, '#': 3 };

/** What a token is, without its capacity (an atom's comes from the corpus); null when not spoken. */
function classify(token: string): TokenKind | null {
  if (token in BOND_ORDER) return { kind: 'bond', order: BOND_ORDER[token]! };
  if (token === '(') return { kind: 'open' };
  if (token === ')') return { kind: 'close' };
  if (/^\d$/.test(token)) return { kind: 'ring', label: Number(token) };
  if (/^%\d\d$/.test(token)) return { kind: 'ring', label: Number(token.slice(1)) };
  if (/^(Br|Cl|[BCNOPSFI])$/.test(token)) return { kind: 'atom', capacity: 0 };
  // bracket atoms: no stereo, no aromatic (lower-case) element, no atom-map
  if (/^\[\d*[A-Z][a-z]?(H\d?)?([+-]\d?)?\]$/.test(token) && !/[@:]/.test(token)) return { kind: 'atom', capacity: 0 };
  return null;
}

/** An atom of a parsed or partly written SMILES: its token, the bond orders it carries, and its neighbours. */
interface ParsedAtom {
  token: number;
  used: number;
  neighbours: Set<number>;
}

/**
 * The vocabulary: special tokens first (pad, start, end), then the corpus's tokens. An atom
 * token's capacity is the largest total bond order it carries anywhere in the corpus: every molecule
 * there sanitised, so an atom never bonded beyond that sanitises too.
 */
export class SmilesVocabulary {
  readonly kinds: TokenKind[];
  private readonly index: Map<string, number>;
  /** Ring-closure tokens by label. */
  readonly ringTokens: Map<number, number>;

  constructor(readonly tokens: readonly string[], capacities: ReadonlyMap<string, number>) {
    if (tokens[PAD] !== '<pad>' || tokens[START] !== '<start>' || tokens[END] !== '<end>') throw new Error('a vocabulary starts with <pad>, <start>, <end>');
    this.index = new Map(tokens.map((t, i) => [t, i]));
    this.kinds = tokens.map((token, i): TokenKind => {
      if (i === PAD) return { kind: 'pad' };
      if (i === START) return { kind: 'start' };
      if (i === END) return { kind: 'end' };
      const kind = classify(token);
      if (!kind) throw new Error(`the SMILES grammar has no token '${token}'`);
      return kind.kind === 'atom' ? { kind: 'atom', capacity: capacities.get(token) ?? 0 } : kind;
    });
    this.ringTokens = new Map();
    this.kinds.forEach((k, i) => {
      if (k.kind === 'ring') this.ringTokens.set(k.label, i);
    });
  }

  get size(): number {
    return this.tokens.length;
  }

  capacities(): Map<string, number> {
    const out = new Map<string, number>();
    this.kinds.forEach((k, i) => {
      if (k.kind === 'atom') out.set(this.tokens[i]!, k.capacity);
    });
    return out;
  }

  /** Token ids of a kekulé SMILES (no start/end); null when a token is not in the vocabulary. */
  encode(smiles: string): number[] | null {
    const ids: number[] = [];
    for (const token of tokenizeSmiles(smiles)) {
      const id = this.index.get(token);
      if (id === undefined) return null;
      ids.push(id);
    }
    return ids;
  }

  /**
   * Learns a vocabulary from kekulé SMILES: tokens seen at least `minCount` times, capacities
   * from the molecules' own bonds. Molecules with rarer tokens are left out of the corpus.
   */
  static fromCorpus(smiles: readonly string[], minCount = 1): SmilesVocabulary {
    const counts = new Map<string, number>();
    const tokenised = smiles.map((s) => tokenizeSmiles(s));
    for (const tokens of tokenised) for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
    const provisional = new SmilesVocabulary(['<pad>', '<start>', '<end>', ...kept], new Map(kept.map((t) => [t, 8])));
    const capacities = new Map<string, number>();
    for (const tokens of tokenised) {
      const ids = tokens.map((t) => provisional.index.get(t));
      if (ids.some((id) => id === undefined)) continue;
      for (const atom of parseBonds(provisional, ids as number[])) {
        const token = provisional.tokens[atom.token]!;
        capacities.set(token, Math.max(capacities.get(token) ?? 0, atom.used));
      }
    }
    return new SmilesVocabulary(['<pad>', '<start>', '<end>', ...kept], capacities);
  }
}

/** The atoms of a token sequence with the bond orders they carry (for capacities). */
function parseBonds(vocabulary: SmilesVocabulary, ids: readonly number[]): ParsedAtom[] {
  const state = new GrammarState(vocabulary, { checkCapacity: false });
  for (const id of ids) state.push(id);
  return state.atoms;
}

interface OpenRing {
  atom: number;
  /** order written at the opening, if any */
  order: number | null;
  /** valence taken on the opening atom so far */
  reserved: number;
  /** index of the opening token in the sequence (dropped if the ring never closes) */
  position: number;
}

type Last = 'start' | 'atom' | 'bond' | 'open' | 'close' | 'ring';

/** The state of a partly written SMILES, and which tokens may come next. */
export class GrammarState {
  readonly atoms: ParsedAtom[] = [];
  readonly sequence: number[] = [];
  private current = -1;
  private readonly branches: number[] = [];
  private pendingBond: number | null = null;
  /** what came before the pending bond: a ring closure may follow a bond only after an atom or ring */
  private beforeBond: Last = 'start';
  private last: Last = 'start';
  private readonly rings = new Map<number, OpenRing>();
  /** ring labels closed on the current atom */
  private readonly closedHere = new Set<number>();
  private readonly checkCapacity: boolean;
  ended = false;

  constructor(
    private readonly vocabulary: SmilesVocabulary,
    options: { checkCapacity?: boolean } = {},
  ) {
    this.checkCapacity = options.checkCapacity ?? true;
  }

  /** An independent copy (beam search follows several continuations of one state). */
  clone(): GrammarState {
    const copy = new GrammarState(this.vocabulary, { checkCapacity: this.checkCapacity });
    for (const a of this.atoms) copy.atoms.push({ token: a.token, used: a.used, neighbours: new Set(a.neighbours) });
    copy.sequence.push(...this.sequence);
    copy.current = this.current;
    copy.branches.push(...this.branches);
    copy.pendingBond = this.pendingBond;
    copy.beforeBond = this.beforeBond;
    copy.last = this.last;
    for (const [label, ring] of this.rings) copy.rings.set(label, { ...ring });
    for (const label of this.closedHere) copy.closedHere.add(label);
    copy.ended = this.ended;
    return copy;
  }

  private remaining(atom: number): number {
    if (!this.checkCapacity) return Infinity;
    const a = this.atoms[atom]!;
    return (this.vocabulary.kinds[a.token] as { capacity: number }).capacity - a.used;
  }

  /** Canonical writers take the lowest label that is free, and not one just closed on this atom ('C11' would read as a bond to itself). */
  private lowestFreeLabel(): number {
    let label = 1;
    while (this.rings.has(label) || this.closedHere.has(label)) label++;
    return label;
  }

  /** Whether `id` may come next. */
  allows(id: number): boolean {
    if (this.ended) return false;
    const kind = this.vocabulary.kinds[id]!;
    const bond = this.pendingBond ?? 1;
    switch (kind.kind) {
      case 'atom': {
        if (this.last === 'start') return true;
        if (this.current < 0) return false;
        // outside any branch, an atom with nothing left to give would end the chain with a ring still open
        const needed = this.checkCapacity && this.rings.size > 0 && this.branches.length === 0 ? bond + 1 : bond;
        return this.remaining(this.current) >= bond && (!this.checkCapacity || kind.capacity >= needed);
      }
      case 'bond':
        return (this.last === 'atom' || this.last === 'ring' || this.last === 'close' || this.last === 'open') && this.remaining(this.current) >= kind.order;
      case 'open':
        return (this.last === 'atom' || this.last === 'ring' || this.last === 'close') && this.remaining(this.current) >= 1;
      case 'close':
        return this.branches.length > 0 && (this.last === 'atom' || this.last === 'ring' || this.last === 'close');
      case 'ring': {
        const afterAtom = this.last === 'atom' || this.last === 'ring' || (this.last === 'bond' && (this.beforeBond === 'atom' || this.beforeBond === 'ring'));
        if (!afterAtom) return false;
        const open = this.rings.get(kind.label);
        if (!open) {
          // a new ring takes the lowest free label, as canonical SMILES writers do; its atom needs
          // a bond left beyond the ring's for the chain that leads to the closing atom
          return kind.label === this.lowestFreeLabel() && this.remaining(this.current) >= bond + 1;
        }
        if (open.atom === this.current || this.atoms[this.current]!.neighbours.has(open.atom)) return false;
        if (this.pendingBond !== null && open.order !== null && this.pendingBond !== open.order) return false;
        const order = this.pendingBond ?? open.order ?? 1;
        return this.remaining(this.current) >= order && this.remaining(open.atom) >= order - open.reserved;
      }
      case 'end':
        return this.atoms.length > 0 && this.branches.length === 0 && this.rings.size === 0 && (this.last === 'atom' || this.last === 'ring' || this.last === 'close');
      default:
        return false;
    }
  }

  /** Writes `id` into `mask` as 1 where allowed, 0 elsewhere. */
  maskInto(mask: Float32Array | Uint8Array, offset = 0): void {
    for (let id = 0; id < this.vocabulary.size; id++) mask[offset + id] = this.allows(id) ? 1 : 0;
  }

  push(id: number): void {
    const kind = this.vocabulary.kinds[id]!;
    this.sequence.push(id);
    switch (kind.kind) {
      case 'atom': {
        const index = this.atoms.length;
        this.atoms.push({ token: id, used: 0, neighbours: new Set() });
        this.closedHere.clear();
        if (this.current >= 0 && this.last !== 'start') this.bond(this.current, index, this.pendingBond ?? 1);
        this.current = index;
        this.pendingBond = null;
        this.last = 'atom';
        break;
      }
      case 'bond':
        this.pendingBond = kind.order;
        this.beforeBond = this.last;
        this.last = 'bond';
        break;
      case 'open':
        this.branches.push(this.current);
        this.last = 'open';
        break;
      case 'close':
        this.current = this.branches.pop()!;
        this.last = 'close';
        break;
      case 'ring': {
        const open = this.rings.get(kind.label);
        if (!open) {
          const reserved = this.pendingBond ?? 1;
          this.atoms[this.current]!.used += reserved;
          this.rings.set(kind.label, { atom: this.current, order: this.pendingBond, reserved, position: this.sequence.length - 1 });
        } else {
          const order = this.pendingBond ?? open.order ?? 1;
          this.rings.delete(kind.label);
          this.closedHere.add(kind.label);
          const a = this.atoms[this.current]!;
          const b = this.atoms[open.atom]!;
          a.used += order;
          b.used += order - open.reserved;
          a.neighbours.add(open.atom);
          b.neighbours.add(this.current);
        }
        this.pendingBond = null;
        this.last = 'ring';
        break;
      }
      case 'end':
        this.ended = true;
        break;
      default:
        throw new Error(`token ${id} cannot be written`);
    }
  }

  private bond(a: number, b: number, order: number): void {
    this.atoms[a]!.used += order;
    this.atoms[b]!.used += order;
    this.atoms[a]!.neighbours.add(b);
    this.atoms[b]!.neighbours.add(a);
  }

  /**
   * The SMILES written so far, completed if decoding stopped early (at the length limit): a
   * dangling bond or empty branch dropped, rings left open dropped (their atoms only lose a bond),
   * open branches closed.
   */
  smiles(): string {
    // an unclosed ring's digit goes, with the bond written before it ('C=1')
    const openings = new Set<number>();
    for (const { position } of this.rings.values()) {
      openings.add(position);
      if (this.vocabulary.kinds[this.sequence[position - 1]!]?.kind === 'bond') openings.add(position - 1);
    }
    let ids = this.sequence.filter((id, i) => !openings.has(i) && this.vocabulary.kinds[id]!.kind !== 'end');
    // a trailing bond or '(' (possibly several) means nothing
    for (;;) {
      const tail = ids.at(-1);
      if (tail === undefined) break;
      const kind = this.vocabulary.kinds[tail]!.kind;
      if (kind !== 'bond' && kind !== 'open') break;
      ids = ids.slice(0, -1);
    }
    let depth = 0;
    for (const id of ids) {
      const kind = this.vocabulary.kinds[id]!.kind;
      if (kind === 'open') depth++;
      else if (kind === 'close') depth--;
    }
    return ids.map((id) => this.vocabulary.tokens[id]!).join('') + ')'.repeat(Math.max(0, depth));
  }
}
