import type { Language } from '../../language';
import type { Screen } from './schema';

/** A loaded, checked menu: what the engine interprets. */
export interface Menu {
  /** The author's version plus a hash of the files, so any change makes a new version. */
  version: string;
  start: string;
  screens: Record<string, Screen>;
  variables: Record<string, { maxLength: number }>;
  texts: Record<Language, Record<string, string>>;
  /** Which file defined each screen, for messages. */
  files: Record<string, string>;
}
