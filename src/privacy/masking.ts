/**
 * What a phone that has never paid a reference may see of it: enough to tell that the reference
 * typed is the intended account, not enough to learn who holds it. (Logs mask harder: see
 * src/logging/mask.ts.)
 */

const ALNUM = /[\p{L}\p{N}]/u;

/** `MUMBERE` → `M.`, `MUMBERE-KASEREKA` → `M.-K.`: the initial of each hyphenated part; '' when none has a letter or digit. */
function initials(word: string): string {
  return word
    .split('-')
    .map((part) => ALNUM.exec(part)?.[0])
    .filter((c): c is string => c !== undefined)
    .map((c) => `${c}.`)
    .join('-');
}

/**
 * The holder's name for a phone that has not paid the reference: the first word whole, the others
 * as initials (`KAHINDO MUMBERE` → `KAHINDO M.`, `JEAN-PIERRE MUMBERE-KASEREKA` → `JEAN-PIERRE M.-K.`).
 * Blanks around and between words do not count. A one-word name is its initial (`MUKEBA` → `M.`):
 * shown whole it would be the whole name. Masking a masked name changes nothing, so a name may be
 * masked wherever it is not known whether it was already.
 */
export function maskHolderName(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined) return '';
  if (rest.length === 0) return initials(first);
  return [first, ...rest.map(initials).filter((w) => w !== '')].join(' ');
}

/**
 * A customer reference for a phone that has not paid it: two first characters, three stars, the
 * last one (`83262` → `83***2`); four characters or fewer keep only the first (`4107` → `4***`).
 * Always three stars, so the length does not show either.
 */
export function maskReference(ref: string): string {
  const r = ref.trim();
  if (r === '') return '';
  if (r.length <= 4) return `${r.slice(0, 1)}***`;
  return `${r.slice(0, 2)}***${r.slice(-1)}`;
}
