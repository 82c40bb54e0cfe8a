import type { Language } from '../../language';
import type { Screen } from './schema';

/** A loaded, checked menu: what the engine interprets. */
export interface Menu {
  /** The author's version plus a hash of the files, so any change makes a new version. */
  version: string;
  start: string;
  screens: Record<string, Screen>;
  variables: Record<string, { maxLength: number }>;
  /** See menuFileSchema: the first hop's action screen, the reference screen, the resumable screens. */
  open?: string | undefined;
  dialReference?: string | undefined;
  resumable?: string[] | undefined;
  texts: Record<Language, Record<string, string>>;
  /** Which file defined each screen, for messages. */
  files: Record<string, string>;
}
