// Periodic-table facts the featuriser needs but RDKit.js does not expose:
// symbols (atom labels, formulas), average masses (the mass feature), and the
// outer-electron counts and default valences RDKit's conjugation rules use.
// Values follow RDKit's own table (Code/GraphMol/atomic_data.cpp) so that our
// port of its conjugation perception agrees with RDKit; verified against the
// installed RDKit.js in test/chem.test.ts (which is why Tl reads "any" valence:
// this RDKit build gives a bare Tl no implicit hydrogens).

export interface Element {
  readonly atomicNumber: number;
  readonly symbol: string;
  /** average atomic mass (g/mol), what RDKit's Atom::GetMass() returns for unlabelled atoms */
  readonly mass: number;
  readonly outerElectrons: number;
  /** RDKit's first allowed valence; -1 means "any" (metals) */
  readonly defaultValence: number;
}

// atomic number order: symbol mass outer-electrons default-valence
const TABLE = `
* 0 0 -1
H 1.008 1 1
He 4.003 2 0
Li 6.941 1 1
Be 9.012 2 2
B 10.812 3 3
C 12.011 4 4
N 14.007 5 3
O 15.999 6 2
F 18.998 7 1
Ne 20.18 8 0
Na 22.99 1 1
Mg 24.305 2 2
Al 26.982 3 3
Si 28.086 4 4
P 30.974 5 3
S 32.067 6 2
Cl 35.453 7 1
Ar 39.948 8 0
K 39.098 1 1
Ca 40.078 2 2
Sc 44.956 3 -1
Ti 47.867 4 -1
V 50.9415 5 -1
Cr 51.996 6 -1
Mn 54.938 7 -1
Fe 55.845 8 -1
Co 58.933 9 -1
Ni 58.693 10 -1
Cu 63.546 11 -1
Zn 65.39 2 -1
Ga 69.723 3 3
Ge 72.61 4 4
As 74.922 5 3
Se 78.96 6 2
Br 79.904 7 1
Kr 83.8 8 0
Rb 85.468 1 1
Sr 87.62 2 2
Y 88.906 3 -1
Zr 91.224 4 -1
Nb 92.906 5 -1
Mo 95.94 6 -1
Tc 98 7 -1
Ru 101.07 8 -1
Rh 102.906 9 -1
Pd 106.42 10 -1
Ag 107.868 11 -1
Cd 112.412 2 -1
In 114.818 3 3
Sn 118.711 4 2
Sb 121.76 5 3
Te 127.6 6 2
I 126.904 7 1
Xe 131.29 8 0
Cs 132.905 1 1
Ba 137.328 2 2
La 138.906 3 -1
Ce 140.116 4 -1
Pr 140.908 3 -1
Nd 144.24 4 -1
Pm 145 5 -1
Sm 150.36 6 -1
Eu 151.964 7 -1
Gd 157.25 8 -1
Tb 158.925 9 -1
Dy 162.5 10 -1
Ho 164.93 11 -1
Er 167.26 12 -1
Tm 168.934 13 -1
Yb 173.04 14 -1
Lu 174.967 15 -1
Hf 178.49 4 -1
Ta 180.948 5 -1
W 183.84 6 -1
Re 186.207 7 -1
Os 190.23 8 -1
Ir 192.217 9 -1
Pt 195.078 10 -1
Au 196.967 11 -1
Hg 200.59 2 -1
Tl 204.383 3 -1
Pb 207.2 4 2
Bi 208.98 5 3
Po 209 6 2
At 210 7 1
Rn 222 8 0
Fr 223 1 1
Ra 226 2 2
Ac 227 3 -1
Th 232.038 4 -1
Pa 231.036 3 -1
U 238.029 4 -1
Np 237 5 -1
Pu 244 6 -1
Am 243 7 -1
Cm 247 8 -1
Bk 247 9 -1
Cf 251 10 -1
Es 252 11 -1
Fm 257 12 -1
Md 258 13 -1
No 259 14 -1
Lr 262 15 -1
Rf 267 2 -1
Db 268 2 -1
Sg 269 2 -1
Bh 270 2 -1
Hs 269 2 -1
Mt 278 2 -1
Ds 281 2 -1
Rg 281 2 -1
Cn 285 2 -1
Nh 284 2 -1
Fl 289 2 -1
Mc 288 2 -1
Lv 293 2 -1
Ts 292 2 -1
Og 294 2 -1
`;

const ELEMENTS: readonly Element[] = TABLE.trim()
  .split('\n')
  .map((line, atomicNumber) => {
    const [symbol = '', mass = '', outer = '', valence = ''] = line.trim().split(/\s+/);
    return {
      atomicNumber,
      symbol,
      mass: Number(mass),
      outerElectrons: Number(outer),
      defaultValence: Number(valence),
    };
  });

export const MAX_ATOMIC_NUMBER = ELEMENTS.length - 1;

const UNKNOWN_ELEMENT: Element = { atomicNumber: -1, symbol: '?', mass: 0, outerElectrons: 0, defaultValence: -1 };

export function element(atomicNumber: number): Element {
  return ELEMENTS[atomicNumber] ?? UNKNOWN_ELEMENT;
}
