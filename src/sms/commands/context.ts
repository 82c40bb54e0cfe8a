import type { Logger } from '../../logging/logger';
import type { PaymentRecords } from '../../payments/types';
import type { RegidesoClient } from '../../regideso/types';
import type { LookupLimiter } from '../../sessions/lookup-limit';
import type { SubscriberPrefs } from '../../sessions/types';
import type { KeywordTexts } from '../keyword-texts';

export { samePhone } from '../phone';

/** What a keyword command may use; `from` is the only phone a reply ever goes to. */
export interface CommandContext {
  from: string;
  regideso: RegidesoClient;
  records: PaymentRecords;
  logger: Logger;
  /** The replies' sentences, from the catalogue. */
  texts: KeywordTexts;
  /** The phone's preferences: the references it has paid, whose holders' names it may see. */
  prefs: Pick<SubscriberPrefs, 'get'>;
  /** Distinct references a phone may look up a day (LOOKUPS_PER_PHONE_DAY), with USSD. */
  lookups: LookupLimiter;
}

/** The reply, and a short outcome label for the metrics. */
export interface CommandResult {
  reply: string;
  outcome: string;
}
