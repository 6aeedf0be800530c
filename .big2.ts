import { loadRdkit } from './src/chem/rdkit.ts';
const R = await loadRdkit();
const n = Number(process.argv[2]);
const step = process.argv[3];
const m = R.get_mol('C'.repeat(n));
console.log(n, 'parsed', !!m);
if (step === 'smiles') console.log(m!.get_smiles().length);
if (step === 'json') console.log(m!.get_json().length);
if (step === 'q') { const q = R.get_qmol('[^3]')!; console.log(JSON.parse(m!.get_substruct_matches(q)).length); }
