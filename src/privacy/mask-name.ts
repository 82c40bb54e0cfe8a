/**
 * A holder's name as a subscriber may see it without having shown they know the account:
 * `KAHINDO MUKEBA JEAN` → `KAHINDO M. J.`. The first word stays whole (enough to recognise one's
 * own account), every other word becomes its initial. Blanks and line breaks are collapsed.
 */
export function maskName(full: string): string {
  const [first, ...rest] = full.trim().split(/\s+/).filter((w) => w !== '');
  if (first === undefined) return '';
  return [first, ...rest.map((w) => `${[...w][0]?.toUpperCase() ?? ''}.`)].join(' ');
}
