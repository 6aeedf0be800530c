import init from '@rdkit/rdkit';
const R = await init.default();
const [n, shape, op] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const smi = shape === 'ring' ? 'C1' + 'C'.repeat(n - 2) + 'C1' : shape === 'peg' ? 'C' + 'COC'.repeat(Math.floor(n / 3)) : shape === 'branch' ? 'C(C)'.repeat(n / 2) : shape === 'arom' ? 'c1ccccc1'.repeat(1) + 'c1ccc(cc1)'.repeat(Math.floor(n / 6)) : 'C'.repeat(n);
const m = R.get_mol(smi);
if (!m) { console.log('parse-null'); process.exit(0); }
const nat = m.get_num_atoms();
let r;
if (op === 'smiles') r = m.get_smiles().length;
if (op === 'json') r = m.get_json().length;
if (op === 'q') r = m.get_substruct_matches(R.get_qmol('[^3]')).length;
if (op === 'morgan') r = m.get_morgan_fp().length;
console.log('ok', nat, r);
