import { gsm7Length, SMS_TWO_SEGMENTS, toGsm7 } from '../gsm7';
import { formatCdf, type Centimes } from '../money';
import { PROVINCE_CODES, type Province } from '../provinces';
import type { KeywordLanguage } from './keywords';

/**
 * Reply texts of the SMS keywords, per language. Written in GSM-7 only: lower-case `ç` is not in
 * it (upper-case `Ç` is), hence `REÇU` in capitals and `paiement` where French would say `reçu`.
 * Data we do not control (names, echoed input) goes through `toGsm7` and is cut short, and every
 * reply is capped at two concatenated segments by `fitSms`.
 */

const NAME_MAX = 30;
const PROVINCES_LIST = PROVINCE_CODES.join(' ');
/** A receipt number as REGIDESO writes them (the one in its API documentation). */
const RECEIPT_EXAMPLE = '29-01-25FINCA-83262-0dfe8';

export type TransactionStatusText = 'succès' | 'échec';

function clean(text: string, max: number): string {
  const t = toGsm7(text).replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '.' : t;
}

/** `2025-01-29 00:00:00` → `29/01/2025` (fr) or `2025-01-29` (en); the time is kept when set. */
export function formatDate(text: string, language: KeywordLanguage): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(text.trim());
  if (!m) return clean(text, 20);
  const [, y, mo, d, h, mi] = m;
  const time = h !== undefined && mi !== undefined && !(h === '00' && mi === '00') ? ` ${h}:${mi}` : '';
  return (language === 'fr' ? `${d}/${mo}/${y}` : `${y}-${mo}-${d}`) + time;
}

/** Never more than two concatenated segments; our own texts stay far below, this guards the data. */
export function fitSms(text: string): string {
  const t = toGsm7(text);
  if (gsm7Length(t) <= SMS_TWO_SEGMENTS) return t;
  let out = t;
  while (gsm7Length(out) > SMS_TWO_SEGMENTS - 3) out = out.slice(0, -1);
  return out + '...';
}

export interface ReceiptView {
  numAcquit: string;
  status: TransactionStatusText;
  amountCentimes: Centimes;
  paidAt: string;
  /** Already masked when the asking phone is not the payer's. */
  subscriberName: string | undefined;
  refClient: string;
}

const STATUS_EN: Record<TransactionStatusText, string> = { succès: 'success', échec: 'failed' };

export function receiptFound(v: ReceiptView, lang: KeywordLanguage): string {
  const name = v.subscriberName === undefined ? '' : ` ${clean(v.subscriberName, NAME_MAX)}`;
  const num = clean(v.numAcquit, 48);
  const amount = formatCdf(v.amountCentimes);
  const date = formatDate(v.paidAt, lang);
  return fitSms(
    lang === 'fr'
      ? `REGIDESO REÇU ${num}: ${v.status}. Montant ${amount}, le ${date}. Client ${v.refClient}${name}.`
      : `REGIDESO RECEIPT ${num}: ${STATUS_EN[v.status]}. Amount ${amount}, on ${date}. Customer ${v.refClient}${name}.`,
  );
}

/** The province codes other than the one just tried: where else to look. */
function otherProvinces(tried: Province): string {
  return PROVINCE_CODES.filter((c) => c !== tried).join(' ');
}

/**
 * `provinceKnown`: the province was typed or came from our payment record, so asking to add one
 * would be wrong; otherwise the default province was only a guess, and the others are named.
 */
export function receiptNotFound(numAcquit: string, province: Province, provinceKnown: boolean, lang: KeywordLanguage): string {
  const num = clean(numAcquit, 48);
  if (provinceKnown) {
    return fitSms(
      lang === 'fr'
        ? `REGIDESO: aucun paiement trouvé pour le REÇU ${num} en ${province}. Vérifiez le numéro et la province.`
        : `REGIDESO: no payment found for RECEIPT ${num} in ${province}. Check the number and the province.`,
    );
  }
  const others = otherProvinces(province);
  return fitSms(
    lang === 'fr'
      ? `REGIDESO: aucun paiement trouvé pour le REÇU ${num} en ${province}. Vérifiez le numéro, ou ajoutez la province: RECU ${num} <province> (${others}).`
      : `REGIDESO: no payment found for RECEIPT ${num} in ${province}. Check the number, or add the province: RECEIPT ${num} <province> (${others}).`,
  );
}

/** A payment whose REGIDESO answer was lost: only our own reference exists, REGIDESO cannot verify it. */
export function receiptOwnReference(
  v: { reference: string; amountCentimes: Centimes; at: string; refClient: string },
  lang: KeywordLanguage,
): string {
  const date = formatDate(v.at, lang);
  return fitSms(
    lang === 'fr'
      ? `REGIDESO: paiement ${clean(v.reference, 48)} de ${formatCdf(v.amountCentimes)} le ${date}, client ${v.refClient}: enregistré, en cours de vérification par REGIDESO.`
      : `REGIDESO: payment ${clean(v.reference, 48)} of ${formatCdf(v.amountCentimes)} on ${date}, customer ${v.refClient}: recorded, being checked with REGIDESO.`,
  );
}

export type RecentStatus = 'succeeded' | 'failed' | 'in_progress' | 'checking';

const RECENT_STATUS: Record<KeywordLanguage, Record<RecentStatus, string>> = {
  fr: { succeeded: 'succès', failed: 'échec', in_progress: 'en cours', checking: 'en vérification' },
  en: { succeeded: 'success', failed: 'failed', in_progress: 'in progress', checking: 'being checked' },
};

export interface RecentPaymentView {
  numAcquit: string | undefined;
  refClient: string;
  amountCentimes: Centimes;
  at: string;
  status: RecentStatus;
}

export function recentReceipts(list: RecentPaymentView[], lang: KeywordLanguage): string {
  if (list.length === 0) {
    return lang === 'fr'
      ? 'REGIDESO: aucun paiement récent depuis ce numéro. Pour vérifier un paiement: RECU <numéro>. Aide: AIDE'
      : 'REGIDESO: no recent payment from this number. To check a payment: RECEIPT <number>. Help: HELP';
  }
  const one = list.length === 1;
  const head =
    lang === 'fr'
      ? one
        ? 'REGIDESO, votre dernier paiement:'
        : `REGIDESO, vos ${list.length} derniers paiements:`
      : one
        ? 'REGIDESO, your last payment:'
        : `REGIDESO, your last ${list.length} payments:`;
  const lines = list.map((p, i) => {
    const id = p.numAcquit !== undefined ? clean(p.numAcquit, 48) : `${lang === 'fr' ? 'client' : 'customer'} ${p.refClient}`;
    return `${i + 1}) ${id} ${formatCdf(p.amountCentimes)} ${formatDate(p.at, lang)} ${RECENT_STATUS[lang][p.status]}`;
  });
  return fitSms([head, ...lines].join('\n'));
}

export interface BillSummaryView {
  refClient: string;
  province: Province;
  subscriberName: string;
  unpaidCount: number;
  totalCentimes: Centimes;
  oldest: { issuedOn: string; balanceCentimes: Centimes };
}

export function billSummary(v: BillSummaryView, lang: KeywordLanguage): string {
  const who = `${v.refClient} (${v.province}) ${clean(v.subscriberName, NAME_MAX)}`;
  const total = formatCdf(v.totalCentimes);
  const oldest = `${formatDate(v.oldest.issuedOn, lang)}, ${formatCdf(v.oldest.balanceCentimes)}`;
  if (lang === 'fr') {
    const n = v.unpaidCount === 1 ? '1 facture impayée' : `${v.unpaidCount} factures impayées`;
    return fitSms(`REGIDESO ${who}: ${n}, total ${total}. Plus ancienne: ${oldest}.`);
  }
  const n = v.unpaidCount === 1 ? '1 unpaid bill' : `${v.unpaidCount} unpaid bills`;
  return fitSms(`REGIDESO ${who}: ${n}, total ${total}. Oldest: ${oldest}.`);
}

export function noUnpaidBill(v: { refClient: string; province: Province; subscriberName: string | undefined }, lang: KeywordLanguage): string {
  const name = v.subscriberName === undefined ? '' : ` ${clean(v.subscriberName, NAME_MAX)}`;
  return fitSms(
    lang === 'fr'
      ? `REGIDESO ${v.refClient} (${v.province})${name}: aucune facture impayée. Merci.`
      : `REGIDESO ${v.refClient} (${v.province})${name}: no unpaid bill. Thank you.`,
  );
}

export function clientNotFound(refClient: string, province: Province, lang: KeywordLanguage): string {
  const ref = clean(refClient, 48);
  return fitSms(
    lang === 'fr'
      ? `REGIDESO: référence client ${ref} introuvable en ${province}. Autre province? FACTURE ${ref} <province> (${otherProvinces(province)}).`
      : `REGIDESO: customer reference ${ref} not found in ${province}. Other province? BILL ${ref} <province> (${otherProvinces(province)}).`,
  );
}

export function unavailable(lang: KeywordLanguage): string {
  return lang === 'fr'
    ? 'REGIDESO: service momentanément indisponible. Réessayez dans quelques minutes.'
    : 'REGIDESO: service temporarily unavailable. Please try again in a few minutes.';
}

export function unknownProvince(given: string, keyword: 'receipt' | 'bill', lang: KeywordLanguage): string {
  const g = clean(given, 20);
  // Each keyword's example has the shape of its own argument: a receipt number is not a reference.
  const example =
    keyword === 'receipt' ? `${lang === 'fr' ? 'RECU' : 'RECEIPT'} ${RECEIPT_EXAMPLE} KIN` : `${lang === 'fr' ? 'FACTURE' : 'BILL'} 83262 KIN`;
  return fitSms(
    lang === 'fr'
      ? `REGIDESO: province "${g}" inconnue. Provinces: ${PROVINCES_LIST}. Exemple: ${example}`
      : `REGIDESO: unknown province "${g}". Provinces: ${PROVINCES_LIST}. Example: ${example}`,
  );
}

export function usage(keyword: 'receipt' | 'bill', lang: KeywordLanguage): string {
  if (keyword === 'receipt') {
    return lang === 'fr'
      ? `REGIDESO: envoyez RECU <numéro de paiement> [province] pour le vérifier, ou RECU seul pour vos derniers paiements. Provinces: ${PROVINCES_LIST}`
      : `REGIDESO: send RECEIPT <payment number> [province] to check it, or RECEIPT alone for your last payments. Provinces: ${PROVINCES_LIST}`;
  }
  return lang === 'fr'
    ? `REGIDESO: envoyez FACTURE <référence client> [province]. Exemple: FACTURE 83262 KIN. Provinces: ${PROVINCES_LIST}`
    : `REGIDESO: send BILL <customer reference> [province]. Example: BILL 83262 KIN. Provinces: ${PROVINCES_LIST}`;
}

export function help(lang: KeywordLanguage): string {
  return lang === 'fr'
    ? `REGIDESO par SMS:\nRECU <numéro> [province]: vérifier un paiement\nRECU: vos 3 derniers paiements\nFACTURE <référence client> [province]: ce que vous devez\nAIDE: cette aide\nProvinces: ${PROVINCES_LIST}. EN: HELP`
    : `REGIDESO by SMS:\nRECEIPT <number> [province]: check a payment\nRECEIPT: your last 3 payments\nBILL <customer reference> [province]: what you owe\nHELP: this help\nProvinces: ${PROVINCES_LIST}. FR: AIDE`;
}
