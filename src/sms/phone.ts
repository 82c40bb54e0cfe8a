/** Same subscriber line: compared on digits only (`+243 81…` and `+24381…` are one phone). */
export function samePhone(a: string, b: string): boolean {
  const da = a.replace(/\D/g, '');
  return da.length > 0 && da === b.replace(/\D/g, '');
}
