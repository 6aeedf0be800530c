/**
 * A number as a person writes it in a table: optional sign, digits, optional decimal part and
 * exponent. Not what Number() takes, which also reads `0x10` as 16, `0b11` as 3, `Infinity`
 * and whitespace as 0: a cell that is not a decimal number is an error, never a surprise value.
 */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell's value, or undefined when it is not a finite decimal number. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
