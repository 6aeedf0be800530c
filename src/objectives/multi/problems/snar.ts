/**
 * The SnAr benchmark: 2,4-difluoronitrobenzene (1) and pyrrolidine (2) in ethanol in a plug-flow
 * reactor, giving the ortho product (3, wanted), the para product (4) and the bis-adduct (5).
 * Kinetics from Hone, Holmes, Akien, Bourne & Muller, "Rapid multistep kinetic model generation
 * from transient flow data", React. Chem. Eng. 2 (2017) 103–108, doi:10.1039/C6RE00109B; the
 * targets (space-time yield maximised, E-factor minimised) and the ranges of the conditions as in
 * Schweidtmann et al., Chem. Eng. J. 352 (2018) 277–282 and Summit's SnarBenchmark
 * (Felton, Rittig & Lapkin, Chemistry–Methods 1 (2021) 116).
 *
 *   1 + 2 → 3  (k_a)      1 + 2 → 4  (k_b)      3 + 2 → 5  (k_c)      4 + 2 → 5  (k_d)
 *   k(T) = k_ref · exp(−E_a/R · (1/T − 1/T_ref)), T_ref = 90 °C
 *
 * Written from the published rate equations, with two deliberate differences from Summit's code:
 * the para product forms at k_b (Summit's code uses k_a there, which creates mass), and 0 °C is
 * 273.15 K (Summit uses 273.71). The plug-flow reactor at residence time τ is the batch system
 * integrated from 0 to τ (Dormand–Prince, ode.ts).
 *
 *   space-time yield (kg m⁻³ h⁻¹) = 60 · M₃ · C₃ / τ          (τ in min, C in mol L⁻¹)
 *   E-factor = (ρ_EtOH + Σ_{i≠3} Mᵢ Cᵢ) / (M₃ C₃)            (ρ_EtOH = 789 g L⁻¹; all the outlet
 *              flow counted as solvent, as Summit does; capped at 1000 when almost no 3 forms)
 */
import type { GridProblem } from './grid-problem.js';
import { integrate } from './ode.js';

const R = 8.314e-3; // kJ mol⁻¹ K⁻¹
const T_REF = 90 + 273.15;
/** k_ref in 10⁻² M⁻¹ s⁻¹ at 90 °C and E_a in kJ mol⁻¹ (Hone et al. 2017, Table 2). */
const KINETICS = {
  a: { kRef: 57.9, ea: 33.3 },
  b: { kRef: 2.7, ea: 35.3 },
  c: { kRef: 0.865, ea: 38.9 },
  d: { kRef: 1.63, ea: 44.8 },
} as const;
/** g mol⁻¹: 2,4-difluoronitrobenzene, pyrrolidine, ortho and para products, bis-adduct. */
export const SNAR_MOLAR_MASSES = [159.09, 71.12, 210.21, 210.21, 261.33] as const;
const ETHANOL_DENSITY = 789; // g L⁻¹ at 25 °C
const E_FACTOR_CAP = 1000;

/** Rate constant in M⁻¹ min⁻¹ at temperature (°C): 10⁻² M⁻¹ s⁻¹ × 60 s min⁻¹ = 0.6. */
export function snarRateConstant(step: keyof typeof KINETICS, celsius: number): number {
  const { kRef, ea } = KINETICS[step];
  return 0.6 * kRef * Math.exp((-ea / R) * (1 / (celsius + 273.15) - 1 / T_REF));
}

/** Outlet concentrations (mol L⁻¹) of species 1–5. */
export function snarOutlet(residenceMinutes: number, equivalents: number, concentration: number, celsius: number): number[] {
  const ka = snarRateConstant('a', celsius);
  const kb = snarRateConstant('b', celsius);
  const kc = snarRateConstant('c', celsius);
  const kd = snarRateConstant('d', celsius);
  const rates = (_t: number, [c1 = 0, c2 = 0, c3 = 0, c4 = 0]: readonly number[]) => {
    const r1 = ka * c1 * c2;
    const r2 = kb * c1 * c2;
    const r3 = kc * c3 * c2;
    const r4 = kd * c4 * c2;
    return [-r1 - r2, -r1 - r2 - r3 - r4, r1 - r3, r2 - r4, r3 + r4];
  };
  const start = [concentration, equivalents * concentration, 0, 0, 0];
  const { y } = integrate(rates, 0, residenceMinutes, start, { rtol: 1e-7, atol: 1e-10 });
  return y.map((c) => Math.max(c, 0));
}

/** [space-time yield in kg m⁻³ h⁻¹, E-factor]. */
export function snarTargets(residenceMinutes: number, equivalents: number, concentration: number, celsius: number): [number, number] {
  const c = snarOutlet(residenceMinutes, equivalents, concentration, celsius);
  const productMass = SNAR_MOLAR_MASSES[2] * (c[2] as number); // g L⁻¹
  const spaceTimeYield = (60 * productMass) / residenceMinutes;
  let waste = ETHANOL_DENSITY;
  c.forEach((ci, i) => {
    if (i !== 2) waste += (SNAR_MOLAR_MASSES[i] as number) * ci;
  });
  const eFactor = productMass > 0 ? Math.min(waste / productMass, E_FACTOR_CAP) : E_FACTOR_CAP;
  return [spaceTimeYield, eFactor];
}

const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Math.round((from + i * step) * 1e9) / 1e9);

/**
 * The grid: residence time 0.5–2 min (step 0.25), pyrrolidine 1–5 equivalents (step 0.5), inlet
 * concentration of 1 0.1–0.5 M (step 0.1), temperature 30–120 °C (step 10): 7·9·5·10 = 3,150 points.
 */
export function snarProblem(): GridProblem {
  return {
    name: 'snar',
    description: 'SnAr of 2,4-difluoronitrobenzene with pyrrolidine in flow: space-time yield (max) and E-factor (min)',
    citation: 'Hone et al., React. Chem. Eng. 2 (2017) 103, doi:10.1039/C6RE00109B; Schweidtmann et al., Chem. Eng. J. 352 (2018) 277',
    variables: [
      { name: 'residence_time', unit: 'min', levels: range(0.5, 2, 0.25) },
      { name: 'equivalents', unit: 'equiv pyrrolidine', levels: range(1, 5, 0.5) },
      { name: 'concentration', unit: 'M', levels: range(0.1, 0.5, 0.1) },
      { name: 'temperature', unit: '°C', levels: range(30, 120, 10) },
    ],
    targets: [
      { name: 'space_time_yield', unit: 'kg m⁻³ h⁻¹', direction: 'maximise' },
      { name: 'e_factor', direction: 'minimise' },
    ],
    evaluate: ([tau = 0, equivalents = 0, concentration = 0, celsius = 0]) => snarTargets(tau, equivalents, concentration, celsius),
  };
}
