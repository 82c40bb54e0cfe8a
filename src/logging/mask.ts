/** Masking for personal data that must never reach the logs in clear. */

/** `+243812345990` → `+243******990`: the country code and last three digits stay for support. */
export function maskPhone(phone: string): string {
  // Already masked (a caller masked it and the logger's field rule meets it again): keep it.
  if (/^\+?\d{0,4}\*+\d{0,3}$/.test(phone)) return phone;
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length <= 7) return '*'.repeat(digits.length);
  const head = digits.startsWith('+') ? digits.slice(0, 4) : digits.slice(0, 3);
  const tail = digits.slice(-3);
  return head + '*'.repeat(digits.length - head.length - tail.length) + tail;
}

/** `MUKEBA MUKEBA` → `M***** M*****`: enough to tell two people apart in a trace, not to name one. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((w) => (w.length === 0 ? w : w[0] + '*'.repeat(Math.max(w.length - 1, 1))))
    .join(' ');
}
