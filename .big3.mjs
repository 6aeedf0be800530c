import init from '@rdkit/rdkit';
const R = await init.default();
const n = Number(process.argv[2]);
const smi = process.argv[3] === 'ring' ? 'C1' + 'C'.repeat(n - 2) + 'C1' : process.argv[3] === 'branch' ? 'C(C)'.repeat(n / 2) : 'C'.repeat(n);
const t = performance.now();
const m = R.get_mol(smi);
const t1 = performance.now();
const s = m.get_smiles();
console.log(n, process.argv[3] ?? 'chain', 'parse', (t1 - t).toFixed(0), 'ms smiles', (performance.now() - t1).toFixed(0), 'ms', s.length);
