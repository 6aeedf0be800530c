// Runs in its own process (vitest forks per file), so RDKit starts unloaded here.
import { describe, expect, it } from 'vitest';
import { canonicalSmiles, initChem, isValidSmiles, loadRdkit, molecularGraph } from '../src/chem/index.js';
import { useRdkit } from '../src/chem/runtime.js';

describe('chem initialisation', () => {
  it('refuses synchronous calls before initChem()', () => {
    expect(() => canonicalSmiles('CCO')).toThrow('chemistry not initialised: call initChem() first');
    expect(() => canonicalSmiles('')).toThrow('chemistry not initialised');
    expect(() => isValidSmiles('CCO')).toThrow('chemistry not initialised');
    expect(() => molecularGraph('CCO')).toThrow('chemistry not initialised');
  });

  it('loads RDKit once, however often it is asked', async () => {
    await Promise.all([initChem(), initChem()]);
    await initChem();
    const [a, b] = await Promise.all([loadRdkit(), loadRdkit()]);
    expect(a).toBe(b);
    expect(a.version()).toMatch(/^\d{4}\.\d\d\.\d+/);
    expect(canonicalSmiles('OCC')).toBe('CCO');
  });

  // Last in this file on purpose: it leaves this process's RDKit unusable.
  it('stops using RDKit once its wasm has trapped', () => {
    const trap = Object.assign(new Error('memory access out of bounds'), { name: 'RuntimeError' });
    expect(() =>
      useRdkit(() => {
        throw trap;
      }),
    ).toThrow(trap);
    expect(() => canonicalSmiles('CCO')).toThrow('RDKit crashed earlier (memory access out of bounds)');
  });
});
