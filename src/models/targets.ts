/** Targets are modelled standardised (zero mean, unit variance); posteriors go back to target units. */
export function standardization(values: readonly number[]): { shift: number; scale: number } {
  if (values.length === 0) return { shift: 0, scale: 1 };
  const shift = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - shift) ** 2, 0) / values.length;
  // a constant target (or a single result) has no spread to learn; keep the unit scale
  const scale = variance > 1e-12 ? Math.sqrt(variance) : Math.max(1, Math.abs(shift));
  return { shift, scale };
}
