/**
 * pawaPay's `customerMessage` is the line the wallet shows in the PIN prompt and on the
 * subscriber's statement: 4 to 22 characters, letters, digits and spaces only (anything else is
 * rejected as INVALID_PARAMETER at initiation, after the USSD session has already ended).
 */
export const CUSTOMER_MESSAGE_PATTERN = /^[A-Za-z0-9 ]{4,22}$/;

const PREFIX = 'REGIDESO';

export function isValidCustomerMessage(text: string): boolean {
  return CUSTOMER_MESSAGE_PATTERN.test(text) && text.trim().length >= 4;
}

/**
 * `83262` → `REGIDESO 83262`: the subscriber recognises the bill being paid. Characters pawaPay
 * refuses are dropped, and a long reference keeps its end (the distinctive digits); a reference
 * with nothing usable still gives a valid message.
 */
export function customerMessageFor(refClient: string): string {
  const ref = refClient
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase();
  if (ref.length === 0) return PREFIX;
  const room = 22 - PREFIX.length - 1;
  return `${PREFIX} ${ref.length > room ? ref.slice(-room) : ref}`;
}
