// @ts-check
/**
 * Counting as a handset does. The alphabet is not copied here: the product serves the one in
 * src/gsm7.ts (`simulator/gsm7.json`), so the page cannot disagree with what the product checks.
 */

/** @typedef {{ basic: string, extended: string, screenLimit: number }} Alphabet */
/**
 * @typedef {{ gsm7: boolean, length: number, limit: number, outside: string[], fits: number }} Measure
 * `fits`: how much of the text (in JavaScript string indices) a handset shows before the limit cuts it.
 */

/**
 * @param {Alphabet} alphabet
 * @returns {(text: string, gsmLimit: number) => Measure}
 */
export function createMeter(alphabet) {
  const basic = new Set(alphabet.basic);
  const extended = new Set(alphabet.extended);
  return (text, gsmLimit) => {
    const chars = [...text];
    const outside = [...new Set(chars.filter((c) => !basic.has(c) && !extended.has(c)))];
    // One character outside GSM-7 sends the whole text as UCS-2: 16 bits a character, half the room.
    const gsm7 = outside.length === 0;
    const limit = gsm7 ? gsmLimit : Math.floor(gsmLimit / 2);
    let length = 0;
    let fits = 0;
    for (const c of chars) {
      // Septets in GSM-7 (an extension character takes two); UTF-16 units in UCS-2.
      length += gsm7 ? (extended.has(c) ? 2 : 1) : c.length;
      if (length <= limit) fits += c.length;
    }
    return { gsm7, length, limit, outside, fits };
  };
}

/**
 * @param {Measure} m
 * @returns {string}
 */
export function warningOf(m) {
  return m.gsm7 ? '' : `Not GSM-7: ${m.outside.join(' ')}. Sent as UCS-2, only ${m.limit} characters fit.`;
}
