import type { DepositFailureKind } from '../collections/failure-codes';
import { SCREEN_LIMIT, SMS_SEGMENT, SMS_TWO_SEGMENTS } from '../gsm7';
import { KEYWORD_LANGUAGES, LANGUAGES, type Language } from '../language';
import { PROVINCE_CODES } from '../provinces';

/**
 * Every text the product sends outside a USSD screen (SMS, the HTTP fallbacks), as the code fills
 * it: its key in the catalogue (menus/lang/<language>.yaml), the languages it is sent in, the room
 * it must fit, and the values it may show with their longest length.
 *
 * Declared here rather than in menu.yaml, whose variables are the menu author's: these values are
 * filled by the code beside them, so one declaration types the code's calls (a value missing or
 * misspelt does not compile) and tells `menus:check` what to measure. A text may leave a value out;
 * it may not show one that is not declared for it.
 */

/** Where a text goes, and so how much room it has. */
export type Fit =
  /** One SMS segment (160 septets): payment receipts and notices, which must cost one SMS. */
  | 'sms'
  /** Two concatenated segments: keyword replies, which may say more. */
  | 'sms2'
  /** A USSD answer, `END ` included. */
  | 'screen'
  /** No room of its own: a piece measured inside the message that holds it. */
  | 'part';

export const FIT_LIMIT: Record<Exclude<Fit, 'part'>, number> = { sms: SMS_SEGMENT, sms2: SMS_TWO_SEGMENTS, screen: SCREEN_LIMIT };
/** Measured against the screen limit with the `END ` every USSD answer starts with. */
export const SCREEN_PREFIX = 'END ';

export interface ValueSpec {
  /** Septets the value takes at most in the worst case `menus:check` measures. */
  maxLength: number;
  /**
   * Never cut, even when longer (an identifier, a receipt number: a cut one would be wrong). The
   * message's own rule copes: a receipt drops optional parts, a keyword reply is cut at its end.
   * Other values (names, echoed input) are cut to `maxLength`.
   */
  whole?: true;
}

/** A value that is one of the texts under `choices` (a refusal reason, a status): the longest is measured. */
export interface ChoiceSpec {
  choices: ChoiceGroup;
}

export interface MessageSpec {
  fit: Fit;
  languages: readonly Language[];
  values: Readonly<Record<string, ValueSpec | ChoiceSpec>>;
}

const ALL = LANGUAGES;
const KEYWORD = KEYWORD_LANGUAGES;

/** `999 999 999,99 CDF`, the largest amount we format; amounts are never cut. */
const AMOUNT: ValueSpec = { maxLength: 18 };
/** What the menu accepts (3 to 20 characters), shown whole. */
const REF: ValueSpec = { maxLength: 20, whole: true };
/** Our own reference for a payment without REGIDESO's receipt: `RGD-` and ten characters. */
const OUR_REF: ValueSpec = { maxLength: 14, whole: true };
const PROVINCE: ValueSpec = { maxLength: 3 };
const PROVINCE_LIST: ValueSpec = { maxLength: PROVINCE_CODES.join(' ').length };
/** A date with its time, by the `datetime`/`isodatetime` filters (fixed width). */
const WHEN: ValueSpec = { maxLength: 16 };
/** Data we do not control, echoed in keyword replies: cut, so a reply stays readable. */
const NAME: ValueSpec = { maxLength: 30 };
const ECHO: ValueSpec = { maxLength: 48 };

/**
 * The success receipt's values: the longest for which every part shows in one segment (a
 * num_acquit whose operator takes the 20 characters REGIDESO_OPERATOR allows, three bills, a
 * 15-character reference). A longer value drops the balance, then the bill, then the reference;
 * never the amount or the receipt number.
 */
const RECEIPT_VALUES = {
  amount: AMOUNT,
  bill: { maxLength: 15, whole: true },
  refClient: { maxLength: 15, whole: true },
  numAcquit: { maxLength: 44, whole: true },
  remaining: AMOUNT,
} as const satisfies Record<string, ValueSpec>;

/**
 * A payment's refusal reasons (`RefusalReason`, src/payments/types.ts), named here without importing
 * them (payments is above the catalogue): src/payments/sms-texts.ts checks at compile time that both
 * lists hold the same reasons.
 */
export const REFUSAL_CHOICES = ['amount_above_balance', 'amount_below_minimum', 'no_unpaid_bill', 'bills_already_paid', 'bills_not_owned', 'client_not_found', 'rejected'] as const;
export type RefusalChoice = (typeof REFUSAL_CHOICES)[number];

const WALLET_REASONS = {
  amount_refused: true,
  provider_unavailable: true,
  insufficient_balance: true,
  not_approved: true,
  limit_reached: true,
  wallet_not_found: true,
  other: true,
} as const satisfies Record<DepositFailureKind, true>;

/**
 * Groups of short texts that fill one value of another text (`{reason}`): the key of each is the
 * group's and the choice's (`sms.refusal.no_unpaid_bill`). Sent in the languages of the texts that use them.
 */
export const CHOICES = {
  'sms.refusal': { languages: ALL, choices: REFUSAL_CHOICES },
  'sms.wallet': { languages: ALL, choices: Object.keys(WALLET_REASONS) as DepositFailureKind[] },
  /** VerifyTransaction's `statut`. */
  'sms.keyword.receipt.status': { languages: KEYWORD, choices: ['success', 'failure'] },
  'sms.keyword.recent.status': { languages: KEYWORD, choices: ['succeeded', 'failed', 'in_progress', 'checking'] },
} as const satisfies Record<string, { languages: readonly Language[]; choices: readonly string[] }>;
export type ChoiceGroup = keyof typeof CHOICES;

const payment = <V extends Record<string, ValueSpec | ChoiceSpec>>(values: V) => ({ fit: 'sms', languages: ALL, values }) as const;
const keyword = <V extends Record<string, ValueSpec | ChoiceSpec>>(values: V) => ({ fit: 'sms2', languages: KEYWORD, values }) as const;
const receiptPart = <V extends Record<string, ValueSpec>>(values: V) => ({ fit: 'part', languages: ALL, values }) as const;
const recentPart = <V extends Record<string, ValueSpec | ChoiceSpec>>(values: V) => ({ fit: 'part', languages: KEYWORD, values }) as const;

const NOTICE = { amount: AMOUNT, refClient: REF };
/** A wallet's public name (src/collections/public-names.ts) and the USSD code that raises its PIN prompt. */
const WALLET: ValueSpec = { maxLength: 12 };
const DIAL_CODE: ValueSpec = { maxLength: 16, whole: true };

export const MESSAGES = {
  /**
   * The answers of the HTTP layer to a hop it could not read, or that broke or ran out of time.
   * French only: that layer answers without the session, so without the phone's language (unknown
   * anyway when the request cannot be read).
   */
  'http.bad_request': { fit: 'screen', languages: ['fr'], values: {} },
  'http.unavailable': { fit: 'screen', languages: ['fr'], values: {} },

  // The success receipt, in parts joined by a space (see COMPOSITES).
  'sms.receipt.head': receiptPart({ amount: RECEIPT_VALUES.amount }),
  'sms.receipt.bill': receiptPart({ bill: RECEIPT_VALUES.bill }),
  'sms.receipt.ref': receiptPart({ refClient: RECEIPT_VALUES.refClient }),
  'sms.receipt.acq': receiptPart({ numAcquit: RECEIPT_VALUES.numAcquit }),
  'sms.receipt.rest': receiptPart({ remaining: RECEIPT_VALUES.remaining }),

  /** The money landed but REGIDESO's answer (and its receipt number) was lost. */
  'sms.notice.applied': payment({ ...NOTICE, reference: OUR_REF }),
  /** The outcome needs the operator: do not pay twice. */
  'sms.notice.review': payment({ ...NOTICE, reference: OUR_REF }),
  /** REGIDESO could not be reached; nothing taken. */
  'sms.notice.failed': payment(NOTICE),
  /** Refused before or by PayFact; nothing taken. */
  'sms.notice.refused': payment({ ...NOTICE, reason: { choices: 'sms.refusal' } }),
  /** The wallet did not give the money; nothing taken. */
  'sms.notice.not_debited': payment({ ...NOTICE, reason: { choices: 'sms.wallet' } }),
  /** REGIDESO refused after the money was collected: it goes back to the wallet. */
  'sms.notice.refunded': payment(NOTICE),
  /** The refund itself failed: the operator handles it. */
  'sms.notice.refund_failed': payment({ ...NOTICE, reference: OUR_REF }),
  /** The network dropped a payment past the bills: the dial string that resumes it (`*123*83262#`). */
  'sms.resume.dropped': payment({ ...NOTICE, dial: { maxLength: 28, whole: true } }),
  /** The wallet shows no PIN prompt by itself: the subscriber dials its code to raise it. */
  'sms.notice.approve_manual': payment({ ...NOTICE, wallet: WALLET, dialCode: DIAL_CODE }),
  /** The PIN prompt can be raised again by dialling its code, should it not show or expire. */
  'sms.notice.approve_revive': payment({ ...NOTICE, wallet: WALLET, dialCode: DIAL_CODE }),

  'sms.keyword.help': keyword({ provinces: PROVINCE_LIST }),
  'sms.keyword.usage.receipt': keyword({ provinces: PROVINCE_LIST }),
  'sms.keyword.usage.bill': keyword({ provinces: PROVINCE_LIST }),
  'sms.keyword.unavailable': keyword({}),
  /** Each keyword's example has the shape of its own argument: a receipt number is not a reference. */
  'sms.keyword.unknown_province.receipt': keyword({ given: { maxLength: 20 }, provinces: PROVINCE_LIST }),
  'sms.keyword.unknown_province.bill': keyword({ given: { maxLength: 20 }, provinces: PROVINCE_LIST }),
  'sms.keyword.receipt.found': keyword({
    numAcquit: ECHO,
    status: { choices: 'sms.keyword.receipt.status' },
    amount: AMOUNT,
    paidAt: WHEN,
    refClient: ECHO,
    subscriberName: NAME,
  }),
  /** REGIDESO gave no name. */
  'sms.keyword.receipt.found_unnamed': keyword({ numAcquit: ECHO, status: { choices: 'sms.keyword.receipt.status' }, amount: AMOUNT, paidAt: WHEN, refClient: ECHO }),
  /** Not found where the province was typed, or known from our records: asking to add one would be wrong. */
  'sms.keyword.receipt.not_found': keyword({ numAcquit: ECHO, province: PROVINCE }),
  /** Not found in the default province, which was only a guess: the others are named. */
  'sms.keyword.receipt.not_found_guessed': keyword({ numAcquit: ECHO, province: PROVINCE, otherProvinces: PROVINCE_LIST }),
  /** A payment whose REGIDESO answer was lost: only our own reference exists, REGIDESO cannot verify it. */
  'sms.keyword.receipt.own_reference': keyword({ reference: ECHO, amount: AMOUNT, at: WHEN, refClient: ECHO }),
  'sms.keyword.recent.none': keyword({}),
  // The last payments: a head line and one line per payment (see COMPOSITES).
  'sms.keyword.recent.head_one': recentPart({}),
  'sms.keyword.recent.head_many': recentPart({ count: { maxLength: 1 } }),
  'sms.keyword.recent.line': recentPart({
    index: { maxLength: 1 },
    numAcquit: ECHO,
    amount: AMOUNT,
    at: WHEN,
    status: { choices: 'sms.keyword.recent.status' },
  }),
  /** A payment without a receipt number: named by its customer reference. */
  'sms.keyword.recent.line_no_receipt': recentPart({
    index: { maxLength: 1 },
    refClient: ECHO,
    amount: AMOUNT,
    at: WHEN,
    status: { choices: 'sms.keyword.recent.status' },
  }),
  'sms.keyword.bill.summary_one': keyword({ refClient: ECHO, province: PROVINCE, subscriberName: NAME, total: AMOUNT, oldestDate: WHEN, oldestBalance: AMOUNT }),
  'sms.keyword.bill.summary_many': keyword({
    refClient: ECHO,
    province: PROVINCE,
    subscriberName: NAME,
    count: { maxLength: 4 },
    total: AMOUNT,
    oldestDate: WHEN,
    oldestBalance: AMOUNT,
  }),
  'sms.keyword.bill.none': keyword({ refClient: ECHO, province: PROVINCE, subscriberName: NAME }),
  'sms.keyword.bill.none_unnamed': keyword({ refClient: ECHO, province: PROVINCE }),
  'sms.keyword.bill.not_found': keyword({ refClient: ECHO, province: PROVINCE, otherProvinces: PROVINCE_LIST }),
  /** LOOKUPS_PER_PHONE_DAY distinct references looked up today from this phone: no data. */
  'sms.keyword.bill.limited': keyword({ limit: { maxLength: 6 } }),
} as const satisfies Record<string, MessageSpec>;

export type MessageKey = keyof typeof MESSAGES;

/**
 * Messages made of several texts: `slots` in order, each one of the keys named (the longest is
 * measured), joined by `join`. `drop`: the slots given up, in this order, while the message does not
 * fit (the success receipt keeps its amount and receipt number).
 */
export interface CompositeSpec {
  fit: Exclude<Fit, 'part'>;
  languages: readonly Language[];
  join: string;
  slots: ReadonlyArray<{ anyOf: readonly MessageKey[] }>;
  drop: readonly MessageKey[];
}

export const COMPOSITES = {
  'sms.receipt': {
    fit: 'sms',
    languages: ALL,
    join: ' ',
    slots: [
      { anyOf: ['sms.receipt.head'] },
      { anyOf: ['sms.receipt.bill'] },
      { anyOf: ['sms.receipt.ref'] },
      { anyOf: ['sms.receipt.acq'] },
      { anyOf: ['sms.receipt.rest'] },
    ],
    drop: ['sms.receipt.rest', 'sms.receipt.bill', 'sms.receipt.ref'],
  },
  /**
   * `RECU` alone: the last payments, one a line. Measured with one line, the newest, which always
   * shows whole; older ones follow while they fit whole (src/sms/keyword-texts.ts), rather than
   * a line cut in the middle of its receipt number.
   */
  'sms.keyword.recent': {
    fit: 'sms2',
    languages: KEYWORD,
    join: '\n',
    slots: [
      { anyOf: ['sms.keyword.recent.head_one', 'sms.keyword.recent.head_many'] },
      { anyOf: ['sms.keyword.recent.line', 'sms.keyword.recent.line_no_receipt'] },
    ],
    drop: [],
  },
} as const satisfies Record<string, CompositeSpec>;
export type CompositeKey = keyof typeof COMPOSITES;

/** Every key of the catalogue that the code sends outside screens, with the languages it is sent in. */
export function messageKeys(): Map<string, readonly Language[]> {
  const out = new Map<string, readonly Language[]>();
  for (const [key, spec] of Object.entries(MESSAGES) as Array<[string, MessageSpec]>) out.set(key, spec.languages);
  for (const [group, spec] of Object.entries(CHOICES)) for (const c of spec.choices) out.set(`${group}.${c}`, spec.languages);
  return out;
}

/** The namespaces of those keys: a menu's own texts stay out of them. */
export const MESSAGE_NAMESPACES = ['sms.', 'http.'] as const;
export const isMessageNamespace = (key: string) => MESSAGE_NAMESPACES.some((n) => key.startsWith(n));

type Specs = typeof MESSAGES;
type ValueOf<V> = V extends { choices: infer G extends ChoiceGroup } ? (typeof CHOICES)[G]['choices'][number] : string | number;
/** The values a message is filled with: exactly those declared for it. */
export type ValuesOf<K extends MessageKey> = { [N in keyof Specs[K]['values']]: ValueOf<Specs[K]['values'][N]> };
/** The languages a message is sent in (keyword replies: French and English). */
export type LanguageOf<K extends MessageKey> = Specs[K]['languages'][number];
