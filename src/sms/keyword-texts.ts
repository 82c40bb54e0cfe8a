import type { KeywordLanguage } from '../language';
import type { Centimes } from '../money';
import { PROVINCE_CODES, type Province } from '../provinces';
import type { Messages, Piece } from '../texts/catalogue';

/**
 * Reply texts of the SMS keywords, in the keyword's language. The sentences are in the catalogue
 * (menus/lang/<language>.yaml, `sms.keyword.*`), where `menus:check` proves each GSM-7 and within
 * two segments with the longest values declared; this maps a command's result onto their values.
 * Data we do not control (names, echoed input) is folded to GSM-7 and cut to its declared length
 * when filled, and a reply is never longer than two segments.
 */

const PROVINCES_LIST = PROVINCE_CODES.join(' ');

export type TransactionStatusText = 'succès' | 'échec';

export interface ReceiptView {
  numAcquit: string;
  status: TransactionStatusText;
  amountCentimes: Centimes;
  paidAt: string;
  /** Left out when the asking phone is not the payer's. */
  subscriberName: string | undefined;
  /** Already masked when the asking phone is not the payer's. */
  refClient: string;
}

export type RecentStatus = 'succeeded' | 'failed' | 'in_progress' | 'checking';

export interface RecentPaymentView {
  numAcquit: string | undefined;
  refClient: string;
  amountCentimes: Centimes;
  at: string;
  status: RecentStatus;
}

export interface BillSummaryView {
  refClient: string;
  province: Province;
  subscriberName: string;
  unpaidCount: number;
  totalCentimes: Centimes;
  oldest: { issuedOn: string; balanceCentimes: Centimes };
}

export interface KeywordTexts {
  receiptFound(v: ReceiptView, lang: KeywordLanguage): string;
  /**
   * `provinceKnown`: the province was typed or came from our payment record, so asking to add one
   * would be wrong; otherwise the default province was only a guess, and the others are named.
   */
  receiptNotFound(numAcquit: string, province: Province, provinceKnown: boolean, lang: KeywordLanguage): string;
  /** A payment whose REGIDESO answer was lost: only our own reference exists, REGIDESO cannot verify it. */
  receiptOwnReference(v: { reference: string; amountCentimes: Centimes; at: string; refClient: string }, lang: KeywordLanguage): string;
  /** The newest payments, as many as fit whole (the newest always). */
  recentReceipts(list: RecentPaymentView[], lang: KeywordLanguage): string;
  billSummary(v: BillSummaryView, lang: KeywordLanguage): string;
  noUnpaidBill(v: { refClient: string; province: Province; subscriberName: string | undefined }, lang: KeywordLanguage): string;
  clientNotFound(refClient: string, province: Province, lang: KeywordLanguage): string;
  /** The phone has looked up `limit` other references today: no data, a sentence. */
  lookupLimited(limit: number, lang: KeywordLanguage): string;
  unavailable(lang: KeywordLanguage): string;
  unknownProvince(given: string, keyword: 'receipt' | 'bill', lang: KeywordLanguage): string;
  usage(keyword: 'receipt' | 'bill', lang: KeywordLanguage): string;
  help(lang: KeywordLanguage): string;
}

/** The province codes other than the one just tried: where else to look. */
function otherProvinces(tried: Province): string {
  return PROVINCE_CODES.filter((c) => c !== tried).join(' ');
}

const named = (name: string | undefined): name is string => name !== undefined && name.trim() !== '';

export function keywordTexts(messages: Messages): KeywordTexts {
  return {
    receiptFound(v, lang) {
      const common = {
        numAcquit: v.numAcquit,
        status: v.status === 'succès' ? 'success' : 'failure',
        amount: v.amountCentimes,
        paidAt: v.paidAt,
        refClient: v.refClient,
      } as const;
      return named(v.subscriberName)
        ? messages.text(lang, 'sms.keyword.receipt.found', { ...common, subscriberName: v.subscriberName })
        : messages.text(lang, 'sms.keyword.receipt.found_unnamed', common);
    },
    receiptNotFound(numAcquit, province, provinceKnown, lang) {
      return provinceKnown
        ? messages.text(lang, 'sms.keyword.receipt.not_found', { numAcquit, province })
        : messages.text(lang, 'sms.keyword.receipt.not_found_guessed', { numAcquit, province, otherProvinces: otherProvinces(province) });
    },
    receiptOwnReference(v, lang) {
      return messages.text(lang, 'sms.keyword.receipt.own_reference', { reference: v.reference, amount: v.amountCentimes, at: v.at, refClient: v.refClient });
    },
    recentReceipts(list, lang) {
      if (list.length === 0) return messages.text(lang, 'sms.keyword.recent.none', {});
      const lines: Piece[] = list.map((p, i) => {
        const common = { index: i + 1, amount: p.amountCentimes, at: p.at, status: p.status };
        return p.numAcquit !== undefined
          ? { key: 'sms.keyword.recent.line', values: { ...common, numAcquit: p.numAcquit } }
          : { key: 'sms.keyword.recent.line_no_receipt', values: { ...common, refClient: p.refClient } };
      });
      const pieces = (n: number): Piece[] => [
        n === 1 ? { key: 'sms.keyword.recent.head_one', values: {} } : { key: 'sms.keyword.recent.head_many', values: { count: n } },
        ...lines.slice(0, n),
      ];
      // Older payments make way whole rather than leave a line cut in its receipt number.
      let n = lines.length;
      while (n > 1 && !messages.fitsWhole(lang, 'sms.keyword.recent', pieces(n))) n--;
      return messages.compose(lang, 'sms.keyword.recent', pieces(n));
    },
    billSummary(v, lang) {
      const common = {
        refClient: v.refClient,
        province: v.province,
        subscriberName: v.subscriberName,
        total: v.totalCentimes,
        oldestDate: v.oldest.issuedOn,
        oldestBalance: v.oldest.balanceCentimes,
      };
      return v.unpaidCount === 1
        ? messages.text(lang, 'sms.keyword.bill.summary_one', common)
        : messages.text(lang, 'sms.keyword.bill.summary_many', { ...common, count: v.unpaidCount });
    },
    noUnpaidBill(v, lang) {
      return named(v.subscriberName)
        ? messages.text(lang, 'sms.keyword.bill.none', { refClient: v.refClient, province: v.province, subscriberName: v.subscriberName })
        : messages.text(lang, 'sms.keyword.bill.none_unnamed', { refClient: v.refClient, province: v.province });
    },
    clientNotFound(refClient, province, lang) {
      return messages.text(lang, 'sms.keyword.bill.not_found', { refClient, province, otherProvinces: otherProvinces(province) });
    },
    lookupLimited(limit, lang) {
      return messages.text(lang, 'sms.keyword.bill.limited', { limit });
    },
    unavailable(lang) {
      return messages.text(lang, 'sms.keyword.unavailable', {});
    },
    unknownProvince(given, keyword, lang) {
      return keyword === 'receipt'
        ? messages.text(lang, 'sms.keyword.unknown_province.receipt', { given, provinces: PROVINCES_LIST })
        : messages.text(lang, 'sms.keyword.unknown_province.bill', { given, provinces: PROVINCES_LIST });
    },
    usage(keyword, lang) {
      return keyword === 'receipt'
        ? messages.text(lang, 'sms.keyword.usage.receipt', { provinces: PROVINCES_LIST })
        : messages.text(lang, 'sms.keyword.usage.bill', { provinces: PROVINCES_LIST });
    },
    help(lang) {
      return messages.text(lang, 'sms.keyword.help', { provinces: PROVINCES_LIST });
    },
  };
}
