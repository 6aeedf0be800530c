/**
 * Gauss–Hermite quadrature, for expectations over a Gaussian (the warped GP's moments in target
 * units, the reactivity classifier's probability under its Laplace posterior). Written by hand:
 * ml-matrix and the other numeric libraries in use have no quadrature rules, and this is
 * Numerical Recipes' `gauher` (Newton on the orthonormal Hermite recurrence from the usual
 * asymptotic starting points).
 */

/** Nodes and weights for ∫ e^{-t²} g(t) dt with n points (exact for polynomials of degree < 2n). */
export function gaussHermite(n: number): [number, number][] {
  const out: [number, number][] = [];
  let z = 0;
  for (let i = 0; i < (n + 1) >> 1; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * out[0]![0];
    else if (i === 3) z = 1.91 * z - 0.91 * out[1]![0];
    else z = 2 * z - out[i - 2]![0];
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = Math.PI ** -0.25;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      derivative = Math.sqrt(2 * n) * p2;
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-14) break;
    }
    out.push([z, 2 / (derivative * derivative)]);
  }
  const mirrored = out.map(([t, w]) => [-t, w] as [number, number]);
  // odd n has a node at 0, which must not be counted twice
  return [...out, ...(n % 2 === 1 ? mirrored.slice(0, -1) : mirrored)];
}

/** Nodes and weights for E[f(Z)], Z ~ N(0, 1): Σ w·f(z). */
export function standardNormalRule(n: number): [number, number][] {
  return gaussHermite(n).map(([t, w]) => [t * Math.SQRT2, w / Math.sqrt(Math.PI)]);
}
