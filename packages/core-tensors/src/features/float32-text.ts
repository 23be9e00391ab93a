/**
 * Shortest decimal text that parses back (through float64, then rounding to float32) to exactly
 * the same float32. `String(x)` of a float32 widened to a double prints up to 17 digits
 * ("0.10000000149011612"); this prints "0.1", and CSV files stay bit-exact yet half the size.
 */
export function formatFloat32(x: number): string {
  if (Object.is(x, -0)) return '-0';
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  // 9 significant digits always identify a float32 uniquely.
  return String(Number(x.toPrecision(9)));
}
