import type { DepositFailureKind } from '../collections/failure-codes';
import { gsm7Length, isGsm7, SMS_SEGMENT, toGsm7 } from '../gsm7';
import type { Language } from '../language';
import { formatCdf, type Centimes } from '../money';

/**
 * The SMS a payment sends, per language (French default; English, Swahili, Lingala). Every text is
 * GSM-7 and fits one segment (160 characters) even with the longest amounts, receipt numbers and
 * references we expect (checked by test/sms/receipt-texts.test.ts). Values that come from REGIDESO
 * are folded to GSM-7 so one odd character cannot switch the message to UCS-2.
 */
export interface ReceiptFacts {
  amountCentimes: Centimes;
  refClient: string;
  billNumbers: string[];
  numAcquit: string;
  remainingCentimes: Centimes | undefined;
}

export interface NoticeFacts {
  amountCentimes: Centimes;
  refClient: string;
  /** Our own reference (applied without receipt, under review). */
  reference: string;
}

export type RefusalReason =
  | 'amount_above_balance'
  | 'amount_below_minimum'
  | 'no_unpaid_bill'
  | 'bills_already_paid'
  | 'bills_not_owned'
  | 'client_not_found'
  | 'rejected';

/** Why a wallet did not give the money, in the subscriber's terms (pawaPay's codes grouped in src/collections/failure-codes.ts). */
export type NotDebitedReason = DepositFailureKind;

interface Texts {
  /** Parts of the success receipt; optional parts are dropped, last first, if a value is very long. */
  receipt: { head: (amount: string) => string; bill: (bill: string) => string; ref: (ref: string) => string; acq: (acq: string) => string; rest: (rem: string) => string };
  applied: (amount: string, ref: string, reference: string) => string;
  review: (amount: string, ref: string, reference: string) => string;
  failed: (amount: string, ref: string) => string;
  refused: (reason: RefusalReason, amount: string, ref: string) => string;
  notDebited: (reason: NotDebitedReason, amount: string, ref: string) => string;
  refunded: (amount: string, ref: string) => string;
  refundFailed: (amount: string, ref: string, reference: string) => string;
}

const FR: Texts = {
  receipt: {
    head: (a) => `REGIDESO: payé ${a}`,
    bill: (b) => ` fact ${b}`,
    ref: (r) => ` réf ${r}`,
    acq: (q) => ` quittance ${q}`,
    rest: (m) => ` reste total ${m}`,
  },
  applied: (a, r, x) => `REGIDESO: votre paiement de ${a} (réf ${r}) est arrivé sans numéro de quittance. Notre référence: ${x}. Ne payez pas 2 fois.`,
  review: (a, r, x) => `REGIDESO: votre paiement de ${a} (réf ${r}) est en vérification. Ne payez pas à nouveau. Référence: ${x}. Vous serez informé.`,
  failed: (a, r) => `REGIDESO: votre paiement de ${a} (réf ${r}) n'a pas abouti. Aucun montant prélevé. Réessayez plus tard.`,
  refused: (reason, a, r) => `REGIDESO: paiement de ${a} (réf ${r}) refusé: ${FR_REASONS[reason]}. Aucun montant prélevé.`,
  notDebited: (reason, a, r) => `REGIDESO: paiement de ${a} (réf ${r}) non effectué: ${FR_WALLET[reason]}. Rien n'a été prélevé.`,
  refunded: (a, r) => `REGIDESO: la REGIDESO a refusé le paiement de ${a} (réf ${r}). Votre argent vous est remboursé sur votre compte mobile.`,
  refundFailed: (a, r, x) => `REGIDESO: le remboursement de ${a} (réf ${r}) est retardé. Notre service le traite. Référence: ${x}.`,
};

const FR_WALLET: Record<NotDebitedReason, string> = {
  amount_refused: 'montant refusé par le portefeuille',
  provider_unavailable: 'service mobile indisponible, réessayez plus tard',
  insufficient_balance: 'solde insuffisant',
  not_approved: 'non approuvé avec le PIN',
  limit_reached: 'limite du compte atteinte',
  wallet_not_found: 'compte mobile introuvable',
  other: 'refusé par le portefeuille',
};

const FR_REASONS: Record<RefusalReason, string> = {
  amount_above_balance: 'montant supérieur au solde',
  amount_below_minimum: 'montant inférieur au minimum',
  no_unpaid_bill: 'aucune facture impayée',
  bills_already_paid: 'factures déjà payées',
  bills_not_owned: 'factures inconnues pour ce client',
  client_not_found: 'client introuvable',
  rejected: 'refusé par la REGIDESO',
};

const EN: Texts = {
  receipt: {
    head: (a) => `REGIDESO: paid ${a}`,
    bill: (b) => ` bill ${b}`,
    ref: (r) => ` ref ${r}`,
    acq: (q) => ` receipt ${q}`,
    rest: (m) => ` total owed ${m}`,
  },
  applied: (a, r, x) => `REGIDESO: your payment of ${a} (ref ${r}) arrived, without a receipt number. Our reference: ${x}. Do not pay again.`,
  review: (a, r, x) => `REGIDESO: your payment of ${a} (ref ${r}) is being checked. Do not pay again. Reference: ${x}. We will inform you.`,
  failed: (a, r) => `REGIDESO: your payment of ${a} (ref ${r}) could not be made. Nothing was taken. Please try again later.`,
  refused: (reason, a, r) => `REGIDESO: payment of ${a} (ref ${r}) refused: ${EN_REASONS[reason]}. Nothing was taken.`,
  notDebited: (reason, a, r) => `REGIDESO: payment of ${a} (ref ${r}) not made: ${EN_WALLET[reason]}. Nothing was taken.`,
  refunded: (a, r) => `REGIDESO: REGIDESO refused the payment of ${a} (ref ${r}). Your money is refunded to your mobile wallet.`,
  refundFailed: (a, r, x) => `REGIDESO: the refund of ${a} (ref ${r}) is delayed. Our team is handling it. Reference: ${x}.`,
};

const EN_WALLET: Record<NotDebitedReason, string> = {
  amount_refused: 'amount refused by the wallet',
  provider_unavailable: 'mobile money unavailable, try again later',
  insufficient_balance: 'insufficient balance',
  not_approved: 'not approved with your PIN',
  limit_reached: 'wallet limit reached',
  wallet_not_found: 'mobile wallet not found',
  other: 'refused by the wallet',
};

const EN_REASONS: Record<RefusalReason, string> = {
  amount_above_balance: 'amount above the balance',
  amount_below_minimum: 'amount below the minimum',
  no_unpaid_bill: 'no unpaid bill',
  bills_already_paid: 'bills already paid',
  bills_not_owned: 'bills unknown for this customer',
  client_not_found: 'customer not found',
  rejected: 'refused by REGIDESO',
};

const SW: Texts = {
  receipt: {
    head: (a) => `REGIDESO: umelipa ${a}`,
    bill: (b) => ` ankara ${b}`,
    ref: (r) => ` ref ${r}`,
    acq: (q) => ` risiti ${q}`,
    rest: (m) => ` deni lote ${m}`,
  },
  applied: (a, r, x) => `REGIDESO: malipo yako ya ${a} (ref ${r}) yamefika, bila namba ya risiti. Kumbukumbu yetu: ${x}. Usilipe tena.`,
  review: (a, r, x) => `REGIDESO: malipo yako ya ${a} (ref ${r}) yanahakikiwa. Usilipe tena. Kumbukumbu: ${x}. Tutakujulisha.`,
  failed: (a, r) => `REGIDESO: malipo yako ya ${a} (ref ${r}) hayakufanyika. Hakuna pesa iliyotolewa. Jaribu tena baadaye.`,
  refused: (reason, a, r) => `REGIDESO: malipo ya ${a} (ref ${r}) yamekataliwa: ${SW_REASONS[reason]}. Hakuna pesa iliyotolewa.`,
  notDebited: (reason, a, r) => `REGIDESO: malipo ya ${a} (ref ${r}) hayakufanyika: ${SW_WALLET[reason]}. Hakuna pesa iliyotolewa.`,
  refunded: (a, r) => `REGIDESO: REGIDESO imekataa malipo ya ${a} (ref ${r}). Pesa yako inarudishwa kwenye akaunti yako ya simu.`,
  refundFailed: (a, r, x) => `REGIDESO: kurudishwa kwa ${a} (ref ${r}) kumechelewa. Timu yetu inashughulikia. Kumbukumbu: ${x}.`,
};

const SW_WALLET: Record<NotDebitedReason, string> = {
  amount_refused: 'kiasi kimekataliwa na pochi',
  provider_unavailable: 'huduma ya pesa haipatikani, jaribu baadaye',
  insufficient_balance: 'salio haitoshi',
  not_approved: 'haikuidhinishwa kwa PIN',
  limit_reached: 'kikomo cha akaunti kimefikiwa',
  wallet_not_found: 'akaunti ya simu haipatikani',
  other: 'imekataliwa na pochi',
};

const SW_REASONS: Record<RefusalReason, string> = {
  amount_above_balance: 'kiasi kinazidi deni',
  amount_below_minimum: 'kiasi ni chini ya kiwango',
  no_unpaid_bill: 'hakuna ankara isiyolipwa',
  bills_already_paid: 'ankara zimeshalipwa',
  bills_not_owned: 'ankara hazijulikani kwa mteja huyu',
  client_not_found: 'mteja hapatikani',
  rejected: 'imekataliwa na REGIDESO',
};

const LN: Texts = {
  receipt: {
    head: (a) => `REGIDESO: ofuti ${a}`,
    bill: (b) => ` fakt ${b}`,
    ref: (r) => ` ref ${r}`,
    acq: (q) => ` quittance ${q}`,
    rest: (m) => ` etikali ${m}`,
  },
  applied: (a, r, x) => `REGIDESO: mosolo ${a} (ref ${r}) ekoki, kasi nimero ya quittance ezali te. Referans na biso: ${x}. Kofuta lisusu te.`,
  review: (a, r, x) => `REGIDESO: mosolo ${a} (ref ${r}) ezali kotalelama. Kofuta lisusu te. Referans: ${x}. Tokoyebisa yo.`,
  failed: (a, r) => `REGIDESO: mosolo ${a} (ref ${r}) ekokaki kofutama te. Mosolo moko te elongwi. Meka lisusu sima.`,
  refused: (reason, a, r) => `REGIDESO: mosolo ${a} (ref ${r}) eboyami: ${LN_REASONS[reason]}. Mosolo moko te elongwi.`,
  notDebited: (reason, a, r) => `REGIDESO: mosolo ${a} (ref ${r}) efutami te: ${LN_WALLET[reason]}. Mosolo moko te elongwi.`,
  refunded: (a, r) => `REGIDESO: REGIDESO eboyi mosolo ${a} (ref ${r}). Mosolo na yo ezongisami na kompte na yo ya telefone.`,
  refundFailed: (a, r, x) => `REGIDESO: kozongisa ${a} (ref ${r}) ezali kowumela. Ekipi na biso ezali kosala yango. Referans: ${x}.`,
};

const LN_WALLET: Record<NotDebitedReason, string> = {
  amount_refused: 'kompte eboyi motuya',
  provider_unavailable: 'mobile money ezali te, meka sima',
  insufficient_balance: 'mosolo ekoki te',
  not_approved: 'endimami na PIN te',
  limit_reached: 'ndelo ya kompte ekoki',
  wallet_not_found: 'kompte ya telefone emonani te',
  other: 'eboyami na kompte',
};

const LN_REASONS: Record<RefusalReason, string> = {
  amount_above_balance: 'eleki niongo',
  amount_below_minimum: 'ekoki minimum te',
  no_unpaid_bill: 'fakture moko te ya kofuta',
  bills_already_paid: 'bafakture bafutami kala',
  bills_not_owned: 'bafakture eyebani te mpo na klienti oyo',
  client_not_found: 'klienti amonani te',
  rejected: 'REGIDESO eboyi',
};

const TEXTS: Record<Language, Texts> = { fr: FR, en: EN, sw: SW, ln: LN };

/** One bill by its number; several as the first number and how many more (`8326224601541+2`). */
function billLabel(billNumbers: string[]): string {
  const [first] = billNumbers;
  if (first === undefined) return '';
  return billNumbers.length === 1 ? first : `${first}+${billNumbers.length - 1}`;
}

const gsm = (v: string) => (isGsm7(v) ? v : toGsm7(v));

/** The success receipt: amount, bill, reference, num_acquit, what remains owed on the whole account (not the bill alone); one segment. */
export function receiptText(language: Language, facts: ReceiptFacts): string {
  const t = TEXTS[language].receipt;
  const head = t.head(formatCdf(facts.amountCentimes));
  const bill = facts.billNumbers.length > 0 ? t.bill(gsm(billLabel(facts.billNumbers))) : '';
  const ref = t.ref(gsm(facts.refClient));
  const acq = t.acq(gsm(facts.numAcquit));
  const rest = facts.remainingCentimes !== undefined ? t.rest(formatCdf(facts.remainingCentimes)) : '';
  // The receipt number is the point of the message: if a value is unexpectedly long, the
  // remaining balance goes first, then the bill, never the receipt number.
  const candidates = [head + bill + ref + acq + rest, head + bill + ref + acq, head + ref + acq, head + acq];
  return candidates.find((c) => gsm7Length(c) <= SMS_SEGMENT) ?? head + acq;
}

/** The money landed but REGIDESO's answer (and so its receipt number) was lost. */
export function appliedWithoutReceiptText(language: Language, facts: NoticeFacts): string {
  return TEXTS[language].applied(formatCdf(facts.amountCentimes), gsm(facts.refClient), facts.reference);
}

/** The outcome is not known yet and needs the operator: the subscriber must not pay twice. */
export function underReviewText(language: Language, facts: NoticeFacts): string {
  return TEXTS[language].review(formatCdf(facts.amountCentimes), gsm(facts.refClient), facts.reference);
}

/** REGIDESO could not be reached; nothing was sent, nothing taken. */
export function paymentFailedText(language: Language, facts: { amountCentimes: Centimes; refClient: string }): string {
  return TEXTS[language].failed(formatCdf(facts.amountCentimes), gsm(facts.refClient));
}

/** Refused before or by PayFact; nothing taken. */
export function paymentRefusedText(language: Language, reason: RefusalReason, facts: { amountCentimes: Centimes; refClient: string }): string {
  return TEXTS[language].refused(reason, formatCdf(facts.amountCentimes), gsm(facts.refClient));
}

/** The wallet did not give the money (failed or rejected deposit); nothing was taken. */
export function notDebitedText(language: Language, reason: NotDebitedReason, facts: { amountCentimes: Centimes; refClient: string }): string {
  return TEXTS[language].notDebited(reason, formatCdf(facts.amountCentimes), gsm(facts.refClient));
}

/** REGIDESO refused after the money was collected: it goes back to the wallet. */
export function refundedText(language: Language, facts: { amountCentimes: Centimes; refClient: string }): string {
  return TEXTS[language].refunded(formatCdf(facts.amountCentimes), gsm(facts.refClient));
}

/** The refund itself failed: the operator handles it; the subscriber keeps a reference. */
export function refundFailedText(language: Language, facts: NoticeFacts): string {
  return TEXTS[language].refundFailed(formatCdf(facts.amountCentimes), gsm(facts.refClient), facts.reference);
}
