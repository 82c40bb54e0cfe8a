import { z } from 'zod';
import { PROVIDERS } from '../../collections/types';
import { LANGUAGES } from '../../language';
import { PROVINCE_CODES } from '../../provinces';

/**
 * The kinds of session value an action reads (its `reads`, parsed once by the action runner). A
 * session holds what inputs, options and earlier actions stored: a value of another kind reads as
 * absent, never as a crash, so each action's body sees typed values or `undefined`.
 */
const maybe = <T extends z.ZodType>(t: T) => t.optional().catch(undefined);

/** A bill as kept in the session (JSON): what the list shows and the payment needs. */
export const sessionBill = z.object({ faeId: z.string(), billNumber: z.string(), issuedOn: z.string(), balance: z.number() });
export type SessionBill = z.infer<typeof sessionBill>;

/** The bills kept in the session; an entry of another shape is left out. */
const bills = z
  .array(z.unknown())
  .catch([])
  .transform((xs) => xs.flatMap((x) => {
    const b = sessionBill.safeParse(x);
    return b.success ? [b.data] : [];
  }));

export const read = {
  text: maybe(z.string()),
  number: maybe(z.number()),
  province: maybe(z.enum(PROVINCE_CODES)),
  provider: maybe(z.enum(PROVIDERS)),
  language: maybe(z.enum(LANGUAGES)),
  /** A list of strings (bill ids): the strings of an array, empty otherwise. */
  strings: z
    .array(z.unknown())
    .catch([])
    .transform((xs) => xs.filter((x): x is string => typeof x === 'string')),
  bills,
  /** What the bills list stored: `all` (the "pay all" option) or the bill chosen. */
  selection: maybe(z.union([z.literal('all'), sessionBill])),
};

/** The bills a session value holds (an array of bills, or not). */
export function sessionBills(v: unknown): SessionBill[] {
  return bills.parse(v);
}
